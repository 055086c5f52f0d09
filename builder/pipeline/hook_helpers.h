/* SPDX-License-Identifier: MIT */
/* The built-in hooks: the common changes to a rootfs without a shell or a
 * program of the user's, all written through sys/rootfs_fs.h, so that no
 * symlink in the rootfs ever leads one of them to the host.
 *
 *   copy-in HOSTPATH PATH    a host file or directory tree into the rootfs
 *   copy-out PATH HOSTPATH   a regular file of the rootfs out to the host
 *   append PATH LINE         LINE and a newline at the end of a file
 *   enable-unit UNIT         the links `systemctl enable UNIT` makes
 *
 * A hook's text is split at blanks, with no quoting: the last word of
 * append's is the rest of the line, blanks and all.  A PATH is inside the
 * rootfs and absolute; as in cp, a PATH (or HOSTPATH) that is an existing
 * directory receives the copy under the source's own name.  Arguments are
 * checked when the hook is read (hook_helper_parse), before anything is
 * built: a wrong one is a usage error (exit 2). */
#ifndef MKFR_HOOK_HELPERS_H
#define MKFR_HOOK_HELPERS_H

#include "util/error.h"

#include <stdbool.h>

enum hook_helper_kind {
	HOOK_HELPER_COPY_IN,
	HOOK_HELPER_COPY_OUT,
	HOOK_HELPER_APPEND,
	HOOK_HELPER_ENABLE_UNIT,
};

struct hook_helper {
	enum hook_helper_kind kind;
	/* copy-in: host path, rootfs path; copy-out: rootfs path, host path;
	 * append: rootfs path, line; enable-unit: the unit, NULL */
	char *args[2];
};

/* Does the text start with a helper's name (then it is that helper, and
 * its arguments must fit)? */
bool hook_helper_named(const char *text);
/* Read "copy-in a /b" into *out.  A relative host path is taken relative
 * to base_dir (a profile's directory, or the working directory).  -1 with
 * a usage error saying what is wrong; *out is then empty. */
int hook_helper_parse(const char *text, const char *base_dir, struct hook_helper *out,
		      struct mkfr_error *err);
/* Do it in the rootfs `rootfd` (sys/rootfs_fs.h rootfs_open).  copy-out
 * never writes over a host file; the one it made is in *host_file (a new
 * string), for the caller to remove should the build fail. */
int hook_helper_run(const struct hook_helper *h, int rootfd, char **host_file, struct mkfr_error *err);
void hook_helper_free(struct hook_helper *h);

#endif
