/* SPDX-License-Identifier: MIT */
/* What the cache holds, and trimming it by last use (`mkforeignroot cache
 * list|prune`).  Builds mark what they use (a .deb's mtime, a base entry's
 * key file, an emulator's directory); prune removes what none used for a
 * while, under the cache's exclusive in-use lock (cache/lock.h), so it
 * never removes a file a running build is about to read. */
#ifndef MKFR_CACHE_PRUNE_H
#define MKFR_CACHE_PRUNE_H

#include "cache/layout.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Files and bytes below one part of the cache (debs, emulators, indexes). */
struct cache_usage {
	size_t files;
	uint64_t bytes;
};
void cache_part_usage(const char *cache_dir, enum cache_part part, struct cache_usage *u);

struct prune_request {
	const char *cache_dir;
	bool all;      /* everything, whenever last used */
	time_t cutoff; /* else: what was last used before this */
	bool dry_run;  /* only say what would go */
};

struct prune_tally {
	size_t removed, kept;
	uint64_t removed_bytes;
};

/* Base snapshots, .debs and emulators last used before the cutoff (with
 * `all`: those, and the indexes); leftovers of dead runs in tmp/ (not with
 * dry_run).  Takes the in-use lock exclusively, waiting for running builds. */
int cache_prune(const struct prune_request *req, struct prune_tally *base, struct prune_tally *debs,
		struct prune_tally *rest, struct mkfr_error *err);

#endif
