/* SPDX-License-Identifier: MIT */
/* Where shipped data (profiles, hooks) lives: the installed data directory,
 * or the source tree when the binary runs from its build tree. */
#ifndef MKFR_DATADIRS_H
#define MKFR_DATADIRS_H

/* "<datadir>/<sub>" for the tree this binary belongs to; never NULL. */
char *datadir_path(const char *sub);
/* A helper program of ours: the installed libexec directory, or the top of
 * the build tree; never NULL. */
char *libexec_path(const char *name);

#endif
