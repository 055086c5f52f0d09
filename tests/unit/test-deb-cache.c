/* SPDX-License-Identifier: MIT */
/* The shared package cache with local files (no network): intact, truncated,
 * altered and missing files; per-file locks between two processes; a
 * corrupt file replaced by another build while we looked; the directory
 * for debootstrap --cache-dir; fetch_debs from a file:// mirror. */
#include "cache/deb_cache.h"
#include "cache/fetch_debs.h"
#include "util/log.h"
#include "util/sha256.h"
#include "tap.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[] = "/tmp/mkfr-test-deb-cache-XXXXXX";
static char cache_dir[600], debs[600];

static void clean(void)
{
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void write_bytes(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f || fwrite(text, 1, len, f) != len) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	fclose(f);
}

struct fixture {
	struct deb_package pkg;
	char sha[SHA256_HEX_SIZE];
	const char *content;
};

static void make_pkg(struct fixture *f, const char *name, const char *version, const char *content)
{
	struct mkfr_error err;
	memset(f, 0, sizeof(*f));
	f->content = content;
	sha256_buffer_hex(content, strlen(content), f->sha, &err);
	f->pkg.package = (char *)name;
	f->pkg.version = (char *)version;
	f->pkg.architecture = (char *)"armel";
	f->pkg.size = strlen(content);
	f->pkg.sha256 = f->sha;
	static char fn[8][256];
	static int next;
	snprintf(fn[next % 8], sizeof(fn[0]), "pool/main/%c/%s/%s_%s_armel.deb", name[0], name, name,
		 version);
	f->pkg.filename = fn[next++ % 8];
}

static void put_in_cache(const struct deb_cache *c, const struct fixture *f, const char *text,
			 size_t len)
{
	char *path = deb_cache_path(c, &f->pkg);
	write_bytes(path, text, len);
	free(path);
}

static bool in_cache(const struct deb_cache *c, const struct fixture *f)
{
	char *path = deb_cache_path(c, &f->pkg);
	bool there = access(path, F_OK) == 0;
	free(path);
	return there;
}

static void test_check(void)
{
	struct mkfr_error err;
	struct deb_cache c;
	struct fixture a;
	make_pkg(&a, "hello", "1:2.10-3", "a .deb, or what stands for one\n");

	ok(deb_cache_open(&c, cache_dir, &err) == 0, "open creates CACHE/debs");
	char *path = deb_cache_path(&c, &a.pkg);
	char want[700];
	snprintf(want, sizeof(want), "%s/hello_1%%3a2.10-3_armel.deb", debs);
	is_str(path, want, "the file has debootstrap's name, the epoch's ':' as %%3a");
	free(path);

	ok(deb_cache_check(&c, &a.pkg, &err) == 0, "a missing file is reported missing");

	put_in_cache(&c, &a, a.content, strlen(a.content));
	ok(deb_cache_check(&c, &a.pkg, &err) == 1, "an intact file is present and valid");

	put_in_cache(&c, &a, a.content, strlen(a.content) - 5);
	ok(deb_cache_check(&c, &a.pkg, &err) == 0, "a truncated file is reported missing");
	ok(!in_cache(&c, &a), "and removed");

	char flipped[256];
	snprintf(flipped, sizeof(flipped), "%s", a.content);
	flipped[3] ^= 0x20;
	put_in_cache(&c, &a, flipped, strlen(flipped));
	ok(deb_cache_check(&c, &a.pkg, &err) == 0, "a file with one byte altered is reported missing");
	ok(!in_cache(&c, &a), "and removed");

	path = deb_cache_path(&c, &a.pkg);
	char elsewhere[700];
	snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", dir);
	write_bytes(elsewhere, a.content, strlen(a.content));
	ok(symlink(elsewhere, path) == 0 && deb_cache_check(&c, &a.pkg, &err) == 0,
	   "a symlink, even to the right content, is not a cached file");
	ok(!in_cache(&c, &a) && access(elsewhere, F_OK) == 0, "the link is removed, not its target");
	free(path);

	struct deb_package bad = a.pkg;
	bad.filename = (char *)"../../etc/passwd";
	ok(deb_cache_usable_record(&bad, "http://m", &err) < 0, "a Filename leaving the mirror is refused");
	contains(err.msg, "http://m: the index entry of hello", "naming the mirror and package");
	bad = a.pkg;
	bad.sha256 = (char *)"abc";
	ok(deb_cache_usable_record(&bad, "http://m", &err) < 0, "a malformed SHA256 is refused");
	bad = a.pkg;
	bad.version = (char *)"1/2";
	ok(deb_cache_usable_record(&bad, "http://m", &err) < 0, "a '/' in the file name is refused");
	ok(deb_cache_usable_record(&a.pkg, "http://m", &err) == 0, "a good record is accepted");
	deb_cache_close(&c);
}

/* A child process with its own cache handle, holding `name` locked until
 * told (a byte on `go`), then optionally replacing the file first. */
static pid_t child_holding(const char *name, int ready_w, int go_r, const struct fixture *replace)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	struct mkfr_error err;
	struct deb_cache c;
	char b;
	if (deb_cache_open(&c, cache_dir, &err) < 0 || deb_cache_lock(&c, name, false, &err) != 1)
		_exit(1);
	if (write(ready_w, "r", 1) != 1 || read(go_r, &b, 1) < 0)
		_exit(1);
	if (replace) {
		/* as a writer does: whole file under another name, then rename */
		char *path = deb_cache_path(&c, &replace->pkg), tmp[800];
		snprintf(tmp, sizeof(tmp), "%s.new", path);
		write_bytes(tmp, replace->content, strlen(replace->content));
		if (rename(tmp, path) < 0)
			_exit(1);
		free(path);
	}
	_exit(0); /* the kernel drops the lock with the process */
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_locks(void)
{
	struct mkfr_error err;
	struct deb_cache c;
	int ready[2], go[2], status = -1;
	char b;

	if (deb_cache_open(&c, cache_dir, &err) < 0 || pipe(ready) < 0 || pipe(go) < 0) {
		printf("Bail out! %s\n", err.msg);
		exit(1);
	}
	pid_t pid = child_holding("a_1_armel.deb", ready[1], go[0], NULL);
	ok(read(ready[0], &b, 1) == 1, "another process locks a_1_armel.deb");
	ok(deb_cache_lock(&c, "a_1_armel.deb", false, &err) == 0,
	   "this process cannot lock the same file meanwhile");
	ok(deb_cache_lock(&c, "b_1_armel.deb", false, &err) == 1, "but can lock another file");
	ok(deb_cache_lock(&c, "b_1_armel.deb", false, &err) < 0, "locking it twice is an error");
	ok(deb_cache_holds(&c, "b_1_armel.deb") && !deb_cache_holds(&c, "a_1_armel.deb"),
	   "the handle knows which locks it holds");
	deb_cache_unlock(&c, "b_1_armel.deb");
	double t0 = now_s();
	if (write(go[1], "g", 1) != 1)
		return;
	ok(deb_cache_lock(&c, "a_1_armel.deb", true, &err) == 1,
	   "waiting for the lock succeeds when the other process exits");
	ok(now_s() - t0 < 5, "promptly (%.2f s)", now_s() - t0);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the other process ran as planned");
	deb_cache_unlock(&c, "a_1_armel.deb");

	/* A corrupt file is being replaced by another build: the check waits
	 * for its lock and then judges the new file instead of removing it. */
	struct fixture a;
	make_pkg(&a, "swap", "1.0", "the good content of swap\n");
	char *name = deb_package_file_name(&a.pkg);
	put_in_cache(&c, &a, "garbage", 7);
	pid = child_holding(name, ready[1], go[0], &a);
	ok(read(ready[0], &b, 1) == 1, "another build locks the corrupt %s to replace it", name);
	if (write(go[1], "g", 1) != 1)
		return;
	ok(deb_cache_check(&c, &a.pkg, &err) == 1,
	   "the check waits for it and finds the replacement valid");
	ok(in_cache(&c, &a), "the good file was not removed");
	waitpid(pid, &status, 0);
	free(name);
	deb_cache_close(&c);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

static void test_fetch(void)
{
	struct mkfr_error err;
	struct deb_cache c;
	struct fixture a, b, lost;
	char mirror[700], p[900], fetch_cache[700];
	struct fetch_debs_result res;

	make_pkg(&a, "gamma", "1.0", "gamma from the mirror\n");
	make_pkg(&b, "delta", "1:3", "delta from the mirror, a little longer\n");
	make_pkg(&lost, "lost", "1", "listed but not on the mirror\n");
	snprintf(mirror, sizeof(mirror), "file://%s/mirror", dir);
	snprintf(p, sizeof(p), "%s/mirror/pool/main/g/gamma", dir);
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' '%s/mirror/pool/main/d/delta'", p, dir);
	if (system(cmd) != 0)
		return;
	snprintf(p, sizeof(p), "%s/mirror/%s", dir, a.pkg.filename);
	write_bytes(p, a.content, strlen(a.content));
	snprintf(p, sizeof(p), "%s/mirror/%s", dir, b.pkg.filename);
	write_bytes(p, b.content, strlen(b.content));

	snprintf(fetch_cache, sizeof(fetch_cache), "%s/fetch-cache", dir);
	deb_cache_open(&c, fetch_cache, &err);
	const struct deb_package *pkgs[] = { &a.pkg, &b.pkg, &a.pkg };
	struct fetch_debs_request req = { .mirror = mirror, .pkgs = pkgs, .n = 3 };
	req.fetch.retry_delay_ms = 1;
	req.fetch.tries = 2;
	ok(fetch_debs(&c, &req, &res, &err) == 0, "two packages fetched from a file:// mirror");
	ok(res.fetched.files == 2 && res.cached == 0, "each once (%zu downloaded)", res.fetched.files);
	ok(in_cache(&c, &a) && in_cache(&c, &b) && deb_cache_check(&c, &b.pkg, &err) == 1,
	   "both are in the cache and valid");
	ok(fetch_debs(&c, &req, &res, &err) == 0 && res.fetched.files == 0 && res.cached == 2,
	   "a second fetch downloads nothing");

	char sha_wrong[SHA256_HEX_SIZE];
	struct fixture changed = b;
	memcpy(sha_wrong, b.sha, sizeof(sha_wrong));
	sha_wrong[0] = sha_wrong[0] == '0' ? '1' : '0';
	changed.pkg.sha256 = sha_wrong;
	changed.pkg.version = (char *)"1:4";
	const struct deb_package *bad[] = { &changed.pkg };
	req.pkgs = bad;
	req.n = 1;
	ok(fetch_debs(&c, &req, &res, &err) < 0, "a file whose SHA256 differs from the index fails");
	contains(err.msg, "SHA256 mismatch", "saying so");
	contains(err.msg, b.pkg.filename, "naming the file");
	contains(err.msg, mirror, "and the mirror");
	contains(err.msg, "after 2 tries", "after retrying");
	ok(!in_cache(&c, &changed), "it is not in the cache");

	const struct deb_package *missing[] = { &a.pkg, &lost.pkg };
	req.pkgs = missing;
	req.n = 2;
	ok(fetch_debs(&c, &req, &res, &err) < 0, "a file the mirror lacks fails");
	contains(err.msg, "lost_1_armel.deb: not found", "naming it");
	ok(!in_cache(&c, &lost), "and leaves nothing in its place");
	snprintf(p, sizeof(p), "%s/debs", fetch_cache);
	ok(tap_count_entries(p) == 3, "the cache holds the two good files and .lock, no temporary file");
	deb_cache_close(&c);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	atexit(clean);
	log_set_level(LOG_QUIET);
	snprintf(cache_dir, sizeof(cache_dir), "%s/cache", dir);
	snprintf(debs, sizeof(debs), "%s/debs", cache_dir);
	test_check();
	test_locks();
	test_fetch();
	return tap_done();
}
