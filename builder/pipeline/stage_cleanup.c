/* SPDX-License-Identifier: MIT */
/* cleanup: run the hooks (shipped ones, then the profile's) while emulation
 * still works, then remove everything the build put into the target: the
 * staged emulator and /debootstrap, policy-rc.d if we added it, our binfmt
 * entry, and any mount left below the target. */
#include "pipeline/stages.h"
#include "sys/chroot_mounts.h"
#include "sys/mounts.h"
#include "sys/rootfs_fs.h"
#include "sys/spawn.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

static char **hook_environment(const struct build *b)
{
	char **env = strv_new();
	strv_pushf(&env, "MKFR_TARGET=%s", b->target);
	strv_pushf(&env, "MKFR_PROFILE=%s", b->opts->profile_name);
	strv_pushf(&env, "MKFR_ARCH=%s", b->arch->name);
	strv_pushf(&env, "MKFR_SUITE=%s", profile_get(b->profile, "suite"));
	strv_pushf(&env, "MKFR_MIRROR=%s", profile_get(b->profile, "mirror"));
	strv_pushf(&env, "MKFR_HOSTNAME=%s", profile_get(b->profile, "hostname"));
	strv_pushf(&env, "MKFR_CHECK_VALID_UNTIL=%s", profile_get(b->profile, "check_valid_until"));
	/* binfmt=global only: the host entry this build registered. */
	strv_pushf(&env, "MKFR_BINFMT_ENTRY=%s", b->emu.global_registered ? b->emu.binfmt_name : "");
	/* The normalising hooks (logs, caches, machine-id) act only when the
	 * output is to be reproducible: otherwise those files are the user's. */
	strv_pushf(&env, "MKFR_REPRODUCIBLE=%s", b->reproducible ? "yes" : "no");
	if (b->reproducible && !b->epoch_from_env)
		strv_pushf(&env, "SOURCE_DATE_EPOCH=%lld", (long long)b->source_date_epoch);
	return env;
}

static void hook_line(const char *line, void *data)
{
	log_info("  %s: %s", (const char *)data, line);
}

static int run_hooks(struct build *b, struct mkfr_error *err)
{
	/* debootstrap removed its policy-rc.d: hooks that install packages
	 * must not start services either. */
	if (build_block_services(b, err) < 0)
		return -1;
	autostrv char **env = hook_environment(b);
	/* A rootless build's rootfs has no device nodes (stage_foreign.c):
	 * its hooks get a /dev of the host's below $1, as its second stage
	 * does, so that `chroot "$1" cmd >/dev/null` finds /dev/null there. */
	struct chroot_mounts dev = { .root = b->target, .dev = true };
	for (size_t i = 0; b->hooks[i]; i++) {
		autofree char *copy = xstrdup(b->hooks[i]);
		const char *name = basename(copy);
		char *argv[] = { b->hooks[i], b->target, NULL };
		struct spawn_result res;
		struct spawn_opts o = {
			.argv = argv,
			.env_extra = env,
			.on_line = hook_line,
			.line_data = (void *)name,
			.log_fd = b->log_fd,
			.setup = b->rootless ? chroot_mounts_setup : NULL,
			.setup_data = &dev,
		};
		/* Hooks chroot into the target: they run as emulated steps do. */
		emulation_spawn_opts(&b->emu, &o);
		if (emulation_recheck(&b->emu, err) < 0)
			return -1;
		log_verbose("hook %s", b->hooks[i]);
		if (spawn_run(&o, &res, err) < 0)
			return mkfr_error_prefix(err, "hook %s", b->hooks[i]);
		if (res.status != 0)
			return mkfr_fail(err, 0, "hook %s failed (exit %d)%s%s", b->hooks[i], res.status,
					 res.tail_count ? ": " : "",
					 res.tail_count ? res.tail[res.tail_count - 1] : "");
	}
	return 0;
}

static int cleanup_run(struct build *b, struct mkfr_error *err)
{
	if (run_hooks(b, err) < 0)
		return -1;

	/* Inside only: WORK itself may be the tmpfs it is built in. */
	int n = umount_inside(b->work);
	if (n > 0)
		log_warn("unmounted %d filesystem(s) left below the target", n);
	/* No child is started in the target after this stage. */
	build_drop_target(b);
	emulation_unregister(&b->emu);
	if (b->emu.global_registered)
		return mkfr_fail(err, 0, "could not remove binfmt_misc entry %s", b->emu.binfmt_name);

	autoclose int rootfd = rootfs_open(b->work, err);
	if (rootfd < 0)
		return -1;
	if (b->policy_rc_added) {
		if (rootfs_remove(rootfd, "/usr/sbin/policy-rc.d", err) < 0)
			return -1;
		b->policy_rc_added = false;
	}
	if (rootfs_remove(rootfd, "/debootstrap", err) < 0)
		return -1;
	log_info("cleanup: %zu hook(s) run; emulator, /debootstrap and policy-rc.d removed",
		 strv_length(b->hooks));
	return 0;
}

const struct stage stage_cleanup = { "cleanup", cleanup_run, NULL };
