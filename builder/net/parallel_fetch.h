/* SPDX-License-Identifier: MIT */
/* Many verified downloads at once (libcurl multi), for the .debs of a build.
 *
 * Each file is received into a temporary file in its destination's
 * directory (atomic_file.h), hashed while it arrives, and renamed to its
 * real name only when its size and SHA256 match: a destination either does
 * not exist or is whole and verified.
 *
 * Per file: timeouts, connection errors, transfers that stall (slower than
 * 1 KB/s for `stall_seconds`), 5xx/408/429 answers, short or long bodies and
 * checksum mismatches are retried with exponential backoff up to `tries`
 * times.  A 404 (or 410) fails the whole fetch at once, naming the URL.
 * The first file that cannot be had ends the fetch: the other transfers are
 * stopped, their temporary files removed, files already complete kept.
 * Ctrl-C or SIGTERM (signals_pending) does the same within a fraction of a
 * second.
 *
 * Progress is one status line (log_status): files and bytes done of the
 * total, rate and ETA; redrawn on a terminal, a plain line every few
 * seconds otherwise, nothing when quiet. */
#ifndef MKFR_PARALLEL_FETCH_H
#define MKFR_PARALLEL_FETCH_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

struct fetch_item {
	const char *url;
	const char *dest;   /* final path */
	uint64_t size;      /* expected bytes (from a signed index) */
	const char *sha256; /* expected digest, hex */
};

struct parallel_fetch_opts {
	int connections;     /* at once; 0: 8 */
	int tries;           /* per file; 0: 4 */
	int retry_delay_ms;  /* first backoff, doubled each retry; 0: 1000 */
	int stall_seconds;   /* below 1 KB/s this long is a timeout; 0: 30 */
	const char *proxy;   /* NULL: the environment's http_proxy etc.; "": none */
	const char *what;    /* prefix of the status line, e.g. "fetch"; NULL: "fetch" */
};

#define PARALLEL_FETCH_OPTS_INIT { 0 }

struct parallel_fetch_totals {
	size_t files;     /* downloaded and verified */
	uint64_t bytes;   /* of those files */
	uint64_t wasted;  /* received by attempts that were retried */
	unsigned retries;
	double seconds;   /* wall clock */
};

/* `totals` (optional) is filled on failure too: what was done until then. */
int parallel_fetch(const struct fetch_item *items, size_t n, const struct parallel_fetch_opts *o,
		   struct parallel_fetch_totals *totals, struct mkfr_error *err);

#endif
