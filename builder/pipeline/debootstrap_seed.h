/* SPDX-License-Identifier: MIT */
/* What `debootstrap --make-tarball` would pack, put into the target by us
 * (the fetch stage), so that `debootstrap --foreign --unpack-tarball` given
 * an empty tarball goes straight to unpacking: it neither downloads nor
 * walks the indexes (with a local mirror its shell still spent 13 s of a
 * 19 s armel first stage on that; 5 s with this).  debootstrap verifies
 * nothing in this mode; we did, from the Release signature down to each
 * .deb's SHA256.
 *
 *   WORK/var/cache/apt/archives/NAME_VERSION_ARCH.deb   (debootstrap_seed_deb)
 *   WORK/var/lib/apt/lists/MIRROR_dists_SUITE_InRelease (+ Release, Release.gpg)
 *   WORK/var/lib/apt/lists/MIRROR_dists_SUITE_COMP_binary-ARCH_Packages
 *   WORK/debootstrap/required, base, debpaths, deburis
 *
 * Every write goes through sys/rootfs_fs.h. */
#ifndef MKFR_DEBOOTSTRAP_SEED_H
#define MKFR_DEBOOTSTRAP_SEED_H

#include "archive/packages_index.h"
#include "archive/release_file.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

struct debootstrap_seed {
	int rootfd;                  /* the target (rootfs_open) */
	const char *mirror, *suite, *arch;
	const struct release_file *release;
	bool detached;               /* Release + Release.gpg, not InRelease */
	char *const *components;     /* in the Release's order */
	const char *signed_dir;      /* the signed files and indexes as verified */
	const struct deb_package *debs;
	size_t deb_count, required_count;
};

/* The directories --make-tarball packs (apt's lists and archives, /debootstrap). */
int debootstrap_seed_dirs(const struct debootstrap_seed *s, struct mkfr_error *err);
/* One .deb from the cache where debootstrap would have downloaded it.  A
 * copy, not a link: the rootfs is the user's to change, the cache is not. */
int debootstrap_seed_deb(const struct debootstrap_seed *s, const char *cached,
			 const char *file_name, struct mkfr_error *err);
/* The apt lists, named after the mirror (so debootstrap writes a
 * sources.list naming it), and debootstrap's record of what to unpack and
 * install. */
int debootstrap_seed_lists_and_plan(const struct debootstrap_seed *s, struct mkfr_error *err);
/* The empty tarball --unpack-tarball insists on. */
int debootstrap_seed_empty_tarball(const char *path, struct mkfr_error *err);

#endif
