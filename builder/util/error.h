/* SPDX-License-Identifier: MIT */
/* The error convention (written down once, as crun does).
 *
 * A library-style function returns int: >= 0 on success, -1 on failure.  On
 * failure it has filled the caller's `struct mkfr_error` with one line that a
 * user can act on, the errno that caused it (0 if none) and the exit code the
 * program should end with.  Only main() decides to exit.
 *
 * Callers that add context wrap the message with mkfr_error_prefix(), so the
 * user reads "stage foreign: debootstrap failed: ..." and not a bare errno. */
#ifndef MKFR_ERROR_H
#define MKFR_ERROR_H

#include <stdarg.h>

enum {
	MKFR_EXIT_FAILURE = 1, /* the build failed */
	MKFR_EXIT_USAGE = 2,   /* bad command line or profile: nothing was started */
};

struct mkfr_error {
	int errnum;    /* errno of the cause, 0 if none */
	int exit_code; /* what main() should exit with */
	char msg[2048];
};

/* Fill *err; append ": strerror(errnum)" when errnum != 0.  Returns -1. */
int mkfr_fail(struct mkfr_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* As mkfr_fail, but the exit code says "bad input" (2). */
int mkfr_fail_usage(struct mkfr_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Put "prefix: " in front of the message already in *err.  Returns -1. */
int mkfr_error_prefix(struct mkfr_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mkfr_error_clear(struct mkfr_error *err);

#endif
