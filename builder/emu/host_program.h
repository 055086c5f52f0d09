/* SPDX-License-Identifier: MIT */
/* Host programs made to run inside a foreign rootfs, where none of the
 * host's libraries or its ELF loader exist: the program, the loader it
 * names (PT_INTERP) and every library `ld.so --list` resolves for it are
 * copied into one directory of the rootfs, to be started as
 *   DIR/ld.so --library-path DIR DIR/PROGRAM ...
 * by a static launcher (a "#!" script cannot: the kernel passes one
 * shebang argument).  Used by qemu=dynamic (the shared emulator) and by
 * unpack=native (the host's dpkg). */
#ifndef MKFR_HOST_PROGRAM_H
#define MKFR_HOST_PROGRAM_H

#include "util/error.h"

#include <stddef.h>

/* The ELF interpreter (PT_INTERP) named by a host program; NULL if it is
 * statically linked, not x86-64, or unreadable. */
char *host_program_loader(const char *program);

/* Copy `programs` (host paths; they must share one loader), that loader as
 * DIR/ld.so and their libraries into DIR inside the rootfs (flat, created
 * if needed).  *copied (optional): how many libraries. */
int host_program_stage(int rootfd, char *const *programs, const char *dir, size_t *copied,
		       struct mkfr_error *err);

#endif
