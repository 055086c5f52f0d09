/* SPDX-License-Identifier: MIT */
/* Reading debootstrap's output: a one-line progress display from its
 * "I: ..." lines, and a one-line failure reason from its "E: ..." line. */
#ifndef MKFR_DEBOOTSTRAP_PROGRESS_H
#define MKFR_DEBOOTSTRAP_PROGRESS_H

#include <time.h>

struct debootstrap_progress {
	const char *stage;   /* shown first, e.g. "foreign" */
	int retrieved, extracted, unpacked, configured;
	struct timespec start;
};

void debootstrap_progress_init(struct debootstrap_progress *p, const char *stage);
/* A spawn_line_fn: data is a struct debootstrap_progress. */
void debootstrap_progress_line(const char *line, void *data);

struct spawn_result;
struct mkfr_error;
/* Fail with one line for a failed debootstrap run: its own "E:" line when it
 * printed one, else its last line; the output's tail goes to stderr. */
int stage_report_debootstrap_failure(const char *what, const struct spawn_result *res,
				     struct mkfr_error *err);

#endif
