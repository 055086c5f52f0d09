/* SPDX-License-Identifier: MIT */
/* A zstd stream on every core, in bounded memory, the same bytes on any
 * machine (libzstd's own multi-threaded mode, used directly).
 *
 * libarchive's zstd filter offers only a thread count: its workers take
 * zstd's default job size, and two of them made a tarball cost 60 MiB of
 * memory (measured).  Here the job size is fixed at ZSTD_STREAM_JOB
 * (2 MiB: about 21 MiB with two workers, and 2% larger than one thread's
 * output on a minbase rootfs), and zstd is always in its multi-threaded
 * mode, whose output depends on the level and the job size only, never on
 * the number of workers (zstd's documented guarantee; tested in
 * tests/unit/test-zstd-stream).  Frames carry zstd's content checksum. */
#ifndef MKFR_ZSTD_STREAM_H
#define MKFR_ZSTD_STREAM_H

#include "util/error.h"

#include <stddef.h>

#define ZSTD_STREAM_JOB (2 * 1024 * 1024)
/* More workers than this buy little and cost 8 MiB each. */
#define ZSTD_STREAM_MAX_WORKERS 8

struct zstd_stream;

/* A stream to out_fd (not closed) at `level` with `workers` threads (0: one
 * a CPU, at most ZSTD_STREAM_MAX_WORKERS). */
struct zstd_stream *zstd_stream_open(int out_fd, int level, unsigned workers,
				     struct mkfr_error *err);
int zstd_stream_write(struct zstd_stream *z, const void *data, size_t len, struct mkfr_error *err);
/* The end of the frame, everything written.  0 or -1. */
int zstd_stream_finish(struct zstd_stream *z, struct mkfr_error *err);
/* NULL is fine.  Unfinished: what was written is not a whole stream. */
void zstd_stream_free(struct zstd_stream *z);

#endif
