/* SPDX-License-Identifier: MIT */
#include "archive/deb_extract.h"

#include "sys/atomic_file.h"
#include "util/alloc.h"
#include "util/cleanup.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUF_SIZE 65536

static void cleanup_archivep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}
#define autoarchive __attribute__((cleanup(cleanup_archivep)))

/* "./usr/bin/x", "/usr/bin/x" -> "usr/bin/x"; "." and ".." segments
 * resolved, so a symlink target relative to its directory compares too.
 * Returns a new string, NULL if the path climbs above the root. */
static char *normalize(const char *path)
{
	size_t n = strlen(path);
	char *out = xmalloc(n + 1);
	size_t len = 0;
	if (!out)
		return NULL;
	for (const char *p = path; *p;) {
		const char *seg = p;
		while (*p && *p != '/')
			p++;
		size_t sl = (size_t)(p - seg);
		if (*p == '/')
			p++;
		if (sl == 0 || (sl == 1 && seg[0] == '.'))
			continue;
		if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
			if (len == 0) {
				free(out);
				return NULL;
			}
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--; /* the slash */
			continue;
		}
		if (len)
			out[len++] = '/';
		memcpy(out + len, seg, sl);
		len += sl;
	}
	out[len] = '\0';
	return out;
}

/* The nested archive reads the data.tar member through this. */
struct outer_reader {
	struct archive *outer;
	char buf[BUF_SIZE];
};

static la_ssize_t read_outer(struct archive *inner, void *data, const void **buf)
{
	struct outer_reader *r = data;
	la_ssize_t n = archive_read_data(r->outer, r->buf, sizeof(r->buf));
	if (n < 0)
		archive_set_error(inner, EIO, "reading the .deb: %s", archive_error_string(r->outer));
	*buf = r->buf;
	return n;
}

static int copy_entry(struct archive *in, const char *deb, const char *name, const char *dest,
		      mode_t mode, int64_t expected, struct mkfr_error *err)
{
	autodiscard struct atomic_file af = ATOMIC_FILE_INIT;
	char buf[BUF_SIZE];
	int64_t total = 0;
	la_ssize_t n;

	if (atomic_file_open(&af, dest, mode, err) < 0)
		return -1;
	while ((n = archive_read_data(in, buf, sizeof(buf))) > 0) {
		for (la_ssize_t off = 0; off < n;) {
			ssize_t w = write(af.fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return mkfr_fail(err, errno, "cannot write %s", dest);
			off += w;
		}
		total += n;
	}
	if (n < 0)
		return mkfr_fail(err, 0, "%s: %s: %s", deb, name, archive_error_string(in));
	if (total != expected)
		return mkfr_fail(err, 0, "%s: %s: %lld bytes instead of %lld; the .deb is truncated",
				 deb, name, (long long)total, (long long)expected);
	return atomic_file_commit(&af, err);
}

enum found { FOUND_NOTHING, FOUND_FILE, FOUND_LINK };

/* One pass over the .deb: find `want` in data.tar.  A regular file is
 * written to dest; a symlink or hard link gives its resolved target in
 * *link_target instead. */
static int scan_deb(const char *deb, const char *want, const char *dest, mode_t mode,
		    enum found *found, char **link_target, struct mkfr_error *err)
{
	autoarchive struct archive *outer = archive_read_new();
	struct archive_entry *e;
	bool saw_data = false;
	int r;

	*found = FOUND_NOTHING;
	if (!outer)
		return mkfr_fail(err, ENOMEM, "%s", deb);
	archive_read_support_format_ar(outer);
	if (archive_read_open_filename(outer, deb, BUF_SIZE) != ARCHIVE_OK)
		return mkfr_fail(err, archive_errno(outer), "%s: not a .deb: %s", deb,
				 archive_error_string(outer));
	while ((r = archive_read_next_header(outer, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		if (!name || strncmp(name, "data.tar", 8) != 0)
			continue;
		saw_data = true;

		struct outer_reader *rd = xmalloc(sizeof(*rd));
		autofree struct outer_reader *rd_owner = rd;
		autoarchive struct archive *inner = archive_read_new();
		if (!inner)
			return mkfr_fail(err, ENOMEM, "%s", deb);
		rd->outer = outer;
		archive_read_support_filter_all(inner);
		archive_read_support_format_tar(inner);
		archive_read_support_format_gnutar(inner);
		if (archive_read_open(inner, rd, NULL, read_outer, NULL) != ARCHIVE_OK)
			return mkfr_fail(err, 0, "%s: %s: %s", deb, name, archive_error_string(inner));

		struct archive_entry *ie;
		while ((r = archive_read_next_header(inner, &ie)) == ARCHIVE_OK) {
			autofree char *path = normalize(archive_entry_pathname(ie));
			if (!path || strcmp(path, want) != 0)
				continue;
			const char *hardlink = archive_entry_hardlink(ie);
			if (hardlink) {
				*link_target = normalize(hardlink);
				*found = FOUND_LINK;
				return *link_target ? 0 : mkfr_fail(err, 0, "%s: bad hard link", deb);
			}
			if (archive_entry_filetype(ie) == AE_IFLNK) {
				const char *target = archive_entry_symlink(ie);
				autofree char *joined = NULL;
				if (!target)
					return mkfr_fail(err, 0, "%s: %s: empty symlink", deb, want);
				if (target[0] == '/') {
					joined = xstrdup(target);
				} else {
					const char *slash = strrchr(path, '/');
					int dirlen = slash ? (int)(slash - path) : 0;
					joined = xasprintf("%.*s/%s", dirlen, path, target);
				}
				*link_target = joined ? normalize(joined) : NULL;
				*found = FOUND_LINK;
				return *link_target ? 0 : mkfr_fail(err, 0, "%s: %s -> %s points outside "
								    "the package", deb, want, target);
			}
			if (archive_entry_filetype(ie) != AE_IFREG)
				return mkfr_fail(err, 0, "%s: %s is not a regular file", deb, want);
			*found = FOUND_FILE;
			return copy_entry(inner, deb, want, dest, mode, archive_entry_size(ie), err);
		}
		if (r != ARCHIVE_EOF)
			return mkfr_fail(err, 0, "%s: %s: %s", deb, name, archive_error_string(inner));
		return 0; /* one data member per .deb */
	}
	if (r != ARCHIVE_EOF)
		return mkfr_fail(err, 0, "%s: %s", deb, archive_error_string(outer));
	if (!saw_data)
		return mkfr_fail(err, 0, "%s: not a .deb (no data.tar member)", deb);
	return 0;
}

/* A clean message, but callers can still tell "not there" by errnum. */
static int fail_errno_quiet(struct mkfr_error *err, int errnum)
{
	err->errnum = errnum;
	return -1;
}

int deb_extract_file(const char *deb_path, const char *member, const char *dest, mode_t mode,
		     struct mkfr_error *err)
{
	autofree char *want = normalize(member);
	autofree char *target = NULL;
	autofree char *second = NULL;
	enum found found;

	if (!want || !*want)
		return mkfr_fail(err, EINVAL, "bad path '%s' to extract from %s", member, deb_path);
	if (scan_deb(deb_path, want, dest, mode, &found, &target, err) < 0)
		return -1;
	if (found == FOUND_FILE)
		return 0;
	if (found == FOUND_NOTHING) {
		mkfr_fail(err, 0, "%s has no /%s", deb_path, want);
		return fail_errno_quiet(err, ENOENT);
	}

	/* The target may come before or after the link in the tar: read again. */
	if (scan_deb(deb_path, target, dest, mode, &found, &second, err) < 0)
		return -1;
	if (found == FOUND_FILE)
		return 0;
	if (found == FOUND_LINK)
		return mkfr_fail(err, 0, "%s: /%s links to /%s, itself a link; only one level is "
				 "followed", deb_path, want, target);
	mkfr_fail(err, 0, "%s: /%s links to /%s, which is not in the package", deb_path, want, target);
	return fail_errno_quiet(err, ENOENT);
}
