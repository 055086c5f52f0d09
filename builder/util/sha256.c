/* SPDX-License-Identifier: MIT */
#include "util/sha256.h"

#include "util/cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* libgcrypt must be initialised before first use and only once; another
 * library in the process may have done it already, which we respect. */
static pthread_once_t gcrypt_once = PTHREAD_ONCE_INIT;
static int gcrypt_ready;

static void gcrypt_init(void)
{
	if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
		gcrypt_ready = 1;
		return;
	}
	if (!gcry_check_version(GCRYPT_VERSION))
		return;
	/* Hashing public data needs no secure memory. */
	gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	gcrypt_ready = 1;
}

int sha256_begin(struct sha256 *h, struct mkfr_error *err)
{
	gcry_md_hd_t md;
	h->md = NULL;
	pthread_once(&gcrypt_once, gcrypt_init);
	if (!gcrypt_ready)
		return mkfr_fail(err, 0, "libgcrypt is older than the %s this program was built with; "
				 "reinstall libgcrypt20", GCRYPT_VERSION);
	gcry_error_t e = gcry_md_open(&md, GCRY_MD_SHA256, 0);
	if (e)
		return mkfr_fail(err, 0, "cannot start SHA-256: %s", gcry_strerror(e));
	h->md = md;
	return 0;
}

void sha256_update(struct sha256 *h, const void *buf, size_t len)
{
	gcry_md_write((gcry_md_hd_t)h->md, buf, len);
}

void sha256_finish_hex(struct sha256 *h, char hex[SHA256_HEX_SIZE])
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *d = gcry_md_read((gcry_md_hd_t)h->md, GCRY_MD_SHA256);
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 0xf];
	}
	hex[64] = '\0';
	sha256_abort(h);
}

void sha256_abort(struct sha256 *h)
{
	if (h->md)
		gcry_md_close((gcry_md_hd_t)h->md);
	h->md = NULL;
}

int sha256_buffer_hex(const void *buf, size_t len, char hex[SHA256_HEX_SIZE],
		      struct mkfr_error *err)
{
	struct sha256 h;
	if (sha256_begin(&h, err) < 0)
		return -1;
	sha256_update(&h, buf, len);
	sha256_finish_hex(&h, hex);
	return 0;
}

int sha256_fd_hex(int fd, char hex[SHA256_HEX_SIZE], uint64_t *size_out, struct mkfr_error *err)
{
	struct sha256 h;
	char buf[65536];
	uint64_t off = 0;
	if (sha256_begin(&h, err) < 0)
		return -1;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			sha256_abort(&h);
			return mkfr_fail(err, e, "cannot read for SHA-256");
		}
		if (n == 0)
			break;
		sha256_update(&h, buf, (size_t)n);
		off += (uint64_t)n;
	}
	sha256_finish_hex(&h, hex);
	if (size_out)
		*size_out = off;
	return 0;
}

int sha256_file_hex(const char *path, char hex[SHA256_HEX_SIZE], uint64_t *size_out,
		    struct mkfr_error *err)
{
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot open %s", path);
	if (sha256_fd_hex(fd, hex, size_out, err) < 0)
		return mkfr_error_prefix(err, "%s", path);
	return 0;
}

int sha256_hex_valid(const char *s)
{
	size_t i;
	for (i = 0; s[i]; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return i == 64;
}

void sha256_hex_uuid(const char hex[SHA256_HEX_SIZE], char out[37])
{
	static const char digits[] = "0123456789abcdef";
	char h[SHA256_HEX_SIZE];
	memcpy(h, hex, SHA256_HEX_SIZE);
	h[12] = '4';
	const char *d = strchr(digits, h[16]);
	h[16] = digits[8 | (d ? (d - digits) & 3 : 0)];
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}
