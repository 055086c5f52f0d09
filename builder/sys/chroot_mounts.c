#include "sys/chroot_mounts.h"

#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
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
 * swap a symlink under us. */
static int mount_at(const char *root, const char *path, const char *src, const char *fstype,
		    unsigned long flags, const char *data)
{
	autoclose int fd = open_in_root(root, path, O_NOFOLLOW);
	if (fd < 0)
		return -1;
	char target[64];
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (mount(src, target, fstype, flags, data) < 0) {
		fprintf(stderr, "cannot mount %s on %s%s: %s\n", fstype ? fstype : src, root, path,
			strerror(errno));
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
		 * debugfs...): a remount would make only the top one read-only.
		 * Nothing in the rootfs has any business changing the host's
		 * kernel settings. */
		autoclose int sys = open_in_root(root, "/sys", O_NOFOLLOW | O_DIRECTORY);
		struct mount_attr attr = {
			.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				    MOUNT_ATTR_NOEXEC,
		};
		if (sys < 0 || mount_setattr(sys, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
			fprintf(stderr, "cannot make %s/sys read-only: %s\n", root, strerror(errno));
			return -1;
		}
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
		if (mknodat(devfd, n->name, S_IFCHR | 0666, makedev(n->major, n->minor)) < 0) {
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

int chroot_mounts_setup(void *data)
{
	const struct chroot_mounts *m = data;
	if (m->proc_sys && mount_proc_sys(m->root) < 0)
		return -1;
	if (m->dev_and_net) {
		if (is_dir_in_root(m->root, "/dev") && populate_dev(m->root) < 0)
			return -1;
		bind_resolv_conf(m->root);
	}
	return 0;
}
