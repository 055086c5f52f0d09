/* SPDX-License-Identifier: MIT */
/* SHA-256 against the FIPS 180-2 test vectors, whole and incremental. */
#include "util/sha256.h"
#include "tap.h"

#include <fcntl.h>
#include <unistd.h>

#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define TWO_BLOCKS "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
#define MILLION_A "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static char path[] = "/tmp/mkfr-test-sha256-XXXXXX";

static void clean(void)
{
	unlink(path);
}

int main(void)
{
	struct mkfr_error err;
	char hex[SHA256_HEX_SIZE];
	struct sha256 h;
	uint64_t size = 0;

	ok(sha256_buffer_hex("", 0, hex, &err) == 0, "empty buffer hashes");
	is_str(hex, EMPTY, "SHA-256 of the empty string");
	sha256_buffer_hex("abc", 3, hex, &err);
	is_str(hex, ABC, "SHA-256 of 'abc'");
	sha256_buffer_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex, &err);
	is_str(hex, TWO_BLOCKS, "SHA-256 of the two-block vector");

	/* a million 'a' in uneven pieces: incremental state carries over */
	static char a[1000000];
	memset(a, 'a', sizeof(a));
	ok(sha256_begin(&h, &err) == 0, "incremental hashing starts");
	for (size_t off = 0, step = 1; off < sizeof(a); off += step, step = step * 3 + 1)
		sha256_update(&h, a + off, off + step > sizeof(a) ? sizeof(a) - off : step);
	sha256_finish_hex(&h, hex);
	is_str(hex, MILLION_A, "SHA-256 of a million 'a', fed in uneven pieces");
	sha256_abort(&h); /* harmless after finish */

	int fd = mkstemp(path);
	atexit(clean);
	ok(fd >= 0 && write(fd, a, sizeof(a)) == (ssize_t)sizeof(a), "fixture file written");
	ok(sha256_file_hex(path, hex, &size, &err) == 0, "file hashes");
	is_str(hex, MILLION_A, "SHA-256 of the file");
	ok(size == sizeof(a), "and its size is reported (%llu)", (unsigned long long)size);
	ok(lseek(fd, 0, SEEK_CUR) == (off_t)sizeof(a) && sha256_fd_hex(fd, hex, NULL, &err) == 0 &&
		   strcmp(hex, MILLION_A) == 0 && lseek(fd, 0, SEEK_CUR) == (off_t)sizeof(a),
	   "an fd is hashed from offset 0 and its offset is left alone");
	close(fd);

	ok(sha256_file_hex("/nonexistent/x", hex, NULL, &err) < 0, "a missing file fails");
	contains(err.msg, "/nonexistent/x", "naming the file");

	ok(sha256_hex_valid(ABC) && sha256_hex_valid("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"),
	   "64 hex digits are a valid SHA256");
	ok(!sha256_hex_valid("abc") && !sha256_hex_valid(ABC "0") &&
		   !sha256_hex_valid("zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
	   "short, long or non-hex strings are not");
	return tap_done();
}
