/* SPDX-License-Identifier: MIT */
/* The package cache shared by every build on the machine (cache/layout.h):
 *
 *     CACHE/debs/NAME_VERSION_ARCH.deb   debootstrap's own names (':' as %3a)
 *     CACHE/debs/.lock                   per-file locks (see below; also
 *                                        used for CACHE/emulators)
 *
 * A file under its real name is always whole and was verified against a
 * signed Packages record (size and SHA256) before it was renamed there;
 * downloads go to unnamed or hidden temporary files in CACHE/debs.  Reading
 * needs no lock.  Writing or removing a file needs that file's lock, so two
 * builds that want the same missing package never both download it: the
 * second waits and then finds it in place.
 *
 * The locks are OFD byte-range locks (F_OFD_SETLK) on the one file .lock,
 * at an offset hashed from the file name: per-file locking without a lock
 * file per package piling up, released by the kernel when a build dies.
 * Locks belong to the open file description, so a forked child that wants
 * its own locks must deb_cache_open() its own cache. */
#ifndef MKFR_DEB_CACHE_H
#define MKFR_DEB_CACHE_H

#include "archive/packages_index.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct deb_cache {
	char *cache_dir;
	char *debs_dir; /* CACHE/debs */
	int lock_fd;    /* CACHE/debs/.lock */
	/* offsets locked through this handle: a second lock of the same
	 * range would merge with the first and one unlock would drop both */
	uint64_t *held;
	size_t held_count, held_cap;
};

#define DEB_CACHE_INIT { .lock_fd = -1 }

/* Create CACHE/debs if needed and open its lock file. */
int deb_cache_open(struct deb_cache *c, const char *cache_dir, struct mkfr_error *err);
void deb_cache_close(struct deb_cache *c);

/* Can this Packages record be downloaded and cached at all: a Filename
 * inside the mirror, a Size, a well-formed SHA256, a file name without '/'?
 * The message names the package and `mirror`. */
int deb_cache_usable_record(const struct deb_package *p, const char *mirror,
			    struct mkfr_error *err);

/* CACHE/debs/NAME_VERSION_ARCH.deb as a new string (NULL: bad record or
 * no memory). */
char *deb_cache_path(const struct deb_cache *c, const struct deb_package *p);

/* 1: the file is there with the record's size and SHA256 (its mtime is
 * set to now: the last time a build used it).  0: it is not
 * there, or was corrupt or truncated and has been removed (said in a
 * warning; the removal takes the file's lock, waiting for a build that is
 * writing it, unless this handle holds it already).  -1: error. */
int deb_cache_check(struct deb_cache *c, const struct deb_package *p, struct mkfr_error *err);

/* Lock one file name (NAME_VERSION_ARCH.deb, or any other name of a cache
 * file that is being made, such as an emulator's).  Returns 1 when locked; 0
 * when another build holds it and `wait` is false; -1 on error, or when
 * interrupted (signals_pending) while waiting.  Locking a name this handle
 * already holds is an error. */
int deb_cache_lock(struct deb_cache *c, const char *file_name, bool wait, struct mkfr_error *err);
void deb_cache_unlock(struct deb_cache *c, const char *file_name);
bool deb_cache_holds(const struct deb_cache *c, const char *file_name);

#endif
