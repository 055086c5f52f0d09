/* SPDX-License-Identifier: MIT */
/* The build pipeline: an ordered table of stages (pipeline.c).  A stage is
 * a name, a run function and an undo function.  Before a stage runs, its
 * undo is pushed onto one stack; after the last stage, or at the first
 * failure or signal, the stack is unwound in reverse, so each undo sees
 * exactly the stages that started.  Undo functions are idempotent and look
 * at `struct build` to see what there is to undo (a stage may have failed
 * half way).  Adding a stage is adding a row. */
#ifndef MKFR_PIPELINE_H
#define MKFR_PIPELINE_H

#include "pipeline/build.h"
#include "util/error.h"

struct stage {
	const char *name;
	int (*run)(struct build *b, struct mkfr_error *err);
	void (*undo)(struct build *b);
};

/* Is there a stage of that name (for --stop-after)? */
bool pipeline_has_stage(const char *name);
/* The stage names in order, comma-separated (for messages and completion). */
const char *pipeline_stage_names(void);

/* Run the whole pipeline; returns 0 or -1 with *err (exit code in it). */
int pipeline_run(struct build *b, struct mkfr_error *err);

#endif
