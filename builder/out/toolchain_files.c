/* SPDX-License-Identifier: MIT */
#include "out/toolchain_files.h"

#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *toolchain_compiler_prefix(const struct debian_arch *a)
{
	if (strcmp(a->name, "i386") == 0)
		return "i686-linux-gnu";
	return a->triplet;
}

const char *toolchain_cmake_processor(const struct debian_arch *a)
{
	static const struct {
		const char *arch, *processor;
	} table[] = {
		{ "amd64", "x86_64" },   { "i386", "i686" },       { "arm64", "aarch64" },
		{ "armhf", "arm" },      { "armel", "arm" },       { "ppc64el", "ppc64le" },
		{ "s390x", "s390x" },    { "mips64el", "mips64" }, { "mipsel", "mips" },
		{ "mips", "mips" },      { "riscv64", "riscv64" }, { "loong64", "loongarch64" },
		{ "powerpc", "ppc" },    { "ppc64", "ppc64" },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].arch, a->name) == 0)
			return table[i].processor;
	return a->qemu ? a->qemu : a->name;
}

/* A CMake quoted argument: backslash, quote and ${ lose their meaning. */
static void cmake_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"' || *s == '$')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A POSIX shell single-quoted word. */
static void sh_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

/* open_memstream only sets the buffer pointer on fclose: pass its address. */
/* The text a memstream collected. */
static char *close_text(FILE *f, char **text)
{
	xclose_memstream(f);
	return *text;
}

char *toolchain_cmake_text(const struct debian_arch *a, const char *sysroot,
			   const char *pkg_config)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = xopen_memstream(&text, &len);
	const char *cc = toolchain_compiler_prefix(a);
	fprintf(f, "# CMake toolchain file for the %s sysroot made by mkforeignroot.\n"
		   "#   cmake -DCMAKE_TOOLCHAIN_FILE=THIS_FILE ...\n"
		   "# Compilers: Debian's %s-gcc / %s-g++ (gcc-%s, g++-%s).\n",
		a->name, cc, cc, cc, cc);
	fprintf(f, "set(CMAKE_SYSTEM_NAME Linux)\nset(CMAKE_SYSTEM_PROCESSOR %s)\n",
		toolchain_cmake_processor(a));
	fputs("set(CMAKE_SYSROOT ", f);
	cmake_quoted(f, sysroot);
	fprintf(f, ")\nset(CMAKE_C_COMPILER %s-gcc)\nset(CMAKE_CXX_COMPILER %s-g++)\n", cc, cc);
	/* Debian's multiarch library directories (usr/lib/<triplet>): the
	 * find_* commands look there only when they know the triplet. */
	fprintf(f, "set(CMAKE_LIBRARY_ARCHITECTURE %s)\n", a->triplet);
	fputs("set(CMAKE_FIND_ROOT_PATH ", f);
	cmake_quoted(f, sysroot);
	fputs(")\n"
	      "# Programs are the build host's; libraries, headers and packages the sysroot's only.\n"
	      "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)\n"
	      "set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)\n"
	      "set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)\n"
	      "set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)\n"
	      "# FindPkgConfig: the wrapper that confines pkg-config to the sysroot.\n"
	      "set(PKG_CONFIG_EXECUTABLE ", f);
	cmake_quoted(f, pkg_config);
	fputs(" CACHE FILEPATH \"pkg-config for the sysroot\")\n", f);
	return close_text(f, &text);
}

char *toolchain_pkg_config_text(const struct debian_arch *a, const char *sysroot)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = xopen_memstream(&text, &len);
	fprintf(f, "#!/bin/sh\n"
		   "# pkg-config for the %s sysroot made by mkforeignroot: only the sysroot's\n"
		   "# .pc files, and every -I/-L they give prefixed with the sysroot.\n"
		   "sysroot=", a->name);
	sh_quoted(f, sysroot);
	fprintf(f, "\n"
		   "PKG_CONFIG_SYSROOT_DIR=$sysroot\n"
		   "PKG_CONFIG_LIBDIR=$sysroot/usr/lib/%s/pkgconfig:$sysroot/usr/share/pkgconfig:"
		   "$sysroot/usr/lib/pkgconfig\n"
		   "PKG_CONFIG_PATH=\n"
		   "export PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR PKG_CONFIG_PATH\n"
		   "exec pkg-config \"$@\"\n", a->triplet);
	return close_text(f, &text);
}
