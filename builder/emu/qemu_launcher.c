/* SPDX-License-Identifier: MIT */
/* mkforeignroot-qemu-launcher: the binfmt_misc interpreter for qemu=dynamic.
 *
 * Installed in a rootfs as STAGE/qemu-<t>; the kernel runs it for every
 * foreign program, inside the chroot, where the host's shared emulator
 * cannot start on its own (its ELF loader and libraries are not there).  It
 * is linked statically and runs the staged copies instead:
 *
 *   STAGE/dynamic/ld.so --library-path STAGE/dynamic STAGE/dynamic/qemu-<t> ARGS
 *
 * The kernel passes (entry flag P): argv[0] = this interpreter's path,
 * argv[1] = the foreign program's path, argv[2] = its original argv[0],
 * then its arguments.  qemu learns about P from AT_FLAGS in its auxiliary
 * vector, which it does not get through ld.so; so the original argv[0] is
 * handed on with qemu's own "-0" option.  Without P (argv[0] dropped), the
 * arguments pass through unchanged. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#ifndef AT_FLAGS_PRESERVE_ARGV0
#define AT_FLAGS_PRESERVE_ARGV0 (1UL << 0)
#endif

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "%s: started by binfmt_misc for a foreign program; not for direct use\n",
			argv[0]);
		return 127;
	}
	char self[PATH_MAX], self2[PATH_MAX];
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(self2, sizeof(self2), "%s", argv[0]);
	const char *dir = dirname(self);
	const char *name = basename(self2);

	char loader[PATH_MAX], libdir[PATH_MAX], emulator[PATH_MAX];
	snprintf(loader, sizeof(loader), "%s/dynamic/ld.so", dir);
	snprintf(libdir, sizeof(libdir), "%s/dynamic", dir);
	snprintf(emulator, sizeof(emulator), "%s/dynamic/%s", dir, name);

	int preserve = (getauxval(AT_FLAGS) & AT_FLAGS_PRESERVE_ARGV0) && argc >= 3;
	char **args = calloc((size_t)argc + 8, sizeof(char *));
	if (!args)
		return 127;
	size_t n = 0;
	args[n++] = loader;
	args[n++] = "--library-path";
	args[n++] = libdir;
	args[n++] = emulator;
	if (preserve) {
		args[n++] = "-0";
		args[n++] = argv[2];
		args[n++] = argv[1];
		for (int i = 3; i < argc; i++)
			args[n++] = argv[i];
	} else {
		for (int i = 1; i < argc; i++)
			args[n++] = argv[i];
	}
	args[n] = NULL;
	execv(loader, args);
	fprintf(stderr, "mkforeignroot-qemu-launcher: cannot run %s: %s\n", loader, strerror(errno));
	return 127;
}
