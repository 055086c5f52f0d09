/* SPDX-License-Identifier: MIT */
/* Whole files and paths on the host (never inside a rootfs: those go
 * through sys/rootfs_fs.h, which cannot be led out of the rootfs by a
 * symlink).  Writing a file so that it appears whole is sys/atomic_file.h. */
#ifndef MKFR_FILE_IO_H
#define MKFR_FILE_IO_H

#include "util/error.h"

#include <stddef.h>
#include <sys/types.h>

/* "DIR/NAME" as a new string ("/NAME" when DIR is "/"). */
char *path_join(const char *dir, const char *name);

/* mkdir -p with `mode` for each directory it creates. */
int mkdir_p(const char *path, mode_t mode, struct mkfr_error *err);
/* mkdir -p of the directory that will hold `file`. */
int mkdir_parents(const char *file, mode_t mode, struct mkfr_error *err);

/* The whole of the regular file at `path` as a NUL-terminated buffer;
 * more than max_bytes, anything but a regular file, or a read error is an
 * error (not a short read).  A FIFO is never waited on. */
int read_whole_file(const char *path, size_t max_bytes, char **text, size_t *len,
		    struct mkfr_error *err);

/* "Only what we own is trusted": is the file (or directory) at `path`,
 * symlinks followed, owned by us or by root and writable by nobody else?
 * Otherwise -1 with a usage error (exit 2) naming it, `what` it is, and
 * the fix. */
int require_trusted_path(const char *path, const char *what, struct mkfr_error *err);

/* write(2) all of it, retrying short writes and EINTR.  -1 with errno. */
int write_all(int fd, const void *buf, size_t len);

#endif
