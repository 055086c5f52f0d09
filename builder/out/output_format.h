/* What OUT becomes: the rootfs directory itself, or a tarball of it.
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
};

/* "dir", "tar", "tar.gz", "tar.xz", "tar.zst"; -1 for anything else. */
int output_format_parse(const char *name, enum output_format *out);
const char *output_format_name(enum output_format f);
/* From OUT's name: *.tar, *.tar.gz or *.tgz, *.tar.xz, *.tar.zst; else dir. */
enum output_format output_format_from_path(const char *out);
static inline bool output_format_is_tar(enum output_format f)
{
	return f != OUTPUT_DIR;
}

#endif
