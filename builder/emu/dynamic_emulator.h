/* SPDX-License-Identifier: MIT */
/* qemu=dynamic: make the host's shared qemu-<t> (Debian's qemu-user) run
 * inside a foreign rootfs.
 *
 * The kernel would resolve the emulator's ELF loader and libraries inside
 * the chroot, where only foreign ones exist; so we copy the loader, every
 * library `ld.so --list` resolves for it, and the emulator itself into
 * STAGE/dynamic/, and register our static launcher (qemu_launcher.c) as the
 * interpreter at STAGE/qemu-<t>.  It runs
 *   STAGE/dynamic/ld.so --library-path STAGE/dynamic STAGE/dynamic/qemu-<t> ...
 * A "#!" script cannot do this: the kernel passes one shebang argument. */
#ifndef MKFR_DYNAMIC_EMULATOR_H
#define MKFR_DYNAMIC_EMULATOR_H

#include "util/error.h"

/* emulator: host path of the shared qemu-<t>; interpreter: the path inside
 * the rootfs the binfmt entry names ("STAGE/qemu-<t>"). */
int dynamic_emulator_stage(int rootfd, const char *emulator, const char *stage_dir,
			   const char *interpreter, struct mkfr_error *err);

#endif
