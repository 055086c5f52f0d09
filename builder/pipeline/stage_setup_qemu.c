/* SPDX-License-Identifier: MIT */
/* setup_qemu: make target programs runnable for the rest of the build.
 * Stage the emulator under TARGET/debootstrap/qemu/ as the profile's qemu
 * mode says, register our binfmt_misc entry (in the host's binfmt_misc only
 * with binfmt=global; with binfmt=private every emulated step registers it
 * in a user namespace of its own), then really run the target's
 * /usr/bin/true to prove it works.  Nothing is staged when the kernel runs
 * the target's programs itself (amd64; i386 where IA32 emulation is on). */
#include "emu/emulation.h"
#include "emu/target_exec.h"
#include "pipeline/stages.h"
#include "util/alloc.h"
#include "util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define STAGE_DIR "/debootstrap/qemu"

static int setup_qemu_run(struct build *b, struct mkfr_error *err)
{
	const char *probe = target_exec_probe_path(b->work);
	if (!probe)
		return mkfr_fail(err, ENOENT, "the first stage left no /usr/bin/true in %s", b->work);
	b->emu.root = xstrdup(b->target);
	b->emu.stage_dir = xstrdup(STAGE_DIR);
	if (emulation_setup(&b->emu, probe, err) < 0)
		return -1;
	char what[512];
	emulation_describe(&b->emu, what, sizeof(what));
	log_info("setup_qemu: %s", what);
	return 0;
}

static void setup_qemu_undo(struct build *b)
{
	emulation_unregister(&b->emu);
}

const struct stage stage_setup_qemu = { "setup_qemu", setup_qemu_run, setup_qemu_undo };
