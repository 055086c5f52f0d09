/* SPDX-License-Identifier: MIT */
/* The one place that knows how cache_dir is laid out.  Every path below
 * cache_dir is spelled here and nowhere else (tests/unit/check-layers.sh
 * checks it):
 *
 *     CACHE/.in-use                      flocked: shared by every running build,
 *                                        exclusive by `cache prune` (cache/lock.h)
 *     CACHE/debs/NAME_VERSION_ARCH.deb   verified .debs of every build (deb_cache.h)
 *     CACHE/debs/.lock                   per-file locks of debs/ and emulators/
 *     CACHE/indexes/SUITE/...            the last verified InRelease (or Release +
 *                                        Release.gpg) and Packages files of a suite:
 *                                        where offline builds start (index_cache.h)
 *     CACHE/base/ID.tar.zst, ID.key      configured bases (base_cache.h)
 *     CACHE/emulators/SHA256/qemu-T-static
 *                                        emulators taken from qemu-user-static .debs
 *                                        (emulator_cache.h)
 *     CACHE/tmp/.mkfr-PID-...            one run's scratch space; removed at its end,
 *                                        or by the next run after a SIGKILL
 *
 * Paths are plain host paths (the cache is ours, not a rootfs). */
#ifndef MKFR_CACHE_LAYOUT_H
#define MKFR_CACHE_LAYOUT_H

#include "util/error.h"

#include <stdbool.h>

enum cache_part {
	CACHE_DEBS,
	CACHE_INDEXES,
	CACHE_BASE,
	CACHE_EMULATORS,
	CACHE_TMP,
	CACHE_PART_COUNT
};

/* The trust model: the cache holds what builds run as root (emulators,
 * base snapshots unpacked as root, .debs dpkg installs), so only the user
 * running the build may be able to change it.  cache_dir itself must be a
 * real directory (not a symlink), and it and every directory below it
 * owned by this user and writable by nobody else; otherwise this refuses
 * with one line naming the path and the fix (exit 2).  A cache_dir that
 * does not exist is created (0755) when `create`, else is fine (nothing to
 * trust yet). */
int cache_check_trusted(const char *cache_dir, bool create, struct mkfr_error *err);

/* $MKFR_CACHE_DIR when set, else for root the system cache directory, for
 * anyone else $XDG_CACHE_HOME/mkforeignroot (~/.cache/mkforeignroot).
 * Decided by the effective uid: a rootless build asks before it becomes
 * root of its own user namespace (plan, and run's options). */
const char *cache_default_dir(void);
/* The part's directory name (for listings). */
const char *cache_part_name(enum cache_part part);
/* New strings, never NULL. */
char *cache_part_dir(const char *cache_dir, enum cache_part part);
char *cache_in_use_path(const char *cache_dir);
char *cache_file_locks_path(const char *cache_dir);
char *cache_deb_path(const char *cache_dir, const char *file_name);
/* The verified indexes of one suite of one mirror. */
char *cache_index_dir(const char *cache_dir, const char *mirror, const char *suite);
char *cache_base_snapshot_path(const char *cache_dir, const char *id);
char *cache_base_key_path(const char *cache_dir, const char *id);
/* Is `name` (in CACHE/base) a snapshot?  Its id (64 hex digits) in id_out. */
bool cache_base_snapshot_name(const char *name, char id_out[65]);
char *cache_emulator_dir(const char *cache_dir, const char *deb_sha256);
/* CACHE/tmp/NAME */
char *cache_tmp_path(const char *cache_dir, const char *name);

#endif
