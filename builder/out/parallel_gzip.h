/* SPDX-License-Identifier: MIT */
/* A gzip stream compressed on every core (zlib and threads, pigz's method).
 *
 * The input is cut into blocks of PGZIP_BLOCK bytes; each block is deflated
 * on its own by a worker thread, primed with the 32 KiB of input before it
 * (deflateSetDictionary), and ends on a byte boundary (Z_SYNC_FLUSH), so
 * the blocks' outputs, in order, make one raw deflate stream; the last one
 * ends it (Z_FINISH).  The CRC-32 of the whole input is the blocks' CRCs
 * combined.  The result is one ordinary gzip member that gzip, zcat and
 * every tar read.
 *
 * The bytes written depend only on the input, the level and PGZIP_BLOCK:
 * never on the number of threads or their timing, so a reproducible build
 * gives the same tarball on a 2-core laptop and a 64-core builder.
 *
 * The header has no name and no time (mtime 0), as `gzip -n`.  Worker
 * threads block every signal: signals reach the main thread, which stops
 * (signals.h). */
#ifndef MKFR_PARALLEL_GZIP_H
#define MKFR_PARALLEL_GZIP_H

#include "util/error.h"

#include <stddef.h>

#define PGZIP_BLOCK (128 * 1024)

struct pgzip;

/* A stream to out_fd (not closed) at zlib level `level` (1..9) with
 * `threads` workers (0: one a CPU). */
struct pgzip *pgzip_open(int out_fd, int level, unsigned threads, struct mkfr_error *err);

/* Compress len bytes.  -1 when writing out_fd failed (err says why; errno
 * is set), earlier or now. */
int pgzip_write(struct pgzip *z, const void *data, size_t len, struct mkfr_error *err);

/* The last block and the gzip trailer, everything written.  0 or -1. */
int pgzip_finish(struct pgzip *z, struct mkfr_error *err);

/* Stops the workers and frees everything; NULL is fine.  Unfinished: what
 * was written is not a whole gzip stream. */
void pgzip_free(struct pgzip *z);

#endif
