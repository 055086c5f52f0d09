/* SPDX-License-Identifier: MIT */
/* fetch: every .deb of the resolved set into the shared cache (downloaded
 * in parallel where missing, each verified before it gets its name there:
 * cache/fetch_debs.h), then into the target together with the apt lists
 * and debootstrap's own plan, as pipeline/debootstrap_seed.h describes.
 * On a base cache hit (stage_base_restore.c) no .deb is needed: only the
 * current apt lists go in.  --offline (or an unreachable mirror, noticed by
 * resolve) takes every .deb from the cache, and a missing one is an error. */
#include "cache/deb_cache.h"
#include "cache/fetch_debs.h"
#include "pipeline/debootstrap_seed.h"
#include "pipeline/stages.h"
#include "sys/rootfs_fs.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int all_from_cache(struct build *b, struct deb_cache *cache, struct mkfr_error *err)
{
	const struct build_resolved *res = &b->resolved;
	size_t missing = 0;
	const char *first = NULL;
	for (size_t i = 0; i < res->deb_count; i++) {
		int have = deb_cache_check(cache, &res->debs[i], err);
		if (have < 0)
			return -1;
		if (!have && missing++ == 0)
			first = res->debs[i].package;
	}
	if (missing)
		return mkfr_fail(err, 0, "offline: %zu of %zu packages are not in %s (%s first): build "
				 "once with the network", missing, res->deb_count, b->cache_dir, first);
	log_info("fetch: all %zu packages (%.1f MB) from the cache, offline", res->deb_count,
		 (double)res->bytes / 1e6);
	return 0;
}

static int download_missing(struct build *b, struct deb_cache *cache, struct mkfr_error *err)
{
	const struct build_resolved *res = &b->resolved;
	autofree const struct deb_package **pkgs = xcalloc(res->deb_count, sizeof(*pkgs));
	for (size_t i = 0; i < res->deb_count; i++)
		pkgs[i] = &res->debs[i];
	struct fetch_debs_request req = {
		.mirror = profile_get(b->profile, "mirror"),
		.pkgs = pkgs,
		.n = res->deb_count,
		.fetch = PARALLEL_FETCH_OPTS_INIT,
	};
	req.fetch.connections = atoi(profile_get(b->profile, "connections"));
	req.fetch.proxy = profile_get(b->profile, "proxy");
	req.fetch.what = "fetch";
	struct fetch_debs_result out;
	int r = fetch_debs(cache, &req, &out, err);
	log_status_clear();
	if (r < 0)
		return -1;
	if (out.fetched.files == 0) {
		log_info("fetch: all %zu packages (%.1f MB) were in the cache", res->deb_count,
			 (double)res->bytes / 1e6);
		return 0;
	}
	double secs = out.fetched.seconds > 0.001 ? out.fetched.seconds : 0.001;
	log_info("fetch: %zu packages (%.1f MB): %zu in the cache, %zu fetched (%.1f MB in %.1f s, "
		 "%.1f MB/s)%s", res->deb_count, (double)res->bytes / 1e6, out.cached + out.waited,
		 out.fetched.files, (double)out.fetched.bytes / 1e6, out.fetched.seconds,
		 (double)out.fetched.bytes / 1e6 / secs, out.fetched.retries ? ", with retries" : "");
	return 0;
}

/* Every .deb into the cache, then into the target. */
static int obtain_debs(struct build *b, const struct debootstrap_seed *seed, struct mkfr_error *err)
{
	struct deb_cache cache;
	if (deb_cache_open(&cache, b->cache_dir, err) < 0)
		return -1;
	int r = b->resolved.offline ? all_from_cache(b, &cache, err) : download_missing(b, &cache, err);
	for (size_t i = 0; i < b->resolved.deb_count && r == 0; i++) {
		const struct deb_package *p = &b->resolved.debs[i];
		autofree char *from = deb_cache_path(&cache, p);
		autofree char *name = deb_package_file_name(p);
		r = debootstrap_seed_deb(seed, from, name, err);
	}
	deb_cache_close(&cache);
	return r;
}

static int fetch_run(struct build *b, struct mkfr_error *err)
{
	autoclose int rootfd = rootfs_open(b->work, err);
	if (rootfd < 0)
		return -1;
	const struct build_resolved *res = &b->resolved;
	struct debootstrap_seed seed = {
		.rootfd = rootfd,
		.mirror = profile_get(b->profile, "mirror"),
		.suite = profile_get(b->profile, "suite"),
		.arch = b->arch->name,
		.release = &res->release,
		.detached = res->detached,
		.components = res->components,
		.signed_dir = b->signed_dir,
		.debs = res->debs,
		.deb_count = res->deb_count,
		.required_count = res->required_count,
	};
	if (debootstrap_seed_dirs(&seed, err) < 0 || (!b->base_hit && obtain_debs(b, &seed, err) < 0) ||
	    debootstrap_seed_lists_and_plan(&seed, err) < 0 ||
	    debootstrap_seed_empty_tarball(b->empty_tarball, err) < 0)
		return -1;
	return 0;
}

const struct stage stage_fetch = { "fetch", fetch_run, NULL };
