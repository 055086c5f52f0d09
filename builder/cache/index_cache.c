/* SPDX-License-Identifier: MIT */
#include "cache/index_cache.h"

#include "cache/layout.h"
#include "sys/atomic_file.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/log.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A Release file is ~150 KB; this is far beyond any. */
#define RELEASE_MAX_BYTES (16 * 1024 * 1024)

static char *index_dir(const struct index_source *src)
{
	return cache_index_dir(src->cache_dir, src->mirror, src->suite);
}

/* Put the kept copy into the cache: the same inode, atomically replacing
 * what another build put there.  Failing to is only slower next time. */
static void publish(const struct index_source *src, const char *local, const char *name)
{
	autofree char *dir = index_dir(src);
	autofree char *cached = path_join(dir, name);
	autofree char *tmp = xasprintf("%s.%d.tmp", cached, (int)getpid());
	struct mkfr_error err;
	struct stat a, b;
	/* Already that very file (the build linked it from the cache): a
	 * rename onto itself would do nothing and leave `tmp` behind. */
	if (stat(local, &a) == 0 && stat(cached, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return;
	if (mkdir_parents(cached, 0755, &err) < 0)
		return;
	unlink(tmp);
	if (link(local, tmp) < 0 || rename(tmp, cached) < 0) {
		log_verbose("%s: could not keep %s in the cache: %s", src->what, cached, strerror(errno));
		unlink(tmp);
	}
}

/* One signed file as verified: into keep_dir, and online into the cache. */
static int keep_signed_file(const struct index_source *src, const char *name, const char *text,
			    size_t len, struct mkfr_error *err)
{
	if (src->keep_dir) {
		autofree char *local = path_join(src->keep_dir, name);
		if (mkdir_parents(local, 0755, err) < 0 || atomic_file_write(local, text, len, 0644, err) < 0)
			return -1;
		if (!src->offline)
			publish(src, local, name);
		return 0;
	}
	if (src->offline)
		return 0;
	autofree char *dir = index_dir(src);
	autofree char *cached = path_join(dir, name);
	struct mkfr_error ignored;
	if (mkdir_p(dir, 0755, &ignored) < 0 || atomic_file_write(cached, text, len, 0644, &ignored) < 0)
		log_verbose("%s: could not keep %s in the cache: %s", src->what, cached, ignored.msg);
	return 0;
}

/* Drop the other form of the signed Release from the cache, so an offline
 * build never pairs a fresh file with a stale one. */
static void forget_cached(const struct index_source *src, const char *name)
{
	if (src->offline)
		return;
	autofree char *dir = index_dir(src);
	autofree char *cached = path_join(dir, name);
	unlink(cached);
}

bool index_cache_has_release(const struct index_source *src)
{
	autofree char *dir = index_dir(src);
	autofree char *inrel = path_join(dir, "InRelease");
	autofree char *rel = path_join(dir, "Release");
	return access(inrel, R_OK) == 0 || access(rel, R_OK) == 0;
}

/* The cached signed Release files: InRelease, else Release + Release.gpg. */
static int read_cached_release(const struct index_source *src, struct release_signed *in,
			       struct mkfr_error *err)
{
	autofree char *dir = index_dir(src);
	autofree char *inrel = path_join(dir, "InRelease");
	autofree char *rel = path_join(dir, "Release");
	autofree char *sig = path_join(dir, "Release.gpg");
	struct mkfr_error ignored;
	memset(in, 0, sizeof(*in));
	if (read_whole_file(inrel, RELEASE_MAX_BYTES, &in->text, &in->len, &ignored) == 0)
		return 0;
	if (read_whole_file(rel, RELEASE_MAX_BYTES, &in->text, &in->len, &ignored) == 0 &&
	    read_whole_file(sig, RELEASE_MAX_BYTES, &in->sig, &in->sig_len, &ignored) == 0)
		return 0;
	release_signed_free(in);
	return mkfr_fail(err, 0, "offline: no %s in the cache: build once with the network first",
			 inrel);
}

int index_cache_release(struct index_source *src, struct release_file *rel, bool *detached,
			struct mkfr_error *err)
{
	struct release_fetch_request req = {
		.mirror = src->mirror,
		.suite = src->suite,
		.keyring = src->keyring,
		.proxy = src->proxy,
		.check_valid_until = src->check_valid_until,
	};
	struct release_signed in;
	memset(rel, 0, sizeof(*rel));
	if (!src->offline) {
		struct mkfr_error net;
		if (release_file_download(&req, &in, &net) < 0) {
			if (net.errnum == ENOENT || !index_cache_has_release(src)) {
				*err = net;
				return -1;
			}
			log_warn("%s: %s; building from the cache (%s)", src->what, net.msg, src->cache_dir);
			src->offline = true;
		}
	}
	if (src->offline && read_cached_release(src, &in, err) < 0)
		return -1;
	*detached = in.sig != NULL;
	autofree char *dir = index_dir(src);
	const char *name = *detached ? "Release" : "InRelease";
	autofree char *origin = src->offline ? path_join(dir, name)
					     : xasprintf("%s/dists/%s/%s", src->mirror, src->suite, name);
	int r = release_file_verify(&req, &in, origin, rel, err);
	if (r == 0 && !*detached) {
		r = keep_signed_file(src, "InRelease", in.text, in.len, err);
		forget_cached(src, "Release");
		forget_cached(src, "Release.gpg");
	} else if (r == 0) {
		r = keep_signed_file(src, "Release", in.text, in.len, err);
		if (r == 0)
			r = keep_signed_file(src, "Release.gpg", in.sig, in.sig_len, err);
		forget_cached(src, "InRelease");
	}
	release_signed_free(&in);
	if (r < 0)
		release_file_free(rel);
	return r;
}

int index_cache_packages(struct index_source *src, const struct release_file *rel,
			 const char *component, const char *arch, struct packages_index *idx,
			 struct mkfr_error *err)
{
	autofree char *dir = index_dir(src);
	struct packages_fetch_request req = {
		.mirror = src->mirror,
		.suite = src->suite,
		.component = component,
		.arch = arch,
		.proxy = src->proxy,
		.release = rel,
		/* Without a place of its own, online it goes straight to the cache. */
		.save_dir = src->keep_dir ? src->keep_dir : src->offline ? NULL : dir,
	};
	if (src->offline)
		return packages_index_load(&req, dir, idx, err);
	/* The index the cache holds, if it is the one the Release just
	 * verified lists (same size and SHA256): a warm build does not
	 * download 8 MB (armel main) again, and trusts exactly what it would
	 * have downloaded.  Anything else (none yet, an older one) is
	 * fetched. */
	struct mkfr_error stale;
	struct packages_fetch_request from_cache = req;
	from_cache.save_dir = src->keep_dir;
	if (packages_index_load(&from_cache, dir, idx, &stale) == 0) {
		log_verbose("%s: %s/binary-%s/Packages: the cache's copy is the one the Release lists",
			    src->what, component, arch);
	} else if (packages_index_fetch(&req, idx, err) < 0) {
		return -1;
	}
	if (src->keep_dir) {
		autofree char *rel_path = NULL;
		autofree char *plain = packages_index_plain_path(rel, component, arch);
		if (packages_index_listed(rel, component, arch, &rel_path)) {
			autofree char *local = path_join(src->keep_dir, rel_path);
			if (access(local, R_OK) == 0) /* not where the plain one was used */
				publish(src, local, rel_path);
		}
		/* The uncompressed index and its note (packages_index.h). */
		autofree char *note = plain ? xasprintf("%s" PACKAGES_INDEX_PLAIN_NOTE_SUFFIX, plain) : NULL;
		autofree char *local_plain = plain ? path_join(src->keep_dir, plain) : NULL;
		autofree char *local_note = note ? path_join(src->keep_dir, note) : NULL;
		if (local_plain && access(local_plain, R_OK) == 0 && access(local_note, R_OK) == 0) {
			publish(src, local_plain, plain);
			publish(src, local_note, note);
		}
	}
	return 0;
}
