/* SPDX-License-Identifier: MIT */
/* File operations inside a rootfs that cannot escape it.
 *
 * A rootfs is untrusted data: any path component may be a symlink that points
 * at the host ("/etc" -> "/etc" of the host once we are outside a chroot).
 * Every operation here resolves its path with openat2(RESOLVE_IN_ROOT), so
 * symlinks are followed as if the rootfs were "/", and the final component is
 * never followed (O_NOFOLLOW / AT_SYMLINK_NOFOLLOW).  Deletion never crosses
 * into another mounted filesystem. */
#ifndef MKFR_ROOTFS_FS_H
#define MKFR_ROOTFS_FS_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Open the rootfs directory itself; the fd anchors all calls below. */
int rootfs_open(const char *root, struct mkfr_error *err);

/* Create or replace the regular file at `path` (absolute, inside root). */
int rootfs_write_file(int rootfd, const char *path, const void *data, size_t len,
		      mode_t mode, struct mkfr_error *err);
/* Copy the host file `src` to `path` inside root. */
/* Write `path` inside root through a temporary name (a reader never sees
 * half a file), its contents from `fill`: 0, or -1 with *err filled. */
typedef int (*rootfs_fill_fn)(int fd, void *data, struct mkfr_error *err);
int rootfs_write_via(int rootfd, const char *path, mode_t mode, rootfs_fill_fn fill, void *data,
		     struct mkfr_error *err);
int rootfs_copy_in(int rootfd, const char *src, const char *path, mode_t mode,
		   struct mkfr_error *err);
/* Copy the host directory `src` and everything below it to `path` inside
 * root: directories and regular files, with their permission bits, owned
 * by whoever runs this.  The host tree is walked without following a
 * symlink, and anything but a directory or regular file in it (a symlink,
 * a device) is refused: the copy is exactly what was read. */
int rootfs_copy_tree_in(int rootfd, const char *src, const char *path, struct mkfr_error *err);
/* Append `len` bytes to the regular file `path` inside root, creating it
 * (mode 0644) when missing; a final symlink, or anything but a regular
 * file there, is refused. */
int rootfs_append(int rootfd, const char *path, const void *data, size_t len,
		  struct mkfr_error *err);
/* The symbolic link `path` inside root, pointing at `target` (stored as
 * given, never followed here).  A symlink already at `path` is replaced;
 * anything else there is refused. */
int rootfs_symlink(int rootfd, const char *target, const char *path, struct mkfr_error *err);
/* mkdir -p inside root. */
int rootfs_mkdir_p(int rootfd, const char *path, mode_t mode, struct mkfr_error *err);
/* Open the regular file `path` inside root for reading (symlinks resolved
 * within root); never blocks on a FIFO, and anything but a regular file
 * fails (EISDIR, EINVAL). */
int rootfs_open_read(int rootfd, const char *path);
/* Copy the regular file `path` inside root (as rootfs_open_read opens it)
 * to the open host file `out_fd`; its permission bits in *mode. */
int rootfs_copy_out(int rootfd, const char *path, int out_fd, mode_t *mode, struct mkfr_error *err);
/* Where directory `path` really is inside root, symlinks and ".." resolved
 * as the kernel resolves them in a chroot of root: "/usr/lib".  New
 * string, or NULL when it is not a directory there. */
char *rootfs_resolve_dir(int rootfd, const char *path);
/* Does `path` exist inside root (without following a final symlink)? */
bool rootfs_exists(int rootfd, const char *path);
/* Is `path` itself a symbolic link? */
bool rootfs_is_symlink(int rootfd, const char *path);
/* Remove a file, symlink or whole directory tree inside root; a missing
 * path is not an error. */
int rootfs_remove(int rootfd, const char *path, struct mkfr_error *err);

/* Is dirfd/name (not followed) the root of another mount, or can that not
 * be told?  Tree walks stop there.  parent_dev: st_dev of dirfd. */
bool rootfs_is_mount_root(int dirfd, const char *name, dev_t parent_dev);

/* Remove the directory tree at host path `dir` (our own work directory),
 * never following symlinks and refusing to enter other filesystems; a file
 * or symlink at `dir` is simply unlinked. */
int remove_tree(const char *dir, struct mkfr_error *err);
/* The same for everything inside `dir`; `dir` itself stays. */
int empty_tree(const char *dir, struct mkfr_error *err);

#endif
