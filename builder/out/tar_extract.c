/* SPDX-License-Identifier: MIT */
#include "out/tar_extract.h"

#include "sys/signals.h"
#include "util/alloc.h"
#include "util/cleanup.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE (1024 * 1024)

static void cleanup_readp(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

static void cleanup_writep(struct archive **a)
{
	if (*a)
		archive_write_free(*a);
}

#define autoread __attribute__((cleanup(cleanup_readp)))
#define autowrite __attribute__((cleanup(cleanup_writep)))

/* "./", or "./a/b" (a directory may end in '/') with no "..", "." or empty
 * component after the first: the only names tar_writer writes. */
static bool name_is_safe(const char *name)
{
	if (strcmp(name, "./") == 0)
		return true;
	if (strncmp(name, "./", 2) != 0)
		return false;
	for (const char *p = name + 2; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += len;
		if (*p == '/')
			p++; /* a trailing '/' ends the loop here */
	}
	return true;
}

/* root + name without its leading ".", so "./etc" becomes ROOT/etc. */
static char *path_below(const char *root, const char *name)
{
	if (strcmp(name, "./") == 0)
		return xstrdup(root);
	return xasprintf("%s%s", root, name + 1);
}

/* The tarball itself is bad: EBADMSG (tar_extract.h), whatever libarchive
 * says, so a caller can tell it from a target that cannot be written. */
static int read_failed(struct archive *r, const char *tarball, struct mkfr_error *err)
{
	mkfr_fail(err, 0, "%s is damaged: %s", tarball,
		  archive_error_string(r) ? archive_error_string(r) : "libarchive failed");
	err->errnum = EBADMSG;
	return -1;
}

/* A warning of the disk writer is a failure when the disk is the cause
 * (full, read-only, failing); others (a time or an xattr a filesystem
 * cannot keep) stay warnings, as for GNU tar. */
static bool write_status_failed(struct archive *w, int status)
{
	if (status >= ARCHIVE_OK)
		return false;
	if (status < ARCHIVE_WARN)
		return true;
	int e = archive_errno(w);
	return e == ENOSPC || e == EDQUOT || e == EIO || e == EROFS;
}

static int write_failed(struct archive *w, const char *path, struct mkfr_error *err)
{
	return mkfr_fail(err, archive_errno(w) > 0 ? archive_errno(w) : 0, "cannot create %s: %s",
			 path, archive_error_string(w) ? archive_error_string(w) : "libarchive failed");
}

static int copy_data(struct archive *r, struct archive *w, const char *tarball, const char *path,
		     struct tar_stats *stats, struct mkfr_error *err)
{
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t offset;
		int s = archive_read_data_block(r, &buf, &size, &offset);
		if (s == ARCHIVE_EOF)
			return 0;
		if (s < ARCHIVE_WARN)
			return read_failed(r, tarball, err);
		/* The disk writer says ARCHIVE_WARN for a failed write(2) (a
		 * full disk): the file would be silently short. */
		if (archive_write_data_block(w, buf, size, offset) < ARCHIVE_OK)
			return write_failed(w, path, err);
		stats->bytes += size;
	}
}

int tar_extract_tree(const char *tarball, const char *root, struct tar_stats *stats,
		     struct mkfr_error *err)
{
	struct tar_stats ignored;
	if (!stats)
		stats = &ignored;
	*stats = (struct tar_stats){ 0 };
	autoread struct archive *r = archive_read_new();
	autowrite struct archive *w = archive_write_disk_new();
	if (!r || !w)
		return mkfr_fail(err, ENOMEM, "libarchive");
	archive_read_support_filter_all(r);
	archive_read_support_format_tar(r);
	/* No user name lookups: owners are numbers, the rootfs's own.
	 * Extended attributes after ownership (libarchive's order), so a
	 * chown does not drop a file capability. */
	archive_write_disk_set_options(w, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM |
					     ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR |
					     ARCHIVE_EXTRACT_SECURE_SYMLINKS |
					     ARCHIVE_EXTRACT_SECURE_NODOTDOT);
	if (archive_read_open_filename(r, tarball, BLOCK_SIZE) != ARCHIVE_OK) {
		/* Opening reads the first block: a file that is there but
		 * cannot be decompressed is damaged, not missing. */
		int e = archive_errno(r);
		if (e == ENOENT || e == EACCES || e == EISDIR)
			return mkfr_fail(err, e, "cannot open %s: %s", tarball, archive_error_string(r));
		return read_failed(r, tarball, err);
	}

	struct archive_entry *e;
	int s;
	while ((s = archive_read_next_header(r, &e)) == ARCHIVE_OK || s == ARCHIVE_WARN) {
		if (signals_pending())
			return mkfr_fail(err, 0, "interrupted by %s while unpacking %s",
					 strsignal(signals_pending()), tarball);
		const char *name = archive_entry_pathname(e);
		const char *link = archive_entry_hardlink(e);
		if (!name || !name_is_safe(name) || (link && !name_is_safe(link))) {
			mkfr_fail(err, 0, "%s is damaged: unexpected entry name %s", tarball,
				  name ? name : "(none)");
			err->errnum = EBADMSG;
			return -1;
		}
		/* "./" is `root` itself: as anything but a directory it would
		 * replace root (libarchive removes an empty directory to make
		 * room), and a symlink there would take every later entry, and
		 * the caller, somewhere else. */
		if (strcmp(name, "./") == 0 && (link || archive_entry_filetype(e) != AE_IFDIR)) {
			mkfr_fail(err, 0, "%s is damaged: its entry ./ is not a directory", tarball);
			err->errnum = EBADMSG;
			return -1;
		}
		autofree char *path = path_below(root, name);
		autofree char *link_path = link ? path_below(root, link) : NULL;
		archive_entry_copy_pathname(e, path);
		if (link)
			archive_entry_copy_hardlink(e, link_path);
		if (write_status_failed(w, archive_write_header(w, e)))
			return write_failed(w, path, err);
		if (archive_entry_size(e) > 0 && !link && copy_data(r, w, tarball, path, stats, err) < 0)
			return -1;
		if (write_status_failed(w, archive_write_finish_entry(w)))
			return write_failed(w, path, err);
		stats->entries++;
	}
	if (s != ARCHIVE_EOF)
		return read_failed(r, tarball, err);
	/* Directory modes and mtimes are set last, here. */
	if (archive_write_close(w) != ARCHIVE_OK)
		return write_failed(w, root, err);
	return 0;
}
