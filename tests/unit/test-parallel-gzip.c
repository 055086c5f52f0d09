/* SPDX-License-Identifier: MIT */
/* The parallel gzip writer: for inputs around its block size (empty, one
 * byte, a block less one, one, one more, many) of text and of random
 * bytes, zlib's gunzip gives back the input, the stream is one gzip member
 * with mtime 0 and a right CRC and size, and the bytes are the same with
 * 1, 2, 3 and 8 threads.  Then a full disk (/dev/full): -1, ENOSPC, and
 * the threads still end. */
#include "out/parallel_gzip.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <zlib.h>

/* Compress `in` with `threads` workers in writes of `chunk` bytes; the
 * stream in *out (malloc'd). */
static int compress_all(const unsigned char *in, size_t len, unsigned threads, size_t chunk,
			unsigned char **out, size_t *out_len)
{
	char path[] = "/tmp/mkfr-test-pgzip-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	struct mkfr_error err = { 0 };
	struct pgzip *z = pgzip_open(fd, 6, threads, &err);
	int rc = z ? 0 : -1;
	for (size_t off = 0; rc == 0 && off < len; off += chunk)
		rc = pgzip_write(z, in + off, len - off < chunk ? len - off : chunk, &err);
	if (rc == 0)
		rc = pgzip_finish(z, &err);
	pgzip_free(z);
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

/* gunzip with zlib; how many members it found in *members. */
static int gunzip(const unsigned char *gz, size_t gz_len, unsigned char *out, size_t cap,
		  size_t *out_len, int *members)
{
	z_stream s = { 0 };
	if (inflateInit2(&s, 16 + 15) != Z_OK)
		return -1;
	s.next_in = (unsigned char *)gz;
	s.avail_in = (uInt)gz_len;
	s.next_out = out;
	s.avail_out = (uInt)cap;
	int r = inflate(&s, Z_FINISH);
	*out_len = cap - s.avail_out;
	*members = r == Z_STREAM_END ? 1 : 0;
	/* Anything after the first member would be a second one. */
	int trailing = s.avail_in != 0;
	inflateEnd(&s);
	return r == Z_STREAM_END && !trailing ? 0 : -1;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void check(const char *what, const unsigned char *in, size_t len)
{
	static const unsigned threads[] = { 1, 2, 3, 8 };
	unsigned char *first = NULL;
	size_t first_len = 0;
	int same = 1;
	for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		unsigned char *gz = NULL;
		size_t gz_len = 0;
		/* Odd write sizes: blocks never line up with the writes. */
		if (compress_all(in, len, threads[t], 4093 + 1000 * t, &gz, &gz_len) < 0) {
			ok(0, "%s: compresses with %u threads", what, threads[t]);
			free(gz);
			continue;
		}
		if (!first) {
			unsigned char *back = malloc(len + 1);
			size_t back_len = 0;
			int members = 0;
			int rc = gunzip(gz, gz_len, back, len + 1, &back_len, &members);
			ok(rc == 0 && back_len == len && memcmp(back, in, len) == 0,
			   "%s: gunzip gives the %zu bytes back, one member", what, len);
			ok(gz_len >= 18 && gz[0] == 0x1f && gz[1] == 0x8b && gz[2] == 8 && gz[3] == 0 &&
				   le32(gz + 4) == 0 && gz[9] == 3,
			   "%s: a gzip header with no name and mtime 0", what);
			ok(gz_len >= 18 && le32(gz + gz_len - 8) == crc32(0L, in, (uInt)len) &&
				   le32(gz + gz_len - 4) == (uint32_t)len,
			   "%s: the trailer's CRC-32 and size are the input's", what);
			free(back);
			first = gz;
			first_len = gz_len;
		} else {
			same &= gz_len == first_len && memcmp(gz, first, gz_len) == 0;
			free(gz);
		}
	}
	ok(same, "%s: the same bytes with 1, 2, 3 and 8 threads (%zu)", what, first_len);
	free(first);
}

int main(void)
{
	size_t big = 5 * PGZIP_BLOCK + 7;
	unsigned char *text = malloc(big), *noise = malloc(big);
	for (size_t i = 0; i < big; i++)
		text[i] = (unsigned char)("usr/lib/arm-linux-gnueabi/libc.so.6\n"[i % 37]);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < big; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		noise[i] = (unsigned char)x;
	}
	check("empty", text, 0);
	check("one byte", text, 1);
	check("a block less one", text, PGZIP_BLOCK - 1);
	check("one block", text, PGZIP_BLOCK);
	check("one block and one byte", text, PGZIP_BLOCK + 1);
	check("five blocks of text", text, big);
	check("five blocks of random bytes", noise, big);

	/* Each block is primed with the 32 KiB before it: on text (words of a
	 * 2000-word vocabulary) the stream is within 0.3% of one zlib stream's
	 * size; blocks deflated cold are about 7% larger. */
	static char vocab[2000][11];
	for (int w = 0; w < 2000; w++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		int n = 2 + (int)(x % 9);
		for (int c = 0; c < n; c++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			vocab[w][c] = (char)('a' + x % 26);
		}
	}
	size_t words_cap = 1400000, words_len = 0;
	unsigned char *words = malloc(words_cap + 16);
	while (words_len < words_cap) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		const char *w = vocab[x % 2000];
		size_t n = strlen(w);
		memcpy(words + words_len, w, n);
		words[words_len + n] = ' ';
		words_len += n + 1;
	}
	uLongf one_len = compressBound(words_len);
	unsigned char *one = malloc(one_len), *gz = NULL;
	size_t gz_len = 0;
	/* zlib's wrapper is 6 bytes, gzip's 18. */
	ok(compress2(one, &one_len, words, words_len, 6) == Z_OK &&
		   compress_all(words, words_len, 2, 65536, &gz, &gz_len) == 0 &&
		   gz_len - 18 <= (one_len - 6) + (one_len - 6) * 3 / 1000,
	   "as small as one zlib stream (%zu bytes of text: %zu, one stream %lu)", words_len,
	   gz_len - 18, (unsigned long)(one_len - 6));
	free(one);
	free(gz);
	free(words);

	int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	if (full < 0) {
		ok(0, "/dev/full opens");
	} else {
		struct mkfr_error err = { 0 };
		struct pgzip *z = pgzip_open(full, 6, 2, &err);
		int rc = z ? 0 : -1;
		for (int i = 0; rc == 0 && i < 40; i++)
			rc = pgzip_write(z, noise, PGZIP_BLOCK, &err);
		if (rc == 0)
			rc = pgzip_finish(z, &err);
		int e = err.errnum;
		pgzip_free(z);
		ok(rc < 0 && e == ENOSPC, "a full disk: -1 and ENOSPC (%s)", err.msg);
		close(full);
	}
	free(text);
	free(noise);
	return tap_done();
}
