/* SPDX-License-Identifier: MIT */
/* Bringing a build's packages into the shared cache (deb_cache.h): the
 * ones already there and intact are kept, the others are downloaded in
 * parallel (parallel_fetch.h) from the mirror the Packages records came
 * from.
 *
 * Concurrent builds: a missing file is downloaded only by the build that
 * got its lock; a build that finds it locked fetches everything else first,
 * then waits for the lock and normally finds the file in place (it
 * downloads it itself only when the other build failed).  A build never
 * waits for a lock while holding another, so two builds cannot deadlock. */
#ifndef MKFR_FETCH_DEBS_H
#define MKFR_FETCH_DEBS_H

#include "archive/packages_index.h"
#include "cache/deb_cache.h"
#include "net/parallel_fetch.h"
#include "util/error.h"

#include <stddef.h>

struct fetch_debs_request {
	const char *mirror; /* e.g. http://mirror.example/debian; Filename is relative to it */
	const struct deb_package *const *pkgs;
	size_t n;
	struct parallel_fetch_opts fetch;
};

struct fetch_debs_result {
	size_t cached;  /* intact in the cache already */
	size_t waited;  /* downloaded meanwhile by another build */
	struct parallel_fetch_totals fetched; /* what this build downloaded */
};

int fetch_debs(struct deb_cache *c, const struct fetch_debs_request *req,
	       struct fetch_debs_result *res, struct mkfr_error *err);

#endif
