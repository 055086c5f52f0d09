/* SPDX-License-Identifier: MIT */
/* Test driver for package_set_resolve() on a real mirror: our answer to
 * `debootstrap --print-debs`, one name a line, for the e2e test to compare.
 *
 *   print-debs MIRROR SUITE ARCH COMPONENTS VARIANT [--include=A,B] [--exclude=C,D]
 *              [--keyring=FILE]
 *
 * COMPONENTS is comma-separated; VARIANT is minbase, buildd or standard;
 * the keyring (default Debian's) is the one that signs MIRROR's Release (a
 * test's own key for a local view of the mirror, tests/e2e/lib.sh). */
#include "util/cleanup.h"
#include "util/log.h"
#include "archive/package_set.h"
#include "archive/packages_index.h"
#include "archive/release_file.h"
#include "sys/signals.h"
#include "util/strv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"

static int usage(const char *argv0)
{
	fprintf(stderr, "usage: %s MIRROR SUITE ARCH COMPONENTS minbase|buildd|standard "
		"[--include=A,B] [--exclude=C,D] [--keyring=FILE]\n", argv0);
	return 2;
}

int main(int argc, char **argv)
{
	struct mkfr_error err;
	struct release_file rel = { 0 };
	struct packages_index *indexes = NULL;
	size_t index_count = 0;
	struct package_set set = { 0 };
	autostrv char **wanted = NULL, **components = NULL, **include = NULL, **exclude = NULL;
	enum package_set_variant variant;
	const char *keyring = KEYRING;
	int ret = 1;

	if (argc < 6 || package_set_variant_from_name(argv[5], &variant) < 0)
		return usage(argv[0]);
	for (int i = 6; i < argc; i++) {
		if (strncmp(argv[i], "--include=", 10) == 0)
			include = strv_split_list(argv[i] + 10, ',');
		else if (strncmp(argv[i], "--exclude=", 10) == 0)
			exclude = strv_split_list(argv[i] + 10, ',');
		else if (strncmp(argv[i], "--keyring=", 10) == 0)
			keyring = argv[i] + 10;
		else
			return usage(argv[0]);
	}
	signals_install();
	const char *mirror = argv[1], *suite = argv[2], *arch = argv[3];
	struct release_fetch_request rreq = {
		.mirror = mirror, .suite = suite, .keyring = keyring,
		.proxy = getenv("MKFR_TEST_PROXY"), .check_valid_until = true,
	};
	if (release_file_fetch(&rreq, &rel, &err) < 0)
		goto fail;

	/* debootstrap's extract_release_components: the Release's components,
	 * in its order, that were asked for; others are silently ignored. */
	wanted = strv_split_list(argv[4], ',');
	for (char **c = rel.components; c && *c; c++)
		if (strv_contains(wanted, *c))
			strv_push(&components, *c);
	if (!components) {
		mkfr_fail_usage(&err, "none of the components '%s' is in %s's Release", argv[4], suite);
		goto fail;
	}
	indexes = calloc(strv_length(components), sizeof(*indexes));
	if (!indexes)
		goto nomem;
	for (; components[index_count]; index_count++) {
		struct packages_fetch_request preq = {
			.mirror = mirror, .suite = suite, .component = components[index_count],
			.arch = arch, .proxy = rreq.proxy, .release = &rel,
		};
		if (packages_index_fetch(&preq, &indexes[index_count], &err) < 0)
			goto fail;
	}

	struct package_set_request sreq = {
		.indexes = indexes, .index_count = index_count, .codename = rel.codename,
		.variant = variant, .include = include, .exclude = exclude,
		.https_mirror = strncmp(mirror, "https://", 8) == 0,
	};
	if (package_set_resolve(&sreq, &set, &err) < 0)
		goto fail;
	for (size_t i = 0; i < set.count; i++) {
		printf("%s\n", set.items[i].name);
		if (!set.items[i].package)
			log_warn("%s: in no %s index (debootstrap would fail to download it)",
				 set.items[i].name, suite);
	}
	ret = 0;
	goto out;
nomem:
	mkfr_fail(&err, ENOMEM, "print-debs");
fail:
	log_error("%s", err.msg);
	ret = err.exit_code ? err.exit_code : 1;
out:
	package_set_free(&set);
	for (size_t i = 0; i < index_count; i++)
		packages_index_free(&indexes[i]);
	free(indexes);
	release_file_free(&rel);
	return ret;
}
