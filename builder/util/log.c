/* SPDX-License-Identifier: MIT */
#include "util/log.h"

#include "util/progress.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level level = LOG_NORMAL;
static bool status_shown;
static struct timespec last_plain_status;

/* Off a terminal, a status line is printed at most this often. */
#define PLAIN_STATUS_INTERVAL_S 10

void log_set_level(enum log_level l)
{
	level = l;
}

enum log_level log_get_level(void)
{
	return level;
}

void log_status_clear(void)
{
	if (status_shown) {
		fputs("\r\033[K", stderr);
		status_shown = false;
	}
}

static void vemit(const char *tag, const char *fmt, va_list ap)
{
	log_status_clear();
	fputs("mkforeignroot: ", stderr);
	if (tag)
		fputs(tag, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

void log_message(enum log_level min, const char *tag, const char *fmt, ...)
{
	va_list ap;
	if (level < min)
		return;
	va_start(ap, fmt);
	vemit(tag, fmt, ap);
	va_end(ap);
}

void log_status(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	/* JSON progress on stderr says it instead: a redrawn line would cut
	 * its lines in two. */
	if (level < LOG_NORMAL || progress_json_on_stderr())
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);

	if (isatty(STDERR_FILENO)) {
		/* Keep within a common terminal width so \r redraws one row. */
		if (strlen(line) > 78)
			line[78] = '\0';
		fprintf(stderr, "\r\033[K%s", line);
		fflush(stderr);
		status_shown = true;
		return;
	}
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (last_plain_status.tv_sec != 0 &&
	    now.tv_sec - last_plain_status.tv_sec < PLAIN_STATUS_INTERVAL_S)
		return;
	last_plain_status = now;
	fprintf(stderr, "mkforeignroot: %s\n", line);
	fflush(stderr);
}

double log_seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}
