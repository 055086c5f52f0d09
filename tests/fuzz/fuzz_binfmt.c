/* SPDX-License-Identifier: MIT */
/* Fuzzes reading binfmt_misc entries and matching headers against them.
 *
 * The input is (1) a kernel-escaped magic string for binfmt_decode,
 * decoded into buffers of 128 bytes (what the arch table uses) and of 8;
 * (2) the text of an entry file as /proc/sys/fs/binfmt_misc/NAME shows it,
 * written into a scratch directory that stands in for binfmt_misc and read
 * with binfmt_read; (3) the first bytes of a program, matched against that
 * entry (binfmt_info_matches) and against the architecture table
 * (arch_from_elf_header).  Buffers are heap blocks of their exact size, so
 * ASan sees a read or write past either end.
 *
 * Asserts: a decoded length is within the buffer; binfmt_read refuses
 * nothing but a bad offset, and what it gives is NUL-terminated, its
 * magic length within its buffer; an entry only matches a header long
 * enough to hold its magic at its offset; an architecture found for a
 * header is one whose qemu magic matches it. */
#include "fuzz_util.h"

#include "sys/binfmt.h"
#include "util/arch.h"

#include <stddef.h>
#include <stdint.h>

#define HEADER_MAX 256

static char *dir;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dir = fuzz_path("binfmt_misc");
	fuzz_mkdir(dir);
	return 0;
}

static void decode_into(const char *text, size_t outlen)
{
	unsigned char *out = malloc(outlen);
	if (!out)
		abort();
	int n = binfmt_decode(text, out, outlen);
	fuzz_assert(n >= -1 && n <= (int)outlen, "decoded %d bytes into %zu", n, outlen);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	decode_into(text, 128);
	decode_into(text, 8);

	char *path = fuzz_path("binfmt_misc/qemu-fuzz");
	fuzz_write_file(path, data, size);
	struct binfmt_info info;
	struct mkfr_error err = { 0 };
	if (binfmt_read(dir, "qemu-fuzz", &info, &err) < 0) {
		/* Only what the kernel could not have written is refused. */
		fuzz_assert(strstr(err.msg, "bad offset"), "%s", err.msg);
		memset(&info, 0, sizeof(info));
	}
	fuzz_assert(memchr(info.interpreter, '\0', sizeof(info.interpreter)), "interpreter");
	fuzz_assert(memchr(info.flags, '\0', sizeof(info.flags)), "flags");
	fuzz_assert(info.len >= 0 && (size_t)info.len <= sizeof(info.magic), "magic length %d",
		    info.len);

	/* The header: the input itself, as a program's first bytes. */
	size_t hlen = size < HEADER_MAX ? size : HEADER_MAX;
	unsigned char *hdr = malloc(hlen ? hlen : 1);
	if (!hdr)
		abort();
	memcpy(hdr, data, hlen);
	if (binfmt_info_matches(&info, hdr, hlen))
		fuzz_assert(info.offset >= 0 && (size_t)info.offset + (size_t)info.len <= hlen,
			    "offset %d + %d bytes matched a %zu-byte header", info.offset, info.len,
			    hlen);
	const struct debian_arch *arch = arch_from_elf_header(hdr, hlen);
	if (arch) {
		/* The masks leave bits open (ppc64el looks at e_machine's low
		 * byte only, x86-64 at EI_DATA's high bits): the row's own magic
		 * is the rule, not the ELF fields. */
		const struct qemu_target *t = arch->qemu ? qemu_target_lookup(arch->qemu) : NULL;
		fuzz_assert(hlen >= 20 && t && qemu_target_matches(t, hdr, hlen),
			    "%s from a %zu-byte header its qemu target does not match", arch->name,
			    hlen);
	}
	free(hdr);
	unlink(path);
	free(path);
	free(text);
	return 0;
}
