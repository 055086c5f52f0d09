/* SPDX-License-Identifier: MIT */
/* The uncompressed Packages index kept beside the compressed one
 * (archive/packages_index.h): kept only where the Release lists it and it
 * matches; used only while both its SHA256 and its note match the Release
 * in use, so a Release whose two entries disagree still gets what its
 * compressed index holds. */
#include "archive/packages_index.h"
#include "archive/release_file.h"
#include "sys/rootfs_fs.h"
#include "util/sha256.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char base[] = "/tmp/mkfr-test-index-plain-XXXXXX";

static const char PACKAGES_A[] = "Package: hello\n"
				 "Version: 1.0\n"
				 "Architecture: armel\n"
				 "Filename: pool/main/h/hello/hello_1.0_armel.deb\n"
				 "Size: 100\n"
				 "SHA256: 0000000000000000000000000000000000000000000000000000000000000000\n";
static const char PACKAGES_B[] = "Package: hello\n"
				 "Version: 2.0\n"
				 "Architecture: armel\n"
				 "Filename: pool/main/h/hello/hello_2.0_armel.deb\n"
				 "Size: 100\n"
				 "SHA256: 1111111111111111111111111111111111111111111111111111111111111111\n";

static char *in_base(const char *rel)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", base, rel) < 0)
		abort();
	return p;
}

/* DIR/main/binary-armel/Packages.gz holding `text`; its SHA256 and size. */
static void write_gz(const char *dir, const char *text, char hex[SHA256_HEX_SIZE], long *size)
{
	char *d = in_base(dir), *sub = NULL, *path = NULL;
	struct mkfr_error err;
	if (asprintf(&sub, "%s/main/binary-armel", d) < 0 || asprintf(&path, "%s/Packages.gz", sub) < 0)
		abort();
	tap_mkdir(base, dir);
	char *rel_main = NULL, *rel_bin = NULL;
	if (asprintf(&rel_main, "%s/main", dir) < 0 || asprintf(&rel_bin, "%s/main/binary-armel", dir) < 0)
		abort();
	tap_mkdir(base, rel_main);
	tap_mkdir(base, rel_bin);
	gzFile gz = gzopen(path, "wb");
	if (!gz || gzwrite(gz, text, (unsigned)strlen(text)) <= 0 || gzclose(gz) != Z_OK)
		abort();
	uint64_t n = 0;
	if (sha256_file_hex(path, hex, &n, &err) < 0)
		abort();
	*size = (long)n;
	free(rel_main);
	free(rel_bin);
	free(d);
	free(sub);
	free(path);
}

/* A Release listing the .gz and the uncompressed index with their hashes. */
static void make_release(struct release_file *rel, const char *gz_hex, long gz_size,
			 const char *plain_text)
{
	char plain_hex[SHA256_HEX_SIZE];
	struct mkfr_error err;
	if (sha256_buffer_hex(plain_text, strlen(plain_text), plain_hex, &err) < 0)
		abort();
	char *text = NULL;
	if (asprintf(&text,
		     "Origin: Debian\nSuite: stable\nCodename: bookworm\n"
		     "Date: Sat, 10 Jun 2023 08:55:19 UTC\nArchitectures: armel\nComponents: main\n"
		     "SHA256:\n %s %ld main/binary-armel/Packages.gz\n %s %zu main/binary-armel/Packages\n",
		     gz_hex, gz_size, plain_hex, strlen(plain_text)) < 0)
		abort();
	if (release_file_parse(text, "test Release", rel, &err) < 0)
		abort();
	free(text);
}

static int load(const struct release_file *rel, const char *dir, const char *save,
		struct packages_index *idx, struct mkfr_error *err)
{
	struct packages_fetch_request req = {
		.mirror = "http://mirror.invalid/debian",
		.suite = "bookworm",
		.component = "main",
		.arch = "armel",
		.release = rel,
		.save_dir = save,
	};
	char *d = in_base(dir), *s = save ? in_base(save) : NULL;
	req.save_dir = s;
	int r = packages_index_load(&req, d, idx, err);
	free(d);
	free(s);
	return r;
}

static int exists(const char *rel)
{
	char *p = in_base(rel);
	int r = access(p, F_OK) == 0;
	free(p);
	return r;
}

static const char *version_of(const struct packages_index *idx)
{
	const struct deb_package *p = packages_index_find(idx, "hello");
	return p && p->version ? p->version : "(none)";
}

int main(void)
{
	struct mkfr_error err;
	struct packages_index idx;
	struct release_file rel;
	char gz_a[SHA256_HEX_SIZE], gz_b[SHA256_HEX_SIZE];
	long size_a, size_b;
	if (!mkdtemp(base))
		return 1;

	write_gz("cache", PACKAGES_A, gz_a, &size_a);
	make_release(&rel, gz_a, size_a, PACKAGES_A);
	char *plain = packages_index_plain_path(&rel, "main", "armel");
	is_str(plain, "main/binary-armel/Packages", "the Release lists the uncompressed index");
	free(plain);

	ok(load(&rel, "cache", "keep", &idx, &err) == 0, "load from the compressed index");
	is_str(version_of(&idx), "1.0", "its package");
	packages_index_free(&idx);
	ok(exists("keep/main/binary-armel/Packages") && exists("keep/main/binary-armel/Packages.from"),
	   "the uncompressed index and its note are kept");
	ok(exists("keep/main/binary-armel/Packages.gz"), "and the compressed one as before");

	/* From the kept copy, with the compressed one gone: only the
	 * uncompressed one can have been read. */
	char *gz = in_base("keep/main/binary-armel/Packages.gz");
	unlink(gz);
	ok(load(&rel, "keep", "keep2", &idx, &err) == 0, "load from the uncompressed index alone");
	is_str(version_of(&idx), "1.0", "the same package");
	packages_index_free(&idx);
	ok(exists("keep2/main/binary-armel/Packages") && exists("keep2/main/binary-armel/Packages.from"),
	   "it is kept again, with its note");

	/* A Release whose compressed entry changed while its uncompressed one
	 * did not (a test's re-signed mirror): the note no longer matches,
	 * so the compressed index is what counts. */
	write_gz("cache-b", PACKAGES_B, gz_b, &size_b);
	char *from = in_base("cache-b/main/binary-armel/Packages.gz");
	char *to = in_base("keep/main/binary-armel/Packages.gz");
	if (rename(from, to) < 0)
		abort();
	struct release_file rel_b;
	make_release(&rel_b, gz_b, size_b, PACKAGES_A);
	ok(load(&rel_b, "keep", NULL, &idx, &err) == 0, "a Release with disagreeing entries loads");
	is_str(version_of(&idx), "2.0", "from its compressed index, not the kept uncompressed one");
	packages_index_free(&idx);

	/* A damaged uncompressed copy (same size, one byte changed) is not
	 * used; with no compressed one the load fails. */
	unlink(to);
	char *kept = in_base("keep2/main/binary-armel/Packages");
	FILE *f = fopen(kept, "r+");
	if (!f || fseek(f, 10, SEEK_SET) != 0 || fputc('X', f) == EOF || fclose(f) != 0)
		abort();
	ok(load(&rel, "keep2", NULL, &idx, &err) < 0, "a damaged uncompressed index is not used: %s",
	   err.msg);

	/* Where the compressed form does not decompress to the Release's
	 * uncompressed entry, no uncompressed copy is kept. */
	release_file_free(&rel_b);
	write_gz("cache-c", PACKAGES_B, gz_b, &size_b);
	make_release(&rel_b, gz_b, size_b, PACKAGES_A);
	ok(load(&rel_b, "cache-c", "keep3", &idx, &err) == 0, "load a disagreeing Release's index");
	packages_index_free(&idx);
	ok(!exists("keep3/main/binary-armel/Packages") && !exists("keep3/main/binary-armel/Packages.from"),
	   "no uncompressed copy is kept for it");

	release_file_free(&rel);
	release_file_free(&rel_b);
	free(gz);
	free(from);
	free(to);
	free(kept);
	ok(remove_tree(base, &err) == 0, "the test's directory is removed");
	return tap_done();
}
