/* SPDX-License-Identifier: MIT */
#include "net/parallel_fetch.h"

#include "net/http_get.h"
#include "sys/atomic_file.h"
#include "sys/signals.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/sha256.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CONNECTIONS 8
#define DEFAULT_TRIES 4
#define DEFAULT_RETRY_DELAY_MS 1000
#define DEFAULT_STALL_SECONDS 30
/* How long curl_multi_poll may sleep: the bound on noticing Ctrl-C and on
 * starting a retry late. */
#define POLL_MS 100
/* Redraw the terminal status line at most this often. */
#define STATUS_INTERVAL_MS 250

enum transfer_state { WAITING, RUNNING, FINISHED };

struct transfer {
	const struct fetch_item *item;
	enum transfer_state state;
	CURL *easy;
	struct atomic_file file;
	struct sha256 hash;
	uint64_t received; /* by the current attempt */
	int tries;         /* attempts started */
	int delay_ms;      /* before the next retry */
	double not_before; /* monotonic seconds: backoff */
	bool too_long;
	int write_errno;
	char curl_msg[CURL_ERROR_SIZE];
};

struct fetch_run {
	struct transfer *t;
	size_t n;
	const struct parallel_fetch_opts *o;
	int connections, tries, stall_seconds;
	CURLM *multi;
	size_t running, finished;
	uint64_t total_bytes, finished_bytes;
	uint64_t received_all; /* every byte received, for the rate */
	double started, last_status;
	struct parallel_fetch_totals *totals;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t on_data(char *buf, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * nmemb;
	if (t->received + len > t->item->size) {
		t->too_long = true;
		return 0;
	}
	for (size_t done = 0; done < len;) {
		ssize_t w = write(t->file.fd, buf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			t->write_errno = errno ? errno : EIO;
			return 0;
		}
		done += (size_t)w;
	}
	sha256_update(&t->hash, buf, len);
	t->received += len;
	return len;
}

static int start(struct fetch_run *run, struct transfer *t, struct mkfr_error *err)
{
	const struct fetch_item *it = t->item;
	if (t->file.fd < 0) {
		if (atomic_file_open(&t->file, it->dest, 0644, err) < 0)
			return -1;
	} else if (atomic_file_truncate(&t->file, err) < 0) {
		return -1;
	}
	if (sha256_begin(&t->hash, err) < 0)
		return -1;
	CURL *c = curl_easy_init();
	if (!c)
		return mkfr_fail(err, ENOMEM, "cannot initialise libcurl");
	t->easy = c;
	t->received = 0;
	t->too_long = false;
	t->write_errno = 0;
	t->curl_msg[0] = '\0';
	t->tries++;
	curl_easy_setopt(c, CURLOPT_URL, it->url);
	curl_easy_setopt(c, CURLOPT_PRIVATE, t);
	http_get_transfer_options(c, (long)run->stall_seconds);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->curl_msg);
	if (run->o->proxy)
		curl_easy_setopt(c, CURLOPT_PROXY, run->o->proxy);
	CURLMcode mrc = curl_multi_add_handle(run->multi, c);
	if (mrc != CURLM_OK)
		return mkfr_fail(err, 0, "%s: %s", it->url, curl_multi_strerror(mrc));
	t->state = RUNNING;
	run->running++;
	return 0;
}

/* Stop the transfer's current attempt (if any); the temp file stays open
 * for a retry unless `discard`. */
static void stop(struct fetch_run *run, struct transfer *t, bool discard)
{
	if (t->easy) {
		curl_multi_remove_handle(run->multi, t->easy);
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
		run->running--;
	}
	sha256_abort(&t->hash);
	if (discard)
		atomic_file_discard(&t->file);
}

/* Why the attempt failed, into *err; *again says whether a retry may help. */
static void explain(struct transfer *t, CURLcode rc, long code, bool *again,
		    struct mkfr_error *err)
{
	const char *url = t->item->url;
	*again = false;
	if (rc == CURLE_HTTP_RETURNED_ERROR && (code == 404 || code == 410)) {
		mkfr_fail(err, 0, "%s: not found (HTTP %ld): the mirror lacks a file its own index "
			  "lists; it may be in the middle of an update: try again later or use "
			  "another mirror", url, code);
	} else if (rc == CURLE_FILE_COULDNT_READ_FILE) {
		mkfr_fail(err, 0, "%s: not found: the mirror lacks a file its own index lists", url);
	} else if (rc == CURLE_WRITE_ERROR && t->too_long) {
		*again = true;
		mkfr_fail(err, 0, "%s: longer than the %" PRIu64 " bytes the index says", url,
			  t->item->size);
	} else if (rc == CURLE_WRITE_ERROR) {
		mkfr_fail(err, t->write_errno, "%s: cannot store it in %s", url, t->item->dest);
	} else if (rc == CURLE_HTTP_RETURNED_ERROR) {
		*again = http_get_retryable(rc, code);
		mkfr_fail(err, 0, "%s: the server answered HTTP %ld", url, code);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		*again = true;
		mkfr_fail(err, 0, "%s: timed out or stalled (%s)", url,
			  t->curl_msg[0] ? t->curl_msg : curl_easy_strerror(rc));
	} else {
		*again = http_get_retryable(rc, code);
		mkfr_fail(err, 0, "%s: %s", url, t->curl_msg[0] ? t->curl_msg : curl_easy_strerror(rc));
	}
}

/* The body arrived whole as far as HTTP can tell: is it the file the
 * index describes?  0: yes and renamed into place; 1: no (retry); -1:
 * cannot store it. */
static int verify_and_commit(struct transfer *t, struct mkfr_error *err)
{
	const struct fetch_item *it = t->item;
	char got[SHA256_HEX_SIZE];
	if (t->received != it->size) {
		mkfr_fail(err, 0, "%s: size mismatch (got %" PRIu64 " bytes, the index says %" PRIu64
			  "): the mirror serves a truncated or changed file", it->url, t->received,
			  it->size);
		return 1;
	}
	sha256_finish_hex(&t->hash, got);
	if (strcasecmp(got, it->sha256) != 0) {
		mkfr_fail(err, 0, "%s: SHA256 mismatch (got %s, the index says %s): the mirror "
			  "serves a corrupt or changed file", it->url, got, it->sha256);
		return 1;
	}
	return atomic_file_commit(&t->file, err) < 0 ? -1 : 0;
}

/* An attempt ended.  Returns 0 (done, or a retry is scheduled) or -1 with
 * *err set: the fetch fails. */
static int finish(struct fetch_run *run, struct transfer *t, CURLcode rc, struct mkfr_error *err)
{
	long code = 0;
	bool again = false;
	int r;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK) {
		r = verify_and_commit(t, err);
		if (r < 0) {
			stop(run, t, true);
			return -1;
		}
		again = r == 1;
	} else {
		explain(t, rc, code, &again, err);
	}
	stop(run, t, false);
	if (rc == CURLE_OK && !again) {
		t->state = FINISHED;
		run->finished++;
		run->finished_bytes += t->item->size;
		if (run->totals) {
			run->totals->files++;
			run->totals->bytes += t->item->size;
		}
		return 0;
	}
	if (run->totals)
		run->totals->wasted += t->received;
	if (!again || t->tries >= run->tries) {
		atomic_file_discard(&t->file);
		return t->tries > 1 ? mkfr_error_prefix(err, "after %d tries", t->tries) : -1;
	}
	log_info("%s: %s; retrying in %.1f s (try %d of %d)", run->o->what ? run->o->what : "fetch",
		 err->msg, t->delay_ms / 1000.0, t->tries + 1, run->tries);
	if (run->totals)
		run->totals->retries++;
	t->state = WAITING;
	t->not_before = now_s() + t->delay_ms / 1000.0;
	t->delay_ms *= 2;
	return 0;
}

static void show_progress(struct fetch_run *run, bool force)
{
	double now = now_s();
	/* A fetch over in a second needs no progress line. */
	if (now - run->started < 1.0 ||
	    (!force && now - run->last_status < STATUS_INTERVAL_MS / 1000.0))
		return;
	run->last_status = now;
	uint64_t done = run->finished_bytes;
	for (size_t i = 0; i < run->n; i++)
		if (run->t[i].state == RUNNING)
			done += run->t[i].received;
	progress_json_event("progress", NULL, (int64_t)run->finished, (int64_t)run->n, (int64_t)done,
			    (int64_t)run->total_bytes);
	double elapsed = now - run->started;
	double rate = elapsed > 0.5 ? (double)run->received_all / elapsed : 0;
	char eta[32] = "";
	if (rate > 0 && done < run->total_bytes)
		snprintf(eta, sizeof(eta), ", ETA %.0f s", (double)(run->total_bytes - done) / rate);
	log_status("%s: %zu/%zu files, %.1f/%.1f MB, %.1f MB/s%s", run->o->what ? run->o->what : "fetch",
		   run->finished, run->n, (double)done / 1e6, (double)run->total_bytes / 1e6, rate / 1e6,
		   eta);
}

static uint64_t received_now(const struct fetch_run *run)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < run->n; i++)
		if (run->t[i].state == RUNNING)
			sum += run->t[i].received;
	return sum;
}

/* Start attempts while there are free connections and files whose backoff
 * has passed. */
static int start_more(struct fetch_run *run, struct mkfr_error *err)
{
	double now = now_s();
	for (size_t i = 0; i < run->n && run->running < (size_t)run->connections; i++) {
		struct transfer *t = &run->t[i];
		if (t->state == WAITING && t->not_before <= now && start(run, t, err) < 0) {
			mkfr_error_prefix(err, "%s", t->item->url);
			return -1;
		}
	}
	return 0;
}

static int run_loop(struct fetch_run *run, struct mkfr_error *err)
{
	uint64_t before = 0;
	while (run->finished < run->n) {
		int still;
		if (signals_pending())
			return mkfr_fail(err, EINTR, "%s: interrupted", run->o->what ? run->o->what : "fetch");
		if (start_more(run, err) < 0)
			return -1;
		CURLMcode mrc = curl_multi_perform(run->multi, &still);
		if (mrc != CURLM_OK)
			return mkfr_fail(err, 0, "libcurl: %s", curl_multi_strerror(mrc));
		/* Count what the running attempts received before any of them
		 * is finished and its counter reset. */
		uint64_t cur = received_now(run);
		run->received_all += cur >= before ? cur - before : 0;
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(run->multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct transfer *t = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
			if (finish(run, t, msg->data.result, err) < 0)
				return -1;
		}
		before = received_now(run);
		show_progress(run, false);
		if (run->finished < run->n)
			curl_multi_poll(run->multi, NULL, 0, POLL_MS, NULL);
	}
	return 0;
}

int parallel_fetch(const struct fetch_item *items, size_t n, const struct parallel_fetch_opts *opts,
		   struct parallel_fetch_totals *totals, struct mkfr_error *err)
{
	static const struct parallel_fetch_opts defaults = PARALLEL_FETCH_OPTS_INIT;
	const struct parallel_fetch_opts *o = opts ? opts : &defaults;
	struct fetch_run run = {
		.n = n, .o = o, .totals = totals,
		.connections = o->connections > 0 ? o->connections : DEFAULT_CONNECTIONS,
		.tries = o->tries > 0 ? o->tries : DEFAULT_TRIES,
		.stall_seconds = o->stall_seconds > 0 ? o->stall_seconds : DEFAULT_STALL_SECONDS,
	};
	int delay = o->retry_delay_ms > 0 ? o->retry_delay_ms : DEFAULT_RETRY_DELAY_MS;
	int r = -1;

	if (totals)
		*totals = (struct parallel_fetch_totals){ 0 };
	if (n == 0)
		return 0;
	pthread_once(&curl_once, curl_init);
	if (curl_init_result != CURLE_OK)
		return mkfr_fail(err, 0, "cannot initialise libcurl: %s",
				 curl_easy_strerror(curl_init_result));
	run.t = xcalloc(n, sizeof(*run.t));
	run.multi = curl_multi_init();
	if (!run.t || !run.multi) {
		mkfr_fail(err, ENOMEM, "cannot initialise libcurl");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		run.t[i] = (struct transfer){ .item = &items[i], .file = ATOMIC_FILE_INIT,
					      .delay_ms = delay };
		run.total_bytes += items[i].size;
		if (!items[i].url || !items[i].dest || !items[i].sha256 ||
		    !sha256_hex_valid(items[i].sha256)) {
			mkfr_fail(err, 0, "%s: no destination or no valid SHA256 to check it against",
				  items[i].url ? items[i].url : "(no URL)");
			goto out;
		}
	}
	run.started = now_s();
	r = run_loop(&run, err);
	/* The last count, however short the fetch was: a consumer sees it end. */
	if (r == 0 && n > 0)
		progress_json_event("progress", NULL, (int64_t)run.finished, (int64_t)run.n,
				    (int64_t)run.finished_bytes, (int64_t)run.total_bytes);
out:
	if (run.t)
		for (size_t i = 0; i < n; i++)
			stop(&run, &run.t[i], true);
	if (run.multi)
		curl_multi_cleanup(run.multi);
	free(run.t);
	log_status_clear();
	if (totals)
		totals->seconds = run.started > 0 ? now_s() - run.started : 0;
	return r;
}
