/* SPDX-License-Identifier: MIT */
#include "pipeline/pipeline.h"

#include "pipeline/stages.h"
#include "sys/signals.h"
#include "util/log.h"
#include "util/progress.h"

#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const struct stage *const stages[] = {
	&stage_plan,
	&stage_resolve,
	&stage_scratch,
	&stage_base_restore,
	&stage_setup,
	&stage_fetch,
	&stage_foreign,
	&stage_extract,
	&stage_setup_qemu,
	&stage_second,
	&stage_essential,
	&stage_snapshot,
	&stage_customize,
	&stage_cleanup,
	&stage_sysroot,
	&stage_inventory,
	&stage_output,
	&stage_sbom,
	&stage_manifest,
};

#define N_STAGES (sizeof(stages) / sizeof(stages[0]))

bool pipeline_has_stage(const char *name)
{
	for (size_t i = 0; i < N_STAGES; i++)
		if (strcmp(stages[i]->name, name) == 0)
			return true;
	return false;
}

const char *pipeline_stage_names(void)
{
	static char names[512];
	if (!names[0]) {
		size_t n = 0;
		for (size_t i = 0; i < N_STAGES && n < sizeof(names); i++)
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
					      stages[i]->name);
	}
	return names;
}

/* For the fault-injection tests only (tests/e2e/fault-matrix.sh): with
 * MKFR_TEST_PAUSE_BEFORE=STAGE the build says so and waits at that stage
 * boundary until a signal arrives (at most a minute), so a test can
 * interrupt it exactly there. */
static void test_pause_before(const char *stage)
{
	const char *at = getenv("MKFR_TEST_PAUSE_BEFORE");
	if (!at || strcmp(at, stage) != 0)
		return;
	log_info("test: paused before %s", stage);
	for (int i = 0; i < 600 && !signals_pending(); i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* Our peak resident memory: ours alone (RUSAGE_SELF, every thread);
 * debootstrap, dpkg and the emulator are children, not counted. */
static double peak_mib(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss / 1024.0 : 0;
}

int pipeline_run(struct build *b, struct mkfr_error *err)
{
	const struct stage *undo_stack[N_STAGES];
	size_t depth = 0;
	int r = 0;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);

	for (size_t i = 0; i < N_STAGES; i++) {
		const struct stage *s = stages[i];
		test_pause_before(s->name);
		if (signals_pending()) {
			r = mkfr_fail(err, 0, "interrupted by %s", strsignal(signals_pending()));
			break;
		}
		if (s->undo)
			undo_stack[depth++] = s;
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		progress_set_stage(s->name);
		progress_json_event("start", NULL, PROGRESS_NONE, PROGRESS_NONE, PROGRESS_NONE, PROGRESS_NONE);
		r = s->run(b, err);
		progress_json_event(r < 0 ? "failed" : "done", NULL, PROGRESS_NONE, PROGRESS_NONE,
				    PROGRESS_NONE, PROGRESS_NONE);
		if (r < 0) {
			mkfr_error_prefix(err, "%s", s->name);
			break;
		}
		if (r > 0) /* the stage says the build is complete (--dry-run) */
			break;
		log_verbose("stage %s done in %.1f s (peak memory so far %.1f MiB)", s->name,
			    log_seconds_since(&t0), peak_mib());
		if (b->opts->stop_after && strcmp(b->opts->stop_after, s->name) == 0) {
			log_info("stopped after %s in %.1f s, as asked (--stop-after): nothing is kept",
				 s->name, log_seconds_since(&start));
			r = 1;
			break;
		}
	}

	/* Every stage ran: what the build made is kept.  Anything else (a
	 * failure, a signal, --stop-after) is undone entirely. */
	b->completed = r == 0;
	if (r < 0 && signals_pending())
		log_info("interrupted: cleaning up (this takes a few seconds)");
	/* Unwind in reverse.  A second Ctrl-C must not cut this short: the
	 * handler only records it. */
	struct timespec undo_start;
	clock_gettime(CLOCK_MONOTONIC, &undo_start);
	while (depth > 0)
		undo_stack[--depth]->undo(b);
	log_verbose("undo (mounts, emulator, work tree) done in %.1f s", log_seconds_since(&undo_start));
	/* scripts/bench reads this. */
	log_verbose("peak memory of mkforeignroot: %.1f MiB", peak_mib());

	if (r < 0) {
		if (signals_pending())
			err->exit_code = 128 + signals_pending();
		return -1;
	}
	if (!b->opts->dry_run && r == 0)
		log_info("done in %.0f s: %s", log_seconds_since(&start), b->out);
	return 0;
}
