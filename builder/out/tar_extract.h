/* SPDX-License-Identifier: MIT */
/* Unpack a tarball written by tar_writer.h into a directory, as root:
 * owners by number, modes, mtimes, device nodes, hard links and extended
 * attributes (file capabilities) restored.  Used for base cache snapshots,
 * which we wrote ourselves; still, every name must be "./..." without a
 * ".." component and no path is followed through a symlink, so a damaged
 * or foreign tarball cannot write outside `root`. */
#ifndef MKFR_TAR_EXTRACT_H
#define MKFR_TAR_EXTRACT_H

#include "out/tar_writer.h"
#include "util/error.h"

/* `root` must exist; what the tarball holds is created inside it.  Fails
 * (with the tree half unpacked: the caller removes it) on a damaged
 * tarball (err->errnum EBADMSG), a target that cannot be written (its
 * errno: ENOSPC...), or when a signal is pending (signals.h). */
int tar_extract_tree(const char *tarball, const char *root, struct tar_stats *stats,
		     struct mkfr_error *err);

#endif
