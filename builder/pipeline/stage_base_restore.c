/* SPDX-License-Identifier: MIT */
/* base_restore: is this exact base in the base cache (cache/base_cache.h)?
 *
 * With the package set known (resolve), the key of the configured base is
 * computed: suite, arch, variant, components, mirror, packages, exclude,
 * every resolved .deb's name, version, architecture and SHA256, the binfmt
 * mode, the epoch of a reproducible build, and the versions of
 * debootstrap, the emulator and mkforeignroot.  On a hit the snapshot is
 * unpacked into the work directory: fetch then needs no .deb, and foreign
 * and second have nothing to do.  A damaged entry is removed with a
 * warning and the build goes on in full.  The snapshot stage stores the
 * base of a build that missed, under the same key. */
#include "cache/base_cache.h"
#include "out/tar_extract.h"
#include "pipeline/stages.h"
#include "sys/rootfs_fs.h"
#include "sys/signals.h"
#include "sys/spawn.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"

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
	if (b->reproducible)
		epoch = xasprintf("%lld", (long long)b->source_date_epoch);
	const struct profile *p = b->profile;
	struct base_cache_inputs in = {
		.tool_version = PACKAGE_VERSION,
		.debootstrap_version = debootstrap,
		.emulator_version = b->emulator_version,
		.binfmt = emulation_binfmt_name(b->emu.binfmt),
		/* The modes give the same tree, but a build that asks for
		 * unpack=emulated (say, to rule native unpacking out) must not
		 * get a base made by the other: the mode asked for, not the
		 * one auto picks (which the second stage decides, once the
		 * packages are fetched). */
		.unpack = profile_get(b->profile, "unpack"),
		.rootless = b->rootless != NULL,
		.suite = profile_get(p, "suite"),
		.arch = b->arch->name,
		.variant = profile_get(p, "variant"),
		.components = profile_get(p, "components"),
		.mirror = profile_get(p, "mirror"),
		.packages = profile_get(p, "packages"),
		.exclude = profile_get(p, "exclude"),
		.source_date_epoch = epoch,
		.debs = b->resolved.debs,
		.deb_count = b->resolved.deb_count,
	};
	return base_cache_key_make(&in, &b->base_key, err);
}

static int base_restore_run(struct build *b, struct mkfr_error *err)
{
	b->base_hit = false;
	if (!b->base_cache_enabled)
		return 0;
	if (make_key(b, err) < 0)
		return mkfr_error_prefix(err, "base cache");
	log_verbose("base cache: key %s", b->base_key.id);
	autofree char *snapshot = base_cache_lookup(b->cache_dir, &b->base_key);
	if (!snapshot) {
		log_info("base cache: no entry %.12s for this base yet: full build, kept afterwards",
			 b->base_key.id);
		return 0;
	}

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct tar_stats stats;
	struct mkfr_error xerr = { 0 };
	if (tar_extract_tree(snapshot, b->work, &stats, &xerr) == 0) {
		b->base_hit = true;
		log_info("base cache: hit %.12s: %llu entries (%.0f MB) unpacked in %.1f s, no "
			 "debootstrap run", b->base_key.id, (unsigned long long)stats.entries,
			 (double)stats.bytes / 1e6, log_seconds_since(&t0));
		return 0;
	}
	/* A full disk or an interrupt is the build's failure, not the entry's:
	 * the entry stays for the next build. */
	if (signals_pending() || xerr.errnum != EBADMSG) {
		*err = xerr;
		return mkfr_error_prefix(err, "base cache: cannot unpack %.12s", b->base_key.id);
	}
	/* A damaged entry must not fail builds until someone prunes it. */
	log_warn("base cache: entry %.12s is unusable (%s): removed; building in full",
		 b->base_key.id, xerr.msg);
	if (base_cache_remove(b->cache_dir, b->base_key.id, err) < 0 || empty_tree(b->work, err) < 0)
		return mkfr_error_prefix(err, "base cache");
	return 0;
}

const struct stage stage_base_restore = { "base_restore", base_restore_run, NULL };
