/* SPDX-License-Identifier: MIT */
/* The smallest program of a Debian architecture: a static ELF executable,
 * built in memory, whose only job is to exit with a given status through
 * the Linux exit system call.
 *
 * Running it answers "can this kernel execute that architecture's binaries
 * right now?" (natively, or through binfmt_misc and qemu-user) without a
 * rootfs, a cross compiler or a downloaded package.  Its header carries the
 * architecture's real EI_CLASS, EI_DATA, e_machine and e_flags, so it
 * matches the same binfmt_misc entry as the architecture's real programs. */
#ifndef MKFR_TINY_ELF_H
#define MKFR_TINY_ELF_H

#include "util/arch.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

/* Enough for every architecture's program (headers + a few instructions). */
#define TINY_ELF_MAX 256

/* Do we know how to write a program for this architecture? */
bool tiny_elf_supported(const struct debian_arch *a);

/* Write the program for `a`, exiting with exit_code (0..255), into buf.
 * Returns its length, or -1 (unsupported architecture, status out of range,
 * buffer too small). */
int tiny_elf_build(const struct debian_arch *a, int exit_code, unsigned char *buf, size_t cap,
		   struct mkfr_error *err);

#endif
