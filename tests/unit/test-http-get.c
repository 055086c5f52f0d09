/* SPDX-License-Identifier: MIT */
/* Downloads through file:// URLs (no network): atomic placement, checksum
 * and size verification, clear errors, nothing left behind on failure. */
#include "net/http_get.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static char dir[] = "/tmp/mkfr-test-http-XXXXXX";

static void clean(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

int main(void)
{
	struct mkfr_error err;
	struct http_get_opts o = HTTP_GET_OPTS_INIT;
	char url[600], dest[600], missing[600];
	uint64_t bytes = 0;
	char *buf = NULL;
	size_t len = 0;

	if (!mkdtemp(dir))
		return 1;
	atexit(clean);
	tap_write_file(dir, "src", "abc");
	snprintf(url, sizeof(url), "file://%s/src", dir);
	snprintf(dest, sizeof(dest), "%s/dest", dir);
	snprintf(missing, sizeof(missing), "file://%s/missing", dir);

	o.expect_sha256 = ABC_SHA256;
	o.expect_size = 3;
	ok(http_get_to_path(url, dest, &o, &bytes, &err) == 0, "a verified download succeeds");
	struct stat st;
	ok(stat(dest, &st) == 0 && st.st_size == 3 && (st.st_mode & 07777) == 0644 && bytes == 3,
	   "the file is in place, 3 bytes, mode 0644");
	ok(tap_count_entries(dir) == 2, "no temporary file is left next to it");

	unlink(dest);
	o.expect_sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
	ok(http_get_to_path(url, dest, &o, NULL, &err) < 0, "a SHA256 mismatch fails");
	contains(err.msg, "SHA256 mismatch", "saying so");
	contains(err.msg, url, "naming the URL");
	ok(access(dest, F_OK) < 0 && tap_count_entries(dir) == 1, "and leaves no file at all");

	o.expect_sha256 = ABC_SHA256;
	o.expect_size = 4;
	ok(http_get_to_path(url, dest, &o, NULL, &err) < 0, "a size mismatch fails");
	contains(err.msg, "size mismatch", "saying so");
	ok(err.errnum == EBADMSG, "as a mismatch (EBADMSG), not a transfer failure");
	ok(access(dest, F_OK) < 0, "and leaves no file");

	/* A body longer than the listed size is stopped early: still a mismatch. */
	o.expect_size = 2;
	o.listed_by = "its signed Release";
	o.mismatch_hint = "the mirror looks mid-sync";
	ok(http_get_to_path(url, dest, &o, NULL, &err) < 0 && err.errnum == EBADMSG,
	   "a body longer than listed is a size mismatch too");
	contains(err.msg, "more than the 2 bytes its signed Release says): the mirror looks mid-sync",
		 "naming who listed it and what it means");
	o.expect_size = 3;
	o.expect_sha256 = "1111111111111111111111111111111111111111111111111111111111111111";
	ok(http_get_to_path(url, dest, &o, NULL, &err) < 0 && err.errnum == EBADMSG,
	   "a SHA256 mismatch is EBADMSG");
	contains(err.msg, "its signed Release says 1111", "with the caller's words");
	o.listed_by = o.mismatch_hint = NULL;
	o.expect_sha256 = ABC_SHA256;

	o = (struct http_get_opts)HTTP_GET_OPTS_INIT;
	o.retry_delay_ms = 1;
	ok(http_get_to_path(missing, dest, &o, NULL, &err) < 0, "a missing file fails");
	contains(err.msg, "not found", "as not found");
	contains(err.msg, missing, "naming the URL");
	ok(strstr(err.msg, "tries") == NULL, "without retrying");
	ok(tap_count_entries(dir) == 1, "nothing is left behind");

	ok(http_get_to_memory(url, NULL, &buf, &len, &err) == 0 && len == 3 && strcmp(buf, "abc") == 0,
	   "a download into memory is NUL-terminated");
	free(buf);
	o.max_size = 2;
	ok(http_get_to_memory(url, &o, &buf, &len, &err) < 0, "more than max_size is refused");
	contains(err.msg, "larger than", "saying so");

	o = (struct http_get_opts)HTTP_GET_OPTS_INIT;
	o.retry_delay_ms = 1;
	o.tries = 2;
	ok(http_get_to_memory("http://127.0.0.1:1/x", &o, &buf, &len, &err) < 0,
	   "a refused connection fails");
	contains(err.msg, "after 2 tries", "after retrying");
	return tap_done();
}
