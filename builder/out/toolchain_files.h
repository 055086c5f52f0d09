/* SPDX-License-Identifier: MIT */
/* The two files that make a sysroot usable from a cross build: a CMake
 * toolchain file and a pkg-config wrapper, both naming the sysroot by its
 * absolute path (OUT).  Debian's cross compilers are named after the GNU
 * triplet (gcc-arm-linux-gnueabi provides arm-linux-gnueabi-gcc). */
#ifndef MKFR_TOOLCHAIN_FILES_H
#define MKFR_TOOLCHAIN_FILES_H

#include "util/arch.h"

/* The cross compiler's prefix: the multiarch triplet, except i386, whose
 * Debian cross compiler is i686-linux-gnu-gcc. */
const char *toolchain_compiler_prefix(const struct debian_arch *a);
/* CMAKE_SYSTEM_PROCESSOR, as `uname -m` says it on that machine. */
const char *toolchain_cmake_processor(const struct debian_arch *a);

/* File contents, as new strings (NULL: ENOMEM).  pkg_config: the wrapper's
 * absolute path, which the toolchain file makes CMake use. */
char *toolchain_cmake_text(const struct debian_arch *a, const char *sysroot,
			   const char *pkg_config);
char *toolchain_pkg_config_text(const struct debian_arch *a, const char *sysroot);

#endif
