/* SPDX-License-Identifier: MIT */
/* The verified indexes of one suite of one archive, online or offline:
 * the one way a build (and the emulator taken from the mirror) obtains a
 * Release file and Packages indexes.
 *
 * Online, the signed Release (InRelease, or Release + Release.gpg where a
 * mirror has none) and each Packages file are downloaded, verified
 * (archive/release_file.h, archive/packages_index.h) and then kept in
 * CACHE/indexes/SUITE, replacing what an earlier build kept there.  Offline
 * (--offline), or when the mirror cannot be reached at all and the cache
 * holds the suite's Release, they are read from there and verified again,
 * so an offline build trusts exactly what an online one does.  A mirror
 * that answers "not found" is an answer, not an outage: no fallback. */
#ifndef MKFR_INDEX_CACHE_H
#define MKFR_INDEX_CACHE_H

#include "archive/packages_index.h"
#include "archive/release_file.h"
#include "util/error.h"

#include <stdbool.h>

struct index_source {
	const char *cache_dir;
	const char *mirror, *suite;
	const char *keyring; /* NULL: signatures not checked (--no-check-gpg) */
	const char *proxy;   /* NULL: the environment's */
	bool check_valid_until;
	/* In: --offline.  Out: also true once the mirror turned out to be
	 * unreachable and the cache was used instead (said in a warning). */
	bool offline;
	/* Where the files are also kept as verified, under their names below
	 * dists/SUITE/ (the fetch stage seeds the rootfs's apt lists from
	 * them); NULL: only the cache. */
	const char *keep_dir;
	const char *what;    /* prefix of messages ("fetch", "emulator") */
};

/* The suite's signed Release, verified.  *detached: it came as Release +
 * Release.gpg (no InRelease). */
int index_cache_release(struct index_source *src, struct release_file *rel, bool *detached,
			struct mkfr_error *err);

/* COMPONENT/binary-ARCH/Packages (xz, else gz, as `rel` lists it),
 * checked against `rel` and parsed. */
int index_cache_packages(struct index_source *src, const struct release_file *rel,
			 const char *component, const char *arch, struct packages_index *idx,
			 struct mkfr_error *err);

/* Does the cache hold a Release of this suite (an offline build can start)? */
bool index_cache_has_release(const struct index_source *src);

#endif
