/* SPDX-License-Identifier: MIT */
/* The build state: its one setup and its one release, and what several
 * stages share (blocking services in the target). */
#include "pipeline/build.h"

#include "archive/dpkg_status.h"
#include "pipeline/hooks.h"
#include "sys/mounts.h"
#include "sys/rootfs_fs.h"
#include "sys/stale.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define POLICY_RC_D "/usr/sbin/policy-rc.d"
/* Where the target alias lives: root's own runtime directory, which
 * nobody else can write to (tmpfs on Debian: nothing is left on disk). */
#define TARGET_BASE "/run"
/* Without root /run is not ours to write: /tmp, where the sticky bit keeps
 * others from removing or renaming what we make, and our alias directory
 * is ours alone (0700). */
#define ROOTLESS_TARGET_BASE "/tmp"

static const char *target_base(const struct build *b)
{
	return b->rootless ? ROOTLESS_TARGET_BASE : TARGET_BASE;
}

void build_init(struct build *b, const struct build_options *opts)
{
	*b = (struct build){
		.opts = opts,
		.log_fd = -1,
		.cache_use_fd = -1,
		.owner_fd = -1,
	};
}

static void resolved_free(struct build_resolved *r)
{
	release_file_free(&r->release);
	strv_free(r->components);
	for (size_t i = 0; i < r->deb_count; i++)
		deb_package_free(&r->debs[i]);
	free(r->debs);
	*r = (struct build_resolved){ 0 };
}

void build_free(struct build *b)
{
	profile_free(b->profile);
	if (b->rootless)
		rootless_free(b->rootless);
	free(b->rootless);
	free(b->out);
	free(b->work);
	free(b->target_dir);
	free(b->target);
	free(b->empty_tarball);
	free(b->out_part);
	free(b->oci_layout);
	free(b->image_tool);
	free(b->sbom_spdx_path);
	free(b->sbom_cdx_path);
	free(b->debootstrap);
	free(b->keyring_path);
	free(b->cache_dir);
	hooks_free(b);
	strv_free(b->copied_out);
	emulation_free(&b->emu);
	free(b->fetch_dir);
	free(b->signed_dir);
	resolved_free(&b->resolved);
	base_cache_key_free(&b->base_key);
	free(b->toolchain_cmake);
	free(b->pkg_config_wrapper);
	dpkg_status_free(b->installed, b->installed_count);
	free(b->emulator_version);
	free(b->manifest_path);
	if (b->log_fd >= 0)
		close(b->log_fd);
	if (b->cache_use_fd >= 0)
		close(b->cache_use_fd);
	build_init(b, b->opts);
}

void build_name_target(struct build *b)
{
	autofree char *name = stale_work_name("target", getpid());
	b->target_dir = path_join(target_base(b), name);
	b->target = path_join(b->target_dir, "root");
	b->empty_tarball = path_join(b->target_dir, "empty.tar");
}

int build_make_target(struct build *b, struct mkfr_error *err)
{
	struct stat st;
	const char *base = target_base(b);
	bool safe = lstat(base, &st) == 0 && S_ISDIR(st.st_mode) &&
		    (b->rootless ? (st.st_mode & S_ISVTX) != 0 : st.st_uid == 0 && !(st.st_mode & 0022));
	if (!safe)
		return mkfr_fail(err, 0, "%s is not a directory %s: the build needs one to name its "
				 "target safely", base, b->rootless ? "with the sticky bit"
								    : "that only root can write to");
	/* A name of ours in a directory only root writes: nobody can have
	 * planted it (a dead run's leftover was removed by stale_cleanup).
	 * In /tmp anyone could have: mkdir then fails, and nothing of theirs
	 * is used. */
	if (mkdir(b->target_dir, 0700) < 0)
		return mkfr_fail(err, errno, "cannot create %s", b->target_dir);
	b->target_dir_created = true;
	if (mkdir(b->target, 0755) < 0)
		return mkfr_fail(err, errno, "cannot create %s", b->target);
	if (mount(b->work, b->target, NULL, MS_BIND, NULL) < 0)
		return mkfr_fail(err, errno, "cannot bind %s to %s", b->work, b->target);
	b->target_mounted = true;
	return 0;
}

void build_drop_target(struct build *b)
{
	if (b->target_mounted) {
		/* The alias itself, and anything a stage left below it. */
		umount_below(b->target);
		b->target_mounted = false;
	}
	if (b->target_dir_created) {
		struct mkfr_error err;
		if (remove_tree(b->target_dir, &err) < 0)
			log_warn("could not remove %s: %s", b->target_dir, err.msg);
		b->target_dir_created = false;
	}
}

void build_clean_stale_targets(const struct build *b)
{
	stale_cleanup_dir(target_base(b));
}

int build_block_services(struct build *b, struct mkfr_error *err)
{
	static const char script[] = "#!/bin/sh\n# added by mkforeignroot for the build; removed after\nexit 101\n";
	autoclose int rootfd = rootfs_open(b->work, err);
	if (rootfd < 0)
		return -1;
	if (rootfs_exists(rootfd, POLICY_RC_D))
		return 0;
	if (rootfs_write_file(rootfd, POLICY_RC_D, script, sizeof(script) - 1, 0755, err) < 0)
		return -1;
	b->policy_rc_added = true;
	return 0;
}
