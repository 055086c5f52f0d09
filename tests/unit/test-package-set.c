/* SPDX-License-Identifier: MIT */
/* The package set debootstrap would install, on small hand-written indexes:
 * each expectation is what debootstrap 1.0.128's --print-debs gives for the
 * same indexes (see package_set.h for the rules). */
#include "util/cleanup.h"
#include "archive/package_set.h"
#include "util/strv.h"
#include "tap.h"

static const char MAIN[] =
	"Package: base-files\nPriority: required\nEssential: yes\nPre-Depends: awk\n\n"
	"Package: mawk\nPriority: required\nProvides: awk\n\n"
	"Package: dpkg\nPriority: required\nEssential: yes\n"
	"Depends: tar (>= 1.28-1), libc6:any (>= 2.36)\n\n"
	"Package: tar\nPriority: required\nPre-Depends: libacl1 (>= 2.2.23)\n\n"
	"Package: libacl1\nPriority: optional\n\n"
	"Package: init-system-helpers\nPriority: required\nDepends: usrmerge | usr-is-merged\n\n"
	"Package: usr-is-merged\nPriority: optional\n\n"
	"Package: usrmerge\nPriority: optional\nDepends: perl\n\n"
	"Package: libc6\nPriority: optional\nDepends: libgcc-s1 | libgcc1\n\n"
	"Package: libgcc-s1\nPriority: optional\n\n"
	"Package: libgcc1\nPriority: optional\n\n"
	"Package: essential-only\nPriority: optional\nEssential: yes\n\n"
	"Package: apt\nPriority: important\n"
	"Depends: libapt-pkg6.0 (>= 2.6.1), debian-archive-keyring, gpgv | gpgv2\n\n"
	"Package: libapt-pkg6.0\nPriority: optional\nDepends: zlib1g\n\n"
	"Package: zlib1g\nPriority: optional\n\n"
	"Package: debian-archive-keyring\nPriority: important\n\n"
	"Package: gpgv\nPriority: optional\n\n"
	"Package: gpgv2\nPriority: optional\n\n"
	"Package: less\nPriority: important\n\n"
	"Package: logrotate\nPriority: important\nDepends: cron-daemon\n\n"
	"Package: cron\nPriority: optional\nProvides: cron-daemon\n\n"
	"Package: build-essential\nPriority: optional\nDepends: gcc, make, dpkg-dev\n\n"
	"Package: gcc\nPriority: optional\nDepends: cpp (= 4:12.2.0-3)\n\n"
	"Package: cpp\nPriority: optional\n\n"
	"Package: make\nPriority: optional\n\n"
	"Package: dpkg-dev\nPriority: optional\nDepends: perl:any, no-such-library\n\n"
	"Package: perl\nPriority: optional\n\n"
	"Package: iputils-ping\nPriority: optional\nDepends: libcap2-bin\n\n"
	"Package: libcap2-bin\nPriority: optional\n\n"
	"Package: ca-certificates\nPriority: optional\n\n"
	"Package: dup-pkg\nVersion: 1\nPriority: optional\n\n";

static const char CONTRIB[] =
	"Package: contrib-only\nPriority: important\nDepends: dup-pkg\n\n"
	"Package: dup-pkg\nVersion: 2\nPriority: optional\n\n";

static struct packages_index indexes[2];

/* "required... | base..." */
static char *resolve(const char *codename, enum package_set_variant variant, const char *include,
		     const char *exclude, bool https, struct package_set *set)
{
	struct mkfr_error err;
	autostrv char **inc = include ? strv_split_list(include, ',') : NULL;
	autostrv char **exc = exclude ? strv_split_list(exclude, ',') : NULL;
	struct package_set_request req = {
		.indexes = indexes, .index_count = 2, .codename = codename, .variant = variant,
		.include = inc, .exclude = exc, .https_mirror = https,
	};
	if (package_set_resolve(&req, set, &err) < 0) {
		printf("# %s\n", err.msg);
		return NULL;
	}
	char **names = NULL;
	for (size_t i = 0; i < set->count; i++) {
		if (i == set->required_count)
			strv_push(&names, "|");
		strv_push(&names, set->items[i].name);
	}
	if (set->required_count == set->count)
		strv_push(&names, "|");
	char *joined = strv_join(names, " ");
	strv_free(names);
	return joined;
}

static const struct package_set_item *item(const struct package_set *set, const char *name)
{
	for (size_t i = 0; i < set->count; i++)
		if (strcmp(set->items[i].name, name) == 0)
			return &set->items[i];
	return NULL;
}

#define REQUIRED_BOOKWORM \
	"base-files dpkg init-system-helpers libacl1 libc6 libgcc-s1 mawk tar usr-is-merged"

int main(void)
{
	struct mkfr_error err;
	struct package_set set;
	enum package_set_variant v;
	char *got;

	if (packages_index_parse(MAIN, "main", &indexes[0], &err) < 0 ||
	    packages_index_parse(CONTRIB, "contrib", &indexes[1], &err) < 0) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}

	got = resolve("bookworm", PACKAGE_SET_MINBASE, NULL, NULL, false, &set);
	is_str(got, REQUIRED_BOOKWORM " | apt debian-archive-keyring gpgv libapt-pkg6.0 zlib1g",
	       "minbase: Priority: required, then apt, each closed under Depends and Pre-Depends");
	ok(set.required_count == 9, "nine of them are the first stage's required (%zu)",
	   set.required_count);
	ok(!strstr(got, "essential-only"), "Essential: yes alone does not select (get_debs reads Priority only)");
	ok(strstr(got, "libacl1") != NULL, "a Pre-Depends is followed");
	ok(strstr(got, "libc6") != NULL, "an arch-qualified dependency (libc6:any) is followed");
	ok(!strstr(got, "gpgv2") && !strstr(got, "libgcc1"), "only the first alternative is taken");
	ok(!item(&set, "awk") && !item(&set, "cron-daemon") && !item(&set, "cron"),
	   "a virtual package is dropped, its provider not pulled in");
	ok(!strstr(got, "usrmerge"), "bookworm: usr-is-merged is required and usrmerge never followed");
	ok(item(&set, "apt") && item(&set, "apt")->package == packages_index_find(&indexes[0], "apt"),
	   "each name points at its stanza");
	free(got);
	package_set_free(&set);

	got = resolve("bookworm", PACKAGE_SET_BUILDD, NULL, NULL, false, &set);
	is_str(got, REQUIRED_BOOKWORM " | apt build-essential cpp debian-archive-keyring dpkg-dev gcc "
				      "gpgv libapt-pkg6.0 make perl zlib1g",
	       "buildd: apt and build-essential");
	ok(!strstr(got, "no-such-library"), "a dependency no index has is silently dropped");
	free(got);
	package_set_free(&set);

	got = resolve("bookworm", PACKAGE_SET_STANDARD, NULL, NULL, false, &set);
	is_str(got, REQUIRED_BOOKWORM " | apt contrib-only debian-archive-keyring dup-pkg gpgv less "
				      "libapt-pkg6.0 logrotate zlib1g",
	       "standard: every Priority: important package, from every component");
	const struct package_set_item *dup = item(&set, "dup-pkg");
	is_str(dup && dup->package ? dup->package->version : NULL, "1",
	       "a package in two components is taken from the first");
	free(got);
	package_set_free(&set);

	got = resolve("bullseye", PACKAGE_SET_MINBASE, NULL, NULL, false, &set);
	is_str(got, "base-files dpkg init-system-helpers libacl1 libc6 libgcc-s1 mawk perl tar usrmerge"
		    " | apt debian-archive-keyring gpgv libapt-pkg6.0 zlib1g",
	       "bullseye: no usr-is-merged, the first alternative usrmerge is followed");
	free(got);
	package_set_free(&set);

	got = resolve("trixie", PACKAGE_SET_MINBASE, NULL, NULL, false, &set);
	is_str(got, "base-files dpkg init-system-helpers libacl1 libc6 libgcc-s1 mawk tar"
		    " | apt debian-archive-keyring gpgv libapt-pkg6.0 zlib1g",
	       "after bookworm: neither usr-is-merged nor usrmerge");
	free(got);
	package_set_free(&set);

	got = resolve("bookworm", PACKAGE_SET_MINBASE, "iputils-ping,no-such-package",
		      "mawk,tar,gpgv,less", false, &set);
	is_str(got, "base-files dpkg init-system-helpers libacl1 libc6 libgcc-s1 tar usr-is-merged"
		    " | apt debian-archive-keyring gpgv iputils-ping libapt-pkg6.0 libcap2-bin "
		    "no-such-package zlib1g",
	       "--include adds with dependencies; --exclude takes names off the starting lists only");
	ok(!strstr(got, "mawk"), "an excluded package nothing depends on is gone");
	ok(strstr(got, " tar ") && strstr(got, " gpgv "),
	   "an excluded package something depends on comes back (as in debootstrap)");
	const struct package_set_item *missing = item(&set, "no-such-package");
	ok(missing && missing->package == NULL,
	   "an --include no index has is listed without a record (debootstrap fails at download)");
	free(got);
	package_set_free(&set);

	got = resolve("bookworm", PACKAGE_SET_MINBASE, NULL, NULL, true, &set);
	ok(got && strstr(got, "| apt ca-certificates "), "an https mirror adds ca-certificates");
	free(got);
	package_set_free(&set);

	got = resolve("stretch", PACKAGE_SET_MINBASE, NULL, NULL, true, &set);
	ok(got && strstr(got, "apt-transport-https"), "stretch over https also wants apt-transport-https");
	free(got);
	package_set_free(&set);

	ok(package_set_variant_from_name("standard", &v) == 0 && v == PACKAGE_SET_STANDARD &&
		   package_set_variant_from_name("buildd", &v) == 0 && v == PACKAGE_SET_BUILDD &&
		   package_set_variant_from_name("minbase", &v) == 0 && v == PACKAGE_SET_MINBASE,
	   "variant names parse");
	ok(package_set_variant_from_name("fakechroot", &v) < 0, "an unknown variant is refused");

	packages_index_free(&indexes[0]);
	packages_index_free(&indexes[1]);
	return tap_done();
}
