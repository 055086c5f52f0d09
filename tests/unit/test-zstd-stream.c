/* SPDX-License-Identifier: MIT */
/* The zstd stream: for inputs of no byte, one byte, a job less one, one
 * job and one byte more, and many jobs of text and of random bytes,
 * zstd's decoder gives back the input and checks the frame's checksum,
 * and the bytes are the same with 1, 2, 3 and 8 workers.  Then a full
 * disk (/dev/full): -1 and ENOSPC. */
#include "out/zstd_stream.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <zstd.h>

static int compress_all(const unsigned char *in, size_t len, unsigned workers, size_t chunk,
			unsigned char **out, size_t *out_len)
{
	char path[] = "/tmp/mkfr-test-zstd-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	struct mkfr_error err = { 0 };
	struct zstd_stream *z = zstd_stream_open(fd, 3, workers, &err);
	int rc = z ? 0 : -1;
	for (size_t off = 0; rc == 0 && off < len; off += chunk)
		rc = zstd_stream_write(z, in + off, len - off < chunk ? len - off : chunk, &err);
	if (rc == 0)
		rc = zstd_stream_finish(z, &err);
	zstd_stream_free(z);
	if (rc < 0) {
		printf("# %s\n", err.msg);
		close(fd);
		return -1;
	}
	off_t size = lseek(fd, 0, SEEK_END);
	*out = malloc((size_t)size + 1);
	*out_len = (size_t)size;
	rc = pread(fd, *out, (size_t)size, 0) == size ? 0 : -1;
	close(fd);
	return rc;
}

static void check(const char *what, const unsigned char *in, size_t len)
{
	static const unsigned workers[] = { 1, 2, 3, 8 };
	unsigned char *first = NULL;
	size_t first_len = 0;
	int same = 1;
	for (size_t t = 0; t < sizeof(workers) / sizeof(workers[0]); t++) {
		unsigned char *zs = NULL;
		size_t zs_len = 0;
		if (compress_all(in, len, workers[t], 65521 + 1000 * t, &zs, &zs_len) < 0) {
			ok(0, "%s: compresses with %u workers", what, workers[t]);
			free(zs);
			continue;
		}
		if (!first) {
			unsigned char *back = malloc(len + 1);
			size_t n = ZSTD_decompress(back, len + 1, zs, zs_len);
			ok(!ZSTD_isError(n) && n == len && memcmp(back, in, len) == 0,
			   "%s: zstd gives the %zu bytes back (checksum checked)", what, len);
			free(back);
			first = zs;
			first_len = zs_len;
		} else {
			same &= zs_len == first_len && memcmp(zs, first, zs_len) == 0;
			free(zs);
		}
	}
	ok(same, "%s: the same bytes with 1, 2, 3 and 8 workers (%zu)", what, first_len);
	free(first);
}

int main(void)
{
	size_t big = 5 * ZSTD_STREAM_JOB + 7;
	unsigned char *text = malloc(big), *noise = malloc(big);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < big; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		noise[i] = (unsigned char)x;
		/* words of a small vocabulary: compressible, not trivially */
		text[i] = (unsigned char)("usr/lib/arm-linux-gnueabi/libc.so.6\n"[(i + (x % 7 == 0)) % 37]);
	}
	check("empty", text, 0);
	check("one byte", text, 1);
	check("a job less one", text, ZSTD_STREAM_JOB - 1);
	check("a job and one byte", text, ZSTD_STREAM_JOB + 1);
	check("five jobs of text", text, big);
	check("five jobs of random bytes", noise, big);

	/* The frame says it has a checksum: a flipped byte is noticed. */
	unsigned char *zs = NULL;
	size_t zs_len = 0;
	if (compress_all(noise, 100000, 2, 4096, &zs, &zs_len) == 0) {
		zs[zs_len - 1] ^= 1;
		unsigned char *back = malloc(100001);
		ok(ZSTD_isError(ZSTD_decompress(back, 100001, zs, zs_len)),
		   "a damaged stream is refused by its checksum");
		free(back);
	} else {
		ok(0, "a stream to damage");
	}
	free(zs);

	int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	struct mkfr_error err = { 0 };
	struct zstd_stream *z = full >= 0 ? zstd_stream_open(full, 3, 2, &err) : NULL;
	int rc = z ? 0 : -1;
	for (int i = 0; rc == 0 && i < 10; i++)
		rc = zstd_stream_write(z, noise, ZSTD_STREAM_JOB, &err);
	if (rc == 0)
		rc = zstd_stream_finish(z, &err);
	zstd_stream_free(z);
	ok(rc < 0 && err.errnum == ENOSPC, "a full disk: -1 and ENOSPC (%s)", err.msg);
	if (full >= 0)
		close(full);
	free(text);
	free(noise);
	return tap_done();
}
