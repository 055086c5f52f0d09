/* SPDX-License-Identifier: MIT */
/* Licences from machine-readable debian/copyright files (DEP-5,
 * https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/), as
 * installed at /usr/share/doc/PACKAGE/copyright, turned into an SPDX
 * licence expression for the SBOMs.
 *
 * Never guessed: a file that is not machine-readable, or any licence name
 * in its Files paragraphs that has no exact SPDX counterpart in our table
 * (public-domain, Artistic without a version, an exception we do not know,
 * a name of the package's own), gives no expression at all, which the SBOMs
 * write as NOASSERTION. */
#ifndef MKFR_DEBIAN_COPYRIGHT_H
#define MKFR_DEBIAN_COPYRIGHT_H

#include "util/error.h"

#include <stdio.h>

/* One DEP-5 License line ("GPL-2+ or Artistic-2.0, and BSD-3-clause") as
 * an SPDX expression ("(GPL-2.0-or-later OR Artistic-2.0) AND
 * BSD-3-Clause"), new string; NULL when any name has no SPDX id. */
char *debian_license_to_spdx(const char *dep5);

/* The expression for a whole copyright file: the distinct licences of its
 * Files paragraphs joined with AND, in order of first appearance.  NULL
 * (not an error) when the file is not machine-readable or a licence does
 * not map.  -1 only for a read error. */
int debian_copyright_parse(FILE *in, char **spdx, struct mkfr_error *err);

/* The same for ROOT/usr/share/doc/PACKAGE/copyright (rootfd:
 * rootfs_open), symlinks resolved inside the root; a missing file gives
 * NULL. */
int debian_copyright_read(int rootfd, const char *package, char **spdx, struct mkfr_error *err);

#endif
