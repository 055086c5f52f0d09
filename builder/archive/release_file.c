/* SPDX-License-Identifier: MIT */
#include "archive/release_file.h"

#include "archive/openpgp_verify.h"
#include "net/http_get.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/number.h"
#include "util/strv.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* InRelease files are ~150 KB; anything huge is not one. */
#define INRELEASE_MAX_BYTES (16 * 1024 * 1024)

static const char *const MONTHS[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil): timegm() without touching TZ or the locale. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int read_number(const char **s, int digits_min, int digits_max, int *out)
{
	int n = 0, v = 0;
	while (isdigit((unsigned char)**s) && n < digits_max) {
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	if (n < digits_min)
		return -1;
	*out = v;
	return 0;
}

int release_date_parse(const char *text, time_t *out)
{
	const char *s = skip_blanks(text);
	int day, year, hh, mm, ss = 0, month = -1;

	/* optional "Sat," */
	if (isalpha((unsigned char)s[0])) {
		const char *comma = strchr(s, ',');
		if (!comma || comma - s > 9)
			return -1;
		s = skip_blanks(comma + 1);
	}
	if (read_number(&s, 1, 2, &day) < 0)
		return -1;
	s = skip_blanks(s);
	for (int i = 0; i < 12; i++)
		if (strncasecmp(s, MONTHS[i], 3) == 0)
			month = i + 1;
	if (month < 0)
		return -1;
	s = skip_blanks(s + 3);
	if (read_number(&s, 4, 4, &year) < 0)
		return -1;
	s = skip_blanks(s);
	if (read_number(&s, 1, 2, &hh) < 0 || *s++ != ':' || read_number(&s, 2, 2, &mm) < 0)
		return -1;
	if (*s == ':') {
		s++;
		if (read_number(&s, 2, 2, &ss) < 0)
			return -1;
	}
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return -1;

	s = skip_blanks(s);
	int offset_s = 0;
	if (*s == '+' || *s == '-') {
		int sign = *s == '-' ? -1 : 1, hhmm;
		s++;
		if (read_number(&s, 4, 4, &hhmm) < 0)
			return -1;
		offset_s = sign * ((hhmm / 100) * 3600 + (hhmm % 100) * 60);
	} else if (strncmp(s, "UTC", 3) == 0 || strncmp(s, "GMT", 3) == 0) {
		s += 3;
	} else if (*s == 'Z') {
		s++;
	} else if (*s) {
		return -1;
	}
	if (*skip_blanks(s))
		return -1;

	int64_t t = days_from_civil(year, (unsigned)month, (unsigned)day) * 86400 + hh * 3600 +
		    mm * 60 + ss - offset_s;
	*out = (time_t)t;
	return 0;
}

static void set_string(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

/* One " HASH SIZE PATH" line of the SHA256 field. */
static int add_checksum(struct release_file *rel, const char *line, const char *origin,
			int lineno, struct mkfr_error *err)
{
	char hash[80], size_text[32], path[1024], extra;
	uint64_t size;
	if (sscanf(line, " %79s %31s %1023s %c", hash, size_text, path, &extra) != 3 ||
	    !sha256_hex_valid(hash) || !parse_u64(size_text, ARCHIVE_FILE_MAX_BYTES, &size))
		return mkfr_fail(err, 0, "%s:%d: malformed SHA256 line (want: HASH SIZE PATH, the "
				 "size a number of bytes)", origin, lineno);
	rel->sha256 = xreallocarray(rel->sha256, rel->sha256_count + 1, sizeof(*rel->sha256));
	struct release_checksum *c = &rel->sha256[rel->sha256_count];
	c->path = xstrdup(path);
	for (int i = 0; i < 65; i++)
		c->sha256[i] = (char)tolower((unsigned char)hash[i]);
	c->size = size;
	rel->sha256_count++;
	return 0;
}

static int set_field(struct release_file *rel, const char *key, const char *value,
		     const char *origin, int lineno, struct mkfr_error *err)
{
	if (strcasecmp(key, "Suite") == 0)
		set_string(&rel->suite, value);
	else if (strcasecmp(key, "Codename") == 0)
		set_string(&rel->codename, value);
	else if (strcasecmp(key, "Date") == 0) {
		if (release_date_parse(value, &rel->date) < 0)
			return mkfr_fail(err, 0, "%s:%d: Date: cannot parse '%s'", origin, lineno, value);
		set_string(&rel->date_text, value);
	} else if (strcasecmp(key, "Valid-Until") == 0) {
		if (release_date_parse(value, &rel->valid_until) < 0)
			return mkfr_fail(err, 0, "%s:%d: Valid-Until: cannot parse '%s'", origin, lineno,
					 value);
		set_string(&rel->valid_until_text, value);
	} else if (strcasecmp(key, "Architectures") == 0) {
		strv_free(rel->architectures);
		rel->architectures = strv_split_list(value, ' ');
	} else if (strcasecmp(key, "Components") == 0) {
		strv_free(rel->components);
		rel->components = strv_split_list(value, ' ');
	} else if (strcasecmp(key, "Acquire-By-Hash") == 0)
		rel->acquire_by_hash = strcasecmp(value, "yes") == 0;
	return 0;
}

int release_file_parse(const char *text, const char *origin, struct release_file *rel,
		       struct mkfr_error *err)
{
	autofree char *copy = xstrdup(text);
	bool in_sha256 = false;
	int lineno = 0;
	char *save = NULL;

	memset(rel, 0, sizeof(*rel));
	/* strtok_r would merge empty lines, which end a stanza: split by hand. */
	for (char *line = copy; line; line = save) {
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0) {
			if (rel->suite || rel->codename || rel->sha256_count)
				break; /* a Release file is one stanza */
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			if (in_sha256 && add_checksum(rel, line, origin, lineno, err) < 0)
				goto fail;
			continue;
		}
		char *colon = strchr(line, ':');
		if (!colon) {
			mkfr_fail(err, 0, "%s:%d: not a 'Field: value' line", origin, lineno);
			goto fail;
		}
		*colon = '\0';
		const char *value = str_trim(colon + 1);
		in_sha256 = strcasecmp(line, "SHA256") == 0;
		if (!in_sha256 && set_field(rel, line, value, origin, lineno, err) < 0)
			goto fail;
	}
	if (!rel->suite && !rel->codename) {
		mkfr_fail(err, 0, "%s: not a Release file (no Suite or Codename)", origin);
		goto fail;
	}
	if (rel->sha256_count == 0) {
		mkfr_fail(err, 0, "%s: has no SHA256 checksums; nothing it lists could be verified",
			  origin);
		goto fail;
	}
	return 0;
fail:
	release_file_free(rel);
	return -1;
}

void release_file_free(struct release_file *rel)
{
	free(rel->suite);
	free(rel->codename);
	free(rel->date_text);
	free(rel->valid_until_text);
	free(rel->signer_fpr);
	strv_free(rel->architectures);
	strv_free(rel->components);
	for (size_t i = 0; i < rel->sha256_count; i++)
		free(rel->sha256[i].path);
	free(rel->sha256);
	memset(rel, 0, sizeof(*rel));
}

const struct release_checksum *release_file_checksum(const struct release_file *rel,
						     const char *path)
{
	for (size_t i = 0; i < rel->sha256_count; i++)
		if (strcmp(rel->sha256[i].path, path) == 0)
			return &rel->sha256[i];
	return NULL;
}

int release_file_check_valid_until(const struct release_file *rel, time_t now,
				   const char *origin, struct mkfr_error *err)
{
	if (!rel->valid_until_text || rel->valid_until >= now)
		return 0;
	return mkfr_fail(err, 0, "%s: expired on %s (Valid-Until): the mirror is out of date or "
			 "replays an old Release; use a current mirror, or set check_valid_until=no "
			 "for a snapshot or archive mirror", origin, rel->valid_until_text);
}

void release_signed_free(struct release_signed *s)
{
	free(steal_pointer(&s->text));
	free(steal_pointer(&s->sig));
	s->len = s->sig_len = 0;
}

static int get_dists_file(const struct release_fetch_request *req, const char *name, char **text,
			  size_t *len, struct mkfr_error *err)
{
	autofree char *url = NULL;
	struct http_get_opts o = HTTP_GET_OPTS_INIT;
	url = xasprintf("%s/dists/%s/%s", req->mirror, req->suite, name);
	o.proxy = req->proxy;
	o.max_size = INRELEASE_MAX_BYTES;
	return http_get_to_memory(url, &o, text, len, err);
}

int release_file_download(const struct release_fetch_request *req, struct release_signed *out,
			  struct mkfr_error *err)
{
	memset(out, 0, sizeof(*out));
	struct mkfr_error in_err;
	if (get_dists_file(req, "InRelease", &out->text, &out->len, &in_err) == 0)
		return 0;
	if (in_err.errnum != ENOENT) {
		*err = in_err;
		return -1;
	}
	/* No InRelease (older archives, some mirrors): Release and its
	 * detached signature, as apt and debootstrap fall back to. */
	if (get_dists_file(req, "Release", &out->text, &out->len, err) < 0) {
		if (err->errnum == ENOENT)
			*err = in_err; /* neither: report the file we asked for first */
		return -1;
	}
	if (get_dists_file(req, "Release.gpg", &out->sig, &out->sig_len, err) < 0) {
		release_signed_free(out);
		return -1;
	}
	return 0;
}

int release_file_verify(const struct release_fetch_request *req, const struct release_signed *in,
			const char *origin, struct release_file *rel, struct mkfr_error *err)
{
	struct openpgp_verified v;
	memset(rel, 0, sizeof(*rel));
	memset(&v, 0, sizeof(v));
	if (!req->keyring) {
		/* --no-check-gpg: the caller warned; take the signed text as it is. */
		if (in->sig)
			v.plaintext = xstrndup(in->text, in->len);
		else if (openpgp_clearsigned_body(in->text, in->len, &v.plaintext, err) < 0)
			return -1;
	} else if (in->sig) {
		if (openpgp_verify_detached(in->text, in->len, in->sig, in->sig_len, req->keyring,
					    origin, &v, err) < 0)
			return -1;
	} else if (openpgp_verify_clearsigned(in->text, in->len, req->keyring, origin, &v, err) < 0) {
		return -1;
	}
	int r = release_file_parse(v.plaintext, origin, rel, err);
	if (r == 0) {
		rel->signer_fpr = steal_pointer(&v.signer_fpr);
		/* A validly signed Release of another suite (oldstable served for
		 * stable) would be a downgrade: apt refuses it too. */
		if (!(rel->suite && strcmp(rel->suite, req->suite) == 0) &&
		    !(rel->codename && strcmp(rel->codename, req->suite) == 0)) {
			mkfr_fail(err, 0, "%s: is for suite %s (%s), not %s: the mirror is "
				  "misconfigured; use another mirror", origin,
				  rel->suite ? rel->suite : "?", rel->codename ? rel->codename : "?",
				  req->suite);
			release_file_free(rel);
			r = -1;
		} else if (req->check_valid_until &&
		    release_file_check_valid_until(rel, time(NULL), origin, err) < 0) {
			release_file_free(rel);
			r = -1;
		}
	}
	openpgp_verified_free(&v);
	return r;
}

int release_file_fetch(const struct release_fetch_request *req, struct release_file *rel,
		       struct mkfr_error *err)
{
	struct release_signed in;
	autofree char *origin = NULL;
	memset(rel, 0, sizeof(*rel));
	if (release_file_download(req, &in, err) < 0)
		return -1;
	origin = xasprintf("%s/dists/%s/%s", req->mirror, req->suite,
		     in.sig ? "Release" : "InRelease");
	int r = release_file_verify(req, &in, origin, rel, err);
	release_signed_free(&in);
	return r;
}
