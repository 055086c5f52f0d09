/* SPDX-License-Identifier: MIT */
/* second: debootstrap's second stage (unpack and configure every package),
 * under emulation.
 *
 * It runs the host's own debootstrap script with DEBOOTSTRAP_DIR pointing at
 * the target's copy of the scripts, so debootstrap's shell logic runs
 * natively and only the target's dpkg and maintainer scripts are emulated
 * (measured on armel minbase: 85 s against 92 s when the whole script runs
 * emulated inside the chroot).  --keep-debootstrap-dir: without it
 * debootstrap deletes /debootstrap, our staged emulator with it, and can then
 * no longer run the target's readlink it uses to unmount /proc.
 *
 * It runs in a private mount and PID namespace (with binfmt=private also a
 * user namespace, see emulation.h): the /proc and /sys mounted for it in
 * the target vanish with it, and no process of it survives an interrupt. */
#include "pipeline/debootstrap_progress.h"
#include "pipeline/native_unpack.h"
#include "pipeline/stages.h"
#include "sys/chroot_mounts.h"
#include "sys/rootfs_fs.h"
#include "sys/spawn.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <stdbool.h>
#include <stdlib.h>

char **stage_second_argv(const struct build *b)
{
	char **argv = strv_new();
	strv_push(&argv, b->debootstrap ? b->debootstrap : "debootstrap");
	strv_push(&argv, "--second-stage");
	strv_pushf(&argv, "--second-stage-target=%s", b->target);
	strv_push(&argv, "--keep-debootstrap-dir");
	return argv;
}

char **stage_second_env(const struct build *b)
{
	char **env = strv_new();
	strv_pushf(&env, "DEBOOTSTRAP_DIR=%s/debootstrap", b->target);
	/* In a user namespace mknod fails, and debootstrap tests the target for
	 * nodev by creating a device node, unless it believes it runs in an LXC
	 * container (exactly what an unprivileged LXC container is: a user
	 * namespace).  The first stage, run as the host's root, already made
	 * the device nodes and passed that test on the same filesystem; a
	 * rootless build's could make none (stage_foreign.c). */
	if (b->rootless || (b->emu.binfmt == BINFMT_MODE_PRIVATE && !b->emu.native))
		strv_push(&env, "container=lxc");
	/* Maintainer scripts that write dates (shadow's last-change field)
	 * honour SOURCE_DATE_EPOCH; one from the environment is passed on by
	 * spawn already, the Release date (reproducible=yes) is set here. */
	if (b->reproducible && !b->epoch_from_env && b->source_date_epoch)
		strv_pushf(&env, "SOURCE_DATE_EPOCH=%lld", (long long)b->source_date_epoch);
	return env;
}

/* Where debootstrap believes it runs in docker (it finds /.dockerenv, as on
 * our CI machine) its first stage leaves /proc as a symlink to /proc, and
 * its second stage turns that into a directory (mkdir: 0755, the mode
 * base-files gives /proc everywhere else) before mounting proc there.  We
 * mount /proc for it (a user namespace may not: see chroot_mounts.h), so
 * we do that first, the same way. */
static int make_proc_dir(struct build *b, struct mkfr_error *err)
{
	autoclose int rootfd = rootfs_open(b->work, err);
	if (rootfd < 0)
		return -1;
	if (!rootfs_is_symlink(rootfd, "/proc"))
		return 0;
	if (rootfs_remove(rootfd, "/proc", err) < 0 || rootfs_mkdir_p(rootfd, "/proc", 0755, err) < 0)
		return -1;
	return 0;
}

/* dpkg fsyncs every file it unpacks, thousands of waits for the disk in
 * a rootfs that is only useful once complete: a build that dies is redone,
 * never recovered.  So the second stage's dpkg runs with force-unsafe-io
 * and the output stage syncs the result once (mmdebstrap offers the same
 * trade only as an opt-in eatmydata hook).
 * The option file is removed again afterwards: the user's dpkg keeps
 * its default. */
#define UNSAFE_IO_CONF "/etc/dpkg/dpkg.cfg.d/mkforeignroot-unsafe-io"

static int dpkg_unsafe_io(struct build *b, bool on, struct mkfr_error *err)
{
	static const char conf[] = "# added by mkforeignroot for the second stage; removed after\n"
				   "force-unsafe-io\n";
	autoclose int rootfd = rootfs_open(b->work, err);
	if (rootfd < 0)
		return -1;
	if (!on)
		return rootfs_remove(rootfd, UNSAFE_IO_CONF, err);
	if (rootfs_mkdir_p(rootfd, "/etc/dpkg/dpkg.cfg.d", 0755, err) < 0)
		return -1;
	return rootfs_write_file(rootfd, UNSAFE_IO_CONF, conf, sizeof(conf) - 1, 0644, err);
}

static int second_run(struct build *b, struct mkfr_error *err)
{
	if (b->base_hit) {
		log_info("second: nothing to do: the configured base came from the base cache");
		return 0;
	}
	if (build_block_services(b, err) < 0 || make_proc_dir(b, err) < 0 ||
	    emulation_recheck(&b->emu, err) < 0)
		return -1;

	autostrv char **argv = stage_second_argv(b);
	autostrv char **env = stage_second_env(b);
	struct debootstrap_progress progress;
	struct spawn_result res;
	debootstrap_progress_init(&progress, "second");
	/* Rootless, the rootfs has no device nodes (stage_foreign.c): the
	 * second stage gets a /dev of the host's, as the hooks do. */
	struct chroot_mounts mounts = { .root = b->target, .proc_sys = true, .dev = b->rootless != NULL };
	struct spawn_opts o = {
		.argv = argv,
		.env_extra = env,
		.setup = chroot_mounts_setup,
		.setup_data = &mounts,
		.on_line = debootstrap_progress_line,
		.line_data = &progress,
		.log_fd = b->log_fd,
	};
	emulation_spawn_opts(&b->emu, &o);
	if (native_unpack_decide(b, err) < 0)
		return -1;
	log_info("second: debootstrap --second-stage (configure under %s%s)",
		 b->emu.native ? "the host kernel" : "emulation",
		 b->unpack_native ? ", the host's dpkg unpacking" : "");
	if (spawn_require_shell_safe(argv, env, err) < 0 || dpkg_unsafe_io(b, true, err) < 0 ||
	    native_unpack_stage(b, err) < 0)
		return -1;
	if (spawn_run(&o, &res, err) < 0)
		return -1;
	log_status_clear();
	if (res.status != 0)
		return stage_report_debootstrap_failure("debootstrap --second-stage", &res, err);
	if (dpkg_unsafe_io(b, false, err) < 0 || native_unpack_unstage(b, err) < 0)
		return -1;
	log_info("second: %d packages configured", progress.configured);
	return 0;
}

const struct stage stage_second = { "second", second_run, NULL };
