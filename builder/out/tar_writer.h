/* SPDX-License-Identifier: MIT */
/* Stream a directory tree into a pax tarball (libarchive).
 *
 * What is kept: numeric owners (never names: the host's user database is not
 * the rootfs's), modes, mtimes (whole seconds), device nodes, FIFOs,
 * symlinks, hard links, and extended attributes (file capabilities are
 * security.capability).  Not kept: atime, ctime, POSIX ACLs, sockets.
 *
 * The tree is walked with openat/fstatat relative to directory fds, never
 * following a symlink and never entering another filesystem, in byte order
 * of names, so the same tree always gives the same bytes.  File data is
 * copied in fixed-size chunks: memory does not grow with the rootfs. */
#ifndef MKFR_TAR_WRITER_H
#define MKFR_TAR_WRITER_H

#include "out/output_format.h"
#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

/* A device node the tarball holds although the tree cannot: a tree made
 * without root has none (mknod needs the host's root), yet extracted as
 * root its tarball should have what a root build's has. */
struct tar_node {
	const char *path; /* archive name: "./dev/null" */
	mode_t mode;      /* S_IFCHR or S_IFBLK, and the permissions */
	unsigned major, minor;
};

struct tar_options {
	enum output_format format; /* a tar format (not OUTPUT_DIR) */
	/* Reproducible output: every mtime later than clamp_mtime becomes
	 * clamp_mtime (SOURCE_DATE_EPOCH semantics). */
	bool clamp;
	time_t clamp_mtime;
	/* Leave an entry out (a directory with everything below it).  path is
	 * the archive name ("./debootstrap"); NULL: keep everything. */
	bool (*skip)(const char *path, const struct stat *st, void *data);
	void *skip_data;
	/* Written in place of whatever the tree has under their names (a
	 * symlink, say), or added where it has nothing, in the byte order of
	 * names like every entry; owned by 0:0, with the mtime of the
	 * directory they are in (clamped like any).  A node whose directory
	 * is not in the tree is not written. */
	const struct tar_node *nodes;
	size_t n_nodes;
};

struct tar_stats {
	uint64_t entries;
	uint64_t bytes; /* file data read */
};

/* Can the installed libarchive write this format (its compression filter
 * built in, not an external program)?  A usage error (exit 2) if not. */
int tar_format_check(enum output_format format, struct mkfr_error *err);

/* Write the tree at `root` as a tarball to `out_fd` (not closed).  Entries
 * are named "./", "./etc/", "./etc/hostname" ...  Fails, with nothing more
 * written, when a signal is pending (signals.h). */
int tar_write_tree(const char *root, int out_fd, const struct tar_options *o,
		   struct tar_stats *stats, struct mkfr_error *err);

/* The same, each piece of the tarball's bytes handed to `sink` instead of
 * a file (the OCI layer hashes and compresses them as they come).  The
 * sink returns 0, or -1 after filling `err`. */
typedef int (*tar_sink_fn)(const void *buf, size_t len, void *data, struct mkfr_error *err);
int tar_write_tree_to(const char *root, tar_sink_fn sink, void *sink_data,
		      const struct tar_options *o, struct tar_stats *stats, struct mkfr_error *err);

#endif
