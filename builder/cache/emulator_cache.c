/* SPDX-License-Identifier: MIT */
#include "cache/emulator_cache.h"

#include "archive/deb_extract.h"
#include "archive/packages_index.h"
#include "archive/release_file.h"
#include "cache/deb_cache.h"
#include "cache/fetch_debs.h"
#include "cache/index_cache.h"
#include "cache/layout.h"
#include "cache/lock.h"
#include "sys/atomic_file.h"
#include "util/alloc.h"
#include "util/arch.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/log.h"
#include "util/sha256.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The SHA256 recorded when the binary was extracted: does it still match?
 * And is the binary ours alone (it is run as root)? */
static bool cached_binary_intact(const char *bin, const char *sum_path)
{
	struct mkfr_error ignored;
	char want[SHA256_HEX_SIZE], got[SHA256_HEX_SIZE];
	struct stat st;
	if (lstat(bin, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0022))
		return false;
	autofclose FILE *f = fopen(sum_path, "re");
	if (!f || fscanf(f, "%64s", want) != 1 || !sha256_hex_valid(want))
		return false;
	return sha256_file_hex(bin, got, NULL, &ignored) == 0 && strcmp(got, want) == 0;
}

static int record_sha256(const char *bin, const char *sum_path, const char *bin_name,
			 struct mkfr_error *err)
{
	char hex[SHA256_HEX_SIZE];
	if (sha256_file_hex(bin, hex, NULL, err) < 0)
		return -1;
	autofree char *line = xasprintf("%s  %s\n", hex, bin_name);
	return atomic_file_write(sum_path, line, strlen(line), 0644, err);
}

/* The index entry of qemu-user-static, checked for what we rely on. */
static const struct deb_package *find_package(const struct packages_index *idx,
					      const struct emulator_request *req, const char *arch,
					      struct mkfr_error *err)
{
	const struct deb_package *p = packages_index_find(idx, EMULATOR_PACKAGE);
	if (!p) {
		mkfr_fail(err, 0, "%s has no %s for %s in %s main; choose emulator_source=host and "
			  "install it, or use another suite", req->mirror, EMULATOR_PACKAGE, arch,
			  req->suite);
		return NULL;
	}
	return deb_cache_usable_record(p, req->mirror, err) < 0 ? NULL : p;
}

/* The .deb into CACHE/debs (a verified one there already is used). */
static int obtain_deb(const struct emulator_request *req, struct deb_cache *debs,
		      const struct deb_package *pkg, struct mkfr_error *err)
{
	int have = deb_cache_check(debs, pkg, err);
	if (have < 0)
		return -1;
	if (have) {
		autofree char *path = deb_cache_path(debs, pkg);
		log_info("emulator: using the cached %s", path);
		return 0;
	}
	if (req->offline)
		return mkfr_fail(err, 0, "offline: %s %s is not in %s: build once with the network",
				 pkg->package, pkg->version, debs->debs_dir);
	const struct deb_package *one[] = { pkg };
	struct fetch_debs_request fr = {
		.mirror = req->mirror,
		.pkgs = one,
		.n = 1,
		.fetch = PARALLEL_FETCH_OPTS_INIT,
	};
	fr.fetch.proxy = req->proxy;
	fr.fetch.what = "emulator";
	struct fetch_debs_result res;
	log_info("emulator: fetching %s %s (%.1f MB) from %s", pkg->package, pkg->version,
		 (double)pkg->size / 1e6, req->mirror);
	if (fetch_debs(debs, &fr, &res, err) < 0)
		return -1;
	log_status_clear();
	if (res.fetched.files)
		log_info("emulator: downloaded %.1f MB in %.1f s, SHA256 verified",
			 (double)res.fetched.bytes / 1e6, res.fetched.seconds);
	return 0;
}

/* The binary out of the .deb into CACHE/emulators/SHA256/, unless an
 * intact one is there.  Under that file's lock: one process extracts, the
 * others wait and then find it. */
static int obtain_binary(const struct emulator_request *req, struct deb_cache *debs,
			 const struct deb_package *pkg, const char *cache, char **path_out,
			 struct mkfr_error *err)
{
	autofree char *bin_name = xasprintf("qemu-%s-static", req->qemu_target);
	autofree char *member = xasprintf("usr/bin/%s", bin_name);
	autofree char *bin_dir = cache_emulator_dir(cache, pkg->sha256);
	autofree char *bin = path_join(bin_dir, bin_name);
	autofree char *sum_path = xasprintf("%s.sha256", bin);
	autofree char *lock_name = xasprintf("emulator %s %s", pkg->sha256, bin_name);

	if (deb_cache_lock(debs, lock_name, true, err) < 0)
		return -1;
	int r = 0;
	if (access(bin, F_OK) == 0 && cached_binary_intact(bin, sum_path)) {
		log_info("emulator: using the cached %s from %s %s", bin, pkg->package, pkg->version);
		/* Last used, for `cache prune --unused-for`. */
		utimensat(AT_FDCWD, bin_dir, NULL, 0);
		goto done;
	}
	if (access(bin, F_OK) == 0)
		log_warn("emulator: cached %s differs from what was extracted (corrupt); extracting "
			 "it again", bin);
	r = obtain_deb(req, debs, pkg, err);
	if (r == 0)
		r = mkdir_p(bin_dir, 0755, err);
	if (r == 0) {
		autofree char *deb_path = deb_cache_path(debs, pkg);
		r = deb_extract_file(deb_path, member, bin, 0755, err);
		if (r < 0 && err->errnum == ENOENT)
			mkfr_fail(err, 0, "%s %s from %s has no /%s: this qemu cannot emulate that "
				  "architecture; use a newer suite or emulator_source=host", pkg->package,
				  pkg->version, req->mirror, member);
	}
	if (r == 0)
		r = record_sha256(bin, sum_path, bin_name, err);
	if (r == 0)
		log_info("emulator: %s extracted from %s %s", bin, pkg->package, pkg->version);
done:
	deb_cache_unlock(debs, lock_name);
	if (r == 0)
		*path_out = steal_pointer(&bin);
	return r;
}

int emulator_cache_obtain(const struct emulator_request *req, char **path_out,
			  struct mkfr_error *err)
{
	const char *cache = req->cache_dir ? req->cache_dir : cache_default_dir();
	const char *arch = req->host_arch ? req->host_arch : arch_host();
	*path_out = NULL;
	if (!req->mirror || !req->suite || !req->keyring || !req->qemu_target || !arch)
		return mkfr_fail_usage(err, "emulator from mirror: mirror, suite, keyring and "
				       "qemu target are all needed");
	if (!qemu_target_lookup(req->qemu_target) || strchr(req->qemu_target, '/'))
		return mkfr_fail_usage(err, "emulator from mirror: unknown qemu target '%s'",
				       req->qemu_target);

	if (cache_check_trusted(cache, true, err) < 0)
		return mkfr_error_prefix(err, "emulator");
	autoclose int in_use = cache_use_lock(cache, false, err);
	if (in_use < 0)
		return mkfr_error_prefix(err, "emulator");
	struct index_source src = {
		.cache_dir = cache,
		.mirror = req->mirror,
		.suite = req->suite,
		.keyring = req->keyring,
		.proxy = req->proxy,
		.check_valid_until = req->check_valid_until,
		.offline = req->offline,
		.what = "emulator",
	};
	struct release_file rel;
	bool detached;
	if (index_cache_release(&src, &rel, &detached, err) < 0)
		return mkfr_error_prefix(err, "emulator");
	log_info("emulator: %s/dists/%s/%s verified (key %s)%s", req->mirror, req->suite,
		 detached ? "Release" : "InRelease", rel.signer_fpr ? rel.signer_fpr : "none",
		 src.offline ? ", from the cache" : "");
	struct packages_index idx = { 0 };
	struct deb_cache debs = DEB_CACHE_INIT;
	int r = -1;
	if (rel.architectures && !strv_contains(rel.architectures, arch)) {
		mkfr_fail(err, 0, "emulator: %s %s has no packages for the host architecture %s",
			  req->mirror, req->suite, arch);
		goto out;
	}
	if (index_cache_packages(&src, &rel, "main", arch, &idx, err) < 0 ||
	    deb_cache_open(&debs, cache, err) < 0) {
		mkfr_error_prefix(err, "emulator");
		goto out;
	}
	const struct deb_package *pkg = find_package(&idx, req, arch, err);
	struct emulator_request effective = *req;
	effective.offline = src.offline;
	if (!pkg || obtain_binary(&effective, &debs, pkg, cache, path_out, err) < 0) {
		mkfr_error_prefix(err, "emulator");
		goto out;
	}
	r = 0;
out:
	deb_cache_close(&debs);
	packages_index_free(&idx);
	release_file_free(&rel);
	return r;
}
