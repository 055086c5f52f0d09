/* SPDX-License-Identifier: MIT */
#include "pipeline/debootstrap_progress.h"

#include "sys/spawn.h"
#include "util/error.h"
#include "util/log.h"
#include "util/progress.h"

#include <stddef.h>
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

/* debootstrap's "I: <Verb> <package>..." lines, what each means in our
 * progress, and where it is counted. */
static const struct {
	const char *prefix;
	const char *what;
	size_t counter; /* offset of an int in struct debootstrap_progress */
} steps[] = {
	{ "I: Retrieving ", "retrieving", offsetof(struct debootstrap_progress, retrieved) },
	{ "I: Extracting ", "extracting", offsetof(struct debootstrap_progress, extracted) },
	{ "I: Unpacking ", "unpacking", offsetof(struct debootstrap_progress, unpacked) },
	{ "I: Configuring ", "configuring", offsetof(struct debootstrap_progress, configured) },
};

void debootstrap_progress_line(const char *line, void *data)
{
	struct debootstrap_progress *p = data;
	struct timespec now;
	char pkg[64] = "";
	const char *what = NULL;
	int count = 0;

	log_verbose("  %s", line);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && !what; i++) {
		size_t len = strlen(steps[i].prefix);
		if (strncmp(line, steps[i].prefix, len) != 0)
			continue;
		package_of(line + len, pkg, sizeof(pkg));
		what = steps[i].what;
		count = ++*(int *)((char *)p + steps[i].counter);
	}
	if (!what)
		return;
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
