/* SPDX-License-Identifier: MIT */
/* plan: resolve the profile, check the host, print what will happen, and
 * create the work directory next to OUT.  --dry-run stops here. */
#include "cache/layout.h"
#include "out/image_fs.h"
#include "out/oci.h"
#include "out/tar_writer.h"
#include "pipeline/hooks.h"
#include "pipeline/host_check.h"
#include "pipeline/stages.h"
#include "profile/apt_sources.h"
#include "sys/binfmt.h"
#include "sys/mounts.h"
#include "sys/rootless.h"
#include "sys/rootfs_fs.h"
#include "sys/stale.h"
#include "sys/userns.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/log.h"
#include "util/strv.h"
#include "util/number.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEBIAN_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"

/* format= if given, else OUT's name.  Whatever the format needs from the
 * host is checked now rather than after the build: a tarball's compressor
 * built into libarchive, an image's tool (named with its Debian package),
 * an OCI platform name for the architecture. */
static int resolve_format(struct build *b, struct mkfr_error *err)
{
	const char *name = profile_get(b->profile, "format");
	const char *origin = name ? profile_origin(b->profile, "format") : "OUT's name";
	const char *unwritable = name ? NULL : output_format_unwritable_suffix(b->opts->out);
	if (unwritable)
		return mkfr_fail_usage(err, "OUT '%s': mkforeignroot writes no %s (it writes dir, tar, "
				       "tar.gz, tar.xz, tar.zst, ext4, squashfs, erofs, oci and oci.tar): "
				       "choose a name with one of their suffixes, or --format dir for a "
				       "directory of that name", b->opts->out, unwritable);
	if (!name)
		b->format = output_format_from_path(b->opts->out);
	else if (output_format_parse(name, &b->format) < 0)
		return mkfr_fail_usage(err, "%s: key 'format': unknown format '%s'", origin, name);
	if (output_format_is_tar(b->format) && tar_format_check(b->format, err) < 0)
		return -1;
	if (output_format_is_image(b->format) && b->rootless)
		return mkfr_fail_usage(err, "%s: key 'format': a %s image made without root would lack "
				       "the device nodes a root build has (its tool copies only what is on "
				       "disk, and a build without root cannot make them): build a tarball "
				       "(format=tar.zst, say) and make the image from it as root, or build "
				       "as root", origin, output_format_name(b->format));
	if (output_format_is_image(b->format)) {
		/* The caller's PATH: where this user's tools are (children
		 * themselves get a fixed PATH; the tool is run by this path). */
		b->image_tool = image_fs_find_tool(b->format, getenv("PATH"), err);
		if (!b->image_tool)
			return mkfr_error_prefix(err, "%s: key 'format'", origin);
	}
	char platform[64];
	if (output_format_is_oci(b->format) && oci_platform_string(b->arch, platform, sizeof(platform), err) < 0)
		return mkfr_error_prefix(err, "%s: key 'format'", origin);
	/* A directory OUT is the work tree renamed: it cannot be a tmpfs. */
	if (b->format == OUTPUT_DIR && strcmp(profile_get(b->profile, "scratch"), "memory") == 0)
		return mkfr_fail_usage(err, "%s: key 'scratch': memory needs a tarball or image OUT "
				       "(a directory OUT is the work tree itself)",
				       profile_origin(b->profile, "scratch"));
	/* The toolchain files point a compiler at a directory tree. */
	if (output_format_is_written(b->format) && profile_get_bool(b->profile, "sysroot"))
		return mkfr_fail_usage(err, "%s: key 'sysroot': a sysroot must be a directory, not %s "
				       "output: use format=dir (or an OUT without a tarball or image suffix)",
				       profile_origin(b->profile, "sysroot"), output_format_name(b->format));
	return 0;
}

/* SOURCE_DATE_EPOCH (reproducible-builds.org) turns reproducible mode on
 * and fixes the epoch; reproducible=yes alone takes the Release date. */
static int resolve_reproducible(struct build *b, struct mkfr_error *err)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	b->reproducible = profile_get_bool(b->profile, "reproducible");
	if (!sde || !*sde)
		return 0;
	/* At most the last second of the year 9999, as a date can be written. */
	uint64_t v;
	if (!parse_u64(sde, UINT64_C(253402300799), &v))
		return mkfr_fail_usage(err, "SOURCE_DATE_EPOCH '%s': must be a whole number of seconds "
				       "since 1970-01-01 UTC (up to the year 9999)", sde);
	b->reproducible = true;
	b->epoch_from_env = true;
	b->source_date_epoch = (time_t)v;
	return 0;
}

/* OUT must not exist, or (dir format) be an empty directory; its parent
 * must exist. */
static int resolve_out(struct build *b, struct mkfr_error *err)
{
	autofree char *copy1 = xstrdup(b->opts->out), *copy2 = xstrdup(b->opts->out);
	size_t n = strlen(copy1);
	while (n > 1 && copy1[n - 1] == '/') {
		n--;
		copy1[n] = copy2[n] = '\0';
	}
	const char *base = basename(copy1);
	const char *parent = dirname(copy2);
	char real_parent[PATH_MAX];
	if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strcmp(base, "/") == 0)
		return mkfr_fail_usage(err, "OUT '%s': name a new directory", b->opts->out);
	if (!realpath(parent, real_parent))
		return mkfr_fail(err, errno, "OUT '%s': its directory %s does not exist", b->opts->out, parent);
	b->out = xasprintf("%s/%s", strcmp(real_parent, "/") ? real_parent : "", base);

	struct stat st;
	if (lstat(b->out, &st) == 0 && output_format_is_written(b->format))
		return mkfr_fail_usage(err, "OUT '%s' exists: a %s output is never written over anything; "
				       "remove it or choose another name", b->out, output_format_name(b->format));
	if (lstat(b->out, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return mkfr_fail_usage(err, "OUT '%s' exists and is not a directory: remove it or "
					       "choose another name", b->out);
		autoclosedir DIR *d = opendir(b->out);
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				return mkfr_fail_usage(err, "OUT '%s' exists and is not empty: remove it or "
						       "choose another name", b->out);
	}
	autofree char *work_base = stale_work_name(base, getpid());
	b->work = xasprintf("%s/%s", strcmp(real_parent, "/") ? real_parent : "", work_base);
	/* Named like the work directory, so a run killed with SIGKILL has
	 * it removed by the next one (stale.c). */
	if (output_format_is_written(b->format))
		b->out_part = xasprintf("%s.part", b->work);
	if (b->format == OUTPUT_OCI_TAR)
		b->oci_layout = xasprintf("%s.oci", b->work);

	autostrv char **sboms = profile_get_list(b->profile, "sbom");
	for (size_t i = 0; sboms && sboms[i]; i++) {
		if (strcmp(sboms[i], "spdx") == 0 && !b->sbom_spdx_path)
			b->sbom_spdx_path = xasprintf("%s.spdx.json", b->out);
		if (strcmp(sboms[i], "cyclonedx") == 0 && !b->sbom_cdx_path)
			b->sbom_cdx_path = xasprintf("%s.cdx.json", b->out);
	}
	return 0;
}

static void print_argv(const char *stage, char *const *env, char *const *argv)
{
	printf("  %-11s", stage);
	for (size_t i = 0; env && env[i]; i++)
		printf(" %s", env[i]);
	for (size_t i = 0; argv && argv[i]; i++)
		printf(" %s", argv[i]);
	printf("\n");
}

static void print_dry_run(const struct build *b)
{
	printf("profile %s (%s)\n", b->opts->profile_name, b->profile->path);
	for (const struct profile_key *k = profile_keys(); k->name; k++) {
		const char *v = profile_get(b->profile, k->name);
		if (!v)
			continue;
		printf("  %-18s = %-40s # %s\n", k->name, v, profile_origin(b->profile, k->name));
	}
	if (b->rootless) {
		char map[256];
		rootless_describe(b->rootless, map, sizeof(map));
		printf("rootless: as root of a user namespace of %s's own (%s; %s, %s)\n",
		       b->rootless->user, map, b->rootless->newuidmap, b->rootless->newgidmap);
	}
	printf("commands\n");
	autofree char *debs_dir = cache_part_dir(b->cache_dir, CACHE_DEBS);
	autofree char *base_dir = cache_part_dir(b->cache_dir, CACHE_BASE);
	printf("  %-11s %s: InRelease (verified with %s), Packages, debootstrap's package set\n",
	       "resolve", b->opts->offline ? "offline, from the cache" : profile_get(b->profile, "mirror"),
	       b->opts->no_check_gpg ? "nothing: --no-check-gpg" : b->keyring_path);
	if (b->base_cache_enabled)
		printf("  %-11s base cache %s: an entry for this exact package set is unpacked\n"
		       "  %-11s instead of running foreign and second (base_cache=no to always run them)\n",
		       "base_restore", base_dir, "");
	printf("  %-11s .debs with %s connections into %s; seed %s for --unpack-tarball\n", "fetch",
	       profile_get(b->profile, "connections"), debs_dir, b->work);
	autostrv char **fa = stage_foreign_argv(b);
	autostrv char **fe = stage_foreign_env(b);
	print_argv("foreign", fe, fa);
	if (b->emu.binfmt == BINFMT_MODE_HOST) {
		printf("  %-11s binfmt=host: the host's entry %s (flag F, %s) runs them; nothing "
		       "staged, nothing registered\n", "setup_qemu", b->emu.binfmt_name, b->emu.emulator);
	} else if (b->emu.emulator || b->emu.mirror) {
		autofree char *prog = emulation_emulator_program(b->qemu, b->emu.mode);
		printf("  %-11s emulator %s%s%s\n", "setup_qemu", b->emu.emulator ? b->emu.emulator : prog,
		       b->emu.emulator ? "" : " from the mirror's qemu-user-static, cached in ",
		       b->emu.emulator ? "" : b->emu_mirror.cache_dir);
		printf("  %-11s qemu=%s: %s\n", "", emulation_qemu_name(b->emu.mode),
		       b->emu.mode == QEMU_MODE_FIX_BINARY ? "F flag, opened from the host, nothing copied"
		       : b->emu.mode == QEMU_MODE_DYNAMIC ? "stage it with its loader, its libraries and "
							    "the launcher in /debootstrap/qemu"
							  : "copy it to /debootstrap/qemu");
		printf("  %-11s binfmt=%s: entry %s%s-<pid> %s\n", "", emulation_binfmt_name(b->emu.binfmt),
		       BINFMT_PREFIX, b->qemu->name,
		       b->emu.binfmt == BINFMT_MODE_PRIVATE ? "in a user namespace of each emulated step"
							    : "in the host's binfmt_misc while the build runs");
	} else {
		printf("  %-11s none: %s runs natively on this host\n", "setup_qemu", b->arch->name);
	}
	autostrv char **sa = stage_second_argv(b);
	autostrv char **se = stage_second_env(b);
	print_argv("second", se, sa);
	const char *unpack = profile_get(b->profile, "unpack");
	printf("  %-11s unpack=%s: %s\n", "", unpack,
	       strcmp(unpack, "emulated") == 0 ? "the target's dpkg unpacks, under emulation"
	       : strcmp(unpack, "native") == 0 ? "the host's dpkg unpacks; maintainer scripts under emulation"
					       : "the host's dpkg unpacks where it fits the target's; "
						 "maintainer scripts under emulation");
	if (b->base_cache_enabled)
		printf("  %-11s on a base cache miss, keep the configured base in %s\n", "snapshot",
		       base_dir);
	if (profile_get_bool(b->profile, "sysroot"))
		printf("  %-11s absolute symlinks made relative; write %s.toolchain.cmake and %s.pkg-config\n",
		       "sysroot", b->out, b->out);
	printf("  %-11s run the cleanup hooks; remove /debootstrap, the emulator and policy-rc.d\n",
	       "cleanup");
	char epoch[64] = "";
	if (b->epoch_from_env)
		snprintf(epoch, sizeof(epoch), "%lld (SOURCE_DATE_EPOCH)", (long long)b->source_date_epoch);
	const char *clamp = !b->reproducible ? "" : b->epoch_from_env ? epoch : "the Release date";
	if (!output_format_is_written(b->format)) {
		printf("  %-11s rename %s -> %s\n", "output", b->work, b->out);
	} else if (output_format_is_tar(b->format)) {
		printf("  %-11s %s (pax, numeric owners, xattrs%s%s) -> %s, rename -> %s, remove %s\n",
		       "output", output_format_name(b->format), b->reproducible ? ", mtimes clamped to " : "",
		       clamp, b->out_part, b->out, b->work);
	} else if (output_format_is_image(b->format)) {
		printf("  %-11s %s by %s%s%s -> %s, rename -> %s, remove %s\n", "output",
		       output_format_name(b->format), b->image_tool,
		       b->reproducible ? ", times clamped to " : "", clamp, b->out_part, b->out, b->work);
	} else {
		char platform[64];
		struct mkfr_error ignored;
		oci_platform_string(b->arch, platform, sizeof(platform), &ignored);
		printf("  %-11s %s image layout for %s (one gzip layer%s%s) -> %s, rename -> %s, remove %s\n",
		       "output", output_format_name(b->format), platform,
		       b->reproducible ? ", mtimes clamped to " : "", clamp, b->out_part, b->out, b->work);
	}
	if (b->sbom_spdx_path || b->sbom_cdx_path)
		printf("  %-11s %s%s%s\n", "sbom", b->sbom_spdx_path ? b->sbom_spdx_path : "",
		       b->sbom_spdx_path && b->sbom_cdx_path ? " " : "", b->sbom_cdx_path ? b->sbom_cdx_path : "");
	const char *manifest = profile_get(b->profile, "manifest");
	if (!manifest || strcmp(manifest, "no") != 0)
		printf("  %-11s %s%s\n", "manifest", manifest ? manifest : b->out,
		       manifest ? "" : ".manifest.json");
	hooks_print(b);
}

/* binfmt= and qemu= from the profile (already checked against their choices). */
static int resolve_emulation(struct build *b, struct mkfr_error *err)
{
	const char *binfmt = profile_get(b->profile, "binfmt");
	b->emu.arch = b->arch;
	b->emu.qemu = b->qemu;
	if (emulation_parse_binfmt(binfmt, &b->emu.binfmt) < 0 ||
	    emulation_parse_qemu(profile_get(b->profile, "qemu"), &b->emu.mode) < 0)
		return mkfr_fail_usage(err, "binfmt/qemu: unknown mode");
	if (b->rootless && emulation_choose_rootless_binfmt(&b->emu, binfmt, err) < 0)
		return mkfr_error_prefix(err, "%s: key 'binfmt'", profile_origin(b->profile, "binfmt"));
	if (strcmp(binfmt, "private") == 0 && !userns_has_private_binfmt())
		return mkfr_fail(err, ENOSYS, "%s: key 'binfmt': private binfmt_misc instances need "
				 "Linux 6.7 or later; use binfmt=global (or auto) on this kernel",
				 profile_origin(b->profile, "binfmt"));
	return 0;
}

/* From here on, every mount this process or its children make stays in a
 * mount namespace of our own: the host's mount table never changes, and the
 * kernel drops our mounts when we exit, however we exit. */
static int enter_private_mount_namespace(const struct build *b, struct mkfr_error *err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return mkfr_fail(err, errno, "cannot create a private mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return mkfr_fail(err, errno, "cannot make mounts private");
	/* Children get HOME=/root (sys/spawn.h).  The host's /root is the
	 * host root's, out of a rootless build's reach: the programs we run
	 * on the host (dpkg --version reads ~/.dpkg.cfg, and warns where it
	 * may not) find an empty home of ours there instead, as a root build's
	 * find theirs.  Chrooted ones see the rootfs's /root either way. */
	if (b->rootless && mount("mkforeignroot-home", "/root", "tmpfs", MS_NOSUID | MS_NODEV,
				 "mode=0700,size=1m") < 0)
		return mkfr_fail(err, errno, "cannot mount a home for root on /root");
	return 0;
}

/* The directory OUT is made in (absolute). */
static char *out_directory(const struct build *b)
{
	char *dir = xstrdup(b->out);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	return dir;
}

/* Everything --dry-run checks, creating nothing: the profile's values,
 * the host, OUT.  Whatever fails here is a refusal (exit 2, plan_run). */
static int plan_check(struct build *b, struct mkfr_error *err)
{
	b->arch = arch_lookup(profile_get(b->profile, "arch"));
	b->qemu = b->arch->qemu ? qemu_target_lookup(b->arch->qemu) : NULL;
	/* Who we are decides the rest: the default cache, where the target
	 * alias lives, which formats and binfmt modes can work. */
	if (host_check_privileges(b, err) < 0)
		return -1;

	if (!profile_get(b->profile, "mirror")) {
		autofree char *mirror = apt_sources_debian_mirror("/etc/apt", err);
		if (!mirror)
			return -1;
		profile_set_value(b->profile, "mirror", mirror, "host apt sources");
	}
	const char *keyring = profile_get(b->profile, "keyring");
	/* The keyring that signs the suite's Release: the profile's, else
	 * Debian's (debootstrap's default for Debian suites). */
	b->keyring_path = keyring ? profile_resolve_path(b->profile, "keyring", keyring)
				  : xstrdup(DEBIAN_KEYRING);
	if (!b->keyring_path || access(b->keyring_path, R_OK) != 0)
		return mkfr_fail_usage(err, "%s: key 'keyring': cannot read %s%s",
				       keyring ? profile_origin(b->profile, "keyring") : "default",
				       b->keyring_path ? b->keyring_path : keyring,
				       strstr(b->keyring_path ? b->keyring_path : "", "debian-archive") ?
					       " (install the Debian package debian-archive-keyring)" : "");
	/* Unset, the cache is the default one ($MKFR_CACHE_DIR for CI jobs and
	 * tests, else the system's): cache/layout.h decides. */
	if (!profile_get(b->profile, "cache_dir")) {
		const char *env_cache = getenv("MKFR_CACHE_DIR");
		profile_set_value(b->profile, "cache_dir", cache_default_dir(),
				  env_cache && *env_cache ? "MKFR_CACHE_DIR" : "default");
	}
	b->cache_dir = profile_resolve_path(b->profile, "cache_dir", profile_get(b->profile, "cache_dir"));
	/* An untrusted cache is refused with the other bad input; it is
	 * created only once nothing else can refuse the build (below), so a
	 * refusal, or --dry-run, leaves nothing behind. */
	if (cache_check_trusted(b->cache_dir, false, err) < 0)
		return -1;
	autofree char *fetch_base = stale_work_name("fetch", getpid());
	b->fetch_dir = cache_tmp_path(b->cache_dir, fetch_base);
	b->signed_dir = path_join(b->fetch_dir, "real");
	if (resolve_format(b, err) < 0 || resolve_reproducible(b, err) < 0 ||
	    resolve_out(b, err) < 0)
		return -1;
	build_name_target(b);
	if (hooks_resolve(b, err) < 0 || resolve_emulation(b, err) < 0)
		return -1;
	b->base_cache_enabled = profile_get_bool(b->profile, "base_cache");
	/* A cached base is what setup, extract and essential hooks would
	 * have changed, had they run: it cannot stand in for them. */
	if (b->base_cache_enabled && hooks_change_base(b)) {
		b->base_cache_enabled = false;
		log_info("base cache: off for this build: its setup, extract or essential hooks change "
			 "what the base is made of");
	}

	autofree char *out_dir = out_directory(b);

	if (host_check_debootstrap(b, err) < 0 || host_check_emulator(b, err) < 0 ||
	    (b->emu.binfmt == BINFMT_MODE_GLOBAL && (b->emu.emulator || b->emu.mirror) &&
	     host_check_binfmt_misc(err) < 0) ||
	    host_check_out_filesystem(out_dir, !b->rootless, err) < 0)
		return -1;
	return 0;
}

static int plan_run(struct build *b, struct mkfr_error *err)
{
	/* One rule for the command line: a build refused before anything is
	 * made exits 2, whether the profile, the host or OUT is the reason
	 * (what a build without root lacks, no emulator, OUT's directory
	 * missing...); 1 is for a build that started and failed. */
	if (plan_check(b, err) < 0) {
		err->exit_code = MKFR_EXIT_USAGE;
		return -1;
	}
	if (b->opts->dry_run) {
		print_dry_run(b);
		return 1;
	}
	autofree char *out_dir = out_directory(b);
	if (cache_check_trusted(b->cache_dir, true, err) < 0)
		return -1;

	if (b->opts->log_path) {
		b->log_fd = open(b->opts->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (b->log_fd < 0) {
			mkfr_fail(err, errno, "--log: cannot write %s", b->opts->log_path);
			err->exit_code = MKFR_EXIT_USAGE; /* a bad command line; nothing made yet */
			return -1;
		}
	}
	/* From here on a rootless build is root of its own user namespace
	 * (sys/rootless.h): a dead rootless run's leftovers below, with owners
	 * only that namespace maps, can be removed now too. */
	if (b->rootless && rootless_enter(b->rootless, err) < 0)
		return -1;
	stale_cleanup(out_dir);
	build_clean_stale_targets(b);
	autofree char *cache_tmp = cache_part_dir(b->cache_dir, CACHE_TMP);
	stale_cleanup_dir(cache_tmp);
	if (enter_private_mount_namespace(b, err) < 0)
		return -1;
	/* The marker that this run is alive, before anything it leaves. */
	b->owner_fd = stale_claim(b->work, err);
	if (b->owner_fd < 0)
		return -1;
	if (mkdir(b->work, 0755) < 0)
		return mkfr_fail(err, errno, "cannot create the work directory %s", b->work);
	b->work_created = true;
	if (build_make_target(b, err) < 0)
		return -1;

	log_info("building %s: %s/%s (%s) from %s", b->opts->profile_name,
		 profile_get(b->profile, "suite"), b->arch->name, profile_get(b->profile, "variant"),
		 profile_get(b->profile, "mirror"));
	return 0;
}

static void plan_undo(struct build *b)
{
	build_drop_target(b);
	if (b->work_created && !b->output_done) {
		struct mkfr_error err;
		umount_below(b->work);
		if (remove_tree(b->work, &err) < 0)
			log_warn("could not remove the work directory: %s", err.msg);
		b->work_created = false;
	}
	if (b->log_fd >= 0) {
		close(b->log_fd);
		b->log_fd = -1;
	}
	if (b->owner_fd >= 0) {
		stale_release(b->work, b->owner_fd);
		b->owner_fd = -1;
	}
}

const struct stage stage_plan = { "plan", plan_run, plan_undo };
