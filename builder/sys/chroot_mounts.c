/* SPDX-License-Identifier: MIT */
#include "sys/chroot_mounts.h"

#include "sys/rootfs_fs.h"
#include "util/alloc.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* An O_PATH fd for `path` inside root, resolved as if root were "/" (a
 * symlink in the rootfs never leads to the host), or -1. */
static int open_in_root(const char *root, const char *path, int flags)
{
	autoclose int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -1;
	struct open_how how = {
		.flags = (unsigned long long)(O_PATH | O_CLOEXEC | flags),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

/* mount() onto a place inside root, named through its fd so nothing can
 * swap a symlink under us.  open_flags: O_DIRECTORY where only a
 * directory will do. */
static int mount_at_flags(const char *root, const char *path, int open_flags, const char *src,
			  const char *fstype, unsigned long flags, const char *data)
{
	autoclose int fd = open_in_root(root, path, O_NOFOLLOW | open_flags);
	if (fd < 0) {
		fprintf(stderr, "cannot open %s%s to mount on: %s\n", root, path, strerror(errno));
		return -1;
	}
	char target[64];
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (mount(src, target, fstype, flags, data) < 0) {
		fprintf(stderr, "cannot mount %s on %s%s: %s\n", fstype ? fstype : src, root, path,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int mount_at(const char *root, const char *path, const char *src, const char *fstype,
		    unsigned long flags, const char *data)
{
	return mount_at_flags(root, path, 0, src, fstype, flags, data);
}

/* Read-only (and `extra`), for the mount at path and every mount below it:
 * a remount would change only the top one. */
static int make_read_only(const char *root, const char *path, unsigned long long extra)
{
	autoclose int fd = open_in_root(root, path, O_NOFOLLOW | O_DIRECTORY);
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | extra };
	if (fd < 0 || mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
		fprintf(stderr, "cannot make %s%s read-only: %s\n", root, path, strerror(errno));
		return -1;
	}
	return 0;
}

static bool is_dir_in_root(const char *root, const char *path)
{
	autoclose int fd = open_in_root(root, path, O_NOFOLLOW | O_DIRECTORY);
	return fd >= 0;
}

static int mount_proc_sys(const char *root)
{
	if (is_dir_in_root(root, "/proc") &&
	    mount_at(root, "/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -1;
	if (is_dir_in_root(root, "/sys")) {
		if (mount_at(root, "/sys", "/sys", NULL, MS_BIND | MS_REC, NULL) < 0)
			return -1;
		/* Read-only, and every mount below it too (cgroups, securityfs,
		 * debugfs...).  Nothing in the rootfs has any business changing
		 * the host's kernel settings. */
		if (make_read_only(root, "/sys", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC) < 0)
			return -1;
	}
	return 0;
}

struct dev_node {
	const char *name;
	unsigned int major, minor;
};

static const struct dev_node dev_nodes[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
	{ NULL, 0, 0 },
};

static const char *const dev_links[][2] = {
	{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	{ "ptmx", "pts/ptmx" }, { NULL, NULL },
};

/* mknod refused (a user namespace): the host's node of that name, bound
 * onto an empty file of our tmpfs. */
static int bind_host_node(const char *root, int devfd, const char *name)
{
	int fd = openat(devfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	close(fd);
	char path[64]; /* the same name on the host and in the rootfs */
	snprintf(path, sizeof(path), "/dev/%s", name);
	return mount_at(root, path, path, NULL, MS_BIND, NULL);
}

static int populate_dev(const char *root)
{
	if (mount_at(root, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") < 0)
		return -1;
	autoclose int dev = open_in_root(root, "/dev", O_DIRECTORY);
	/* O_PATH cannot be used with mknodat: reopen through /proc. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dev);
	autoclose int devfd = open(path, O_DIRECTORY | O_CLOEXEC);
	if (devfd < 0)
		return -1;
	mode_t old = umask(0);
	for (const struct dev_node *n = dev_nodes; n->name; n++)
		if (mknodat(devfd, n->name, S_IFCHR | 0666, makedev(n->major, n->minor)) < 0 &&
		    (errno != EPERM || bind_host_node(root, devfd, n->name) < 0)) {
			fprintf(stderr, "cannot create /dev/%s: %s\n", n->name, strerror(errno));
			umask(old);
			return -1;
		}
	for (size_t i = 0; dev_links[i][0]; i++)
		(void)!symlinkat(dev_links[i][1], devfd, dev_links[i][0]);
	(void)!mkdirat(devfd, "pts", 0755);
	(void)!mkdirat(devfd, "shm", 01777);
	umask(old);
	if (mount_at(root, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0 ||
	    mount_at(root, "/dev/shm", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		return -1;
	return 0;
}

/* Bind the host's resolv.conf over the rootfs's, if the rootfs has one as
 * a plain file (a symlink into /run, as systemd-resolved sets up, is left
 * alone: we do not create files in the user's rootfs). */
static void bind_resolv_conf(const char *root)
{
	autoclose int fd = open_in_root(root, "/etc/resolv.conf", O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || access("/etc/resolv.conf", R_OK))
		return;
	mount_at(root, "/etc/resolv.conf", "/etc/resolv.conf", NULL, MS_BIND, NULL);
}

int chroot_bind_prepare(const char *root, struct chroot_bind *b, struct mkfr_error *err)
{
	struct stat st;
	if (stat(b->host, &st) < 0)
		return mkfr_fail(err, errno, "--bind: %s", b->host);
	if (!S_ISDIR(st.st_mode))
		return mkfr_fail(err, ENOTDIR, "--bind: %s", b->host);
	autoclose int rootfd = rootfs_open(root, err);
	if (rootfd < 0)
		return -1;
	free(b->at);
	b->at = rootfs_resolve_dir(rootfd, b->guest);
	/* Refused before anything is created: "/x/.." or a link to "/" would
	 * put the host directory over the whole rootfs. */
	if (b->at && strcmp(b->at, "/") == 0)
		return mkfr_fail(err, 0, "--bind: %s is the rootfs's root directory itself (inside "
				 "the rootfs it resolves to /): bind to a directory below it", b->guest);
	if (!b->at) {
		if (rootfs_mkdir_p(rootfd, b->guest, 0755, err) < 0)
			return mkfr_error_prefix(err, "--bind: %s", b->guest);
		b->at = rootfs_resolve_dir(rootfd, b->guest);
		if (!b->at || strcmp(b->at, "/") == 0)
			return mkfr_fail(err, 0, "--bind: %s is not a directory inside the rootfs (a "
					 "file, or a symbolic link to something missing there)", b->guest);
	}
	return 0;
}

void chroot_bind_free(struct chroot_bind *b)
{
	free(b->host);
	free(b->guest);
	free(b->at);
	*b = (struct chroot_bind){ 0 };
}

static int mount_binds(const char *root, const struct chroot_bind *binds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct chroot_bind *b = &binds[i];
		if (mount_at_flags(root, b->at, O_DIRECTORY, b->host, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    (b->read_only && make_read_only(root, b->at, 0) < 0))
			return -1;
	}
	return 0;
}

int chroot_mounts_setup(void *data)
{
	const struct chroot_mounts *m = data;
	if (m->proc_sys && mount_proc_sys(m->root) < 0)
		return -1;
	if (m->dev && is_dir_in_root(m->root, "/dev") && populate_dev(m->root) < 0)
		return -1;
	if (m->resolv_conf)
		bind_resolv_conf(m->root);
	return mount_binds(m->root, m->binds, m->n_binds);
}
