/* SPDX-License-Identifier: MIT */
#include "out/zstd_stream.h"

#include "util/alloc.h"
#include "util/cpu_count.h"
#include "util/file_io.h"

#include <errno.h>
#include <signal.h>
#include <pthread.h>
#include <stdlib.h>
#include <zstd.h>

struct zstd_stream {
	int fd;
	ZSTD_CCtx *cctx;
	void *out;
	size_t out_size;
	int failed_errno; /* a write to fd failed: every later call fails */
};

static int zstd_failed(size_t code, const char *what, struct mkfr_error *err)
{
	return mkfr_fail(err, 0, "zstd: %s: %s", what, ZSTD_getErrorName(code));
}

struct zstd_stream *zstd_stream_open(int out_fd, int level, unsigned workers,
				     struct mkfr_error *err)
{
	if (!workers)
		workers = cpu_count();
	if (workers > ZSTD_STREAM_MAX_WORKERS)
		workers = ZSTD_STREAM_MAX_WORKERS;
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	if (!cctx) {
		mkfr_fail(err, ENOMEM, "zstd");
		return NULL;
	}
	size_t r;
	const char *what = "compression level";
	if (ZSTD_isError(r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)) ||
	    (what = "content checksum", ZSTD_isError(r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1))) ||
	    (what = "worker threads (is libzstd built without them?)",
	     ZSTD_isError(r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, (int)workers))) ||
	    (what = "job size", ZSTD_isError(r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_jobSize, ZSTD_STREAM_JOB)))) {
		zstd_failed(r, what, err);
		ZSTD_freeCCtx(cctx);
		return NULL;
	}
	struct zstd_stream *z = xcalloc(1, sizeof(*z));
	z->fd = out_fd;
	z->cctx = cctx;
	z->out_size = ZSTD_CStreamOutSize();
	z->out = xmalloc(z->out_size);
	return z;
}

/* Feed `len` bytes with `mode`, writing out whatever zstd gives back;
 * ZSTD_e_end: until the frame is complete. */
static int pump(struct zstd_stream *z, const void *data, size_t len, ZSTD_EndDirective mode,
		struct mkfr_error *err)
{
	if (z->failed_errno)
		return mkfr_fail(err, z->failed_errno, "cannot write the compressed tarball");
	ZSTD_inBuffer in = { data, len, 0 };
	for (;;) {
		/* zstd's workers are threads of this process: they must not
		 * take the signals the main thread handles. */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		ZSTD_outBuffer out = { z->out, z->out_size, 0 };
		size_t left = ZSTD_compressStream2(z->cctx, &out, &in, mode);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (ZSTD_isError(left))
			return zstd_failed(left, "compressing", err);
		if (out.pos && write_all(z->fd, z->out, out.pos) < 0) {
			z->failed_errno = errno ? errno : EIO;
			return mkfr_fail(err, z->failed_errno, "cannot write the compressed tarball");
		}
		if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return 0;
	}
}

int zstd_stream_write(struct zstd_stream *z, const void *data, size_t len, struct mkfr_error *err)
{
	return pump(z, data, len, ZSTD_e_continue, err);
}

int zstd_stream_finish(struct zstd_stream *z, struct mkfr_error *err)
{
	return pump(z, NULL, 0, ZSTD_e_end, err);
}

void zstd_stream_free(struct zstd_stream *z)
{
	if (!z)
		return;
	ZSTD_freeCCtx(z->cctx); /* ends its workers */
	free(z->out);
	free(z);
}
