/* SPDX-License-Identifier: MIT */
#include "util/error.h"

#include <stdio.h>
#include <string.h>

static void vformat(struct mkfr_error *err, int errnum, const char *fmt, va_list ap)
{
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		n = 0;
	if (errnum && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(errnum));
	err->errnum = errnum;
}

int mkfr_fail(struct mkfr_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vformat(err, errnum, fmt, ap);
	va_end(ap);
	err->exit_code = MKFR_EXIT_FAILURE;
	return -1;
}

int mkfr_fail_usage(struct mkfr_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vformat(err, 0, fmt, ap);
	va_end(ap);
	err->exit_code = MKFR_EXIT_USAGE;
	return -1;
}

int mkfr_error_prefix(struct mkfr_error *err, const char *fmt, ...)
{
	char prefix[512];
	char old[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	return -1;
}

void mkfr_error_clear(struct mkfr_error *err)
{
	err->errnum = 0;
	err->exit_code = 0;
	err->msg[0] = '\0';
}
