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
 *                     the target's script, run by the host's dash
 *   deb-systemd-helper
 *                     the target's script, run by the host's perl; only
 *                     staged where the host's perl is the target's
 *                     version (native_unpack.c), so it is the last name */
#define DPKG_SHIM_DIR "/usr/sbin"
#define DPKG_SHIM_NAMES                                                              \
	{ "dpkg", "dpkg-deb", "tar", "rm", "dpkg-split", "basename",                  \
	  "dpkg-maintscript-helper", "deb-systemd-helper" }
#define DPKG_SHIM_COUNT 8
/* The target's own helper scripts, which the host's dash and perl run. */
#define DPKG_SHIM_TARGET_HELPER "/usr/bin/dpkg-maintscript-helper"
#define DPKG_SHIM_TARGET_SYSTEMD_HELPER "/usr/bin/deb-systemd-helper"
/* A copy of the host's perl-base modules (their XS parts are host code,
 * which the target's copies are not), put first on the host perl's @INC. */
#define DPKG_SHIM_HOST_PERL_LIB DPKG_SHIM_HOST_DIR "/perl-base"
/* One line per call of the shim, "NAME host" or "NAME target": who ran
 * it.  Read back when the shim is removed, for the build's log. */
#define DPKG_SHIM_CALLS DPKG_SHIM_HOST_DIR "/calls"

#endif
