/* SPDX-License-Identifier: MIT */
/* Fuzzes taking one file out of a .deb (deb_extract_file): the input is
 * written as a .deb in the scratch directory and the fixed member
 * usr/bin/mkfr-fuzz is extracted to a file beside it (a symlink or hard
 * link to another member of the package is followed one level).
 *
 * Asserts: on success the destination is a regular file of the asked
 * mode; on failure it does not exist and the error has a message; either
 * way nothing else is left in the scratch directory (no temporary file of
 * the atomic write).  Leaks are caught by ASan. */
#include "fuzz_util.h"

#include "archive/deb_extract.h"

#include <stddef.h>
#include <stdint.h>

static char *scratch, *deb_path, *dest_path;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	scratch = fuzz_path("deb");
	fuzz_mkdir(scratch);
	deb_path = fuzz_path("deb/in.deb");
	dest_path = fuzz_path("deb/extracted");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mkfr_error err = { 0 };
	struct stat st;

	fuzz_write_file(deb_path, data, size);
	if (deb_extract_file(deb_path, "usr/bin/mkfr-fuzz", dest_path, 0750, &err) == 0) {
		fuzz_assert(lstat(dest_path, &st) == 0 && S_ISREG(st.st_mode) &&
				    (st.st_mode & 07777) == 0750,
			    "success without a regular file of mode 0750");
		fuzz_assert(fuzz_count_entries(scratch) == 2, "%d names in the scratch directory",
			    fuzz_count_entries(scratch));
		if (unlink(dest_path) < 0)
			fuzz_die("cannot remove %s", dest_path);
	} else {
		fuzz_assert(err.msg[0] || err.errnum, "failure without a message");
		fuzz_assert(lstat(dest_path, &st) < 0, "failure left %s", dest_path);
		fuzz_assert(fuzz_count_entries(scratch) == 1, "%d names in the scratch directory",
			    fuzz_count_entries(scratch));
	}
	return 0;
}
