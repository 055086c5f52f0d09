/* SPDX-License-Identifier: MIT */
/* --progress=json: the build's progress for machines, one JSON object a
 * line on a file descriptor (stderr, or the --progress-fd the caller
 * opened for us), so an image factory can show or record it without
 * scraping the status line:
 *
 *   {"stage":"fetch","event":"progress","package":null,"done":12,
 *    "total":92,"bytes":5242880,"bytes_total":32452408,"elapsed":3.42}
 *
 * Every key is always there; one that does not apply is null.  stage: the
 * pipeline stage running; event: "start", "done" or "failed" of a stage,
 * "progress" of a download (done/total files, bytes/bytes_total), or what
 * debootstrap does to `package` ("retrieving", "extracting", "unpacking",
 * "configuring"; done: how many so far); elapsed: seconds since the build
 * started.  Each line is one write(2), so lines never interleave.
 * Progress is never worth failing a build for: a write that fails turns
 * it off with one warning. */
#ifndef MKFR_PROGRESS_H
#define MKFR_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

/* Turn JSON progress on, to fd; the clock starts now. */
void progress_json_start(int fd);
bool progress_json_enabled(void);
/* Is it going to stderr (where it replaces the human status line)? */
bool progress_json_on_stderr(void);
/* The stage the following events belong to (the pipeline sets it). */
void progress_set_stage(const char *stage);

#define PROGRESS_NONE (-1)
/* One line; package may be NULL, any number PROGRESS_NONE (null). */
void progress_json_event(const char *event, const char *package, int64_t done, int64_t total,
			 int64_t bytes, int64_t bytes_total);

#endif
