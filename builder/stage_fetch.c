/* fetch: everything the first stage needs, downloaded by us (in parallel,
 * each file verified) or found in cache_dir, then laid out as a local
 * mirror that debootstrap --foreign reads instead of the network:
 *
 *   CACHE/tmp/.mkfr-PID-mirror/dists/SUITE/InRelease        the signed text we verified
 *   .../dists/SUITE/COMP/binary-ARCH/Packages.xz (+ by-hash)  checked against it
 *   .../pool/...                                            hard links to CACHE/debs/
 *
 * debootstrap verifies the same signature and checksums again and copies
 * instead of downloading one file at a time with wget.  The package set is
 * debootstrap's own (package_set.c reproduces its rules, and a test
 * compares it with --print-debs), so the local mirror holds every file it
 * asks for.
 *
 * The cache (cache_dir):
 *   debs/NAME_VERSION_ARCH.deb        shared by every build (deb_cache.h)
 *   indexes/SUITE/InRelease, indexes/SUITE/COMP/binary-ARCH/Packages.EXT
 *                                     the last verified indexes: --offline
 *                                     builds, and builds while the mirror is
 *                                     unreachable, start from them
 *   tmp/.mkfr-PID-mirror              this build's local mirror (removed by
 *                                     the undo, or by the next run after a
 *                                     SIGKILL) */
#include "cache_dirs.h"
#include "cleanup.h"
#include "deb_cache.h"
#include "fetch_debs.h"
#include "log.h"
#include "package_set.h"
#include "packages_index.h"
#include "pipeline.h"
#include "release_file.h"
#include "rootfs_fs.h"
#include "stale.h"
#include "strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fetch_context {
	struct build *b;
	const char *mirror, *suite, *cache_dir;
	char *index_dir;        /* CACHE/indexes/SUITE */
	char *mirror_dists;     /* LOCAL/dists/SUITE */
	struct release_fetch_request rreq;
	struct release_file rel;
	char **components;      /* the profile's, in the Release's order */
	struct packages_index *indexes;
	size_t index_count;
	bool offline;
};

static void fetch_context_free(struct fetch_context *c)
{
	free(c->index_dir);
	free(c->mirror_dists);
	release_file_free(&c->rel);
	strv_free(c->components);
	for (size_t i = 0; i < c->index_count; i++)
		packages_index_free(&c->indexes[i]);
	free(c->indexes);
}

/* Write a file in one go, atomically (temp name, rename). */
static int write_whole_file(const char *path, const char *text, size_t len, struct mkfr_error *err)
{
	autofree char *tmp = NULL;
	if (asprintf(&tmp, "%s.%d.tmp", path, (int)getpid()) < 0)
		return mkfr_fail(err, ENOMEM, "%s", path);
	if (cache_mkdir_parents(path, err) < 0)
		return -1;
	autoclose int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return mkfr_fail(err, e, "cannot write %s", path);
	}
	return 0;
}

/* Put our local copy into the shared index cache: same inode, atomically
 * replacing what another build put there. */
static void publish_to_cache(const char *local, const char *cached)
{
	struct mkfr_error err;
	autofree char *tmp = NULL;
	if (asprintf(&tmp, "%s.%d.tmp", cached, (int)getpid()) < 0 ||
	    cache_mkdir_parents(cached, &err) < 0)
		return;
	unlink(tmp);
	if (link(local, tmp) < 0 || rename(tmp, cached) < 0) {
		log_verbose("fetch: could not keep %s in the cache: %s", cached, strerror(errno));
		unlink(tmp);
	}
}

static int read_whole_file(const char *path, char **text, size_t *len)
{
	autofclose FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char *buf = NULL;
	size_t cap = 0, n = 0, r;
	char chunk[65536];
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (n + r + 1 > cap) {
			cap = (n + r + 1) * 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return -1;
			}
			buf = nb;
		}
		memcpy(buf + n, chunk, r);
		n += r;
	}
	if (!buf)
		buf = calloc(1, 1);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* InRelease: from the mirror, or (offline, or the mirror unreachable) the
 * copy an earlier build verified; either way verified again here. */
static int obtain_release(struct fetch_context *c, struct mkfr_error *err)
{
	autofree char *cached = NULL, *local = NULL, *text = NULL, *url = NULL;
	size_t len = 0;
	if (asprintf(&cached, "%s/InRelease", c->index_dir) < 0 ||
	    asprintf(&local, "%s/InRelease", c->mirror_dists) < 0 ||
	    asprintf(&url, "%s/dists/%s/InRelease", c->mirror, c->suite) < 0)
		return mkfr_fail(err, ENOMEM, "InRelease");

	const char *origin = url;
	if (!c->offline) {
		struct mkfr_error net;
		if (release_file_download(&c->rreq, &text, &len, &net) < 0) {
			if (access(cached, R_OK) != 0) {
				*err = net;
				return -1;
			}
			log_warn("fetch: %s; building from the cache (%s)", net.msg, c->cache_dir);
			c->offline = true;
		}
	}
	if (c->offline) {
		if (read_whole_file(cached, &text, &len) < 0)
			return mkfr_fail(err, 0, "offline: no %s in the cache: build once with the "
					 "network first", cached);
		origin = cached;
	}
	if (release_file_verify(&c->rreq, text, len, origin, &c->rel, err) < 0)
		return -1;
	if (write_whole_file(local, text, len, err) < 0)
		return -1;
	if (!c->offline)
		publish_to_cache(local, cached);
	return 0;
}

/* The profile's components in the order the Release lists them (that is
 * debootstrap's order, which decides which component's .deb is used). */
static int order_components(struct fetch_context *c, struct mkfr_error *err)
{
	autostrv char **wanted = profile_get_list(c->b->profile, "components");
	c->components = calloc(1, sizeof(char *));
	for (size_t i = 0; c->rel.components && c->rel.components[i]; i++)
		for (size_t j = 0; wanted && wanted[j]; j++)
			if (strcmp(c->rel.components[i], wanted[j]) == 0)
				strv_push(&c->components, wanted[j]);
	for (size_t j = 0; wanted && wanted[j]; j++) {
		bool found = false;
		for (size_t i = 0; c->components[i]; i++)
			found = found || strcmp(c->components[i], wanted[j]) == 0;
		if (!found) {
			autofree char *have = c->rel.components ? strv_join(c->rel.components, " ") : NULL;
			return mkfr_fail(err, 0, "%s: key 'components': %s has no component '%s' (it has: %s)",
					 profile_origin(c->b->profile, "components"), c->suite, wanted[j],
					 have ? have : "none");
		}
	}
	return 0;
}

static int obtain_indexes(struct fetch_context *c, struct mkfr_error *err)
{
	size_t n = strv_length(c->components);
	c->indexes = calloc(n ? n : 1, sizeof(*c->indexes));
	for (size_t i = 0; i < n; i++) {
		struct packages_fetch_request req = {
			.mirror = c->mirror,
			.suite = c->suite,
			.component = c->components[i],
			.arch = c->b->arch->name,
			.proxy = c->rreq.proxy,
			.release = &c->rel,
			.save_dir = c->mirror_dists,
		};
		int r = c->offline ? packages_index_load(&req, c->index_dir, &c->indexes[i], err)
				   : packages_index_fetch(&req, &c->indexes[i], err);
		if (r < 0)
			return -1;
		c->index_count++;

		autofree char *rel_path = NULL, *local = NULL, *cached = NULL, *byhash = NULL;
		const struct release_checksum *sum =
			packages_index_listed(&c->rel, c->components[i], c->b->arch->name, &rel_path);
		if (!sum || asprintf(&local, "%s/%s", c->mirror_dists, rel_path) < 0 ||
		    asprintf(&cached, "%s/%s", c->index_dir, rel_path) < 0 ||
		    asprintf(&byhash, "%s/%s/binary-%s/by-hash/SHA256/%s", c->mirror_dists,
			     c->components[i], c->b->arch->name, sum->sha256) < 0)
			return mkfr_fail(err, ENOMEM, "index");
		if (!c->offline)
			publish_to_cache(local, cached);
		/* debootstrap asks for the by-hash name when the Release offers it. */
		if (cache_mkdir_parents(byhash, err) < 0)
			return -1;
		if (link(local, byhash) < 0 && errno != EEXIST)
			return mkfr_fail(err, errno, "cannot create %s", byhash);
	}
	return 0;
}

static int resolve(struct fetch_context *c, struct package_set *set, struct mkfr_error *err)
{
	autostrv char **include = profile_get_list(c->b->profile, "packages");
	autostrv char **exclude = profile_get_list(c->b->profile, "exclude");
	struct package_set_request req = {
		.indexes = c->indexes,
		.index_count = c->index_count,
		.codename = c->rel.codename,
		.include = include,
		.exclude = exclude,
		.https_mirror = strncmp(c->mirror, "https://", 8) == 0,
	};
	if (package_set_variant_from_name(profile_get(c->b->profile, "variant"), &req.variant) < 0)
		return mkfr_fail_usage(err, "unknown variant");
	if (package_set_resolve(&req, set, err) < 0)
		return -1;
	for (size_t i = 0; i < set->count; i++)
		if (!set->items[i].package)
			return mkfr_fail(err, 0, "package '%s' is not in %s (%s) for %s: check the "
					 "profile's packages and components", set->items[i].name, c->suite,
					 profile_get(c->b->profile, "components"), c->b->arch->name);
	return 0;
}

/* Every .deb into the cache (downloading what is missing), then linked
 * into the local mirror at its pool path. */
static int obtain_debs(struct fetch_context *c, const struct package_set *set,
		       struct mkfr_error *err)
{
	struct deb_cache cache;
	if (deb_cache_open(&cache, c->cache_dir, err) < 0)
		return -1;
	const struct deb_package **pkgs = calloc(set->count ? set->count : 1, sizeof(*pkgs));
	uint64_t total = 0;
	for (size_t i = 0; i < set->count; i++) {
		pkgs[i] = set->items[i].package;
		total += pkgs[i]->size;
	}
	int r = 0;
	if (c->offline) {
		size_t missing = 0;
		const char *first = NULL;
		for (size_t i = 0; i < set->count && r == 0; i++) {
			int have = deb_cache_check(&cache, pkgs[i], err);
			if (have < 0)
				r = -1;
			else if (!have && missing++ == 0)
				first = pkgs[i]->package;
		}
		if (r == 0 && missing)
			r = mkfr_fail(err, 0, "offline: %zu of %zu packages are not in %s (%s first): "
				      "build once with the network", missing, set->count, c->cache_dir, first);
		if (r == 0)
			log_info("fetch: all %zu packages (%.1f MB) from the cache, offline", set->count,
				 (double)total / 1e6);
	} else {
		struct fetch_debs_request req = {
			.mirror = c->mirror,
			.pkgs = (const struct deb_package *const *)pkgs,
			.n = set->count,
			.fetch = PARALLEL_FETCH_OPTS_INIT,
		};
		req.fetch.connections = atoi(profile_get(c->b->profile, "connections"));
		req.fetch.proxy = c->rreq.proxy;
		req.fetch.what = "fetch";
		struct fetch_debs_result res;
		r = fetch_debs(&cache, &req, &res, err);
		log_status_clear();
		if (r == 0) {
			double secs = res.fetched.seconds > 0.001 ? res.fetched.seconds : 0.001;
			log_info("fetch: %zu packages (%.1f MB): %zu in the cache, %zu fetched (%.1f MB in "
				 "%.1f s, %.1f MB/s)%s", set->count, (double)total / 1e6,
				 res.cached + res.waited, res.fetched.files, (double)res.fetched.bytes / 1e6,
				 res.fetched.seconds, (double)res.fetched.bytes / 1e6 / secs,
				 res.fetched.retries ? ", with retries" : "");
		}
	}
	for (size_t i = 0; i < set->count && r == 0; i++) {
		autofree char *from = deb_cache_path(&cache, pkgs[i]);
		autofree char *to = NULL;
		if (asprintf(&to, "%s/%s", c->b->local_mirror, pkgs[i]->filename) < 0) {
			r = mkfr_fail(err, ENOMEM, "pool");
			break;
		}
		if (cache_mkdir_parents(to, err) < 0)
			r = -1;
		else if (link(from, to) < 0 && errno != EEXIST)
			r = mkfr_fail(err, errno, "cannot link %s into the local mirror", from);
	}
	free(pkgs);
	deb_cache_close(&cache);
	return r;
}

static int fetch_run(struct build *b, struct mkfr_error *err)
{
	struct fetch_context c = {
		.b = b,
		.mirror = profile_get(b->profile, "mirror"),
		.suite = profile_get(b->profile, "suite"),
		.cache_dir = b->cache_dir,
		.offline = b->opts->offline,
	};
	c.rreq = (struct release_fetch_request){
		.mirror = c.mirror,
		.suite = c.suite,
		.keyring = b->opts->no_check_gpg ? NULL : b->keyring_path,
		.proxy = profile_get(b->profile, "proxy"),
		.check_valid_until = profile_get_bool(b->profile, "check_valid_until"),
	};
	if (asprintf(&c.index_dir, "%s/indexes/%s", b->cache_dir, c.suite) < 0 ||
	    asprintf(&c.mirror_dists, "%s/dists/%s", b->local_mirror, c.suite) < 0)
		return mkfr_fail(err, ENOMEM, "fetch");
	if (cache_mkdir_p(c.mirror_dists, err) < 0)
		return -1;
	b->local_mirror_created = true;
	if (b->opts->no_check_gpg)
		log_warn("--no-check-gpg: the Release file's signature is NOT checked; anyone between "
			 "you and %s can change every package", c.mirror);

	struct package_set set = { 0 };
	log_info("fetch: %s %s/%s from %s%s", c.offline ? "reading" : "downloading", c.suite,
		 b->arch->name, c.offline ? "the cache" : c.mirror, c.offline ? " (offline)" : "");
	int r = obtain_release(&c, err);
	if (r == 0)
		r = order_components(&c, err);
	if (r == 0)
		r = obtain_indexes(&c, err);
	if (r == 0)
		r = resolve(&c, &set, err);
	if (r == 0)
		r = obtain_debs(&c, &set, err);
	package_set_free(&set);
	fetch_context_free(&c);
	return r;
}

static void fetch_undo(struct build *b)
{
	if (b->local_mirror_created) {
		struct mkfr_error err;
		if (remove_tree(b->local_mirror, &err) < 0)
			log_warn("could not remove the local mirror: %s", err.msg);
		b->local_mirror_created = false;
	}
}

const struct stage stage_fetch = { "fetch", fetch_run, fetch_undo };
