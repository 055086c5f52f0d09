/* SPDX-License-Identifier: MIT */
/* Checks of the build host, done by the plan stage before anything changes:
 * each failure is one line that says what to do. */
#ifndef MKFR_HOST_CHECK_H
#define MKFR_HOST_CHECK_H

#include "pipeline/build.h"
#include "util/error.h"

/* Root, or root of a rootless build's own user namespace (run). */
int host_check_root(struct mkfr_error *err);
/* Root builds as root; anyone else builds rootless (sys/rootless.h):
 * fills b->rootless once everything that needs is there. */
int host_check_privileges(struct build *b, struct mkfr_error *err);
/* Fills b->debootstrap. */
int host_check_debootstrap(struct build *b, struct mkfr_error *err);
/* Fills b->emu.emulator (may stay NULL for arches the host may run natively). */
int host_check_emulator(struct build *b, struct mkfr_error *err);
int host_check_binfmt_misc(struct mkfr_error *err);
/* The filesystem that will hold OUT must allow exec, and device nodes
 * unless the build cannot make any (rootless). */
int host_check_out_filesystem(const char *out_dir, bool device_nodes, struct mkfr_error *err);

#endif
