/* SPDX-License-Identifier: MIT */
/* cleanup: run the cleanup hooks (pipeline/hooks.h) while emulation
 * still works, then remove everything the build put into the target: the
 * staged emulator and /debootstrap, policy-rc.d if we added it, our binfmt
 * entry, and any mount left below the target. */
#include "pipeline/hooks.h"
#include "pipeline/stages.h"
#include "sys/mounts.h"
#include "sys/rootfs_fs.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

static int cleanup_run(struct build *b, struct mkfr_error *err)
{
	/* debootstrap removed its policy-rc.d: hooks_run puts ours back
	 * for the hooks. */
	if (hooks_run(b, HOOK_CLEANUP, err) < 0)
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
		 b->hook_count[HOOK_CLEANUP]);
	return 0;
}

const struct stage stage_cleanup = { "cleanup", cleanup_run, NULL };
