/* SPDX-License-Identifier: MIT */
/* mkforeignroot-dpkg-shim: unpack=native's stand-in for dpkg, dpkg-deb and
 * the helpers they run, inside a foreign rootfs during the second stage
 * (pipeline/native_unpack.c).
 *
 * Installed under each name of DPKG_SHIM_NAMES in /usr/sbin, found before
 * the target's /usr/bin on debootstrap's PATH.  Linked statically, it runs
 * natively in the chroot and decides who does the work:
 *
 *   dpkg-deb                      the host's (reading and decompressing a .deb
 *                                 needs no target CPU)
 *   dpkg ... --force-depends ... --unpack or --install
 *                                 the host's, with --force-architecture: the
 *                                 unpacking, debootstrap's bulk of the work,
 *                                 runs at native speed; the maintainer scripts
 *                                 it runs are the target's, under emulation
 *   dpkg --validate-version, --compare-versions
 *                                 the host's: pure functions of their
 *                                 arguments (Debian's version syntax and
 *                                 order, the same in every dpkg the probe
 *                                 accepts), asked about 100 times a build by
 *                                 dpkg-maintscript-helper, 37 ms each when
 *                                 emulated
 *   dpkg anything else            the target's own /usr/bin/dpkg
 *   basename                      the host's: a pure function of its
 *                                 arguments, run once by every
 *                                 dpkg-maintscript-helper
 *   dpkg-maintscript-helper       the target's script (dpkg's own, shell
 *                                 only), run by the host's dash instead of
 *                                 the target's emulated one: debhelper's
 *                                 maintainer scripts call it about 90 times
 *                                 a build.  What it runs is found on PATH
 *                                 as for the target's shell (so the shims
 *                                 above, then the target's programs)
 *   deb-systemd-helper            the target's script (init-system-helpers',
 *                                 perl) run by the host's perl with a copy
 *                                 of the host's perl-base modules first on
 *                                 @INC: about 20 calls a build, 0.4 s each
 *                                 when emulated.  Staged only where the
 *                                 host's perl is the target's major.minor
 *                                 (native_unpack.c); the target's own
 *                                 pure-perl modules (/usr/share/perl5)
 *                                 are used as they are
 *   tar, rm, dpkg-split           the host's when the host's dpkg or dpkg-deb
 *                                 started it (its parent runs the host's
 *                                 loader): three emulated programs a package
 *                                 otherwise; the target's for everyone else
 *                                 (a maintainer script's rm is the target's)
 *
 * Only debootstrap's --force-depends calls go to the host's dpkg: it takes
 * Architecture: all packages to be of its own (amd64) architecture when it
 * checks dependencies, which the target's dpkg would not; with
 * --force-depends no dependency decides anything.  Everything a
 * maintainer script asks (dpkg --print-architecture, --compare-versions,
 * dpkg-query) reaches the target's dpkg.
 *
 * Every call is tallied in DPKG_SHIM_CALLS (who ran it), so the build's
 * log says what ran natively and a test can check it did. */
#include "emu/dpkg_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOST_LOADER DPKG_SHIM_HOST_DIR "/ld.so"

static int has_arg(int argc, char **argv, const char *want)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], want) == 0)
			return 1;
	return 0;
}

/* One line to DPKG_SHIM_CALLS (one write with O_APPEND: whole lines even
 * when calls run side by side).  A tally that cannot be written loses
 * only the log's count, never the call. */
static void tally(const char *name, const char *who)
{
	int fd = open(DPKG_SHIM_CALLS, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	char line[128];
	int n = snprintf(line, sizeof(line), "%s %s\n", name, who);
	if (n > 0 && (size_t)n < sizeof(line)) {
		ssize_t written = write(fd, line, (size_t)n);
		(void)written; /* see above */
	}
	close(fd);
}

static const char *called_as; /* the shim's own name, for the tally */

/* The host's PROGRAM with `extra` (NULL-terminated; may be NULL) before
 * the call's own arguments. */
static int run_host(const char *program, int argc, char **argv, const char *const *extra)
{
	tally(called_as, "host");
	char **args = calloc((size_t)argc + 10, sizeof(char *));
	if (!args)
		return 127;
	size_t n = 0;
	args[n++] = HOST_LOADER;
	args[n++] = "--library-path";
	args[n++] = DPKG_SHIM_HOST_DIR;
	args[n++] = "--argv0";
	args[n++] = (char *)program;
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", DPKG_SHIM_HOST_DIR, program);
	args[n++] = path;
	for (size_t i = 0; extra && extra[i] && i < 3; i++)
		args[n++] = (char *)extra[i];
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	execv(args[0], args);
	fprintf(stderr, "mkforeignroot-dpkg-shim: cannot run the host's %s: %s\n", program,
		strerror(errno));
	return 127;
}

/* Was this process started by one of the host's programs (they all run
 * as the host's loader)?  No /proc, or anything unclear: no. */
static int parent_is_host(void)
{
	char link[64], exe[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/%ld/exe", (long)getppid());
	ssize_t n = readlink(link, exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = '\0';
	return strcmp(exe, HOST_LOADER) == 0;
}

/* The target's NAME: the first on PATH that is not this shim (with a
 * merged /usr, /sbin/NAME is this very file too). */
static int run_target(const char *name, char **argv)
{
	tally(called_as, "target");
	struct stat self;
	int have_self = stat("/proc/self/exe", &self) == 0;
	const char *path = getenv("PATH");
	char *dirs = strdup(path && *path ? path : "/usr/bin:/bin");
	for (char *save = NULL, *dir = dirs ? strtok_r(dirs, ":", &save) : NULL; dir;
	     dir = strtok_r(NULL, ":", &save)) {
		char candidate[PATH_MAX];
		struct stat st;
		snprintf(candidate, sizeof(candidate), "%s/%s", dir, name);
		if (stat(candidate, &st) != 0 || !S_ISREG(st.st_mode) || access(candidate, X_OK) != 0)
			continue;
		/* Without /proc, by name: /usr/sbin and /sbin hold the shims. */
		int is_self = have_self ? st.st_dev == self.st_dev && st.st_ino == self.st_ino
					: strcmp(dir, DPKG_SHIM_DIR) == 0 || strcmp(dir, "/sbin") == 0;
		if (is_self)
			continue;
		execv(candidate, argv);
	}
	fprintf(stderr, "mkforeignroot-dpkg-shim: the target has no %s on PATH\n", name);
	return 127;
}

int main(int argc, char **argv)
{
	char self[256];
	snprintf(self, sizeof(self), "%s", argv[0]);
	const char *name = basename(self);
	called_as = name;
	if (strcmp(name, "dpkg-deb") == 0)
		return run_host("dpkg-deb", argc, argv, NULL);
	if (strcmp(name, "dpkg") == 0) {
		static const char *const force_arch[] = { "--force-architecture", NULL };
		if (has_arg(argc, argv, "--force-depends") &&
		    (has_arg(argc, argv, "--unpack") || has_arg(argc, argv, "--install") ||
		     has_arg(argc, argv, "-i")))
			return run_host("dpkg", argc, argv, force_arch);
		if (argc >= 2 && (strcmp(argv[1], "--validate-version") == 0 ||
				  strcmp(argv[1], "--compare-versions") == 0))
			return run_host("dpkg", argc, argv, NULL);
		tally(name, "target");
		argv[0] = "dpkg";
		execv(DPKG_SHIM_TARGET_DPKG, argv);
		fprintf(stderr, "mkforeignroot-dpkg-shim: cannot run %s: %s\n", DPKG_SHIM_TARGET_DPKG,
			strerror(errno));
		return 127;
	}
	if (strcmp(name, "basename") == 0)
		return run_host("basename", argc, argv, NULL);
	if (strcmp(name, "dpkg-maintscript-helper") == 0) {
		static const char *const script[] = { DPKG_SHIM_TARGET_HELPER, NULL };
		if (access(DPKG_SHIM_TARGET_HELPER, R_OK) != 0)
			return run_target(name, argv);
		return run_host("dash", argc, argv, script);
	}
	if (strcmp(name, "deb-systemd-helper") == 0) {
		/* -I, not PERL5LIB: what the script starts inherits no host
		 * module path (a target perl would load host XS code). */
		static const char *const script[] = { "-I" DPKG_SHIM_HOST_PERL_LIB,
						      DPKG_SHIM_TARGET_SYSTEMD_HELPER, NULL };
		if (access(DPKG_SHIM_TARGET_SYSTEMD_HELPER, R_OK) != 0)
			return run_target(name, argv); /* not unpacked yet: "not found" */
		return run_host("perl", argc, argv, script);
	}
	if (strcmp(name, "tar") == 0 || strcmp(name, "rm") == 0 || strcmp(name, "dpkg-split") == 0)
		return parent_is_host() ? run_host(name, argc, argv, NULL) : run_target(name, argv);
	fprintf(stderr, "mkforeignroot-dpkg-shim: called as %s, which it does not stand in for\n", name);
	return 127;
}
