/* The base cache in the pipeline (base_cache.h holds the cache itself).
 *
 * fetch, once it knows the exact package set, calls base_cache_try_restore:
 * on a hit the configured base is unpacked into the work directory and
 * foreign and second have nothing to do; fetch then only adds the current
 * apt lists (a snapshot holds none: they change with every mirror update
 * that leaves the base alone).
 *
 * snapshot, after second and before any hook, stores the base of a build
 * that missed: the tree as debootstrap left it, without what is ours
 * (/debootstrap with the staged emulator) and without what a rebuild
 * brings anew (the apt lists, the .debs in /var/cache/apt/archives, which
 * the apt-clean hook removes from every build anyway). */
#include "cache/base_cache.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "pipeline/pipeline.h"
#include "sys/rootfs_fs.h"
#include "sys/signals.h"
#include "sys/spawn.h"
#include "util/strv.h"
#include "out/tar_extract.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "debootstrap 1.0.128+nmu2+deb12u2" */
static int debootstrap_version(struct build *b, char **out, struct mkfr_error *err)
{
	char *argv[] = { b->debootstrap ? b->debootstrap : "debootstrap", "--version", NULL };
	return spawn_first_line(argv, b->log_fd, out, err);
}

static int make_key(struct build *b, struct mkfr_error *err)
{
	autofree char *debootstrap = NULL, *epoch = NULL;
	if (debootstrap_version(b, &debootstrap, err) < 0 ||
	    emulation_obtain_emulator(&b->emu, err) < 0)
		return -1;
	if (!b->emulator_version &&
	    emulation_emulator_version(&b->emu, b->log_fd, &b->emulator_version, err) < 0)
		return -1;
	if (b->reproducible && asprintf(&epoch, "%lld", (long long)b->source_date_epoch) < 0)
		return mkfr_fail(err, ENOMEM, "base cache");
	const struct profile *p = b->profile;
	struct base_cache_inputs in = {
		.tool_version = PACKAGE_VERSION,
		.debootstrap_version = debootstrap,
		.emulator_version = b->emulator_version,
		.binfmt = emulation_binfmt_name(b->emu.binfmt),
		.suite = profile_get(p, "suite"),
		.arch = b->arch->name,
		.variant = profile_get(p, "variant"),
		.components = profile_get(p, "components"),
		.mirror = profile_get(p, "mirror"),
		.packages = profile_get(p, "packages"),
		.exclude = profile_get(p, "exclude"),
		.source_date_epoch = epoch,
		.debs = b->fetched,
		.deb_count = b->fetched_count,
	};
	struct base_cache_key key;
	if (base_cache_key_make(&in, &key, err) < 0)
		return -1;
	b->base_key_text = key.text;
	memcpy(b->base_key_id, key.id, sizeof(b->base_key_id));
	return 0;
}

int base_cache_try_restore(struct build *b, struct mkfr_error *err)
{
	b->base_hit = false;
	if (!b->base_cache_enabled)
		return 0;
	if (make_key(b, err) < 0)
		return mkfr_error_prefix(err, "base cache");
	struct base_cache_key key = { .text = b->base_key_text };
	memcpy(key.id, b->base_key_id, sizeof(key.id));
	log_verbose("base cache: key %s", b->base_key_id);
	autofree char *snapshot = base_cache_lookup(b->cache_dir, &key);
	if (!snapshot) {
		log_info("base cache: no entry %.12s for this base yet: full build, kept afterwards",
			 b->base_key_id);
		return 0;
	}

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct tar_stats stats;
	struct mkfr_error xerr = { 0 };
	if (tar_extract_tree(snapshot, b->work, &stats, &xerr) == 0) {
		b->base_hit = true;
		log_info("base cache: hit %.12s: %llu entries (%.0f MB) unpacked in %.1f s, no "
			 "debootstrap run", b->base_key_id, (unsigned long long)stats.entries,
			 (double)stats.bytes / 1e6, log_seconds_since(&t0));
		return 0;
	}
	if (signals_pending()) {
		*err = xerr;
		return -1;
	}
	/* A damaged entry must not fail builds until someone prunes it. */
	log_warn("base cache: entry %.12s is unusable (%s): removed; building in full",
		 b->base_key_id, xerr.msg);
	if (base_cache_remove(b->cache_dir, b->base_key_id, err) < 0 || empty_tree(b->work, err) < 0)
		return mkfr_error_prefix(err, "base cache");
	return 0;
}

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
	struct base_cache_key key = { .text = b->base_key_text };
	memcpy(key.id, b->base_key_id, sizeof(key.id));
	struct tar_options o = {
		.format = OUTPUT_TAR_ZST,
		.skip = not_part_of_base,
		.skip_data = b,
	};
	struct tar_stats stats;
	log_info("snapshot: keeping the configured base in the base cache (%.12s)", b->base_key_id);
	struct mkfr_error serr = { 0 };
	if (base_cache_store(b->cache_dir, &key, b->work, &o, &stats, &serr) < 0) {
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
