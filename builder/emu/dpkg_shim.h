/* SPDX-License-Identifier: MIT */
/* unpack=native (pipeline/native_unpack.c): where things are inside the
 * target while the second stage runs.  Shared by the shim program
 * (dpkg_shim.c, static, run inside the rootfs) and the code that stages it. */
#ifndef MKFR_DPKG_SHIM_H
#define MKFR_DPKG_SHIM_H

/* The host's programs with their ELF loader and libraries
 * (emu/host_program.h), removed with /debootstrap. */
#define DPKG_SHIM_HOST_DIR "/debootstrap/host"
/* The target's own dpkg, which the shim hands everything else to. */
#define DPKG_SHIM_TARGET_DPKG "/usr/bin/dpkg"
/* Where the shim is put, once a name: before /usr/bin on the PATH
 * debootstrap's in_target uses (/sbin:/usr/sbin:/bin:/usr/bin), and where
 * no Debian package puts these programs.
 *   dpkg, dpkg-deb    what debootstrap calls
 *   tar, rm, dpkg-split
 *                     what the host's dpkg and dpkg-deb run for every
 *                     package (the control archive, the temporary
 *                     directories, the split-package check): the host's
 *                     when they start them, the target's for anyone else
 *   basename          what every dpkg-maintscript-helper run starts with
 *                     (a pure function of its arguments): the host's
 *   dpkg-maintscript-helper
 *                     the target's script, run by the host's dash */
#define DPKG_SHIM_DIR "/usr/sbin"
#define DPKG_SHIM_NAMES                                                              \
	{ "dpkg", "dpkg-deb", "tar", "rm", "dpkg-split", "basename",                  \
	  "dpkg-maintscript-helper" }
#define DPKG_SHIM_COUNT 7
/* The target's own helper script, which the host's dash runs. */
#define DPKG_SHIM_TARGET_HELPER "/usr/bin/dpkg-maintscript-helper"

#endif
