/* SPDX-License-Identifier: MIT */
/* The cache's lock protocol, one for all of cache_dir:
 *
 *   CACHE/.in-use   flock: held shared by every process that reads or adds
 *                   to the cache (a build, `run` fetching an emulator) for
 *                   as long as it may still use what it found there;
 *                   exclusive by `mkforeignroot cache prune`, so prune never
 *                   removes a file between another process's check and its
 *                   use, and nothing is added while prune walks the cache.
 *   CACHE/debs/.lock
 *                   per-file OFD locks (deb_cache.h), taken by whoever
 *                   creates, replaces or removes one file of debs/ or
 *                   emulators/: a missing file is made by one process while
 *                   the others wait for it.
 *
 * Readers need no per-file lock: a file appears under its real name only
 * whole and verified (by rename). */
#ifndef MKFR_CACHE_LOCK_H
#define MKFR_CACHE_LOCK_H

#include "util/error.h"

#include <stdbool.h>

/* Take CACHE/.in-use, shared or exclusive, creating cache_dir if needed,
 * waiting and saying so if the other kind holds it.  Returns the fd that
 * holds the lock (close it to release), or -1 (also when interrupted). */
int cache_use_lock(const char *cache_dir, bool exclusive, struct mkfr_error *err);

#endif
