/* SPDX-License-Identifier: MIT */
/* Test driver for fetch_debs() and the shared cache: the e2e test's way in,
 * until the fetch stage calls it.
 *
 *   fetch-debs resolve MIRROR SUITE ARCH KEYRING PACKAGE...
 *       verified InRelease -> main Packages; prints one line per package:
 *       FILENAME SIZE SHA256 PACKAGE VERSION ARCH
 *   fetch-debs fetch [--connections N] [--tries N] [--stall-seconds S]
 *                    [--proxy URL] MIRROR CACHE_DIR LIST
 *       brings LIST's packages (lines as resolve prints them) into
 *       CACHE_DIR/debs and prints what it did.
 */
#include "cache/deb_cache.h"
#include "cache/fetch_debs.h"
#include "util/log.h"
#include "archive/packages_index.h"
#include "archive/release_file.h"
#include "sys/signals.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(const char *argv0)
{
	fprintf(stderr, "usage: %s resolve MIRROR SUITE ARCH KEYRING PACKAGE...\n"
		"       %s fetch [--connections N] [--tries N] [--stall-seconds S] [--proxy URL] "
		"MIRROR CACHE_DIR LIST\n", argv0, argv0);
	return 2;
}

static int resolve(int argc, char **argv)
{
	struct mkfr_error err;
	struct release_file rel;
	struct packages_index idx = { 0 };
	int r = 1;

	if (argc < 7)
		return usage(argv[0]);
	struct release_fetch_request rreq = {
		.mirror = argv[2], .suite = argv[3], .keyring = argv[5], .check_valid_until = true,
	};
	if (release_file_fetch(&rreq, &rel, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	struct packages_fetch_request preq = {
		.mirror = argv[2], .suite = argv[3], .component = "main", .arch = argv[4],
		.release = &rel,
	};
	if (packages_index_fetch(&preq, &idx, &err) < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	for (int i = 6; i < argc; i++) {
		const struct deb_package *p = packages_index_find(&idx, argv[i]);
		if (!p || deb_cache_usable_record(p, argv[2], &err) < 0) {
			log_error("%s", p ? err.msg : "no such package");
			goto out;
		}
		printf("%s %" PRIu64 " %s %s %s %s\n", p->filename, p->size, p->sha256, p->package,
		       p->version, p->architecture);
	}
	r = 0;
out:
	packages_index_free(&idx);
	release_file_free(&rel);
	return r;
}

static int read_list(const char *path, struct deb_package **out, size_t *n_out)
{
	FILE *f = fopen(path, "re");
	char line[4096];
	size_t n = 0, cap = 0;
	struct deb_package *v = NULL;
	if (!f) {
		log_error("cannot open %s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char fn[1024], sha[128], name[256], ver[256], arch[64];
		uint64_t size;
		if (sscanf(line, "%1023s %" SCNu64 " %127s %255s %255s %63s", fn, &size, sha, name, ver,
			   arch) != 6)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				exit(1);
		}
		v[n++] = (struct deb_package){
			.filename = strdup(fn), .size = size, .sha256 = strdup(sha),
			.package = strdup(name), .version = strdup(ver), .architecture = strdup(arch),
		};
	}
	fclose(f);
	*out = v;
	*n_out = n;
	return 0;
}

static int fetch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "connections", required_argument, NULL, 'c' },
		{ "tries", required_argument, NULL, 't' },
		{ "stall-seconds", required_argument, NULL, 's' },
		{ "proxy", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct fetch_debs_request req = { 0 };
	struct mkfr_error err;
	struct deb_cache cache;
	struct deb_package *pkgs = NULL;
	struct fetch_debs_result res;
	size_t n = 0;
	int c;

	optind = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': req.fetch.connections = atoi(optarg); break;
		case 't': req.fetch.tries = atoi(optarg); break;
		case 's': req.fetch.stall_seconds = atoi(optarg); break;
		case 'p': req.fetch.proxy = optarg; break;
		default: return usage(argv[0]);
		}
	}
	if (argc - optind != 3)
		return usage(argv[0]);
	if (read_list(argv[optind + 2], &pkgs, &n) < 0)
		return 1;
	const struct deb_package **ptrs = calloc(n ? n : 1, sizeof(*ptrs));
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &pkgs[i];
	req.mirror = argv[optind];
	req.pkgs = ptrs;
	req.n = n;
	if (deb_cache_open(&cache, argv[optind + 1], &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	int r = fetch_debs(&cache, &req, &res, &err);
	const struct parallel_fetch_totals *t = &res.fetched;
	double mbytes = (double)t->bytes / 1e6;
	printf("fetched %zu files, %.1f MB in %.2f s (%.1f MB/s); %zu in the cache; %zu fetched "
	       "by another build; %u retries\n", t->files, mbytes, t->seconds,
	       t->seconds > 0 ? mbytes / t->seconds : 0.0, res.cached, res.waited, t->retries);
	if (r < 0)
		log_error("%s", err.msg);
	deb_cache_close(&cache);
	return r < 0 ? (signals_pending() ? 128 + signals_pending() : 1) : 0;
}

int main(int argc, char **argv)
{
	signals_install();
	if (argc >= 2 && strcmp(argv[1], "resolve") == 0)
		return resolve(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "fetch") == 0)
		return fetch(argc, argv);
	return usage(argv[0]);
}
