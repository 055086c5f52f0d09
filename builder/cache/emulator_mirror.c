#include "cache/emulator_mirror.h"

#include "util/arch.h"
#include "sys/atomic_file.h"
#include "cache/cache_dirs.h"
#include "util/cleanup.h"
#include "archive/deb_extract.h"
#include "net/http_get.h"
#include "util/log.h"
#include "archive/packages_index.h"
#include "archive/release_file.h"
#include "util/sha256.h"
#include "sys/signals.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Builds share the cache: one holds it at a time, the others wait.  The
 * lock goes with the fd, so a killed build never leaves it held. */
static int lock_cache(const char *cache, struct mkfr_error *err)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/lock", cache);
	autoclose int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot open the cache lock %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return steal_fd(&fd);
	if (errno != EWOULDBLOCK)
		return mkfr_fail(err, errno, "cannot lock %s", path);
	log_info("emulator: waiting for another build using the cache %s", cache);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return mkfr_fail(err, errno, "cannot lock %s", path);
		if (signals_pending())
			return mkfr_fail(err, EINTR, "waiting for %s", path);
	}
	return steal_fd(&fd);
}

/* The SHA256 recorded when the binary was extracted: does it still match? */
static bool cached_binary_intact(const char *bin, const char *sum_path)
{
	struct mkfr_error ignored;
	char want[SHA256_HEX_SIZE], got[SHA256_HEX_SIZE];
	autofclose FILE *f = fopen(sum_path, "re");
	if (!f || fscanf(f, "%64s", want) != 1 || !sha256_hex_valid(want))
		return false;
	return sha256_file_hex(bin, got, NULL, &ignored) == 0 && strcmp(got, want) == 0;
}

static int record_sha256(const char *bin, const char *sum_path, const char *bin_name,
			 struct mkfr_error *err)
{
	autodiscard struct atomic_file af = ATOMIC_FILE_INIT;
	char hex[SHA256_HEX_SIZE];
	char line[256];
	if (sha256_file_hex(bin, hex, NULL, err) < 0 || atomic_file_open(&af, sum_path, 0644, err) < 0)
		return -1;
	int n = snprintf(line, sizeof(line), "%s  %s\n", hex, bin_name);
	if (write(af.fd, line, (size_t)n) != n)
		return mkfr_fail(err, errno, "cannot write %s", sum_path);
	return atomic_file_commit(&af, err);
}

static double mb(uint64_t bytes)
{
	return (double)bytes / 1e6;
}

/* The .deb in CACHE/debs, verified against the index: reused when intact,
 * downloaded otherwise. */
static int obtain_deb(const struct emulator_mirror_request *req, const struct deb_package *pkg,
		      const char *deb_path, struct mkfr_error *err)
{
	char got[SHA256_HEX_SIZE];
	uint64_t size;
	struct mkfr_error ignored;

	if (access(deb_path, F_OK) == 0) {
		if (sha256_file_hex(deb_path, got, &size, &ignored) == 0 && size == pkg->size &&
		    strcasecmp(got, pkg->sha256) == 0) {
			log_info("emulator: using the cached %s", deb_path);
			return 0;
		}
		log_warn("emulator: cached %s does not match the mirror's index (corrupt or "
			 "truncated); downloading it again", deb_path);
		if (unlink(deb_path) < 0)
			return mkfr_fail(err, errno, "cannot remove the corrupt %s", deb_path);
	}

	autofree char *url = NULL;
	struct http_get_opts o = HTTP_GET_OPTS_INIT;
	struct timespec t0;
	if (asprintf(&url, "%s/%s", req->mirror, pkg->filename) < 0) {
		url = NULL;
		return mkfr_fail(err, ENOMEM, "%s", pkg->filename);
	}
	o.proxy = req->proxy;
	o.expect_sha256 = pkg->sha256;
	o.expect_size = (int64_t)pkg->size;
	log_info("emulator: fetching %s %s (%.1f MB) from %s", pkg->package, pkg->version,
		 mb(pkg->size), req->mirror);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (http_get_to_path(url, deb_path, &o, &size, err) < 0)
		return -1;
	double s = log_seconds_since(&t0);
	log_info("emulator: downloaded %.1f MB in %.1f s (%.1f MB/s), SHA256 verified", mb(size), s,
		 s > 0 ? mb(size) / s : 0.0);
	return 0;
}

/* The index entry of qemu-user-static, checked for what we rely on. */
static const struct deb_package *find_package(const struct packages_index *idx,
					      const struct emulator_mirror_request *req,
					      const char *arch, struct mkfr_error *err)
{
	const struct deb_package *p = packages_index_find(idx, EMULATOR_MIRROR_PACKAGE);
	if (!p) {
		mkfr_fail(err, 0, "%s has no %s for %s in %s main; choose emulator_source=host and "
			  "install it, or use another suite", req->mirror, EMULATOR_MIRROR_PACKAGE,
			  arch, req->suite);
		return NULL;
	}
	if (!p->filename || !p->version || !p->sha256 || !sha256_hex_valid(p->sha256) ||
	    p->size == 0 || strstr(p->filename, "..") || p->filename[0] == '/') {
		mkfr_fail(err, 0, "%s: the index entry of %s lacks a usable Filename, Size or SHA256",
			  req->mirror, EMULATOR_MIRROR_PACKAGE);
		return NULL;
	}
	return p;
}

int emulator_from_mirror(const struct emulator_mirror_request *req, char **path_out,
			 struct mkfr_error *err)
{
	const char *cache = req->cache_dir ? req->cache_dir : EMULATOR_MIRROR_DEFAULT_CACHE_DIR;
	const char *arch = req->host_arch ? req->host_arch : arch_host();
	struct release_file rel;
	struct packages_index idx = { NULL, 0 };
	autofree char *bin_name = NULL, *member = NULL, *deb_name = NULL;
	autofree char *deb_dir = NULL, *deb_path = NULL;
	autofree char *bin_dir = NULL, *bin = NULL, *sum_path = NULL;
	autoclose int lock = -1;
	int r = -1;

	*path_out = NULL;
	if (!req->mirror || !req->suite || !req->keyring || !req->qemu_target || !arch)
		return mkfr_fail_usage(err, "emulator from mirror: mirror, suite, keyring and "
				       "qemu target are all needed");
	if (!qemu_target_lookup(req->qemu_target) || strchr(req->qemu_target, '/'))
		return mkfr_fail_usage(err, "emulator from mirror: unknown qemu target '%s'",
				       req->qemu_target);
	if (asprintf(&bin_name, "qemu-%s-static", req->qemu_target) < 0 ||
	    asprintf(&member, "usr/bin/%s", bin_name) < 0 ||
	    asprintf(&deb_dir, "%s/debs", cache) < 0)
		return mkfr_fail(err, ENOMEM, "emulator");

	if (cache_mkdir_p(deb_dir, err) < 0 || cache_mkdir_p(cache, err) < 0)
		return -1;
	if ((lock = lock_cache(cache, err)) < 0)
		return -1;

	struct release_fetch_request rreq = {
		.mirror = req->mirror, .suite = req->suite, .keyring = req->keyring,
		.proxy = req->proxy, .check_valid_until = req->check_valid_until,
	};
	if (release_file_fetch(&rreq, &rel, err) < 0)
		return mkfr_error_prefix(err, "emulator");
	log_info("emulator: %s/dists/%s/InRelease verified (key %s)", req->mirror, req->suite,
		 rel.signer_fpr);
	if (rel.architectures && !strv_contains(rel.architectures, arch)) {
		mkfr_fail(err, 0, "emulator: %s %s has no packages for the host architecture %s",
			  req->mirror, req->suite, arch);
		goto out;
	}

	struct packages_fetch_request preq = {
		.mirror = req->mirror, .suite = req->suite, .component = "main", .arch = arch,
		.proxy = req->proxy, .release = &rel,
	};
	if (packages_index_fetch(&preq, &idx, err) < 0) {
		mkfr_error_prefix(err, "emulator");
		goto out;
	}
	const struct deb_package *pkg = find_package(&idx, req, arch, err);
	if (!pkg || !(deb_name = deb_package_file_name(pkg))) {
		if (pkg)
			mkfr_fail(err, 0, "emulator: %s: bad package name or version in the index",
				  req->mirror);
		goto out;
	}
	if (asprintf(&deb_path, "%s/%s", deb_dir, deb_name) < 0 ||
	    asprintf(&bin_dir, "%s/emulators/%s", cache, pkg->sha256) < 0 ||
	    asprintf(&bin, "%s/%s", bin_dir, bin_name) < 0 ||
	    asprintf(&sum_path, "%s.sha256", bin) < 0) {
		mkfr_fail(err, ENOMEM, "emulator");
		goto out;
	}

	if (access(bin, F_OK) == 0) {
		if (cached_binary_intact(bin, sum_path)) {
			log_info("emulator: using the cached %s from %s %s", bin, pkg->package,
				 pkg->version);
			r = 0;
			goto done;
		}
		log_warn("emulator: cached %s differs from what was extracted (corrupt); extracting "
			 "it again", bin);
	}
	if (obtain_deb(req, pkg, deb_path, err) < 0 || cache_mkdir_p(bin_dir, err) < 0) {
		mkfr_error_prefix(err, "emulator");
		goto out;
	}
	if (deb_extract_file(deb_path, member, bin, 0755, err) < 0) {
		if (err->errnum == ENOENT)
			mkfr_fail(err, 0, "emulator: %s %s from %s has no /%s: this qemu cannot emulate "
				  "that architecture; use a newer suite or emulator_source=host",
				  pkg->package, pkg->version, req->mirror, member);
		else
			mkfr_error_prefix(err, "emulator");
		goto out;
	}
	if (record_sha256(bin, sum_path, bin_name, err) < 0) {
		mkfr_error_prefix(err, "emulator");
		goto out;
	}
	log_info("emulator: %s extracted from %s %s", bin, pkg->package, pkg->version);
	r = 0;
done:
	if (!(*path_out = strdup(bin)))
		r = mkfr_fail(err, ENOMEM, "emulator");
out:
	packages_index_free(&idx);
	release_file_free(&rel);
	return r;
}
