/* SPDX-License-Identifier: MIT */
/* Taking one file out of a .deb without unpacking it: the .deb's ar archive
 * is read with libarchive, and its data.tar.{xz,zst,gz,bz2} member is read
 * as a second, nested archive straight from the first one, so only a
 * buffer's worth of the package is ever in memory. */
#ifndef MKFR_DEB_EXTRACT_H
#define MKFR_DEB_EXTRACT_H

#include "util/error.h"

#include <sys/types.h>

/* Write the package's file `member` ("usr/bin/x", "./usr/bin/x" or
 * "/usr/bin/x" all name it) to `dest` atomically (temp, fsync, rename)
 * with `mode`.  If the member is a symlink or hard link inside the package,
 * its target is extracted instead (one level only). */
int deb_extract_file(const char *deb_path, const char *member, const char *dest, mode_t mode,
		     struct mkfr_error *err);

#endif
