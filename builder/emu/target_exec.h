/* SPDX-License-Identifier: MIT */
/* Really executing one binary inside the target, to learn whether (and
 * why not) target binaries run: the kernel's answer, not a guess by name. */
#ifndef MKFR_TARGET_EXEC_H
#define MKFR_TARGET_EXEC_H

#include "util/error.h"

#include <stddef.h>

/* A small program of the target that exits 0 ("/usr/bin/true"); NULL if
 * none is there yet. */
const char *target_exec_probe_path(const char *root);
/* Read the first bytes of root/path into hdr; returns the count or -1. */
int target_exec_read_header(const char *root, const char *path, unsigned char *hdr, size_t len);
/* chroot(root) and exec path.  Returns 0 if it ran and exited 0; otherwise
 * -1 with a user-facing reason (ENOEXEC, ENOENT explained). */
int target_exec_try(const char *root, const char *path, struct mkfr_error *err);

#endif
