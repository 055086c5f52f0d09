/* SPDX-License-Identifier: MIT */
/* Messages for the user, on stderr.
 *
 * Normal messages are single lines prefixed "mkforeignroot: ".  On a terminal
 * a long-running stage may keep one status line that is redrawn in place
 * (log_status); any other message first clears it, so the two never mix.
 * Off a terminal (CI logs) status lines are printed at most every few seconds
 * as ordinary lines, so a log shows progress without flooding. */
#ifndef MKFR_LOG_H
#define MKFR_LOG_H

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2 };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* One line, "mkforeignroot: " then `tag` (may be NULL) then the message,
 * when the level is at least `min`.  Call it through the four below. */
void log_message(enum log_level min, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define log_info(...) log_message(LOG_NORMAL, NULL, __VA_ARGS__)
#define log_verbose(...) log_message(LOG_VERBOSE, NULL, __VA_ARGS__)
/* Warnings and errors are printed at every level, --quiet included. */
#define log_warn(...) log_message(LOG_QUIET, "warning: ", __VA_ARGS__)
#define log_error(...) log_message(LOG_QUIET, "error: ", __VA_ARGS__)
/* Redraw the status line (terminal) or print it when enough time passed. */
void log_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Remove the status line, if one is shown. */
void log_status_clear(void);

/* Seconds of CLOCK_MONOTONIC since *t0, for messages that say how long
 * something took. */
struct timespec;
double log_seconds_since(const struct timespec *t0);

#endif
