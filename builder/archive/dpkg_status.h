/* SPDX-License-Identifier: MIT */
/* The packages a rootfs has installed, from its dpkg database
 * (var/lib/dpkg/status), read through the rootfs-safe path: what the
 * manifest lists is what dpkg itself would report, not what we meant to
 * install. */
#ifndef MKFR_DPKG_STATUS_H
#define MKFR_DPKG_STATUS_H

#include "util/error.h"

#include <stddef.h>
#include <stdio.h>

struct installed_package {
	char *name, *version, *architecture;
	/* The Source field: NULL when the source package is named like the
	 * binary; source_version NULL when it is the binary's version. */
	char *source, *source_version;
	/* Filled by whoever reads the package's copyright file (the
	 * inventory stage): an SPDX expression, or NULL. */
	char *license;
};

/* Stanzas whose Status is "install ok installed", in file order (dpkg
 * keeps it sorted by name).  `origin` names the file in errors. */
int dpkg_status_parse(FILE *in, const char *origin, struct installed_package **out,
		      size_t *count, struct mkfr_error *err);
/* The same, from ROOT/var/lib/dpkg/status (rootfd: rootfs_open). */
int dpkg_status_read(int rootfd, struct installed_package **out, size_t *count,
		     struct mkfr_error *err);
void dpkg_status_free(struct installed_package *pkgs, size_t count);

#endif
