/* SPDX-License-Identifier: MIT */
/* SHA-256 (libgcrypt) with lowercase hex output, the form Debian's Release
 * and Packages files use.  The first call initialises libgcrypt once, as its
 * manual requires of a program that uses it directly. */
#ifndef MKFR_SHA256_H
#define MKFR_SHA256_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_SIZE 65 /* 64 hex digits and the NUL */

/* Incremental hashing; `md` is libgcrypt's handle, kept opaque here. */
struct sha256 {
	void *md;
};

int sha256_begin(struct sha256 *h, struct mkfr_error *err);
void sha256_update(struct sha256 *h, const void *buf, size_t len);
/* Write the digest as hex and release the handle. */
void sha256_finish_hex(struct sha256 *h, char hex[SHA256_HEX_SIZE]);
/* Release the handle without a digest (error paths); safe to repeat. */
void sha256_abort(struct sha256 *h);

int sha256_buffer_hex(const void *buf, size_t len, char hex[SHA256_HEX_SIZE],
		      struct mkfr_error *err);
/* Hash what `fd` holds from offset 0 (pread: the file offset is kept);
 * *size_out (optional) receives the number of bytes hashed. */
int sha256_fd_hex(int fd, char hex[SHA256_HEX_SIZE], uint64_t *size_out, struct mkfr_error *err);
int sha256_file_hex(const char *path, char hex[SHA256_HEX_SIZE], uint64_t *size_out,
		    struct mkfr_error *err);

/* An RFC 4122 UUID (version 4 layout, variant bits set) made of the
 * first 128 bits of a lowercase hex digest: a name that is the same
 * whenever the hashed input is (image UUIDs, SBOM serial numbers). */
void sha256_hex_uuid(const char hex[SHA256_HEX_SIZE], char out[37]);

/* Is `s` 64 hex digits (either case)? */
int sha256_hex_valid(const char *s);

#endif
