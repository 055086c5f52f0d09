/* SPDX-License-Identifier: MIT */
/* Fuzzes unpacking a tarball into a root (tar_extract_tree, as the base
 * cache restores its snapshots): the input is written as a tarball (any
 * compression libarchive reads) and unpacked into a fresh, empty
 * directory root/ of the scratch directory, as root, so owners, modes,
 * device nodes, hard links and file capabilities are all made.
 *
 * Beside root/ are a sentinel directory outside/ and a file bait, which a
 * tarball could reach with "..", a symlink or a hard link if a name check
 * failed.  Asserts after every input: outside/ is still empty, bait is the
 * same inode with the same contents, owner, mode, link count and mtime,
 * and the scratch directory holds nothing new; a failure has a message.
 * Then root/ is removed with everything in it (device nodes and setuid
 * files included: they exist only on the nodev, nosuid scratch tmpfs, see
 * fuzz_util.h) and made again.  Leaks are caught by ASan. */
#include "fuzz_util.h"

#include "out/tar_extract.h"

#include <stddef.h>
#include <stdint.h>

static char *scratch, *tarball, *root, *outside, *bait;
static struct stat bait_st;
static const char bait_text[] = "not to be touched\n";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	scratch = fuzz_path("tar");
	fuzz_mkdir(scratch);
	tarball = fuzz_path("tar/in.tar");
	root = fuzz_path("tar/root");
	outside = fuzz_path("tar/outside");
	bait = fuzz_path("tar/bait");
	fuzz_mkdir(root);
	fuzz_mkdir(outside);
	fuzz_write_file(bait, bait_text, sizeof(bait_text) - 1);
	if (stat(bait, &bait_st) < 0)
		fuzz_die("cannot stat %s", bait);
	return 0;
}

static void check_bait(void)
{
	struct stat st;
	char buf[sizeof(bait_text) + 1];
	fuzz_assert(lstat(bait, &st) == 0, "bait is gone");
	fuzz_assert(st.st_ino == bait_st.st_ino && st.st_mode == bait_st.st_mode &&
			    st.st_uid == bait_st.st_uid && st.st_gid == bait_st.st_gid &&
			    st.st_nlink == 1 && st.st_size == bait_st.st_size &&
			    st.st_mtim.tv_sec == bait_st.st_mtim.tv_sec &&
			    st.st_mtim.tv_nsec == bait_st.st_mtim.tv_nsec,
		    "bait was changed (mode %o, nlink %ju, uid %ju)", (unsigned)st.st_mode,
		    (uintmax_t)st.st_nlink, (uintmax_t)st.st_uid);
	FILE *f = fopen(bait, "re");
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	if (f)
		fclose(f);
	fuzz_assert(n == sizeof(bait_text) - 1 && memcmp(buf, bait_text, n) == 0,
		    "bait's contents changed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mkfr_error err = { 0 };
	struct tar_stats stats;

	fuzz_write_file(tarball, data, size);
	if (tar_extract_tree(tarball, root, &stats, &err) < 0)
		fuzz_assert(err.msg[0], "failure without a message");

	fuzz_assert(fuzz_count_entries(outside) == 0, "something was made in %s", outside);
	check_bait();
	/* in.tar, root, outside, bait */
	fuzz_assert(fuzz_count_entries(scratch) == 4, "%d names in %s", fuzz_count_entries(scratch),
		    scratch);
	struct stat st;
	fuzz_assert(lstat(root, &st) == 0 && S_ISDIR(st.st_mode), "root is no longer a directory");

	fuzz_empty_dir(root);
	chmod(root, 0755);
	return 0;
}
