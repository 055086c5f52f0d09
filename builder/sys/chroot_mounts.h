/* SPDX-License-Identifier: MIT */
/* The kernel filesystems a chroot into a rootfs needs, mounted by PID 1 of
 * a private PID namespace (a spawn `setup` callback) while it is still the
 * host's root (or root of a rootless build's namespace): /proc for that PID
 * namespace, a read-only /sys, and for interactive use and rootless
 * builds a small /dev, and the host's resolv.conf.
 *
 * Mounted before entering a user namespace, they are locked in there:
 * debootstrap's second stage tries to unmount and remount /proc and /sys,
 * which a user namespace may not do (mount(proc) inside a chroot there fails
 * with ELOOP, sysfs needs a network namespace of its own); it finds them
 * mounted and carries on.  Everything vanishes with the namespace. */
#ifndef MKFR_CHROOT_MOUNTS_H
#define MKFR_CHROOT_MOUNTS_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

/* A host directory bound into the rootfs (`run --bind`). */
struct chroot_bind {
	char *host;       /* absolute */
	char *guest;      /* as asked for, absolute */
	bool read_only;   /* and every mount below it */
	char *at;         /* chroot_bind_prepare: guest resolved inside the rootfs */
};

struct chroot_mounts {
	const char *root;
	bool proc_sys;     /* /proc and /sys */
	/* /dev as a fresh tmpfs with the usual nodes, devpts and /dev/shm (the
	 * rootfs's own /dev is hidden, not changed).  Where mknod is refused
	 * (a user namespace) each node is the host's, bound onto an empty
	 * file, as debootstrap does in a container (setup_devices_bind). */
	bool dev;
	/* /etc/resolv.conf bound from the host, so the network works by name. */
	bool resolv_conf;
	/* Bound after everything above, in this order. */
	const struct chroot_bind *binds;
	size_t n_binds;
};

/* Before the run, on our side: host must be a directory; guest is
 * resolved inside root as the kernel resolves it in a chroot of root (a
 * symlink among its components, absolute or relative, never leads out of
 * the rootfs), made with mkdir -p if missing (the one change run makes to
 * a rootfs, and only when asked), and refused if it is the rootfs's own
 * root directory.  Fills b->at. */
int chroot_bind_prepare(const char *root, struct chroot_bind *b, struct mkfr_error *err);
void chroot_bind_free(struct chroot_bind *b);

/* A spawn_setup_fn: data is a struct chroot_mounts.  Skips what the rootfs
 * has no mount point for (we never create directories in it). */
int chroot_mounts_setup(void *data);

#endif
