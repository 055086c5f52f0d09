/* SPDX-License-Identifier: MIT */
/* A suite's Release file: fetched as dists/SUITE/InRelease, its clear
 * signature verified (openpgp_verify.h), and only the signed text parsed.
 * Its SHA256 list is what every index downloaded afterwards is checked
 * against, so the signature protects the whole chain down to the .debs. */
#ifndef MKFR_RELEASE_FILE_H
#define MKFR_RELEASE_FILE_H

#include "util/error.h"
#include "util/sha256.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* No file a Debian archive lists (index or .deb) is anywhere near this;
 * a larger Size is an error, never "no limit". */
#define ARCHIVE_FILE_MAX_BYTES (UINT64_C(1) << 36)

struct release_checksum {
	char *path; /* relative to dists/SUITE/, e.g. main/binary-amd64/Packages.xz */
	uint64_t size;
	char sha256[SHA256_HEX_SIZE];
};

struct release_file {
	char *suite, *codename;
	char *date_text, *valid_until_text; /* as written; NULL when absent */
	time_t date, valid_until;           /* 0 when absent */
	char **architectures, **components; /* NULL-terminated */
	bool acquire_by_hash;
	struct release_checksum *sha256;
	size_t sha256_count;
	char *signer_fpr;                   /* set by release_file_fetch */
};

/* Parse the (already verified) text.  `origin` names it in errors. */
int release_file_parse(const char *text, const char *origin, struct release_file *rel,
		       struct mkfr_error *err);
void release_file_free(struct release_file *rel);
const struct release_checksum *release_file_checksum(const struct release_file *rel,
						     const char *path);

/* RFC 2822 date as Release files write it: "Sat, 10 Jun 2023 08:55:19 UTC"
 * (weekday optional; zone UTC, GMT, Z or +HHMM/-HHMM).  Independent of the
 * locale and of TZ.  Returns 0 and the time, or -1. */
int release_date_parse(const char *text, time_t *out);

/* Refuse a Release whose Valid-Until is before `now` (a stale or replayed
 * mirror).  No Valid-Until (stable suites) is fine. */
int release_file_check_valid_until(const struct release_file *rel, time_t now,
				   const char *origin, struct mkfr_error *err);

struct release_fetch_request {
	const char *mirror;  /* e.g. http://mirror.example/debian */
	const char *suite;
	const char *keyring; /* file or directory, see openpgp_verify.h */
	const char *proxy;   /* NULL: the environment's */
	bool check_valid_until;
};

/* Download MIRROR/dists/SUITE/InRelease, verify, parse, check Valid-Until. */
int release_file_fetch(const struct release_fetch_request *req, struct release_file *rel,
		       struct mkfr_error *err);

/* What a mirror signs a suite with: InRelease (sig NULL), or, where there
 * is none (older archives, some mirrors), Release with the detached
 * signature Release.gpg. */
struct release_signed {
	char *text;
	size_t len;
	char *sig;
	size_t sig_len;
};
void release_signed_free(struct release_signed *s);

/* The two halves of release_file_fetch, for callers that keep the signed
 * files (the fetch stage caches them for offline builds and puts them into
 * the rootfs's apt lists).  download: InRelease, else Release +
 * Release.gpg, unverified (a missing file has err->errnum ENOENT).
 * verify: signature (unless req->keyring is NULL: --no-check-gpg), parse,
 * suite and Valid-Until checks; origin names the file in messages. */
int release_file_download(const struct release_fetch_request *req, struct release_signed *out,
			  struct mkfr_error *err);
int release_file_verify(const struct release_fetch_request *req, const struct release_signed *in,
			const char *origin, struct release_file *rel, struct mkfr_error *err);

#endif
