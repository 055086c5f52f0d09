/* SPDX-License-Identifier: MIT */
#include "pipeline/debootstrap_progress.h"

#include "sys/spawn.h"
#include "util/error.h"
#include "util/log.h"
#include "util/progress.h"

#include <stdio.h>
#include <string.h>

void debootstrap_progress_init(struct debootstrap_progress *p, const char *stage)
{
	memset(p, 0, sizeof(*p));
	p->stage = stage;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
}

/* "I: Configuring libc6:armel..." -> "libc6" */
static void package_of(const char *s, char *out, size_t outlen)
{
	size_t n = strcspn(s, " :.");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

void debootstrap_progress_line(const char *line, void *data)
{
	struct debootstrap_progress *p = data;
	struct timespec now;
	char pkg[64] = "";
	const char *what = NULL;
	int count = 0;

	log_verbose("  %s", line);
	if (strncmp(line, "I: Retrieving ", 14) == 0) {
		package_of(line + 14, pkg, sizeof(pkg));
		what = "retrieving";
		count = ++p->retrieved;
	} else if (strncmp(line, "I: Extracting ", 14) == 0) {
		package_of(line + 14, pkg, sizeof(pkg));
		what = "extracting";
		count = ++p->extracted;
	} else if (strncmp(line, "I: Unpacking ", 13) == 0) {
		package_of(line + 13, pkg, sizeof(pkg));
		what = "unpacking";
		count = ++p->unpacked;
	} else if (strncmp(line, "I: Configuring ", 15) == 0) {
		package_of(line + 15, pkg, sizeof(pkg));
		what = "configuring";
		count = ++p->configured;
	} else {
		return;
	}
	progress_json_event(what, pkg, count, PROGRESS_NONE, PROGRESS_NONE, PROGRESS_NONE);
	clock_gettime(CLOCK_MONOTONIC, &now);
	long secs = now.tv_sec - p->start.tv_sec;
	log_status("%s: %s %s (%d done, %ld:%02ld)", p->stage, what, pkg, count, secs / 60, secs % 60);
}

/* One line for a failed debootstrap: its own "E:" line when it printed one. */
int stage_report_debootstrap_failure(const char *what, const struct spawn_result *res,
				     struct mkfr_error *err)
{
	log_status_clear();
	spawn_print_tail(res, what);
	if (res->error_line[0])
		return mkfr_fail(err, 0, "%s failed (exit %d): %s", what, res->status, res->error_line);
	return mkfr_fail(err, 0, "%s failed (exit %d): %s", what, res->status,
			 res->tail_count ? res->tail[res->tail_count - 1] : "no output");
}
