/* SPDX-License-Identifier: MIT */
/* Fuzzes the dpkg status reader the manifest uses (dpkg_status_parse),
 * the input being the file, read through fmemopen as a FILE stream.
 *
 * Asserts: every package listed has a name, and there are no more of them
 * than stanzas that could say "install ok installed" (a name per 30-odd
 * bytes at least); a failure has a message and hands back nothing.  Leaks
 * are caught by ASan. */
#include "fuzz_util.h"

#include "archive/dpkg_status.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* fmemopen refuses an empty buffer: an empty file is one NUL-free
	 * byte that reads as nothing. */
	static const char empty[1];
	FILE *in = fmemopen(size ? (void *)data : (void *)empty, size ? size : 1, "r");
	if (!in)
		fuzz_die("fmemopen");
	if (!size)
		fgetc(in);

	struct installed_package *pkgs = (void *)1;
	size_t count = 12345;
	struct mkfr_error err = { 0 };
	if (dpkg_status_parse(in, "fuzz", &pkgs, &count, &err) == 0) {
		/* "Package:x\nStatus:install ok installed\n\n" is the shortest. */
		fuzz_assert(count <= size / 36 + 1, "%zu packages from %zu bytes", count, size);
		for (size_t i = 0; i < count; i++)
			fuzz_assert(pkgs[i].name, "package %zu without a name", i);
		dpkg_status_free(pkgs, count);
	} else {
		fuzz_assert(err.msg[0], "failure without a message");
		fuzz_assert(pkgs == (void *)1 && count == 12345, "failure wrote its results");
	}
	fclose(in);
	return 0;
}
