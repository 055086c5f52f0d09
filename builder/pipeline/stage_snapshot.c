/* SPDX-License-Identifier: MIT */
/* snapshot: after second and before any hook, the base of a build that
 * missed the base cache (stage_base_restore.c) is kept there: the tree as
 * debootstrap left it, without what is ours (/debootstrap with the staged
 * emulator, our policy-rc.d) and without what a rebuild brings anew (the
 * apt lists, which change with every mirror update that leaves the base
 * alone, and the .debs in /var/cache/apt/archives, which the apt-clean
 * hook removes from every build anyway).  A snapshot that cannot be
 * written is a warning: the rootfs is fine, only the next build is slower. */
#include "cache/base_cache.h"
#include "pipeline/stages.h"
#include "sys/signals.h"
#include "util/log.h"

#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* What a snapshot leaves out (archive names, see the top of this file). */
static bool not_part_of_base(const char *path, const struct stat *st, void *data)
{
	const struct build *b = data;
	static const char lists[] = "./var/lib/apt/lists/", debs[] = "./var/cache/apt/archives/";
	if (strcmp(path, "./debootstrap") == 0)
		return true;
	if (b->policy_rc_added && strcmp(path, "./usr/sbin/policy-rc.d") == 0)
		return true;
	if (!S_ISREG(st->st_mode))
		return false;
	if (strncmp(path, lists, sizeof(lists) - 1) == 0) {
		const char *name = path + sizeof(lists) - 1;
		return !strchr(name, '/') && strcmp(name, "lock") != 0;
	}
	if (strncmp(path, debs, sizeof(debs) - 1) == 0) {
		const char *name = path + sizeof(debs) - 1;
		size_t len = strlen(name);
		return !strchr(name, '/') && len > 4 && strcmp(name + len - 4, ".deb") == 0;
	}
	return false;
}

static int snapshot_run(struct build *b, struct mkfr_error *err)
{
	if (!b->base_cache_enabled || b->base_hit)
		return 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct tar_options o = {
		.format = OUTPUT_TAR_ZST,
		.skip = not_part_of_base,
		.skip_data = b,
	};
	struct tar_stats stats;
	log_info("snapshot: keeping the configured base in the base cache (%.12s)", b->base_key.id);
	struct mkfr_error serr = { 0 };
	if (base_cache_store(b->cache_dir, &b->base_key, b->work, &o, &stats, &serr) < 0) {
		if (signals_pending()) {
			*err = serr;
			return -1;
		}
		/* The rootfs is fine; only the next build will be slower. */
		log_warn("snapshot: the base was not kept: %s", serr.msg);
		return 0;
	}
	b->base_stored = true;
	log_info("snapshot: %llu entries (%.0f MB) kept in %.1f s", (unsigned long long)stats.entries,
		 (double)stats.bytes / 1e6, log_seconds_since(&t0));
	return 0;
}

const struct stage stage_snapshot = { "snapshot", snapshot_run, NULL };
