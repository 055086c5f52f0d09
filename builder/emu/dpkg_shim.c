/* mkforeignroot-dpkg-shim: unpack=native's stand-in for dpkg and dpkg-deb
 * inside a foreign rootfs during the second stage (pipeline/native_unpack.c).
 *
 * Installed as /usr/sbin/dpkg and /usr/sbin/dpkg-deb, found before the
 * target's /usr/bin/dpkg on debootstrap's PATH.  Linked statically, it runs
 * natively in the chroot and decides who does the work:
 *
 *   dpkg-deb                      the host's (reading and decompressing a .deb
 *                                 needs no target CPU)
 *   dpkg ... --force-depends ... --unpack or --install
 *                                 the host's, with --force-architecture: the
 *                                 unpacking, debootstrap's bulk of the work,
 *                                 runs at native speed; the maintainer scripts
 *                                 it runs are the target's, under emulation
 *   dpkg anything else            the target's own /usr/bin/dpkg
 *
 * Only debootstrap's --force-depends calls go to the host's dpkg: it takes
 * Architecture: all packages to be of its own (amd64) architecture when it
 * checks dependencies, which the target's dpkg would not; with
 * --force-depends no dependency decides anything.  Everything a
 * maintainer script asks (dpkg --print-architecture, --compare-versions,
 * dpkg-query) reaches the target's dpkg. */
#include "emu/dpkg_shim.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int has_arg(int argc, char **argv, const char *want)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], want) == 0)
			return 1;
	return 0;
}

static int run_host(const char *program, int argc, char **argv, const char *extra)
{
	char **args = calloc((size_t)argc + 8, sizeof(char *));
	if (!args)
		return 127;
	size_t n = 0;
	args[n++] = DPKG_SHIM_HOST_DIR "/ld.so";
	args[n++] = "--library-path";
	args[n++] = DPKG_SHIM_HOST_DIR;
	args[n++] = "--argv0";
	args[n++] = (char *)program;
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", DPKG_SHIM_HOST_DIR, program);
	args[n++] = path;
	if (extra)
		args[n++] = (char *)extra;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	execv(args[0], args);
	fprintf(stderr, "mkforeignroot-dpkg-shim: cannot run the host's %s: %s\n", program,
		strerror(errno));
	return 127;
}

int main(int argc, char **argv)
{
	char self[256];
	snprintf(self, sizeof(self), "%s", argv[0]);
	const char *name = basename(self);
	if (strcmp(name, "dpkg-deb") == 0)
		return run_host("dpkg-deb", argc, argv, NULL);
	if (has_arg(argc, argv, "--force-depends") &&
	    (has_arg(argc, argv, "--unpack") || has_arg(argc, argv, "--install") ||
	     has_arg(argc, argv, "-i")))
		return run_host("dpkg", argc, argv, "--force-architecture");
	argv[0] = "dpkg";
	execv(DPKG_SHIM_TARGET_DPKG, argv);
	fprintf(stderr, "mkforeignroot-dpkg-shim: cannot run %s: %s\n", DPKG_SHIM_TARGET_DPKG,
		strerror(errno));
	return 127;
}
