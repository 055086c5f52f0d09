/* SPDX-License-Identifier: MIT */
/* A binary Packages index: fetched from dists/SUITE/COMPONENT/binary-ARCH/,
 * checked against the signed Release, decompressed while read (libarchive)
 * and parsed into one record per package stanza.  Parsing takes a stream,
 * so the 40+ MB main index is never held in memory whole, and a string in
 * the unit tests. */
#ifndef MKFR_PACKAGES_INDEX_H
#define MKFR_PACKAGES_INDEX_H

#include "archive/release_file.h"
#include "util/arena.h"
#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct deb_package {
	char *package, *version, *architecture, *source;
	char *filename;    /* relative to the mirror root: pool/main/q/... */
	uint64_t size;
	uint64_t installed_kib; /* Installed-Size: what it unpacks to, KiB; 0 if absent */
	char *sha256;
	char *depends, *pre_depends, *provides; /* as written; NULL when absent */
	char *priority, *multi_arch;
	bool essential;
};

/* A copy that owns its strings (one record outliving its index); free it
 * with deb_package_free, which leaves *p zeroed. */
void deb_package_copy(struct deb_package *dst, const struct deb_package *src);
void deb_package_free(struct deb_package *p);

/* Its records' strings live in `strings` (util/arena.h): never
 * deb_package_free a record of an index; copy it to keep it. */
struct packages_index {
	struct deb_package *packages;
	size_t count;
	struct arena strings;
};

/* Parse deb822 stanzas.  Stanzas without Package are an error; ones
 * without Filename, Size or SHA256 are kept (the fetcher refuses to
 * download them).  `origin` names the text in errors (FILE:LINE). */
int packages_index_parse_stream(FILE *in, const char *origin, struct packages_index *idx,
				struct mkfr_error *err);
int packages_index_parse(const char *text, const char *origin, struct packages_index *idx,
			 struct mkfr_error *err);
void packages_index_free(struct packages_index *idx);
/* The first stanza of that name (a suite's index lists each package once
 * per architecture). */
const struct deb_package *packages_index_find(const struct packages_index *idx, const char *name);

/* debootstrap's and apt's file name for the package's .deb:
 * NAME_VERSION_ARCH.deb with ':' (an epoch) written %3a.  New string, or
 * NULL when a field is missing or would put a '/' in the name. */
char *deb_package_file_name(const struct deb_package *p);

struct packages_fetch_request {
	const char *mirror, *suite, *component, *arch;
	const char *proxy;                /* NULL: the environment's */
	const struct release_file *release; /* verified: where sizes and hashes come from */
	const char *save_dir; /* fetch: keep the verified compressed index as
				 SAVE_DIR/COMPONENT/binary-ARCH/Packages.EXT; NULL: don't */
};

/* Download Packages.xz (or .gz when the Release lists no .xz), verify and
 * parse it.  The compressed file lives in an unnamed temp file only. */
int packages_index_fetch(const struct packages_fetch_request *req, struct packages_index *idx,
			 struct mkfr_error *err);
/* Offline: the index saved by an earlier fetch in DIR (same layout as
 * save_dir), checked against req->release before it is parsed. */
int packages_index_load(const struct packages_fetch_request *req, const char *dir,
			struct packages_index *idx, struct mkfr_error *err);
/* Where the Release lists the index uncompressed (Debian's do), it is
 * kept as verified beside the compressed one, as SAVE_DIR/PATH (and
 * packages_index_load uses it when it matches): PATH (new string) below
 * dists/SUITE/, or NULL when the Release does not list it. */
char *packages_index_plain_path(const struct release_file *rel, const char *component,
				const char *arch);
/* Beside it, PATH.from: the SHA256 of the compressed index it came from,
 * without which it is not used. */
#define PACKAGES_INDEX_PLAIN_NOTE_SUFFIX ".from"
/* Decompress a saved index to fd (plain text: what apt keeps in
 * /var/lib/apt/lists). */
int packages_index_decompress_to(const char *compressed, int fd, struct mkfr_error *err);
/* The index the Release lists for COMPONENT/ARCH (xz preferred, then gz);
 * *rel_path (new string) is its path below dists/SUITE/.  NULL if none. */
const struct release_checksum *packages_index_listed(const struct release_file *rel,
						     const char *component, const char *arch,
						     char **rel_path);

#endif
