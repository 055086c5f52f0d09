/* SPDX-License-Identifier: MIT */
#include "sys/rootfs_fs.h"

#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int openat2_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	while (*path == '/')
		path++;
	if (*path == '\0')
		path = ".";
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

/* Split "/a/b/c" into an fd for "/a/b" (resolved in root) and "c". */
static int open_parent(int rootfd, const char *path, char **base_out)
{
	autofree char *copy = xstrdup(path);
	if (!copy)
		return -1;
	size_t n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	char *slash = strrchr(copy, '/');
	const char *base = slash ? slash + 1 : copy;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		errno = EINVAL;
		return -1;
	}
	*base_out = xstrdup(base);
	if (slash)
		*slash = '\0';
	return openat2_in_root(rootfd, slash ? copy : "/", O_PATH | O_DIRECTORY, 0);
}

int rootfs_open(const char *root, struct mkfr_error *err)
{
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot open rootfs %s", root);
	return fd;
}

int rootfs_write_via(int rootfd, const char *path, mode_t mode, rootfs_fill_fn fill, void *data,
		     struct mkfr_error *err)
{
	autofree char *base = NULL;
	autoclose int dirfd = open_parent(rootfd, path, &base);
	if (dirfd < 0)
		return mkfr_fail(err, errno, "rootfs: cannot open the directory of %s", path);
	char tmp[300];
	snprintf(tmp, sizeof(tmp), ".%s.mkfr-tmp", base);
	unlinkat(dirfd, tmp, 0);
	autoclose int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return mkfr_fail(err, errno, "rootfs: cannot create %s", path);
	if (fill(fd, data, err) < 0) {
		unlinkat(dirfd, tmp, 0);
		return mkfr_error_prefix(err, "rootfs: %s", path);
	}
	if (fchmod(fd, mode) < 0 || renameat(dirfd, tmp, dirfd, base) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return mkfr_fail(err, e, "rootfs: cannot put %s in place", path);
	}
	return 0;
}

struct buffer {
	const void *data;
	size_t len;
};

static int fill_from_buffer(int fd, void *data, struct mkfr_error *err)
{
	const struct buffer *b = data;
	return write_all(fd, b->data, b->len) < 0 ? mkfr_fail(err, errno, "cannot write") : 0;
}

int rootfs_write_file(int rootfd, const char *path, const void *data, size_t len,
		      mode_t mode, struct mkfr_error *err)
{
	struct buffer b = { data, len };
	return rootfs_write_via(rootfd, path, mode, fill_from_buffer, &b, err);
}

/* The kernel copies (copy_file_range: no pass through our memory, a
 * reflink where the filesystem has them); plain reads and writes where it
 * cannot (across filesystems on old kernels, special files). */
static int copy_fd(int fd, int in)
{
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, fd, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return -1;
		break;
	}
	char buf[64 * 1024];
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		if (write_all(fd, buf, (size_t)r) < 0)
			return -1;
	}
}

struct copy_source {
	const char *path;
	int fd;
};

static int fill_from_fd(int fd, void *data, struct mkfr_error *err)
{
	const struct copy_source *src = data;
	return copy_fd(fd, src->fd) < 0 ? mkfr_fail(err, errno, "cannot copy %s", src->path) : 0;
}

int rootfs_copy_in(int rootfd, const char *src, const char *path, mode_t mode,
		   struct mkfr_error *err)
{
	autoclose int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return mkfr_fail(err, errno, "cannot read %s", src);
	struct copy_source from = { src, in };
	return rootfs_write_via(rootfd, path, mode, fill_from_fd, &from, err);
}

/* A directory stream over the directory `fd`, which stays the caller's
 * (the stream reads a duplicate); NULL with errno set. */
static DIR *opendir_at(int fd)
{
	int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
	if (!d && dupfd >= 0) {
		int e = errno;
		close(dupfd);
		errno = e;
	}
	return d;
}

/* The next entry of `d` but "." and ".."; NULL at the end (errno 0) or
 * on a read error (errno set). */
static struct dirent *read_entry(DIR *d)
{
	struct dirent *de;
	while ((errno = 0, de = readdir(d)) &&
	       (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0))
		;
	return de;
}

/* rootfs_copy_tree_in below one level: the host directory `dirfd`
 * (shown as `src`) into `path`, which exists inside root. */
static int copy_tree_level(int rootfd, int dirfd, const char *src, const char *path,
			   struct mkfr_error *err)
{
	autoclosedir DIR *d = opendir_at(dirfd);
	if (!d)
		return mkfr_fail(err, errno, "cannot read %s", src);
	struct dirent *de;
	while ((de = read_entry(d))) {
		autofree char *from = xasprintf("%s/%s", src, de->d_name);
		autofree char *to = xasprintf("%s/%s", path, de->d_name);
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return mkfr_fail(err, errno, "cannot stat %s", from);
		if (S_ISDIR(st.st_mode)) {
			autoclose int sub = openat(dirfd, de->d_name,
						   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				return mkfr_fail(err, errno, "cannot open %s", from);
			if (rootfs_mkdir_p(rootfd, to, st.st_mode & 07777, err) < 0 ||
			    copy_tree_level(rootfd, sub, from, to, err) < 0)
				return -1;
		} else if (S_ISREG(st.st_mode)) {
			autoclose int in = openat(dirfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (in < 0)
				return mkfr_fail(err, errno, "cannot read %s", from);
			struct copy_source source = { from, in };
			if (rootfs_write_via(rootfd, to, st.st_mode & 07777, fill_from_fd, &source, err) < 0)
				return -1;
		} else {
			return mkfr_fail(err, 0, "cannot copy %s: neither a directory nor a regular "
					 "file", from);
		}
	}
	return errno ? mkfr_fail(err, errno, "cannot read %s", src) : 0;
}

int rootfs_copy_tree_in(int rootfd, const char *src, const char *path, struct mkfr_error *err)
{
	autoclose int dirfd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (dirfd < 0 || fstat(dirfd, &st) < 0)
		return mkfr_fail(err, errno, "cannot open the directory %s", src);
	if (rootfs_mkdir_p(rootfd, path, st.st_mode & 07777, err) < 0)
		return -1;
	return copy_tree_level(rootfd, dirfd, src, path, err);
}

int rootfs_append(int rootfd, const char *path, const void *data, size_t len,
		  struct mkfr_error *err)
{
	autofree char *base = NULL;
	autoclose int dirfd = open_parent(rootfd, path, &base);
	if (dirfd < 0)
		return mkfr_fail(err, errno, "rootfs: cannot open the directory of %s", path);
	/* O_NONBLOCK: a FIFO planted there must not make us wait. */
	autoclose int fd = openat(dirfd, base, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
					       O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		fd = openat(dirfd, base, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return mkfr_fail(err, errno == ELOOP ? 0 : errno, "rootfs: cannot append to %s%s", path,
				 errno == ELOOP ? ": it is a symbolic link" : "");
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return mkfr_fail(err, 0, "rootfs: cannot append to %s: not a regular file", path);
	if (write_all(fd, data, len) < 0)
		return mkfr_fail(err, errno, "rootfs: cannot append to %s", path);
	return 0;
}

int rootfs_symlink(int rootfd, const char *target, const char *path, struct mkfr_error *err)
{
	autofree char *base = NULL;
	autoclose int dirfd = open_parent(rootfd, path, &base);
	if (dirfd < 0)
		return mkfr_fail(err, errno, "rootfs: cannot open the directory of %s", path);
	struct stat st;
	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISLNK(st.st_mode))
			return mkfr_fail(err, EEXIST, "rootfs: cannot make the link %s", path);
		if (unlinkat(dirfd, base, 0) < 0)
			return mkfr_fail(err, errno, "rootfs: cannot replace the link %s", path);
	}
	if (symlinkat(target, dirfd, base) < 0)
		return mkfr_fail(err, errno, "rootfs: cannot make the link %s", path);
	return 0;
}

int rootfs_mkdir_p(int rootfd, const char *path, mode_t mode, struct mkfr_error *err)
{
	autofree char *copy = xstrdup(path);
	for (char *p = copy + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			autoclose int fd = openat2_in_root(rootfd, copy, O_PATH | O_DIRECTORY, 0);
			if (fd < 0) {
				autofree char *base = NULL;
				autoclose int dirfd = open_parent(rootfd, copy, &base);
				if (dirfd < 0 || (mkdirat(dirfd, base, mode) < 0 && errno != EEXIST))
					return mkfr_fail(err, errno, "rootfs: cannot create directory %s", copy);
			}
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	return 0;
}

int rootfs_open_read(int rootfd, const char *path)
{
	/* Non-blocking: opening a FIFO the rootfs planted must not wait for a
	 * writer; and anything but a regular file is refused. */
	int fd = openat2_in_root(rootfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int rootfs_copy_out(int rootfd, const char *path, int out_fd, mode_t *mode, struct mkfr_error *err)
{
	autoclose int in = rootfs_open_read(rootfd, path);
	struct stat st;
	if (in < 0 || fstat(in, &st) < 0)
		return mkfr_fail(err, errno, "rootfs: cannot read %s", path);
	/* Opened without blocking (a FIFO); the reads themselves may block. */
	if (fcntl(in, F_SETFL, 0) < 0 || copy_fd(out_fd, in) < 0)
		return mkfr_fail(err, errno, "rootfs: cannot copy %s out", path);
	*mode = st.st_mode & 07777;
	return 0;
}

/* The path an open fd names, as /proc says it. */
static char *fd_path(int fd)
{
	char proc[64], buf[PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, buf, sizeof(buf) - 1);
	if (n <= 0 || n == (ssize_t)sizeof(buf) - 1)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

char *rootfs_resolve_dir(int rootfd, const char *path)
{
	autoclose int fd = openat2_in_root(rootfd, path, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return NULL;
	autofree char *root = fd_path(rootfd), *dir = fd_path(fd);
	if (!root || !dir)
		return NULL;
	size_t n = strlen(root);
	if (strcmp(root, "/") == 0)
		return xstrdup(dir);
	if (strncmp(dir, root, n) != 0 || (dir[n] != '/' && dir[n] != '\0'))
		return NULL;
	return xstrdup(dir[n] ? dir + n : "/");
}

bool rootfs_is_symlink(int rootfd, const char *path)
{
	autofree char *base = NULL;
	autoclose int dirfd = open_parent(rootfd, path, &base);
	struct stat st;
	return dirfd >= 0 && fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

bool rootfs_exists(int rootfd, const char *path)
{
	autofree char *base = NULL;
	autoclose int dirfd = open_parent(rootfd, path, &base);
	struct stat st;
	return dirfd >= 0 && fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Is dirfd/name the root of a mount?  A bind mount from the same
 * filesystem has the same st_dev, so the device check alone is not enough. */
static bool is_mount_root(int dirfd, const char *name, dev_t parent_dev)
{
	struct statx stx;
	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &stx) < 0)
		return true; /* cannot tell: do not descend */
	if (makedev(stx.stx_dev_major, stx.stx_dev_minor) != parent_dev)
		return true;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

bool rootfs_is_mount_root(int dirfd, const char *name, dev_t parent_dev)
{
	return is_mount_root(dirfd, name, parent_dev);
}

/* Empty the directory `fd` (on device `dev`) and everything below it. */
static int empty_dir(int fd, dev_t dev, const char *shown, struct mkfr_error *err)
{
	autoclosedir DIR *d = opendir_at(fd);
	if (!d)
		return mkfr_fail(err, errno, "cannot read %s", shown);
	struct dirent *de;
	while ((de = read_entry(d))) {
		struct stat st;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return mkfr_fail(err, errno, "cannot stat %s/%s", shown, de->d_name);
		}
		if (S_ISDIR(st.st_mode)) {
			if (is_mount_root(fd, de->d_name, dev))
				return mkfr_fail(err, EBUSY, "refusing to delete %s/%s: a filesystem "
						 "is mounted there", shown, de->d_name);
			autoclose int sub = openat(fd, de->d_name,
						   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				return mkfr_fail(err, errno, "cannot open %s/%s", shown, de->d_name);
			autofree char *subshown = NULL;
			subshown = xasprintf("%s/%s", shown, de->d_name);
			if (empty_dir(sub, dev, subshown, err) < 0)
				return -1;
			if (unlinkat(fd, de->d_name, AT_REMOVEDIR) < 0)
				return mkfr_fail(err, errno, "cannot remove %s", subshown);
		} else if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT) {
			return mkfr_fail(err, errno, "cannot remove %s/%s", shown, de->d_name);
		}
	}
	if (errno)
		return mkfr_fail(err, errno, "cannot read %s", shown);
	return 0;
}

int rootfs_remove(int rootfd, const char *path, struct mkfr_error *err)
{
	autofree char *base = NULL;
	autoclose int dirfd = open_parent(rootfd, path, &base);
	struct stat st;
	if (dirfd < 0)
		return errno == ENOENT ? 0 : mkfr_fail(err, errno, "rootfs: cannot open the directory of %s", path);
	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : mkfr_fail(err, errno, "rootfs: cannot stat %s", path);
	if (S_ISDIR(st.st_mode)) {
		struct stat parent;
		autoclose int sub = openat(dirfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 || fstat(dirfd, &parent) < 0)
			return mkfr_fail(err, errno, "rootfs: cannot open %s", path);
		if (is_mount_root(dirfd, base, parent.st_dev))
			return mkfr_fail(err, EBUSY, "refusing to delete %s: a filesystem is mounted there",
					 path);
		if (empty_dir(sub, st.st_dev, path, err) < 0)
			return -1;
		if (unlinkat(dirfd, base, AT_REMOVEDIR) < 0)
			return mkfr_fail(err, errno, "rootfs: cannot remove %s", path);
		return 0;
	}
	if (unlinkat(dirfd, base, 0) < 0 && errno != ENOENT)
		return mkfr_fail(err, errno, "rootfs: cannot remove %s", path);
	return 0;
}

int empty_tree(const char *dir, struct mkfr_error *err)
{
	autoclose int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return mkfr_fail(err, errno, "cannot open %s", dir);
	return empty_dir(fd, st.st_dev, dir, err);
}

int remove_tree(const char *dir, struct mkfr_error *err)
{
	autoclose int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	/* Not a directory: a half-written tarball ("<work>.part"). */
	if (fd < 0 && (errno == ENOTDIR || errno == ELOOP))
		return unlink(dir) == 0 || errno == ENOENT ? 0 : mkfr_fail(err, errno, "cannot remove %s", dir);
	if (fd < 0)
		return errno == ENOENT ? 0 : mkfr_fail(err, errno, "cannot open %s", dir);
	if (fstat(fd, &st) < 0)
		return mkfr_fail(err, errno, "cannot stat %s", dir);
	if (empty_dir(fd, st.st_dev, dir, err) < 0)
		return -1;
	if (rmdir(dir) < 0)
		return mkfr_fail(err, errno, "cannot remove %s", dir);
	return 0;
}
