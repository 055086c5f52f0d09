/* SPDX-License-Identifier: MIT */
/* What OUT becomes: the rootfs directory itself, a tarball of it, a
 * filesystem image made from it, or an OCI image layout.
 *
 * The format comes from `format=` (or --format); unset, it is read off
 * OUT's name, so `mkforeignroot -p P rootfs.tar.zst` does what it says. */
#ifndef MKFR_OUTPUT_FORMAT_H
#define MKFR_OUTPUT_FORMAT_H

#include "util/error.h"

#include <stdbool.h>

enum output_format {
	OUTPUT_DIR,
	OUTPUT_TAR,
	OUTPUT_TAR_GZ,
	OUTPUT_TAR_XZ,
	OUTPUT_TAR_ZST,
	OUTPUT_EXT4,
	OUTPUT_SQUASHFS,
	OUTPUT_EROFS,
	OUTPUT_OCI,     /* an OCI image layout directory */
	OUTPUT_OCI_TAR, /* the same layout as one uncompressed tarball */
};

/* "dir", "tar", "tar.gz", "tar.xz", "tar.zst", "ext4", "squashfs",
 * "erofs", "oci", "oci.tar"; -1 for anything else. */
int output_format_parse(const char *name, enum output_format *out);
const char *output_format_name(enum output_format f);
/* From OUT's name: *.tar, *.tar.gz or *.tgz, *.tar.xz, *.tar.zst, *.ext4,
 * *.squashfs or *.sqfs, *.erofs, *.oci, *.oci.tar; else dir. */
enum output_format output_format_from_path(const char *out);
/* The suffix of an OUT that names an archive or image of a kind we do not
 * write (".zip", ".tar.bz2", ".img", ...; not after a trailing slash),
 * or NULL: without format=, such an OUT is refused rather than made a
 * directory of that name. */
const char *output_format_unwritable_suffix(const char *out);
/* A pax tarball of the tree (the tar_writer formats). */
static inline bool output_format_is_tar(enum output_format f)
{
	return f >= OUTPUT_TAR && f <= OUTPUT_TAR_ZST;
}
/* A filesystem image made by a host tool (image_fs.h). */
static inline bool output_format_is_image(enum output_format f)
{
	return f == OUTPUT_EXT4 || f == OUTPUT_SQUASHFS || f == OUTPUT_EROFS;
}
static inline bool output_format_is_oci(enum output_format f)
{
	return f == OUTPUT_OCI || f == OUTPUT_OCI_TAR;
}
/* Everything but dir is written next to OUT as a `.part` and renamed:
 * OUT must not exist beforehand. */
static inline bool output_format_is_written(enum output_format f)
{
	return f != OUTPUT_DIR;
}

#endif
