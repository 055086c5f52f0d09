/* SPDX-License-Identifier: MIT */
/* Fuzzes the Release file parser and the clear-signed text reader.
 *
 * The input is parsed as a Release file (release_file_parse), then taken
 * as an InRelease: openpgp_clearsigned_body (what --no-check-gpg reads; no
 * signature is checked here, gpgme would spawn gpg for every input) and,
 * when it has a body, that body is parsed as a Release file as the fetch
 * stage does.
 *
 * Asserts: a parsed Release has a Suite or Codename and at least one
 * checksum, each with a path and 64 lower-case hex digits, findable by
 * its path; dates that were given parse again to the same time; a body
 * is never longer than the input plus the one newline it may add; a
 * failure has a message.  Leaks are caught by ASan. */
#include "fuzz_util.h"

#include "archive/openpgp_verify.h"
#include "archive/release_file.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_release(const char *text)
{
	struct release_file rel;
	struct mkfr_error err = { 0 };
	if (release_file_parse(text, "fuzz", &rel, &err) < 0) {
		fuzz_assert(err.msg[0], "failure without a message");
		return;
	}
	fuzz_assert(rel.suite || rel.codename, "neither Suite nor Codename");
	fuzz_assert(rel.sha256_count > 0, "no checksums");
	for (size_t i = 0; i < rel.sha256_count; i++) {
		const struct release_checksum *c = &rel.sha256[i];
		fuzz_assert(c->path && c->path[0], "checksum %zu without a path", i);
		fuzz_assert(strlen(c->sha256) == 64, "checksum %zu: '%s'", i, c->sha256);
		for (const char *h = c->sha256; *h; h++)
			fuzz_assert(strchr("0123456789abcdef", *h), "checksum %zu: '%s'", i, c->sha256);
		const struct release_checksum *found = release_file_checksum(&rel, c->path);
		fuzz_assert(found && strcmp(found->path, c->path) == 0, "%s not found", c->path);
	}
	time_t t;
	if (rel.date_text)
		fuzz_assert(release_date_parse(rel.date_text, &t) == 0 && t == rel.date,
			    "Date '%s' does not parse again", rel.date_text);
	if (rel.valid_until_text)
		fuzz_assert(release_date_parse(rel.valid_until_text, &t) == 0 && t == rel.valid_until,
			    "Valid-Until '%s' does not parse again", rel.valid_until_text);
	release_file_check_valid_until(&rel, (time_t)1700000000, "fuzz", &err);
	release_file_free(&rel);
	release_file_free(&rel); /* *_free is safe to call twice */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	parse_release(text);

	char *body = NULL;
	struct mkfr_error err = { 0 };
	if (openpgp_clearsigned_body((const char *)data, size, &body, &err) == 0) {
		fuzz_assert(body, "success without a body");
		fuzz_assert(strlen(body) <= size + 1, "body of %zu bytes from %zu", strlen(body), size);
		parse_release(body);
		free(body);
	} else {
		fuzz_assert(err.msg[0], "failure without a message");
	}
	free(text);
	return 0;
}
