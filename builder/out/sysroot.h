/* SPDX-License-Identifier: MIT */
/* sysroot=yes: a rootfs a cross compiler can use as --sysroot.
 *
 * On the build host the rootfs is not "/", so an absolute symlink in it
 * (usr/lib/arm-linux-gnueabi/libz.so -> /lib/arm-linux-gnueabi/libz.so.1.2.13)
 * points at the HOST's file, which is missing or, worse, of the host's
 * architecture: the cross linker fails or links the wrong library.  A
 * relative link means the same thing inside the rootfs (where ".." at "/"
 * stays at "/") and outside it. */
#ifndef MKFR_SYSROOT_H
#define MKFR_SYSROOT_H

#include "util/error.h"

#include <stddef.h>

/* The relative form of absolute `target` for a link that lives in `dir`
 * (a directory path relative to the rootfs, "" for its top, made of real
 * directories only).  New string, NULL on ENOMEM. */
char *sysroot_relative_target(const char *dir, const char *target);

/* Rewrite every absolute symlink below `root` to its relative form, in
 * place (new link under a temporary name, renamed over the old one, owner
 * and times kept).  Walks with directory fds only: never follows a symlink,
 * never enters another mount.  *changed: how many links were rewritten. */
int sysroot_relativize_links(const char *root, size_t *changed, struct mkfr_error *err);

#endif
