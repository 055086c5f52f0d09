/* SPDX-License-Identifier: MIT */
/* Image building blocks without a build: sizes as profiles write them, the
 * ext4 size and inode count for a measured tree and a headroom, UUIDs
 * derived from a seed, and the tool lookup that names the Debian package
 * when a tool is not in PATH.  No root, no network. */
#include "out/image_fs.h"
#include "util/number.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

int main(void)
{
	uint64_t v;
	ok(parse_size("512M", &v) && v == 512ull << 20, "512M is 512 MiB");
	ok(parse_size("2G", &v) && v == 2ull << 30, "2G is 2 GiB");
	ok(parse_size("4096", &v) && v == 4096, "bare digits are bytes");
	ok(!parse_size("0", &v) && !parse_size("-1G", &v) && !parse_size("1.5G", &v) && !parse_size("G", &v) &&
		   !parse_size("17T", &v) && !parse_size("1g", &v),
	   "0, negative, fractions, a bare unit, more than 16T and lower-case units are refused");

	struct tree_usage u = { .data_blocks = 40000, .inodes = 9000 }; /* about 156 MiB */
	struct image_headroom h = { .percent = 20 };
	uint64_t bytes, inodes;
	image_fs_ext4_size(&u, &h, &bytes, &inodes);
	uint64_t content = u.data_blocks * 4096;
	ok(bytes % (1 << 20) == 0, "the size is whole MiB (%llu)", (unsigned long long)bytes);
	ok(bytes >= content + content / 5, "it holds the content and 20%% more (%llu >= %llu)",
	   (unsigned long long)bytes, (unsigned long long)(content + content / 5));
	ok(bytes <= content * 2, "and not twice the content");
	ok(inodes >= u.inodes * 12 / 10 && inodes % 1024 == 0, "inodes grow with the headroom, whole KiB (%llu)",
	   (unsigned long long)inodes);
	uint64_t b0, i0;
	struct image_headroom none = { 0 };
	image_fs_ext4_size(&u, &none, &b0, &i0);
	ok(b0 < bytes && b0 > content, "no headroom: smaller, still more than the content");
	struct image_headroom fixed = { .bytes = 256ull << 20 };
	uint64_t b1, i1;
	image_fs_ext4_size(&u, &fixed, &b1, &i1);
	ok(b1 >= content + (256ull << 20), "a headroom of 256M is added whole");

	char u1[37], u2[37], u3[37];
	image_fs_uuid("bookworm/armel/1700000000", "ext4-uuid", u1);
	image_fs_uuid("bookworm/armel/1700000000", "ext4-uuid", u2);
	image_fs_uuid("bookworm/armel/1700000001", "ext4-uuid", u3);
	is_str(u1, u2, "the same seed gives the same UUID");
	ok(strcmp(u1, u3) != 0, "another epoch another");
	ok(strlen(u1) == 36 && u1[14] == '4' && strchr("89ab", u1[19]), "RFC 4122 layout, version 4 (%s)", u1);
	image_fs_uuid("bookworm/armel/1700000000", "ext4-hash-seed", u3);
	ok(strcmp(u1, u3) != 0, "the hash seed is not the UUID");

	struct mkfr_error err;
	char *tool = image_fs_find_tool(OUTPUT_SQUASHFS, "/nonexistent:/also-not", &err);
	ok(!tool && err.exit_code == 2 && strstr(err.msg, "squashfs-tools") && strstr(err.msg, "mksquashfs"),
	   "mksquashfs not in PATH: exit 2 naming squashfs-tools (%s)", err.msg);
	tool = image_fs_find_tool(OUTPUT_EROFS, "", &err);
	ok(!tool && strstr(err.msg, "erofs-utils"), "erofs with no PATH: names erofs-utils");
	ok(image_fs_tool(OUTPUT_EXT4) && !strcmp(image_fs_tool(OUTPUT_EXT4)->package, "e2fsprogs"),
	   "ext4's tool comes from e2fsprogs");
	ok(image_fs_tool(OUTPUT_OCI) == NULL && image_fs_tool(OUTPUT_TAR) == NULL, "oci and tar need no tool");
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
