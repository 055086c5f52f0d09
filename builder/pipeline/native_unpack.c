/* SPDX-License-Identifier: MIT */
#include "pipeline/native_unpack.h"

#include "cache/deb_cache.h"
#include "emu/dpkg_shim.h"
#include "emu/exec_probe.h"
#include "emu/host_program.h"
#include "sys/rootfs_fs.h"
#include "sys/spawn.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/datadirs.h"
#include "util/file_io.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHIM_NAME "mkforeignroot-dpkg-shim"
#define HOST_DPKG_DEFAULT "/usr/bin/dpkg"

/* The host's dpkg: $MKFR_HOST_DPKG (a dpkg elsewhere), else the system's.
 * dpkg-deb sits beside it. */
static const char *host_dpkg(void)
{
	const char *env = getenv("MKFR_HOST_DPKG");
	return env && *env ? env : HOST_DPKG_DEFAULT;
}

/* A program of dpkg's beside the host's dpkg (dpkg-deb, dpkg-split). */
static char *host_dpkg_tool(const char *name)
{
	autofree char *copy = xstrdup(host_dpkg());
	char *slash = strrchr(copy, '/');
	if (slash)
		*slash = '\0';
	return path_join(slash ? copy : ".", name);
}

static char *host_dpkg_deb(void)
{
	return host_dpkg_tool("dpkg-deb");
}

/* A program of the host's that the shim runs: tar, rm, basename, dash. */
static char *host_tool(const char *name)
{
	static const char *const dirs[] = { "/usr/bin", "/bin" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *path = path_join(dirs[i], name);
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	return path_join("/usr/bin", name);
}

/* "1.21.22" -> 1, 21.  0 on success. */
static int major_minor(const char *version, int *major, int *minor)
{
	const char *v = strchr(version, ':') ? strchr(version, ':') + 1 : version;
	return sscanf(v, "%d.%d", major, minor) == 2 ? 0 : -1;
}

/* "Debian 'dpkg' package management program version 1.21.22 (amd64)." */
#define VERSION_MAX 64
static int host_dpkg_version(char out[VERSION_MAX], struct mkfr_error *err)
{
	char *argv[] = { (char *)host_dpkg(), "--version", NULL };
	autofree char *line = NULL;
	if (spawn_first_line(argv, -1, &line, err) < 0)
		return -1;
	const char *v = strstr(line, "version ");
	if (!v || sscanf(v + 8, "%63[0-9A-Za-z.+~:-]", out) != 1)
		return mkfr_fail(err, 0, "cannot read a version in '%s'", line);
	return 0;
}


static const struct deb_package *resolved_package(const struct build *b, const char *name)
{
	for (size_t i = 0; i < b->resolved.deb_count; i++)
		if (strcmp(b->resolved.debs[i].package, name) == 0)
			return &b->resolved.debs[i];
	return NULL;
}

/* Can the host's dpkg-deb read the target's .debs (their compression)? */
static bool reads_target_deb(const struct build *b, const struct deb_package *dpkg,
			     struct mkfr_error *err)
{
	struct deb_cache cache;
	if (deb_cache_open(&cache, b->cache_dir, err) < 0)
		return false;
	autofree char *deb = deb_cache_path(&cache, dpkg);
	deb_cache_close(&cache);
	autofree char *dpkg_deb = host_dpkg_deb();
	char *argv[] = { dpkg_deb, "--contents", deb, NULL };
	struct spawn_opts o = { .argv = argv, .log_fd = b->log_fd };
	struct spawn_result res;
	return spawn_run(&o, &res, err) == 0 && res.status == 0;
}

/* The dpkg database's layout version (var/lib/dpkg/info/format; "1" since
 * multiarch, dpkg 1.16.2), of a tree; "" when there is none yet (a first
 * stage's tree: the first dpkg run writes it). */
static void db_format(int rootfd, char out[8])
{
	out[0] = '\0';
	autoclose int fd = rootfs_open_read(rootfd, "/var/lib/dpkg/info/format");
	if (fd < 0)
		return;
	ssize_t n = read(fd, out, 7);
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

/* The host's dpkg writes its format into the target's database: the
 * target's own, if it has one, must be the same. */
static bool same_db_format(const struct build *b, char host[8], char target[8])
{
	struct mkfr_error ignored = { 0 };
	autoclose int hostfd = rootfs_open("/", &ignored);
	autoclose int rootfd = rootfs_open(b->work, &ignored);
	host[0] = target[0] = '\0';
	if (hostfd >= 0)
		db_format(hostfd, host);
	if (rootfd >= 0)
		db_format(rootfd, target);
	return !target[0] || strcmp(host[0] ? host : "1", target) == 0;
}

static int decide(struct build *b, struct mkfr_error *err)
{
	const char *mode = profile_get(b->profile, "unpack");
	b->unpack_native = false;
	if (strcmp(mode, "emulated") == 0) {
		snprintf(b->unpack_reason, sizeof(b->unpack_reason), "unpack=emulated");
		return 0;
	}
	if (exec_probe_native(b->arch) == EXEC_NATIVE_YES) {
		snprintf(b->unpack_reason, sizeof(b->unpack_reason),
			 "%s runs natively: nothing is emulated anyway", b->arch->name);
		return 0;
	}
	bool forced = strcmp(mode, "native") == 0;
	const struct deb_package *dpkg = resolved_package(b, "dpkg");
	char host_version[VERSION_MAX] = "", host_format[8], target_format[8];
	struct mkfr_error probe = { 0 };
	int hmaj, hmin, tmaj, tmin;
	const char *why = NULL;
	autofree char *dpkg_deb = host_dpkg_deb();
	if (access(host_dpkg(), X_OK) != 0 || access(dpkg_deb, X_OK) != 0)
		why = "the host has no dpkg and dpkg-deb";
	else if (host_dpkg_version(host_version, &probe) < 0 ||
		 major_minor(host_version, &hmaj, &hmin) < 0)
		why = "the host's dpkg does not say its version";
	else if (!dpkg || !dpkg->version || major_minor(dpkg->version, &tmaj, &tmin) < 0)
		why = "the target's dpkg version is not known";
	else if (!forced && (tmaj != hmaj || tmin < hmin - 1 || tmin > hmin + 1))
		why = "the target's dpkg is too far from the host's";
	else if (!same_db_format(b, host_format, target_format))
		why = "the target's dpkg database has another format than the host's dpkg writes";
	else if (!reads_target_deb(b, dpkg, &probe))
		why = "the host's dpkg-deb cannot read the target's packages";
	if (why && forced)
		return mkfr_fail(err, 0, "%s: key 'unpack': native unpacking is impossible: %s",
				 profile_origin(b->profile, "unpack"), why);
	if (why) {
		if (probe.msg[0])
			log_verbose("unpack: %s", probe.msg); /* the detail behind `why` */
		snprintf(b->unpack_reason, sizeof(b->unpack_reason),
			 "unpack=auto: %s (host %s, target %s): unpacking under emulation", why,
			 host_version[0] ? host_version : "none",
			 dpkg && dpkg->version ? dpkg->version : "?");
		return 0;
	}
	b->unpack_native = true;
	snprintf(b->unpack_reason, sizeof(b->unpack_reason),
		 "the host's dpkg %s unpacks, the target's dpkg %s configures", host_version,
		 dpkg->version);
	return 0;
}

/* Does deb-systemd-helper run with the host's perl?  Only where the
 * host's perl is the target's perl-base of the same major.minor: perl's
 * modules and their XS interface are versioned by it, and the target's
 * own pure-perl modules (/usr/share/perl5), which the script also loads,
 * were made for it.  The host's perl-base modules are found through its
 * @INC (the directory that ends in /perl-base), to be staged with it.
 * Says which in one line; nothing here is an error (it stays emulated). */
static void decide_host_perl(struct build *b)
{
	b->unpack_host_perl = false;
	const struct deb_package *perl = resolved_package(b, "perl-base");
	autofree char *host_perl = host_tool("perl");
	char *argv[] = { host_perl, "-e",
			 "printf \"%vd %s\\n\", $^V, (grep { m{/perl-base$} } @INC)[0] // \"\"", NULL };
	autofree char *line = NULL;
	struct mkfr_error probe = { 0 };
	char host_version[32] = "", lib[sizeof(b->unpack_perl_lib)] = "";
	int hmaj = 0, hmin = 0, tmaj = 0, tmin = 0;
	const char *why = NULL;
	if (!perl || !perl->version)
		return; /* no perl in the target: no deb-systemd-helper either */
	if (access(host_perl, X_OK) != 0 || spawn_first_line(argv, b->log_fd, &line, &probe) < 0 ||
	    sscanf(line, "%31s %255s", host_version, lib) < 1 ||
	    major_minor(host_version, &hmaj, &hmin) < 0)
		why = "the host has no perl that says its version";
	else if (major_minor(perl->version, &tmaj, &tmin) < 0 || tmaj != hmaj || tmin != hmin)
		why = "the target's perl is not the host's major.minor";
	else if (!lib[0] || access(lib, R_OK | X_OK) != 0)
		why = "the host's perl has no perl-base module directory";
	if (why) {
		log_info("unpack: deb-systemd-helper stays emulated: %s (host %s, target %s)", why,
			 host_version[0] ? host_version : "none", perl->version);
		return;
	}
	b->unpack_host_perl = true;
	snprintf(b->unpack_perl_lib, sizeof(b->unpack_perl_lib), "%s", lib);
	log_info("unpack: deb-systemd-helper runs with the host's perl %s (the target's perl-base "
		 "is %s)", host_version, perl->version);
}

int native_unpack_decide(struct build *b, struct mkfr_error *err)
{
	if (b->unpack_decided)
		return 0;
	if (decide(b, err) < 0)
		return -1;
	b->unpack_decided = true;
	log_info("unpack: %s", b->unpack_reason);
	if (b->unpack_native)
		decide_host_perl(b);
	return 0;
}

static const char *const shim_names[DPKG_SHIM_COUNT] = DPKG_SHIM_NAMES;

/* How many of shim_names are staged: all, or all but the last
 * (deb-systemd-helper) when the host's perl does not run it. */
static size_t staged_names(const struct build *b)
{
	return b->unpack_host_perl ? DPKG_SHIM_COUNT : DPKG_SHIM_COUNT - 1;
}

static char *shim_path(const char *name)
{
	return path_join(DPKG_SHIM_DIR, name);
}

/* Is `path` in the rootfs still the shim (the same bytes as `shim`)?  A
 * package that shipped a file there would have replaced it. */
static bool is_our_shim(int rootfd, const char *path, const char *shim)
{
	autoclose int a = rootfs_open_read(rootfd, path);
	autoclose int b = open(shim, O_RDONLY | O_CLOEXEC);
	struct stat sa, sb;
	if (a < 0 || b < 0 || fstat(a, &sa) < 0 || fstat(b, &sb) < 0 || sa.st_size != sb.st_size)
		return false;
	char x[65536], y[65536];
	for (;;) {
		ssize_t n = read(a, x, sizeof(x)), m = n > 0 ? read(b, y, (size_t)n) : 0;
		if (n < 0 || m != n)
			return false;
		if (n == 0)
			return true;
		if (memcmp(x, y, (size_t)n) != 0)
			return false;
	}
}

int native_unpack_stage(struct build *b, struct mkfr_error *err)
{
	if (!b->unpack_native)
		return 0;
	autoclose int rootfd = rootfs_open(b->work, err);
	if (rootfd < 0)
		return -1;
	autofree char *shim = libexec_path(SHIM_NAME);
	if (access(shim, X_OK) != 0)
		return mkfr_fail(err, errno, "unpack=native: %s is missing: reinstall mkforeignroot", shim);
	size_t names = staged_names(b);
	/* Paths of the target's that the shims take: none may be there. */
	for (size_t i = 0; i < names; i++) {
		autofree char *path = shim_path(shim_names[i]);
		if (rootfs_exists(rootfd, path))
			return mkfr_fail(err, EEXIST, "unpack=native: the target already has %s", path);
	}
	autofree char *dpkg_deb = host_dpkg_deb();
	autofree char *dpkg_split = host_dpkg_tool("dpkg-split");
	autofree char *tar = host_tool("tar");
	autofree char *rm = host_tool("rm");
	autofree char *base_name = host_tool("basename");
	autofree char *dash = host_tool("dash");
	autofree char *perl = b->unpack_host_perl ? host_tool("perl") : NULL;
	char *programs[] = { (char *)host_dpkg(), dpkg_deb, dpkg_split, tar, rm, base_name, dash,
			     perl, NULL };
	size_t libs = 0;
	if (host_program_stage(rootfd, programs, DPKG_SHIM_HOST_DIR, &libs, err) < 0)
		return mkfr_error_prefix(err, "unpack=native");
	if (rootfs_mkdir_p(rootfd, DPKG_SHIM_DIR, 0755, err) < 0)
		return -1;
	b->unpack_staged = true; /* from here, what was put in is taken out again */
	if (perl && rootfs_copy_tree_in(rootfd, b->unpack_perl_lib, DPKG_SHIM_HOST_PERL_LIB, err) < 0)
		return mkfr_error_prefix(err, "unpack=native: the host's perl modules");
	for (size_t i = 0; i < names; i++) {
		autofree char *path = shim_path(shim_names[i]);
		if (rootfs_copy_in(rootfd, shim, path, 0755, err) < 0)
			return -1;
	}
	log_verbose("unpack=native: %s, %s, %s, %s, %s, %s, %s%s%s and %zu libraries in %s%s%s; "
		    "the shim in %s", host_dpkg(), dpkg_deb, dpkg_split, tar, rm, base_name, dash,
		    perl ? ", " : "", perl ? perl : "", libs, DPKG_SHIM_HOST_DIR,
		    perl ? ", perl's modules from " : "", perl ? b->unpack_perl_lib : "",
		    DPKG_SHIM_DIR);
	return 0;
}

/* The shim's tally (DPKG_SHIM_CALLS) in one line of the log: how many
 * calls the host's programs served, by name, and how many went to the
 * target's own.  A missing or unreadable tally says so. */
static void log_tally(int rootfd, size_t names)
{
	size_t host[DPKG_SHIM_COUNT] = { 0 }, host_total = 0, target_total = 0;
	autoclose int fd = rootfs_open_read(rootfd, DPKG_SHIM_CALLS);
	char reopen[64];
	snprintf(reopen, sizeof(reopen), "/proc/self/fd/%d", fd);
	autofree char *text = NULL;
	struct mkfr_error ignored = { 0 };
	if (fd < 0 || read_whole_file(reopen, 1 << 20, &text, NULL, &ignored) < 0) {
		log_info("unpack: the shim's tally is missing: it was never called");
		return;
	}
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *who = strrchr(line, ' ');
		if (!who)
			continue;
		*who++ = '\0';
		if (strcmp(who, "target") == 0) {
			target_total++;
			continue;
		}
		for (size_t i = 0; i < names; i++)
			if (strcmp(line, shim_names[i]) == 0) {
				host[i]++;
				host_total++;
			}
	}
	char by_name[512] = "";
	size_t used = 0;
	for (size_t i = 0; i < names && used < sizeof(by_name); i++)
		if (host[i])
			used += (size_t)snprintf(by_name + used, sizeof(by_name) - used, "%s%s %zu",
						 used ? ", " : "", shim_names[i], host[i]);
	log_info("unpack: the host's programs ran %zu calls (%s); %zu went to the target's own",
		 host_total, by_name, target_total);
}

int native_unpack_unstage(struct build *b, struct mkfr_error *err)
{
	if (!b->unpack_staged)
		return 0;
	autoclose int rootfd = rootfs_open(b->work, err);
	if (rootfd < 0)
		return -1;
	autofree char *shim = libexec_path(SHIM_NAME);
	log_tally(rootfd, staged_names(b));
	for (size_t i = 0; i < DPKG_SHIM_COUNT; i++) {
		autofree char *path = shim_path(shim_names[i]);
		if (!rootfs_exists(rootfd, path))
			continue; /* a failed stage put not all of them in */
		if (!is_our_shim(rootfd, path, shim))
			return mkfr_fail(err, 0, "unpack=native: a package put its own %s where the shim "
					 "was: build it with unpack=emulated", path);
		if (rootfs_remove(rootfd, path, err) < 0)
			return -1;
	}
	if (rootfs_remove(rootfd, DPKG_SHIM_HOST_DIR, err) < 0)
		return -1;
	b->unpack_staged = false;
	return 0;
}
