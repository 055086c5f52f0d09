/* SPDX-License-Identifier: MIT */
#include "pipeline/host_check.h"

#include "emu/exec_probe.h"
#include "sys/binfmt.h"
#include "sys/rootless.h"
#include "sys/spawn.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define SYSTEM_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int host_check_root(struct mkfr_error *err)
{
	if (geteuid() != 0)
		return mkfr_fail(err, EPERM, "building a rootfs needs root (device nodes, chroot, "
				 "binfmt_misc): run as root");
	return 0;
}

int host_check_privileges(struct build *b, struct mkfr_error *err)
{
	if (!rootless_needed())
		return 0;
	b->rootless = xcalloc(1, sizeof(*b->rootless));
	return rootless_prepare(b->rootless, err);
}

int host_check_debootstrap(struct build *b, struct mkfr_error *err)
{
	b->debootstrap = spawn_find_program("debootstrap", SYSTEM_PATH);
	if (!b->debootstrap)
		return mkfr_fail(err, ENOENT, "debootstrap not found in %s: install the Debian package "
				 "debootstrap", SYSTEM_PATH);
	const char *suite = profile_get(b->profile, "suite");
	autofree char *script = xasprintf("/usr/share/debootstrap/scripts/%s", suite);
	if (access(script, R_OK) != 0)
		return mkfr_fail(err, 0, "%s: key 'suite': this debootstrap has no script for '%s' "
				 "(%s missing): update debootstrap or use a known suite",
				 profile_origin(b->profile, "suite"), suite, script);
	return 0;
}

static void plan_mirror_fallback(struct build *b)
{
	b->emu_mirror = (struct emulator_request){
		.mirror = profile_get(b->profile, "mirror"),
		.suite = profile_get(b->profile, "suite"),
		.keyring = b->keyring_path,
		.check_valid_until = profile_get_bool(b->profile, "check_valid_until"),
		.cache_dir = b->cache_dir,
		.offline = b->opts->offline,
		.proxy = profile_get(b->profile, "proxy"),
	};
	b->emu.mirror = &b->emu_mirror;
}

int host_check_emulator(struct build *b, struct mkfr_error *err)
{
	const char *source = profile_get(b->profile, "emulator_source");
	/* The host's own entry (a rootless build on an older kernel) names
	 * the emulator: plan found it already. */
	if (b->emu.binfmt == BINFMT_MODE_HOST)
		return 0;
	/* The kernel's own answer (emu/exec_probe.h): amd64, and i386 while
	 * IA32 emulation is on, need no emulator. */
	if (exec_probe_native(b->arch) == EXEC_NATIVE_YES)
		return 0;
	if (!b->qemu)
		return mkfr_fail(err, 0, "%s: key 'arch': no qemu-user emulator can run %s",
				 profile_origin(b->profile, "arch"), b->arch->name);
	if (strcmp(source, "host") != 0) {
		if (b->emu.mode == QEMU_MODE_DYNAMIC && strcmp(source, "mirror") == 0)
			return mkfr_fail_usage(err, "%s: key 'emulator_source': the mirror provides the "
					       "static emulator only; qemu=dynamic uses the host's qemu-user",
					       profile_origin(b->profile, "emulator_source"));
		if (b->emu.mode != QEMU_MODE_DYNAMIC)
			plan_mirror_fallback(b);
		if (strcmp(source, "mirror") == 0)
			return 0; /* fetched by setup_qemu */
	}
	autofree char *prog = emulation_emulator_program(b->qemu, b->emu.mode);
	const char *path = profile_get(b->profile, "emulator_path");
	b->emu.emulator = spawn_find_program(prog, path);
	if (b->emu.emulator || b->emu.mirror)
		return 0;
	return mkfr_fail(err, ENOENT, "no emulator for %s: %s not found in %s: install the Debian "
			 "package %s (apt-get install %s)%s", b->arch->name, prog, path,
			 b->emu.mode == QEMU_MODE_DYNAMIC ? "qemu-user" : "qemu-user-static",
			 b->emu.mode == QEMU_MODE_DYNAMIC ? "qemu-user" : "qemu-user-static",
			 b->emu.mode == QEMU_MODE_DYNAMIC ? "" : ", or set emulator_source=auto");
}

int host_check_binfmt_misc(struct mkfr_error *err)
{
	if (binfmt_is_mounted(BINFMT_DIR))
		return 0;
	autofclose FILE *f = fopen("/proc/filesystems", "re");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "\tbinfmt_misc"))
			return 0;
	return mkfr_fail(err, ENODEV, "binfmt_misc is not available: load the module "
			 "(modprobe binfmt_misc)");
}

int host_check_out_filesystem(const char *out_dir, bool device_nodes, struct mkfr_error *err)
{
	struct statvfs sv;
	if (statvfs(out_dir, &sv) < 0)
		return mkfr_fail(err, errno, "cannot inspect the filesystem of %s", out_dir);
	if (sv.f_flag & ST_RDONLY)
		return mkfr_fail(err, EROFS, "%s is on a read-only filesystem", out_dir);
	if (device_nodes && (sv.f_flag & ST_NODEV))
		return mkfr_fail(err, 0, "%s is on a filesystem mounted nodev: the rootfs's device "
				 "nodes would not work; build on another filesystem or remount it without nodev",
				 out_dir);
	if (sv.f_flag & ST_NOEXEC)
		return mkfr_fail(err, 0, "%s is on a filesystem mounted noexec: the rootfs's programs "
				 "cannot run there during the build; build on another filesystem or remount "
				 "it without noexec", out_dir);
	return 0;
}
