/* SPDX-License-Identifier: MIT */
#include "out/output_format.h"

#include <string.h>

static const struct {
	const char *name;
	enum output_format format;
} formats[] = {
	{ "dir", OUTPUT_DIR },
	{ "tar", OUTPUT_TAR },
	{ "tar.gz", OUTPUT_TAR_GZ },
	{ "tar.xz", OUTPUT_TAR_XZ },
	{ "tar.zst", OUTPUT_TAR_ZST },
	{ "ext4", OUTPUT_EXT4 },
	{ "squashfs", OUTPUT_SQUASHFS },
	{ "erofs", OUTPUT_EROFS },
	{ "oci", OUTPUT_OCI },
	{ "oci.tar", OUTPUT_OCI_TAR },
};

/* Suffixes of OUT and the format each one means; ".oci.tar" ends in
 * ".tar", so it comes before it: the first match wins. */
static const struct {
	const char *suffix;
	enum output_format format;
} suffixes[] = {
	{ ".oci.tar", OUTPUT_OCI_TAR },
	{ ".tar", OUTPUT_TAR },
	{ ".tar.gz", OUTPUT_TAR_GZ },
	{ ".tgz", OUTPUT_TAR_GZ },
	{ ".tar.xz", OUTPUT_TAR_XZ },
	{ ".tar.zst", OUTPUT_TAR_ZST },
	{ ".ext4", OUTPUT_EXT4 },
	{ ".squashfs", OUTPUT_SQUASHFS },
	{ ".sqfs", OUTPUT_SQUASHFS },
	{ ".erofs", OUTPUT_EROFS },
	{ ".oci", OUTPUT_OCI },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int output_format_parse(const char *name, enum output_format *out)
{
	for (size_t i = 0; i < N(formats); i++)
		if (strcmp(formats[i].name, name) == 0) {
			*out = formats[i].format;
			return 0;
		}
	return -1;
}

const char *output_format_name(enum output_format f)
{
	for (size_t i = 0; i < N(formats); i++)
		if (formats[i].format == f)
			return formats[i].name;
	return "?";
}

enum output_format output_format_from_path(const char *out)
{
	size_t n = strlen(out);
	if (n > 1 && out[n - 1] == '/')
		return OUTPUT_DIR; /* "x.tar/" names a directory */
	for (size_t i = 0; i < N(suffixes); i++) {
		size_t s = strlen(suffixes[i].suffix);
		if (n > s && strcmp(out + n - s, suffixes[i].suffix) == 0)
			return suffixes[i].format;
	}
	return OUTPUT_DIR;
}

/* Names that say "an archive or an image" of a kind we do not write: left
 * to output_format_from_path they would silently be a directory named
 * rootfs.zip.  Compound suffixes first. */
static const char *const unwritable_suffixes[] = {
	".tar.bz2", ".tar.lz", ".tar.lzma", ".tar.lz4", ".tar.Z", ".tbz2", ".tbz", ".tlz",
	".txz", ".tzst", ".zip", ".7z", ".rar", ".cpio", ".iso", ".img", ".qcow2",
	".vmdk", ".cramfs", ".jffs2", ".ubifs", ".btrfs", ".ext2", ".ext3", ".deb",
};

const char *output_format_unwritable_suffix(const char *out)
{
	size_t n = strlen(out);
	if (output_format_from_path(out) != OUTPUT_DIR || (n > 1 && out[n - 1] == '/'))
		return NULL;
	for (size_t i = 0; i < N(unwritable_suffixes); i++) {
		size_t s = strlen(unwritable_suffixes[i]);
		if (n > s && strcmp(out + n - s, unwritable_suffixes[i]) == 0)
			return unwritable_suffixes[i];
	}
	return NULL;
}
