/* SPDX-License-Identifier: MIT */
/* setup, extract, essential, customize: the hook phases that are stages
 * of their own (pipeline/hooks.h says what each sees); cleanup's hooks run
 * in the cleanup stage.  setup's undo, the first of them on the stack and
 * so the last to run, removes what copy-out hooks of any phase wrote to
 * the host when the build did not complete. */
#include "pipeline/hooks.h"
#include "pipeline/stages.h"

static int setup_run(struct build *b, struct mkfr_error *err)
{
	return hooks_run(b, HOOK_SETUP, err);
}

static int extract_run(struct build *b, struct mkfr_error *err)
{
	return hooks_run(b, HOOK_EXTRACT, err);
}

static int essential_run(struct build *b, struct mkfr_error *err)
{
	return hooks_run(b, HOOK_ESSENTIAL, err);
}

/* debootstrap's --include installed the extra packages in the second
 * stage: this is after them. */
static int customize_run(struct build *b, struct mkfr_error *err)
{
	return hooks_run(b, HOOK_CUSTOMIZE, err);
}

const struct stage stage_setup = { "setup", setup_run, hooks_undo_copied_out };
const struct stage stage_extract = { "extract", extract_run, NULL };
const struct stage stage_essential = { "essential", essential_run, NULL };
const struct stage stage_customize = { "customize", customize_run, NULL };
