/* SPDX-License-Identifier: MIT */
#include "out/parallel_gzip.h"

#include "util/alloc.h"
#include "util/cpu_count.h"
#include "util/file_io.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* Deflate looks back at most this far: the dictionary a block needs. */
#define WINDOW (32 * 1024)

/* One block: its input, the window before it, and what it deflates to. */
struct job {
	unsigned char *in;
	size_t in_len;
	unsigned char dict[WINDOW];
	size_t dict_len;
	bool last;
	bool taken; /* a worker has it */
	bool done;
	int zerr; /* zlib's error, Z_OK if none */
	unsigned char *out;
	size_t out_len;
	uLong crc;
	struct job *next;
};

struct pgzip {
	int fd;
	int level;
	pthread_t *workers;
	unsigned nworkers;
	pthread_mutex_t mu;
	pthread_cond_t have_work; /* a job was queued, or stop */
	pthread_cond_t have_done; /* a job is done */
	bool stop;
	/* Submitted and not yet written, in input order. */
	struct job *head, *tail;
	size_t in_flight;
	/* The block being filled, and the end of the one before it. */
	unsigned char *cur;
	size_t cur_len;
	unsigned char window[WINDOW];
	size_t window_len;
	/* What the trailer needs, of the blocks written so far. */
	uLong crc;
	uint64_t total;
	bool failed;
	int failed_errno;
	bool finished;
};

static void deflate_job(struct job *j, int level)
{
	z_stream s = { 0 };
	j->crc = crc32(0L, j->in, (uInt)j->in_len);
	j->zerr = deflateInit2(&s, level, Z_DEFLATED, -15 /* raw */, 8, Z_DEFAULT_STRATEGY);
	if (j->zerr != Z_OK)
		return;
	if (j->dict_len)
		j->zerr = deflateSetDictionary(&s, j->dict, (uInt)j->dict_len);
	/* The bound, and room for the 5 bytes of the sync marker. */
	size_t cap = deflateBound(&s, j->in_len) + 64;
	j->out = xmalloc(cap);
	s.next_in = j->in;
	s.avail_in = (uInt)j->in_len;
	for (;;) {
		s.next_out = j->out + j->out_len;
		s.avail_out = (uInt)(cap - j->out_len);
		int r = deflate(&s, j->last ? Z_FINISH : Z_SYNC_FLUSH);
		j->out_len = cap - s.avail_out;
		if (r == Z_STREAM_ERROR) {
			j->zerr = r;
			break;
		}
		if (j->last ? r == Z_STREAM_END : (s.avail_in == 0 && s.avail_out > 0))
			break;
		if (s.avail_out == 0) {
			cap *= 2;
			j->out = xrealloc(j->out, cap);
		}
	}
	deflateEnd(&s);
}

static void *worker(void *arg)
{
	struct pgzip *z = arg;
	pthread_mutex_lock(&z->mu);
	for (;;) {
		struct job *j = z->head;
		while (j && j->taken)
			j = j->next;
		if (!j) {
			if (z->stop)
				break;
			pthread_cond_wait(&z->have_work, &z->mu);
			continue;
		}
		j->taken = true;
		pthread_mutex_unlock(&z->mu);
		deflate_job(j, z->level);
		pthread_mutex_lock(&z->mu);
		j->done = true;
		pthread_cond_broadcast(&z->have_done);
	}
	pthread_mutex_unlock(&z->mu);
	return NULL;
}

static void job_free(struct job *j)
{
	free(j->in);
	free(j->out);
	free(j);
}

static int failed(struct pgzip *z, struct mkfr_error *err)
{
	errno = z->failed_errno;
	return mkfr_fail(err, z->failed_errno, "cannot write the compressed tarball");
}

static int write_out(struct pgzip *z, const void *buf, size_t len)
{
	if (z->failed)
		return -1;
	if (write_all(z->fd, buf, len) < 0) {
		z->failed = true;
		z->failed_errno = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

/* Write the finished jobs at the head, in order, waiting for the head to be
 * done as long as `limit` or more are in flight: limit 1 writes them all. */
static int drain(struct pgzip *z, size_t limit, struct mkfr_error *err)
{
	for (;;) {
		pthread_mutex_lock(&z->mu);
		while (z->head && !z->head->done && z->in_flight >= limit)
			pthread_cond_wait(&z->have_done, &z->mu);
		struct job *j = z->head;
		if (!j || !j->done) {
			pthread_mutex_unlock(&z->mu);
			return z->failed ? failed(z, err) : 0;
		}
		z->head = j->next;
		if (!z->head)
			z->tail = NULL;
		z->in_flight--;
		pthread_mutex_unlock(&z->mu);
		if (j->zerr != Z_OK) {
			int zerr = j->zerr;
			job_free(j);
			return mkfr_fail(err, 0, "zlib failed to compress the tarball (error %d)", zerr);
		}
		z->crc = crc32_combine(z->crc, j->crc, (z_off_t)j->in_len);
		z->total += j->in_len;
		write_out(z, j->out, j->out_len);
		job_free(j);
		if (z->failed)
			return failed(z, err);
	}
}

/* Queue the block being filled (the last one, or not). */
static int submit(struct pgzip *z, bool last, struct mkfr_error *err)
{
	struct job *j = xcalloc(1, sizeof(*j));
	j->in = z->cur;
	j->in_len = z->cur_len;
	j->last = last;
	memcpy(j->dict, z->window, z->window_len);
	j->dict_len = z->window_len;
	/* The next block's window: the end of this one (blocks are longer). */
	z->window_len = j->in_len < WINDOW ? j->in_len : WINDOW;
	memcpy(z->window, j->in + j->in_len - z->window_len, z->window_len);
	z->cur = xmalloc(PGZIP_BLOCK);
	z->cur_len = 0;

	pthread_mutex_lock(&z->mu);
	if (z->tail)
		z->tail->next = j;
	else
		z->head = j;
	z->tail = j;
	z->in_flight++;
	pthread_cond_signal(&z->have_work);
	pthread_mutex_unlock(&z->mu);
	/* Two blocks a worker in flight: every core busy, memory bounded. */
	return drain(z, 2 * (size_t)z->nworkers, err);
}

struct pgzip *pgzip_open(int out_fd, int level, unsigned threads, struct mkfr_error *err)
{
	struct pgzip *z = xcalloc(1, sizeof(*z));
	z->fd = out_fd;
	z->level = level;
	z->nworkers = threads ? threads : cpu_count();
	z->cur = xmalloc(PGZIP_BLOCK);
	z->crc = crc32(0L, Z_NULL, 0);
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->have_work, NULL);
	pthread_cond_init(&z->have_done, NULL);
	z->workers = xcalloc(z->nworkers, sizeof(pthread_t));

	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	unsigned started = 0;
	int rc = 0;
	while (started < z->nworkers && (rc = pthread_create(&z->workers[started], NULL, worker, z)) == 0)
		started++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	z->nworkers = started;
	if (started == 0) {
		pgzip_free(z);
		mkfr_fail(err, rc, "cannot start a thread to compress");
		return NULL;
	}

	/* gzip's header: deflate, no flags, mtime 0, OS 3 (Unix); XFL says
	 * "fastest" or "best" as gzip does. */
	unsigned char header[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	header[8] = level == 9 ? 2 : level == 1 ? 4 : 0;
	if (write_out(z, header, sizeof(header)) < 0) {
		failed(z, err);
		pgzip_free(z);
		return NULL;
	}
	return z;
}

int pgzip_write(struct pgzip *z, const void *data, size_t len, struct mkfr_error *err)
{
	const unsigned char *p = data;
	if (z->failed)
		return failed(z, err);
	while (len > 0) {
		/* A full block is queued only once more input comes: the last
		 * block is never an empty one after a full one. */
		if (z->cur_len == PGZIP_BLOCK && submit(z, false, err) < 0)
			return -1;
		size_t n = PGZIP_BLOCK - z->cur_len;
		if (n > len)
			n = len;
		memcpy(z->cur + z->cur_len, p, n);
		z->cur_len += n;
		p += n;
		len -= n;
	}
	return 0;
}

int pgzip_finish(struct pgzip *z, struct mkfr_error *err)
{
	if (z->failed)
		return failed(z, err);
	if (submit(z, true, err) < 0 || drain(z, 1, err) < 0)
		return -1;
	unsigned char trailer[8];
	for (int i = 0; i < 4; i++) {
		trailer[i] = (unsigned char)(z->crc >> (8 * i));
		trailer[4 + i] = (unsigned char)(z->total >> (8 * i)); /* size mod 2^32 */
	}
	if (write_out(z, trailer, sizeof(trailer)) < 0)
		return failed(z, err);
	z->finished = true;
	return 0;
}

void pgzip_free(struct pgzip *z)
{
	if (!z)
		return;
	pthread_mutex_lock(&z->mu);
	z->stop = true;
	pthread_cond_broadcast(&z->have_work);
	pthread_mutex_unlock(&z->mu);
	for (unsigned i = 0; i < z->nworkers; i++)
		pthread_join(z->workers[i], NULL);
	/* Unwritten jobs: the workers are gone, so nobody holds them. */
	while (z->head) {
		struct job *j = z->head;
		z->head = j->next;
		job_free(j);
	}
	pthread_mutex_destroy(&z->mu);
	pthread_cond_destroy(&z->have_work);
	pthread_cond_destroy(&z->have_done);
	free(z->workers);
	free(z->cur);
	free(z);
}
