/* setup_qemu: make target binaries runnable.  Stage the static emulator at
 * TARGET/debootstrap/qemu/ and register one binfmt_misc entry of our own
 * whose interpreter is that path as seen inside the chroot; then really run
 * a target binary to prove it works.  Skipped when the kernel runs the
 * target's binaries itself (amd64; i386 where IA32 emulation is enabled). */
#include "binfmt.h"
#include "cleanup.h"
#include "log.h"
#include "pipeline.h"
#include "rootfs_fs.h"
#include "strv.h"
#include "target_exec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/* Does an enabled entry already on the host claim this binary?  Then a
 * successful exec proves nothing about native support. */
static bool host_entry_matches(const unsigned char *hdr, size_t len)
{
	if (!binfmt_is_mounted(BINFMT_DIR))
		return false;
	autostrv char **names = binfmt_list(BINFMT_DIR);
	for (size_t i = 0; names && names[i]; i++) {
		struct binfmt_info info;
		struct mkfr_error err;
		if (binfmt_read(BINFMT_DIR, names[i], &info, &err) == 0 &&
		    binfmt_info_matches(&info, hdr, len))
			return true;
	}
	return false;
}

int setup_qemu_register(struct build *b, struct mkfr_error *err)
{
	char line[BINFMT_MAX_LINE + 1];
	binfmt_build_name(b->binfmt_name, sizeof(b->binfmt_name), b->qemu->name, getpid());
	/* P: keep argv[0] (qemu >= 6 reads it from AT_FLAGS), so multi-call
	 * binaries dispatching on their name work.  No F: the interpreter path
	 * is looked up inside the chroot at exec time, where we staged it. */
	if (binfmt_build_line(line, sizeof(line), b->binfmt_name, b->qemu, b->emulator_in_target, "P",
			      err) < 0)
		return -1;
	if (binfmt_register(BINFMT_DIR, line, err) < 0)
		return -1;
	b->binfmt_registered = true;
	return 0;
}

static int setup_qemu_run(struct build *b, struct mkfr_error *err)
{
	const char *probe = target_exec_probe_path(b->work);
	unsigned char hdr[128];
	if (!probe)
		return mkfr_fail(err, ENOENT, "the first stage left no /usr/bin/true in %s", b->work);
	int hlen = target_exec_read_header(b->work, probe, hdr, sizeof(hdr));
	if (hlen < 20)
		return mkfr_fail(err, EIO, "cannot read %s%s", b->work, probe);

	if (!host_entry_matches(hdr, (size_t)hlen)) {
		struct mkfr_error ignored;
		if (target_exec_try(b->work, probe, &ignored) == 0) {
			b->native = true;
			log_info("setup_qemu: the kernel runs %s binaries natively; no emulation needed",
				 b->arch->name);
			return 0;
		}
	}
	if (!b->emulator)
		return mkfr_fail(err, ENOENT, "%s binaries need an emulator, and qemu-%s-static is not "
				 "in %s: install the Debian package qemu-user-static",
				 b->arch->name, b->qemu->name, profile_get(b->profile, "emulator_path"));

	autoclose int rootfd = rootfs_open(b->work, err);
	if (rootfd < 0 || rootfs_mkdir_p(rootfd, "/debootstrap/qemu", 0755, err) < 0 ||
	    rootfs_copy_in(rootfd, b->emulator, b->emulator_in_target, 0755, err) < 0)
		return -1;
	if (binfmt_ensure_mounted(BINFMT_DIR, &b->binfmt_mounted_by_us, err) < 0 ||
	    setup_qemu_register(b, err) < 0)
		return -1;
	if (target_exec_try(b->work, probe, err) < 0)
		return mkfr_error_prefix(err, "emulation does not work after registering %s",
					 b->binfmt_name);
	log_info("setup_qemu: %s staged at %s, binfmt_misc entry %s", b->emulator,
		 b->emulator_in_target, b->binfmt_name);
	return 0;
}

void setup_qemu_unregister(struct build *b)
{
	if (b->binfmt_registered) {
		struct mkfr_error err;
		if (binfmt_remove(BINFMT_DIR, b->binfmt_name, &err) < 0)
			log_warn("%s", err.msg);
		else
			b->binfmt_registered = false;
	}
}

static void setup_qemu_undo(struct build *b)
{
	setup_qemu_unregister(b);
	if (b->binfmt_mounted_by_us) {
		/* Only in our private mount namespace; tidy, not required. */
		umount2(BINFMT_DIR, MNT_DETACH);
		b->binfmt_mounted_by_us = false;
	}
}

const struct stage stage_setup_qemu = { "setup_qemu", setup_qemu_run, setup_qemu_undo };
