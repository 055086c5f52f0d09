/* SPDX-License-Identifier: MIT */
/* The base cache: the configured base (after debootstrap's second stage,
 * before any hook) kept as a snapshot, so that a rebuild of the same
 * base skips the first and second stage and only unpacks it.
 *
 * An entry is keyed by everything that decides what the second stage
 * produces: suite, arch, variant, components, mirror, extra packages and
 * excludes, the exact resolved package set (name, version, architecture and
 * .deb SHA256, from the verified indexes), the binfmt mode (a private build
 * cannot make device nodes), whether it was built without root (no device
 * nodes at all), SOURCE_DATE_EPOCH for reproducible builds, and
 * the versions of debootstrap, the emulator and mkforeignroot.  The key is
 * the SHA-256 of that text; a new package version on the mirror changes it.
 *
 *     CACHE/base/ID.tar.zst   the snapshot (tar_writer's pax format, zstd)
 *                             (paths: cache/layout.h)
 *     CACHE/base/ID.key       the key text it was made for; its mtime says
 *                             when the entry was last used
 *
 * A snapshot is written below CACHE/tmp/ and renamed in place complete, so a
 * reader sees a whole entry or none; a reader holds the file open, so prune
 * may remove an entry in use. */
#ifndef MKFR_BASE_CACHE_H
#define MKFR_BASE_CACHE_H

#include "archive/packages_index.h"
#include "out/tar_writer.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* What the key is made of.  Lists are as the profile gives them. */
struct base_cache_inputs {
	const char *tool_version, *debootstrap_version, *emulator_version;
	const char *binfmt;
	const char *unpack;            /* the profile's unpack= (auto, native, emulated) */
	/* Made without root (sys/rootless.h): no device nodes on disk, owners
	 * as its user namespace maps them.  Such a base is never a root
	 * build's, nor the other way round. */
	bool rootless;
	const char *suite, *arch, *variant, *components, *mirror, *packages, *exclude;
	const char *source_date_epoch; /* NULL unless the build is reproducible */
	const struct deb_package *debs; /* name, version, architecture, SHA256 are used */
	size_t deb_count;
};

struct base_cache_key {
	char *text;   /* "name=value" lines; the debs sorted by name */
	char id[65];  /* SHA-256 of text, hex */
};

int base_cache_key_make(const struct base_cache_inputs *in, struct base_cache_key *key,
			struct mkfr_error *err);
void base_cache_key_free(struct base_cache_key *key);

/* CACHE/base/ID.tar.zst if that entry exists (and marks it used), else NULL. */
char *base_cache_lookup(const char *cache_dir, const struct base_cache_key *key);

/* Snapshot the tree `root` as the entry for `key` (o->skip leaves out what
 * is not part of the base).  Replaces an entry of the same key. */
int base_cache_store(const char *cache_dir, const struct base_cache_key *key, const char *root,
		     const struct tar_options *o, struct tar_stats *stats, struct mkfr_error *err);

/* One entry, as `mkforeignroot cache list` shows it. */
struct base_cache_entry {
	char id[65];
	char *suite, *arch, *variant, *components, *mirror;
	size_t packages;
	uint64_t bytes;
	time_t created, last_used;
};

/* Every entry, most recently used first.  A missing CACHE/base is empty. */
int base_cache_list(const char *cache_dir, struct base_cache_entry **entries, size_t *count,
		    struct mkfr_error *err);
void base_cache_entries_free(struct base_cache_entry *entries, size_t count);

/* Remove one entry (its snapshot, then its key). */
int base_cache_remove(const char *cache_dir, const char *id, struct mkfr_error *err);

#endif
