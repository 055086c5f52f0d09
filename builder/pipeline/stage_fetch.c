/* fetch: everything the first stage needs, downloaded by us (in parallel,
 * each file verified) or found in cache_dir, placed in the target the way
 * `debootstrap --make-tarball` would pack it:
 *
 *   WORK/var/cache/apt/archives/NAME_VERSION_ARCH.deb   from CACHE/debs/
 *   WORK/var/lib/apt/lists/MIRROR_dists_SUITE_InRelease (+ Release, Release.gpg)
 *   WORK/var/lib/apt/lists/MIRROR_dists_SUITE_COMP_binary-ARCH_Packages
 *   WORK/debootstrap/required, base, debpaths, deburis
 *
 * so that `debootstrap --foreign --unpack-tarball` (given an empty tarball)
 * goes straight to unpacking: it neither downloads nor walks the indexes
 * (with a local mirror its shell still spent 13 s of a 19 s armel first
 * stage on that; 5 s with this).  The package set is debootstrap's own:
 * package_set.c reproduces its rules and a test compares it with
 * --print-debs for every variant.  debootstrap verifies nothing in this
 * mode; we did, from the Release signature down to each .deb's SHA256.
 *
 * Once the package set is known, the base cache (stage_snapshot.c) may
 * have this exact base configured already: then it is unpacked into WORK,
 * no .deb is needed, and only the apt lists are seeded.
 *
 * The cache (cache_dir):
 *   debs/NAME_VERSION_ARCH.deb   shared by every build (deb_cache.h)
 *   indexes/SUITE/InRelease, indexes/SUITE/COMP/binary-ARCH/Packages.EXT
 *                                the last verified indexes: --offline builds,
 *                                and builds while the mirror is unreachable,
 *                                start from them
 *   tmp/.mkfr-PID-fetch          this build's scratch directory (removed by
 *                                the undo, or by the next run after SIGKILL) */
#include "cache/cache_dirs.h"
#include "util/cleanup.h"
#include "cache/deb_cache.h"
#include "cache/fetch_debs.h"
#include "util/log.h"
#include "archive/package_set.h"
#include "archive/packages_index.h"
#include "pipeline/pipeline.h"
#include "archive/release_file.h"
#include "sys/rootfs_fs.h"
#include "util/sha256.h"
#include "sys/stale.h"
#include "util/strv.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fetch_context {
	struct build *b;
	int rootfd;             /* WORK, the target being seeded */
	const char *mirror, *suite, *cache_dir;
	char *index_dir;        /* CACHE/indexes/SUITE */
	char *real_dir;         /* FETCH_DIR/real: the signed files and indexes as verified */
	bool detached;          /* Release + Release.gpg, not InRelease */
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
	free(c->real_dir);
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

static char *path_in(const char *dir, const char *name)
{
	char *p = NULL;
	return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

/* The cached signed Release files: InRelease, else Release + Release.gpg. */
static int read_cached_release(struct fetch_context *c, struct release_signed *in,
			       struct mkfr_error *err)
{
	autofree char *inrel = path_in(c->index_dir, "InRelease");
	autofree char *rel = path_in(c->index_dir, "Release");
	autofree char *sig = path_in(c->index_dir, "Release.gpg");
	memset(in, 0, sizeof(*in));
	if (inrel && read_whole_file(inrel, &in->text, &in->len) == 0)
		return 0;
	if (rel && sig && read_whole_file(rel, &in->text, &in->len) == 0 &&
	    read_whole_file(sig, &in->sig, &in->sig_len) == 0)
		return 0;
	release_signed_free(in);
	return mkfr_fail(err, 0, "offline: no %s in the cache: build once with the network first",
			 inrel ? inrel : c->index_dir);
}

static bool cache_has_release(struct fetch_context *c)
{
	autofree char *inrel = path_in(c->index_dir, "InRelease");
	autofree char *rel = path_in(c->index_dir, "Release");
	return (inrel && access(inrel, R_OK) == 0) || (rel && access(rel, R_OK) == 0);
}

/* Keep a signed file for the apt lists (in FETCH_DIR/real) and, online, in
 * the index cache; drop the other form from the cache, so an offline build
 * never pairs a fresh file with a stale one. */
static int keep_signed_file(struct fetch_context *c, const char *name, const char *text,
			    size_t len, struct mkfr_error *err)
{
	autofree char *local = path_in(c->real_dir, name);
	autofree char *cached = path_in(c->index_dir, name);
	if (!local || !cached)
		return mkfr_fail(err, ENOMEM, "%s", name);
	if (write_whole_file(local, text, len, err) < 0)
		return -1;
	if (!c->offline)
		publish_to_cache(local, cached);
	return 0;
}

static void forget_cached(struct fetch_context *c, const char *name)
{
	autofree char *cached = path_in(c->index_dir, name);
	if (cached && !c->offline)
		unlink(cached);
}

/* The suite's signed Release: from the mirror, or (offline, or the mirror
 * unreachable) the copy an earlier build verified; either way verified
 * again here. */
static int obtain_release(struct fetch_context *c, struct mkfr_error *err)
{
	struct release_signed in;
	if (!c->offline) {
		struct mkfr_error net;
		if (release_file_download(&c->rreq, &in, &net) < 0) {
			/* A missing file is an answer, not an unreachable mirror. */
			if (net.errnum == ENOENT || !cache_has_release(c)) {
				*err = net;
				return -1;
			}
			log_warn("fetch: %s; building from the cache (%s)", net.msg, c->cache_dir);
			c->offline = true;
		}
	}
	if (c->offline && read_cached_release(c, &in, err) < 0)
		return -1;
	c->detached = in.sig != NULL;
	autofree char *origin = NULL;
	if (c->offline)
		origin = path_in(c->index_dir, c->detached ? "Release" : "InRelease");
	else if (asprintf(&origin, "%s/dists/%s/%s", c->mirror, c->suite,
			  c->detached ? "Release" : "InRelease") < 0)
		origin = NULL;
	int r = origin ? release_file_verify(&c->rreq, &in, origin, &c->rel, err)
		       : mkfr_fail(err, ENOMEM, "Release");
	if (r == 0) {
		c->b->release_date = c->rel.date;
		/* reproducible=yes without SOURCE_DATE_EPOCH: the suite's Release
		 * date is the epoch, the same for every build from that archive state. */
		if (c->b->reproducible && !c->b->epoch_from_env) {
			if (!c->rel.date)
				r = mkfr_fail(err, 0, "reproducible=yes: %s has no Date to use as the "
					      "epoch: set SOURCE_DATE_EPOCH", origin);
			else
				c->b->source_date_epoch = c->rel.date;
		}
	}
	if (r == 0 && !c->detached) {
		r = keep_signed_file(c, "InRelease", in.text, in.len, err);
		forget_cached(c, "Release");
		forget_cached(c, "Release.gpg");
	} else if (r == 0) {
		r = keep_signed_file(c, "Release", in.text, in.len, err);
		if (r == 0)
			r = keep_signed_file(c, "Release.gpg", in.sig, in.sig_len, err);
		forget_cached(c, "InRelease");
	}
	release_signed_free(&in);
	return r;
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
			.save_dir = c->real_dir,
		};
		int r = c->offline ? packages_index_load(&req, c->index_dir, &c->indexes[i], err)
				   : packages_index_fetch(&req, &c->indexes[i], err);
		if (r < 0)
			return -1;
		c->index_count++;

		autofree char *rel_path = NULL, *local = NULL, *cached = NULL;
		const struct release_checksum *sum =
			packages_index_listed(&c->rel, c->components[i], c->b->arch->name, &rel_path);
		if (!sum || asprintf(&local, "%s/%s", c->real_dir, rel_path) < 0 ||
		    asprintf(&cached, "%s/%s", c->index_dir, rel_path) < 0)
			return mkfr_fail(err, ENOMEM, "index");
		if (!c->offline)
			publish_to_cache(local, cached);
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

/* One .deb from the cache into WORK/var/cache/apt/archives, where
 * debootstrap would have downloaded it.  A copy, not a link: the rootfs
 * is the user's to change, the cache is not. */
static int seed_deb(struct fetch_context *c, struct deb_cache *cache, const struct deb_package *p,
		    struct mkfr_error *err)
{
	autofree char *from = deb_cache_path(cache, p), *name = deb_package_file_name(p), *to = NULL;
	if (!from || !name || asprintf(&to, "/var/cache/apt/archives/%s", name) < 0)
		return mkfr_fail(err, ENOMEM, "seed");
	return rootfs_copy_in(c->rootfd, from, to, 0644, err);
}

/* Every .deb into the cache (downloading what is missing), then into the
 * target. */
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
		if (r == 0 && res.fetched.files == 0) {
			log_info("fetch: all %zu packages (%.1f MB) were in the cache", set->count,
				 (double)total / 1e6);
		} else if (r == 0) {
			double secs = res.fetched.seconds > 0.001 ? res.fetched.seconds : 0.001;
			log_info("fetch: %zu packages (%.1f MB): %zu in the cache, %zu fetched (%.1f MB in "
				 "%.1f s, %.1f MB/s)%s", set->count, (double)total / 1e6,
				 res.cached + res.waited, res.fetched.files, (double)res.fetched.bytes / 1e6,
				 res.fetched.seconds, (double)res.fetched.bytes / 1e6 / secs,
				 res.fetched.retries ? ", with retries" : "");
		}
	}
	for (size_t i = 0; i < set->count && r == 0; i++)
		r = seed_deb(c, &cache, pkgs[i], err);
	free(pkgs);
	deb_cache_close(&cache);
	return r;
}

/* apt's (and debootstrap's apt_dest) file name for a file of a mirror:
 * the URL without its scheme, every '/' a '_'. */
static char *apt_list_name(const char *mirror, const char *path)
{
	const char *s = strstr(mirror, "://");
	char *out = NULL;
	if (asprintf(&out, "/var/lib/apt/lists/%s_%s", s ? s + 3 : mirror, path) < 0)
		return NULL;
	for (char *p = out + strlen("/var/lib/apt/lists/"); *p; p++)
		if (*p == '/')
			*p = '_';
	return out;
}

/* Release and Release.gpg as debootstrap's split_inline_sig cuts them out
 * of InRelease: the signed lines joined, without the last newline (no
 * dash-unescaping); the signature block, line by line. */
static int split_inline_sig(struct fetch_context *c, const char *release_name,
			    const char *sig_name, struct mkfr_error *err)
{
	autofree char *inrelease = path_in(c->real_dir, "InRelease");
	autofclose FILE *in = inrelease ? fopen(inrelease, "re") : NULL;
	if (!in)
		return mkfr_fail(err, errno, "cannot read %s", inrelease ? inrelease : "InRelease");
	autofree char *rel = NULL, *sig = NULL;
	size_t rel_len = 0, sig_len = 0;
	FILE *r = open_memstream(&rel, &rel_len), *s = open_memstream(&sig, &sig_len);
	char line[8192];
	enum { PRE, HEADER, DATA, SIGNATURE } state = PRE;
	bool first = true;
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		if (state == PRE && strcmp(line, "-----BEGIN PGP SIGNED MESSAGE-----") == 0) {
			state = HEADER;
		} else if (state == HEADER && line[0] == '\0') {
			state = DATA;
		} else if (state == DATA && strcmp(line, "-----BEGIN PGP SIGNATURE-----") == 0) {
			fprintf(s, "%s\n", line);
			state = SIGNATURE;
		} else if (state == DATA) {
			fprintf(r, "%s%s", first ? "" : "\n", line);
			first = false;
		} else if (state == SIGNATURE) {
			fprintf(s, "%s\n", line);
			if (strcmp(line, "-----END PGP SIGNATURE-----") == 0)
				break;
		}
	}
	fclose(r);
	fclose(s);
	if (rootfs_write_file(c->rootfd, release_name, rel, rel_len, 0644, err) < 0 ||
	    rootfs_write_file(c->rootfd, sig_name, sig, sig_len, 0644, err) < 0)
		return -1;
	return 0;
}

/* What the manifest reports about where the rootfs came from: the signed
 * Release's Date and each .deb with the SHA256 it was verified against.
 * Copied, because the indexes they point into are freed with the stage. */
static int remember_for_manifest(struct fetch_context *c, const struct package_set *set,
				 struct mkfr_error *err)
{
	struct build *b = c->b;
	if (c->rel.date_text && !(b->release_date_text = strdup(c->rel.date_text)))
		return mkfr_fail(err, ENOMEM, "fetch");
	b->fetched = calloc(set->count ? set->count : 1, sizeof(*b->fetched));
	if (!b->fetched)
		return mkfr_fail(err, ENOMEM, "fetch");
	for (size_t i = 0; i < set->count; i++) {
		const struct deb_package *p = set->items[i].package;
		struct fetched_deb *d = &b->fetched[b->fetched_count++];
		d->name = strdup(p->package);
		d->version = strdup(p->version);
		d->architecture = strdup(p->architecture ? p->architecture : "");
		d->sha256 = strdup(p->sha256 ? p->sha256 : "");
		if (!d->name || !d->version || !d->architecture || !d->sha256)
			return mkfr_fail(err, ENOMEM, "fetch");
	}
	return 0;
}

/* The apt lists, named after the real mirror (so debootstrap writes a
 * sources.list naming it), and debootstrap's own record of what to unpack
 * and install. */
static int seed_lists_and_plan(struct fetch_context *c, const struct package_set *set,
			       struct mkfr_error *err)
{
	autofree char *in_path = NULL, *rel_path = NULL, *sig_path = NULL;
	autofree char *in_name = NULL, *rel_name = NULL, *sig_name = NULL;
	if (asprintf(&in_path, "dists/%s/InRelease", c->suite) < 0 ||
	    asprintf(&rel_path, "dists/%s/Release", c->suite) < 0 ||
	    asprintf(&sig_path, "dists/%s/Release.gpg", c->suite) < 0 ||
	    !(in_name = apt_list_name(c->mirror, in_path)) ||
	    !(rel_name = apt_list_name(c->mirror, rel_path)) ||
	    !(sig_name = apt_list_name(c->mirror, sig_path)))
		return mkfr_fail(err, ENOMEM, "seed");
	/* As debootstrap leaves them: InRelease plus the two halves it cuts out
	 * of it, or the Release and Release.gpg it downloaded. */
	if (!c->detached) {
		autofree char *inrelease = path_in(c->real_dir, "InRelease");
		if (!inrelease || rootfs_copy_in(c->rootfd, inrelease, in_name, 0644, err) < 0 ||
		    split_inline_sig(c, rel_name, sig_name, err) < 0)
			return -1;
	} else {
		autofree char *rel = path_in(c->real_dir, "Release");
		autofree char *sig = path_in(c->real_dir, "Release.gpg");
		if (!rel || !sig || rootfs_copy_in(c->rootfd, rel, rel_name, 0644, err) < 0 ||
		    rootfs_copy_in(c->rootfd, sig, sig_name, 0644, err) < 0)
			return -1;
	}

	for (size_t i = 0; i < c->index_count; i++) {
		autofree char *listed = NULL, *compressed = NULL, *path = NULL, *name = NULL;
		autofree char *tmp = NULL;
		if (!packages_index_listed(&c->rel, c->components[i], c->b->arch->name, &listed) ||
		    asprintf(&compressed, "%s/%s", c->real_dir, listed) < 0 ||
		    asprintf(&path, "dists/%s/%s/binary-%s/Packages", c->suite, c->components[i],
			     c->b->arch->name) < 0 || !(name = apt_list_name(c->mirror, path)) ||
		    asprintf(&tmp, "%s/Packages.%zu", c->real_dir, i) < 0)
			return mkfr_fail(err, ENOMEM, "seed");
		/* Decompressed on our side, then copied in through the rootfs-safe
		 * path like every other write into the target. */
		if (packages_index_decompress(compressed, tmp, err) < 0 ||
		    rootfs_copy_in(c->rootfd, tmp, name, 0644, err) < 0)
			return -1;
		unlink(tmp);
	}

	/* debootstrap/required and base: space-separated as debootstrap saves
	 * them; debpaths and deburis: one "NAME PATH" / "NAME VERSION URL" per
	 * package, as its download step appends them. */
	autofree char *required = NULL, *base = NULL, *debpaths = NULL, *deburis = NULL;
	size_t lr = 0, lb = 0, lp = 0, lu = 0;
	FILE *fr = open_memstream(&required, &lr), *fb = open_memstream(&base, &lb);
	FILE *fp = open_memstream(&debpaths, &lp), *fu = open_memstream(&deburis, &lu);
	for (size_t i = 0; i < set->count; i++) {
		const struct deb_package *p = set->items[i].package;
		FILE *list = i < set->required_count ? fr : fb;
		bool first = i == 0 || i == set->required_count;
		autofree char *file = deb_package_file_name(p);
		fprintf(list, "%s%s", first ? "" : " ", set->items[i].name);
		fprintf(fp, "%s /var/cache/apt/archives/%s\n", set->items[i].name, file);
		fprintf(fu, "%s %s %s/%s\n", set->items[i].name, p->version, c->mirror, p->filename);
	}
	fputc('\n', fr);
	fputc('\n', fb);
	fclose(fr);
	fclose(fb);
	fclose(fp);
	fclose(fu);
	if (rootfs_write_file(c->rootfd, "/debootstrap/required", required, lr, 0644, err) < 0 ||
	    rootfs_write_file(c->rootfd, "/debootstrap/base", base, lb, 0644, err) < 0 ||
	    rootfs_write_file(c->rootfd, "/debootstrap/debpaths", debpaths, lp, 0644, err) < 0 ||
	    rootfs_write_file(c->rootfd, "/debootstrap/deburis", deburis, lu, 0644, err) < 0)
		return -1;

	/* debootstrap --unpack-tarball insists on a tarball: an empty one. */
	static const char empty_tar[10240];
	autofree char *tar = NULL;
	if (asprintf(&tar, "%s/empty.tar", c->b->fetch_dir) < 0)
		return mkfr_fail(err, ENOMEM, "seed");
	return write_whole_file(tar, empty_tar, sizeof(empty_tar), err);
}

/* The directories debootstrap --make-tarball would have packed. */
static int make_seed_dirs(struct fetch_context *c, struct mkfr_error *err)
{
	if (rootfs_mkdir_p(c->rootfd, "/var/lib/apt/lists/partial", 0755, err) < 0 ||
	    rootfs_mkdir_p(c->rootfd, "/var/cache/apt/archives/partial", 0755, err) < 0 ||
	    rootfs_mkdir_p(c->rootfd, "/debootstrap", 0755, err) < 0)
		return -1;
	return 0;
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
	/* Until the build ends (fetch's undo runs last but plan's): prune
	 * waits for it. */
	b->cache_use_fd = cache_use_lock(b->cache_dir, false, err);
	if (b->cache_use_fd < 0)
		return -1;
	if (asprintf(&c.index_dir, "%s/indexes/%s", b->cache_dir, c.suite) < 0 ||
	    asprintf(&c.real_dir, "%s/real", b->fetch_dir) < 0)
		return mkfr_fail(err, ENOMEM, "fetch");
	if (cache_mkdir_p(c.real_dir, err) < 0)
		return -1;
	b->fetch_dir_created = true;
	c.rootfd = rootfs_open(b->work, err);
	if (c.rootfd < 0)
		return -1;
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
		r = remember_for_manifest(&c, &set, err);
	/* With the exact set known: is this base in the base cache? */
	if (r == 0)
		r = base_cache_try_restore(b, err);
	if (r == 0)
		r = make_seed_dirs(&c, err);
	if (r == 0 && !b->base_hit)
		r = obtain_debs(&c, &set, err);
	if (r == 0)
		r = seed_lists_and_plan(&c, &set, err);
	package_set_free(&set);
	close(c.rootfd);
	fetch_context_free(&c);
	return r;
}

static void fetch_undo(struct build *b)
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

const struct stage stage_fetch = { "fetch", fetch_run, fetch_undo };
