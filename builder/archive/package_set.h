/* SPDX-License-Identifier: MIT */
/* The exact set of packages debootstrap installs for a profile, worked out
 * from the suite's Packages indexes the way debootstrap 1.0.128 does it
 * (scripts/debian-common work_out_debs, debootstrap's finddebs phase and
 * functions resolve_deps), so the fetch stage can download the same .debs
 * before debootstrap runs.  The goal is the same list as
 * `debootstrap --print-debs`, not a better one: debootstrap takes the first
 * alternative, ignores versions, drops virtual and missing dependencies,
 * and lets a dependency bring back an --exclude'd package.  This resolver
 * does the same.
 *
 * Pure: no I/O; the indexes are parsed by packages_index.h. */
#ifndef MKFR_PACKAGE_SET_H
#define MKFR_PACKAGE_SET_H

#include "archive/packages_index.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

/* The profile's `variant`: "standard" is debootstrap's default variant
 * (no --variant), which adds every Priority: important package. */
enum package_set_variant {
	PACKAGE_SET_MINBASE,
	PACKAGE_SET_BUILDD,
	PACKAGE_SET_STANDARD,
};

/* "minbase", "buildd" or "standard"; -1 for anything else. */
int package_set_variant_from_name(const char *name, enum package_set_variant *out);

struct package_set_request {
	/* One index per component of the suite, in the order the Release's
	 * Components field lists them (debootstrap's $COMPONENTS): when two
	 * have a package, the first one's .deb is the one downloaded. */
	const struct packages_index *indexes;
	size_t index_count;
	/* The Release's Codename: bookworm adds usr-is-merged, later suites
	 * never pull in usrmerge.  NULL counts as a suite after bookworm. */
	const char *codename;
	enum package_set_variant variant;
	char *const *include; /* --include names, NULL-terminated; NULL: none */
	char *const *exclude; /* --exclude names, NULL-terminated; NULL: none */
	bool https_mirror;    /* the mirror URL is https://: debootstrap adds ca-certificates */
};

struct package_set_item {
	char *name;
	/* The stanza whose .deb debootstrap downloads, pointing into the
	 * request's indexes (valid as long as they are).  NULL for a name that
	 * no index has: debootstrap lists an --include of an unknown package
	 * too, and fails only when it comes to download it. */
	const struct deb_package *package;
};

struct package_set {
	/* debootstrap's $required (unpacked by the first stage), then its
	 * $base; each part sorted by name (byte order), as --print-debs
	 * prints them. */
	struct package_set_item *items;
	size_t count;
	size_t required_count;
};

int package_set_resolve(const struct package_set_request *req, struct package_set *out,
			struct mkfr_error *err);
void package_set_free(struct package_set *set);

#endif
