/* SPDX-License-Identifier: MIT */
/* Filesystem images of a finished tree, made by the filesystems' own
 * tools from the directory: `mke2fs -d` (ext4), `mksquashfs`, `mkfs.erofs`.
 * No loop device, no mount: each tool writes the image file itself.
 *
 * Reproducible builds give identical images: every tool gets the epoch
 * (SOURCE_DATE_EPOCH, or E2FSPROGS_FAKE_TIME for e2fsprogs), and UUIDs and
 * ext4's directory hash seed are derived from the build's identity instead
 * of drawn at random (image_fs_uuid).  What each tool needs for that is
 * written beside its argument vector in image_fs.c. */
#ifndef MKFR_IMAGE_FS_H
#define MKFR_IMAGE_FS_H

#include "out/output_format.h"
#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* The host program an image format needs and the Debian package that
 * ships it; NULL for formats that need none. */
struct image_tool {
	const char *program;
	const char *package;
};
const struct image_tool *image_fs_tool(enum output_format f);

/* The tool found in `path` (colon-separated; the caller's $PATH), as a new
 * string; a usage error (exit 2) naming the package when it is missing. */
char *image_fs_find_tool(enum output_format f, const char *path, struct mkfr_error *err);

/* What a tree needs on ext4: blocks of 4 KiB for file data, directories
 * and long symlinks, and inodes.  A file with several names is counted
 * once (each name counts 1/nlink of it). */
struct tree_usage {
	uint64_t data_blocks;
	uint64_t inodes;
	uint64_t bytes; /* file data, for messages */
};
int image_fs_measure(const char *root, struct tree_usage *u, struct mkfr_error *err);

/* ext4 sizing: the free space asked for is a percentage of the content
 * (`percent`) or a size in bytes (`bytes`), whichever is set. */
struct image_headroom {
	unsigned percent;
	uint64_t bytes;
};
/* Bytes of an ext4 image that holds `u` with `h` left free, and the inode
 * count to give mke2fs (-N).  Pure arithmetic (unit-tested). */
void image_fs_ext4_size(const struct tree_usage *u, const struct image_headroom *h,
			uint64_t *bytes, uint64_t *inodes);

/* An RFC 4122 UUID (version 4 layout) from the SHA-256 of "seed/purpose":
 * the same build identity gives the same UUID. */
void image_fs_uuid(const char *seed, const char *purpose, char out[37]);

struct image_fs_options {
	enum output_format format; /* OUTPUT_EXT4, OUTPUT_SQUASHFS or OUTPUT_EROFS */
	const char *tool;          /* absolute path (image_fs_find_tool) */
	bool reproducible;
	time_t epoch;              /* with reproducible */
	const char *uuid_seed;     /* with reproducible: what the UUIDs derive from */
	uint64_t size;             /* ext4: bytes; 0: from the content and headroom */
	struct image_headroom headroom;
	const char *compression;   /* squashfs: gzip, xz, zstd, lz4, lzo; erofs: none, lz4, lz4hc */
	int log_fd;                /* the tools' output is appended here; -1: none */
};

struct image_fs_stats {
	uint64_t image_bytes; /* the image file's size */
	uint64_t inodes;      /* ext4: the inode count asked for */
};

/* Make the image of the tree `root` in the new, empty file `image`
 * (created by the caller, which renames it into place).  Fails when the
 * tool does (its last line in the message) or a signal arrives (the tool
 * is then killed and reaped). */
int image_fs_write(const char *root, const char *image, const struct image_fs_options *o,
		   struct image_fs_stats *stats, struct mkfr_error *err);

#endif
