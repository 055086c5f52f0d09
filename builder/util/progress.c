/* SPDX-License-Identifier: MIT */
#include "util/progress.h"

#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int out_fd = -1;
static struct timespec started;
static const char *current_stage;

void progress_json_start(int fd)
{
	out_fd = fd;
	clock_gettime(CLOCK_MONOTONIC, &started);
}

bool progress_json_enabled(void)
{
	return out_fd >= 0;
}

bool progress_json_on_stderr(void)
{
	return out_fd == STDERR_FILENO;
}

void progress_set_stage(const char *stage)
{
	current_stage = stage;
}

/* A JSON string (or null) at buf+*n; names are plain ASCII, but a byte
 * that JSON does not allow bare is escaped rather than trusted. */
static void put_string(char *buf, size_t len, size_t *n, const char *s)
{
	if (!s) {
		*n += (size_t)snprintf(buf + *n, *n < len ? len - *n : 0, "null");
		return;
	}
	*n += (size_t)snprintf(buf + *n, *n < len ? len - *n : 0, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			*n += (size_t)snprintf(buf + *n, *n < len ? len - *n : 0, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			*n += (size_t)snprintf(buf + *n, *n < len ? len - *n : 0, "\\u%04x", *p);
		else
			*n += (size_t)snprintf(buf + *n, *n < len ? len - *n : 0, "%c", *p);
	}
	*n += (size_t)snprintf(buf + *n, *n < len ? len - *n : 0, "\"");
}

static void put_number(char *buf, size_t len, size_t *n, const char *key, int64_t v)
{
	if (v == PROGRESS_NONE)
		*n += (size_t)snprintf(buf + *n, *n < len ? len - *n : 0, ",\"%s\":null", key);
	else
		*n += (size_t)snprintf(buf + *n, *n < len ? len - *n : 0, ",\"%s\":%lld", key,
				       (long long)v);
}

void progress_json_event(const char *event, const char *package, int64_t done, int64_t total,
			 int64_t bytes, int64_t bytes_total)
{
	if (out_fd < 0)
		return;
	char line[512];
	size_t n = 0;
	n += (size_t)snprintf(line, sizeof(line), "{\"stage\":");
	put_string(line, sizeof(line), &n, current_stage);
	n += (size_t)snprintf(line + n, n < sizeof(line) ? sizeof(line) - n : 0, ",\"event\":");
	put_string(line, sizeof(line), &n, event);
	n += (size_t)snprintf(line + n, n < sizeof(line) ? sizeof(line) - n : 0, ",\"package\":");
	put_string(line, sizeof(line), &n, package);
	put_number(line, sizeof(line), &n, "done", done);
	put_number(line, sizeof(line), &n, "total", total);
	put_number(line, sizeof(line), &n, "bytes", bytes);
	put_number(line, sizeof(line), &n, "bytes_total", bytes_total);
	n += (size_t)snprintf(line + n, n < sizeof(line) ? sizeof(line) - n : 0,
			      ",\"elapsed\":%.2f}\n", log_seconds_since(&started));
	if (n >= sizeof(line))
		return; /* cannot happen with our names; never write half an object */
	if (out_fd == STDERR_FILENO)
		log_status_clear();
	ssize_t w;
	do
		w = write(out_fd, line, n);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)n) {
		int fd = out_fd;
		out_fd = -1; /* first, so the warning below is not an event */
		log_warn("--progress=json: cannot write to descriptor %d (%s): progress is off",
			 fd, w < 0 ? strerror(errno) : "short write");
	}
}
