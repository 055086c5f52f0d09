/* SPDX-License-Identifier: MIT */
#include "util/datadirs.h"

#include "util/file_io.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* MKFR_PKGDATADIR, MKFR_PKGLIBEXECDIR, MKFR_BUILDDIR and MKFR_SRCDIR come from Makefile.am. */

static int running_from_build_tree(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return 0;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	char build[PATH_MAX];
	if (!realpath(MKFR_BUILDDIR, build))
		return 0;
	/* libtool wrappers put the real binary in .libs/; we link statically
	 * against our own code, so the binary sits at the top of the tree. */
	return strcmp(exe, build) == 0;
}

char *datadir_path(const char *sub)
{
	return path_join(running_from_build_tree() ? MKFR_SRCDIR : MKFR_PKGDATADIR, sub);
}

char *libexec_path(const char *name)
{
	return path_join(running_from_build_tree() ? MKFR_BUILDDIR : MKFR_PKGLIBEXECDIR, name);
}
