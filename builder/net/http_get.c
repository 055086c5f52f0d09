/* SPDX-License-Identifier: MIT */
#include "net/http_get.h"

#include "sys/atomic_file.h"
#include "sys/signals.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TRIES 3
#define DEFAULT_RETRY_DELAY_MS 1000
#define LOW_SPEED_BYTES_PER_S 1024
#define LOW_SPEED_SECONDS 30
#define CONNECT_TIMEOUT_S 30

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Where the bytes go.  reset() starts over for a retry. */
struct sink {
	int (*write)(struct sink *s, const void *buf, size_t len);
	int (*reset)(struct sink *s, struct mkfr_error *err);
	int fd;
	char *mem;
	size_t mem_len, mem_cap;
	/* the transfer's state */
	struct sha256 hash;
	uint64_t bytes;
	int64_t max_size;
	int write_errno;
	bool too_big;
};

static int fd_write(struct sink *s, const void *buf, size_t len)
{
	return write_all(s->fd, buf, len);
}

static int fd_reset(struct sink *s, struct mkfr_error *err)
{
	if (ftruncate(s->fd, 0) < 0 || lseek(s->fd, 0, SEEK_SET) < 0)
		return mkfr_fail(err, errno, "cannot empty the download file");
	return 0;
}

static int mem_write(struct sink *s, const void *buf, size_t len)
{
	if (s->mem_len + len + 1 > s->mem_cap) {
		size_t cap = s->mem_cap ? s->mem_cap : 65536;
		while (cap < s->mem_len + len + 1)
			cap *= 2;
		char *m = xrealloc(s->mem, cap);
		if (!m)
			return -1;
		s->mem = m;
		s->mem_cap = cap;
	}
	memcpy(s->mem + s->mem_len, buf, len);
	s->mem_len += len;
	s->mem[s->mem_len] = '\0';
	return 0;
}

static int mem_reset(struct sink *s, struct mkfr_error *err)
{
	s->mem_len = 0;
	return 0;
}

static size_t on_data(char *buf, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t len = size * nmemb;
	if (s->max_size > 0 && s->bytes + len > (uint64_t)s->max_size) {
		s->too_big = true;
		return 0;
	}
	if (s->write(s, buf, len) < 0) {
		s->write_errno = errno ? errno : EIO;
		return 0;
	}
	if (s->hash.md)
		sha256_update(&s->hash, buf, len);
	s->bytes += len;
	return len;
}

/* Ctrl-C or SIGTERM ends a download at once; the pipeline then unwinds. */
static int on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	return signals_pending() ? 1 : 0;
}

void http_get_transfer_options(CURL *c, long stall_seconds)
{
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)LOW_SPEED_BYTES_PER_S);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, stall_seconds);
	curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
}

bool http_get_retryable(CURLcode rc, long http_code)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	case CURLE_HTTP_RETURNED_ERROR:
		return http_code >= 500 || http_code == 408 || http_code == 429;
	default:
		return false;
	}
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !signals_pending())
		;
}

static void cleanup_curlp(CURL **c)
{
	if (*c)
		curl_easy_cleanup(*c);
}
#define autocurl __attribute__((cleanup(cleanup_curlp)))

/* Who listed the expected size and hash, and what a mismatch means. */
static const char *listed_by(const struct http_get_opts *o)
{
	return o->listed_by ? o->listed_by : "the index";
}

static const char *mismatch_hint(const struct http_get_opts *o)
{
	return o->mismatch_hint ? o->mismatch_hint
				: "the mirror serves a corrupt or changed file; try again later or "
				  "use another mirror";
}

/* One attempt.  Returns 0, or -1 with *err set and *again telling whether
 * another try may help. */
static int attempt(CURL *c, const char *url, struct sink *s, const struct http_get_opts *o,
		   bool *again, struct mkfr_error *err)
{
	char curl_msg[CURL_ERROR_SIZE] = "";
	long code = 0;

	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_msg);
	s->bytes = 0;
	s->write_errno = 0;
	s->too_big = false;
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	*again = false;
	if (rc == CURLE_OK)
		return 0;
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		return mkfr_fail(err, EINTR, "%s: download interrupted", url);
	if (rc == CURLE_WRITE_ERROR && s->too_big && o->expect_size >= 0) {
		mkfr_fail(err, 0, "%s: size mismatch (more than the %" PRId64 " bytes %s says): %s",
			  url, o->expect_size, listed_by(o), mismatch_hint(o));
		err->errnum = EBADMSG;
		return -1;
	}
	if (rc == CURLE_WRITE_ERROR && s->too_big)
		return mkfr_fail(err, 0, "%s: larger than the %" PRId64 " bytes expected", url,
				 s->max_size);
	if (rc == CURLE_WRITE_ERROR)
		return mkfr_fail(err, s->write_errno, "%s: cannot store the download", url);
	/* errnum ENOENT (not in the message): callers tell "not there" from
	 * "could not ask" (an unreachable mirror). */
	if (rc == CURLE_HTTP_RETURNED_ERROR && (code == 404 || code == 410)) {
		mkfr_fail(err, 0, "%s: not found (HTTP %ld): the mirror does not have this file; "
			  "check the mirror URL and suite", url, code);
		err->errnum = ENOENT;
		return -1;
	}
	if (rc == CURLE_FILE_COULDNT_READ_FILE) {
		mkfr_fail(err, 0, "%s: not found: the mirror does not have this file; "
			  "check the mirror URL and suite", url);
		err->errnum = ENOENT;
		return -1;
	}
	*again = http_get_retryable(rc, code);
	if (rc == CURLE_HTTP_RETURNED_ERROR)
		return mkfr_fail(err, 0, "%s: the server answered HTTP %ld", url, code);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return mkfr_fail(err, 0, "%s: timed out (%s)", url,
				 curl_msg[0] ? curl_msg : curl_easy_strerror(rc));
	return mkfr_fail(err, 0, "%s: %s", url, curl_msg[0] ? curl_msg : curl_easy_strerror(rc));
}

static int verify(const char *url, struct sink *s, const char *got_hex,
		  const struct http_get_opts *o, struct mkfr_error *err)
{
	int r = 0;
	if (o->expect_size >= 0 && s->bytes != (uint64_t)o->expect_size)
		r = mkfr_fail(err, 0, "%s: size mismatch (got %" PRIu64 " bytes, %s says %" PRId64
			      "): %s", url, s->bytes, listed_by(o), o->expect_size, mismatch_hint(o));
	else if (o->expect_sha256 && strcasecmp(got_hex, o->expect_sha256) != 0)
		r = mkfr_fail(err, 0, "%s: SHA256 mismatch (got %s, %s says %s): %s", url, got_hex,
			      listed_by(o), o->expect_sha256, mismatch_hint(o));
	/* Not in the message: callers tell "not what was listed" apart. */
	if (r < 0)
		err->errnum = EBADMSG;
	return r;
}

static int transfer(const char *url, struct sink *s, const struct http_get_opts *opts,
		    struct mkfr_error *err)
{
	static const struct http_get_opts defaults = HTTP_GET_OPTS_INIT;
	const struct http_get_opts *o = opts ? opts : &defaults;
	int tries = o->tries > 0 ? o->tries : DEFAULT_TRIES;
	int delay = o->retry_delay_ms > 0 ? o->retry_delay_ms : DEFAULT_RETRY_DELAY_MS;

	pthread_once(&curl_once, curl_init);
	if (curl_init_result != CURLE_OK)
		return mkfr_fail(err, 0, "cannot initialise libcurl: %s",
				 curl_easy_strerror(curl_init_result));
	autocurl CURL *c = curl_easy_init();
	if (!c)
		return mkfr_fail(err, ENOMEM, "cannot initialise libcurl");

	curl_easy_setopt(c, CURLOPT_URL, url);
	http_get_transfer_options(c, LOW_SPEED_SECONDS);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	if (o->proxy)
		curl_easy_setopt(c, CURLOPT_PROXY, o->proxy);

	for (int t = 1;; t++) {
		bool again;
		if (s->reset(s, err) < 0)
			return -1;
		if (o->expect_sha256 && sha256_begin(&s->hash, err) < 0)
			return -1;
		s->max_size = o->expect_size >= 0 ? o->expect_size : o->max_size;
		if (attempt(c, url, s, o, &again, err) == 0) {
			char hex[SHA256_HEX_SIZE] = "";
			if (s->hash.md)
				sha256_finish_hex(&s->hash, hex);
			return verify(url, s, hex, o, err);
		}
		sha256_abort(&s->hash);
		if (!again || t >= tries || signals_pending())
			return t > 1 ? mkfr_error_prefix(err, "after %d tries", t) : -1;
		sleep_ms(delay);
		delay *= 2;
	}
}

int http_get_to_fd(const char *url, int fd, const struct http_get_opts *o, uint64_t *bytes_out,
		   struct mkfr_error *err)
{
	struct sink s = { .write = fd_write, .reset = fd_reset, .fd = fd };
	if (transfer(url, &s, o, err) < 0)
		return -1;
	if (bytes_out)
		*bytes_out = s.bytes;
	return 0;
}

int http_get_to_path(const char *url, const char *dest, const struct http_get_opts *o,
		     uint64_t *bytes_out, struct mkfr_error *err)
{
	autodiscard struct atomic_file af = ATOMIC_FILE_INIT;
	if (atomic_file_open(&af, dest, 0644, err) < 0)
		return -1;
	if (http_get_to_fd(url, af.fd, o, bytes_out, err) < 0)
		return -1;
	return atomic_file_commit(&af, err);
}

int http_get_to_memory(const char *url, const struct http_get_opts *o, char **buf_out,
		       size_t *len_out, struct mkfr_error *err)
{
	struct sink s = { .write = mem_write, .reset = mem_reset, .fd = -1 };
	if (transfer(url, &s, o, err) < 0) {
		free(s.mem);
		return -1;
	}
	mem_write(&s, "", 0); /* an empty file still gets its NUL */
	*buf_out = s.mem;
	if (len_out)
		*len_out = s.mem_len;
	return 0;
}
