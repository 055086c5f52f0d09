/* SPDX-License-Identifier: MIT */
/* Downloading one URL (libcurl): to a file that appears only when complete
 * and verified, to an open file, or to memory.
 *
 * Timeouts, connection errors and 5xx answers are retried with exponential
 * backoff; a transfer slower than 1 KB/s for 30 s counts as a timeout.  A
 * 404 fails at once, with err->errnum ENOENT; a body that is not what the
 * caller expects (size, SHA256) with err->errnum EBADMSG.  Redirects are followed.  Without an explicit proxy,
 * libcurl itself honours http_proxy, https_proxy and no_proxy.  http, https
 * and file URLs are accepted (file:// for local mirrors and tests). */
#ifndef MKFR_HTTP_GET_H
#define MKFR_HTTP_GET_H

#include "util/error.h"
#include "util/sha256.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

struct http_get_opts {
	const char *proxy;         /* NULL: the environment's; "" : none */
	int tries;                 /* 0: 3 */
	int retry_delay_ms;        /* first backoff, doubled each try; 0: 1000 */
	/* What the file must be (from a signed index).  Checked before the
	 * file is used or renamed into place; a mismatch removes it. */
	const char *expect_sha256; /* hex, NULL: not checked */
	int64_t expect_size;       /* bytes, -1: not checked */
	int64_t max_size;          /* refuse more than this many bytes, 0: no limit */
	/* For a size or SHA256 mismatch (err->errnum EBADMSG): what listed
	 * the expected values, and what the user should make of it.  NULL:
	 * "the index", and "the mirror serves a corrupt or changed file ...". */
	const char *listed_by;
	const char *mismatch_hint;
};

#define HTTP_GET_OPTS_INIT { .expect_size = -1 }

/* Download to `dest`, atomically (see atomic_file.h), mode 0644.  *bytes_out
 * (optional) receives the size. */
int http_get_to_path(const char *url, const char *dest, const struct http_get_opts *o,
		     uint64_t *bytes_out, struct mkfr_error *err);
/* Download into `fd`, a regular file that is emptied first (and again for
 * each retry). */
int http_get_to_fd(const char *url, int fd, const struct http_get_opts *o, uint64_t *bytes_out,
		   struct mkfr_error *err);
/* Download into a new NUL-terminated buffer (for small files: InRelease). */
int http_get_to_memory(const char *url, const struct http_get_opts *o, char **buf_out,
		       size_t *len_out, struct mkfr_error *err);

/* The options every transfer of ours has: http, https and file only,
 * redirects (http/https) followed, HTTP errors as failures, a 30 s connect
 * timeout, below 1 KB/s for stall_seconds counts as a timeout, our user
 * agent.  Shared with parallel_fetch.c. */
void http_get_transfer_options(CURL *c, long stall_seconds);

/* Is a failed transfer worth another try (timeouts, connection errors,
 * 5xx, 408, 429)?  Shared with parallel_fetch.c. */
bool http_get_retryable(CURLcode rc, long http_code);

#endif
