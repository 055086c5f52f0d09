/* SPDX-License-Identifier: MIT */
/* resolve: what the rootfs will be made of, from verified indexes only.
 *
 * The suite's signed Release (InRelease, or Release + Release.gpg) and the
 * Packages index of each of the profile's components come from the mirror
 * or, --offline or when the mirror cannot be reached, from the cache
 * (cache/index_cache.h); either way they are verified here.  From them
 * archive/package_set.h works out debootstrap's own package set (a test
 * compares it with `debootstrap --print-debs` for every variant), which
 * this stage keeps in b->resolved, each record with the SHA256 every
 * later use of its .deb is checked against.  The indexes themselves are
 * freed again (tens of MB); the files as verified stay in
 * FETCH_DIR/real for the apt lists.
 *
 * It also takes the cache's in-use lock for the rest of the build (so
 * `cache prune` waits), and creates the build's scratch directory below
 * cache_dir/tmp; its undo, which runs last but plan's, removes both. */
#include "archive/package_set.h"
#include "cache/index_cache.h"
#include "cache/lock.h"
#include "pipeline/stages.h"
#include "sys/rootfs_fs.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The profile's components in the order the Release lists them (that is
 * debootstrap's order, which decides which component's .deb is used). */
static int order_components(struct build *b, const struct release_file *rel, char ***out,
			    struct mkfr_error *err)
{
	autostrv char **wanted = profile_get_list(b->profile, "components");
	char **ordered = strv_new();
	for (size_t i = 0; rel->components && rel->components[i]; i++)
		if (strv_contains(wanted, rel->components[i]))
			strv_push(&ordered, rel->components[i]);
	for (size_t j = 0; wanted[j]; j++)
		if (!strv_contains(ordered, wanted[j])) {
			autofree char *have = rel->components ? strv_join(rel->components, " ") : NULL;
			strv_free(ordered);
			return mkfr_fail_usage(err, "%s: key 'components': %s has no component '%s' (it has: %s)",
					 profile_origin(b->profile, "components"),
					 profile_get(b->profile, "suite"), wanted[j], have ? have : "none");
		}
	*out = ordered;
	return 0;
}

/* reproducible=yes without SOURCE_DATE_EPOCH: the suite's Release date is
 * the epoch, the same for every build from that state of the archive. */
static int take_epoch(struct build *b, const char *origin, struct mkfr_error *err)
{
	if (!b->reproducible || b->epoch_from_env)
		return 0;
	if (!b->resolved.release.date)
		return mkfr_fail(err, 0, "reproducible=yes: %s has no Date to use as the epoch: set "
				 "SOURCE_DATE_EPOCH", origin);
	b->source_date_epoch = b->resolved.release.date;
	return 0;
}

static int resolve_set(struct build *b, const struct packages_index *indexes, size_t n,
		       struct mkfr_error *err)
{
	autostrv char **include = profile_get_list(b->profile, "packages");
	autostrv char **exclude = profile_get_list(b->profile, "exclude");
	const char *mirror = profile_get(b->profile, "mirror");
	struct package_set_request req = {
		.indexes = indexes,
		.index_count = n,
		.codename = b->resolved.release.codename,
		.include = include,
		.exclude = exclude,
		.https_mirror = strncmp(mirror, "https://", 8) == 0,
	};
	if (package_set_variant_from_name(profile_get(b->profile, "variant"), &req.variant) < 0)
		return mkfr_fail_usage(err, "unknown variant");
	struct package_set set = { 0 };
	if (package_set_resolve(&req, &set, err) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; i < set.count && r == 0; i++)
		if (!set.items[i].package) {
			r = mkfr_fail(err, 0, "package '%s' is not in %s (%s) for %s: check the profile's "
				      "packages and components", set.items[i].name,
				      profile_get(b->profile, "suite"), profile_get(b->profile, "components"),
				      b->arch->name);
			/* One the profile asked for is bad input (exit 2); a
			 * dependency the archive lacks is the archive's fault. */
			if (strv_contains(include, set.items[i].name)) {
				mkfr_error_prefix(err, "%s: key 'packages'", profile_origin(b->profile, "packages"));
				err->exit_code = MKFR_EXIT_USAGE;
			}
		}
	/* Copies: the indexes they point into are freed when this returns. */
	struct build_resolved *res = &b->resolved;
	if (r == 0) {
		res->debs = xcalloc(set.count, sizeof(*res->debs));
		for (size_t i = 0; i < set.count; i++) {
			deb_package_copy(&res->debs[i], set.items[i].package);
			res->bytes += res->debs[i].size;
			res->installed_kib += res->debs[i].installed_kib;
		}
		res->deb_count = set.count;
		res->required_count = set.required_count;
	}
	package_set_free(&set);
	return r;
}

static int resolve_run(struct build *b, struct mkfr_error *err)
{
	/* Until the build ends: prune waits for it. */
	b->cache_use_fd = cache_use_lock(b->cache_dir, false, err);
	if (b->cache_use_fd < 0)
		return -1;
	if (mkdir_p(b->signed_dir, 0755, err) < 0)
		return -1;
	b->fetch_dir_created = true;

	const char *mirror = profile_get(b->profile, "mirror");
	struct index_source src = {
		.cache_dir = b->cache_dir,
		.mirror = mirror,
		.suite = profile_get(b->profile, "suite"),
		.keyring = b->opts->no_check_gpg ? NULL : b->keyring_path,
		.proxy = profile_get(b->profile, "proxy"),
		.check_valid_until = profile_get_bool(b->profile, "check_valid_until"),
		.offline = b->opts->offline,
		.keep_dir = b->signed_dir,
		.what = "fetch",
	};
	if (b->opts->no_check_gpg)
		log_warn("--no-check-gpg: the Release file's signature is NOT checked; anyone between "
			 "you and %s can change every package", mirror);
	log_info("fetch: %s %s/%s from %s%s", src.offline ? "reading" : "downloading", src.suite,
		 b->arch->name, src.offline ? "the cache" : mirror, src.offline ? " (offline)" : "");

	struct build_resolved *res = &b->resolved;
	if (index_cache_release(&src, &res->release, &res->detached, err) < 0) {
		/* The mirror answered that it has no such suite: the profile
		 * asks for what does not exist, as a bad key does (exit 2). */
		if (err->errnum == ENOENT && !src.offline) {
			mkfr_error_prefix(err, "%s: key 'suite'", profile_origin(b->profile, "suite"));
			err->exit_code = MKFR_EXIT_USAGE;
		}
		return -1;
	}
	res->offline = src.offline;
	if (take_epoch(b, mirror, err) < 0 || order_components(b, &res->release, &res->components, err) < 0)
		return -1;

	size_t n = strv_length(res->components);
	struct packages_index *indexes = xcalloc(n, sizeof(*indexes));
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++)
		r = index_cache_packages(&src, &res->release, res->components[i], b->arch->name,
					 &indexes[i], err);
	if (r == 0)
		r = resolve_set(b, indexes, n, err);
	for (size_t i = 0; i < n; i++) /* zeroed, or filled: both free */
		packages_index_free(&indexes[i]);
	free(indexes);
	/* The indexes were the build's largest allocation by far; glibc keeps
	 * freed heap pages unless told, and the later stages would stack
	 * their own peaks on top of them. */
	malloc_trim(0);
	if (r == 0)
		log_verbose("resolve: %zu packages (%zu required), %.1f MB", res->deb_count,
			    res->required_count, (double)res->bytes / 1e6);
	return r;
}

static void resolve_undo(struct build *b)
{
	if (b->fetch_dir_created) {
		struct mkfr_error err;
		if (remove_tree(b->fetch_dir, &err) < 0)
			log_warn("could not remove %s: %s", b->fetch_dir, err.msg);
		b->fetch_dir_created = false;
	}
	if (b->cache_use_fd >= 0) {
		close(b->cache_use_fd);
		b->cache_use_fd = -1;
	}
}

const struct stage stage_resolve = { "resolve", resolve_run, resolve_undo };
