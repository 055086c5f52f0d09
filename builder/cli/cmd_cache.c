/* SPDX-License-Identifier: MIT */
/* `mkforeignroot cache list|prune`: the command line and the report;
 * cache/prune.h does the work. */
#include "cache/base_cache.h"
#include "cache/layout.h"
#include "cache/prune.h"
#include "cli/commands.h"
#include "cli/json_output.h"
#include "sys/signals.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"
#include "util/number.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_UNUSED_DAYS 30
/* A hundred years: anything more is a typo, and days * 86400 must fit a time_t. */
#define MAX_UNUSED_DAYS 36500

static void cache_usage(FILE *f)
{
	fprintf(f,
		"Usage: mkforeignroot cache list [--cache-dir DIR] [--json]\n"
		"       mkforeignroot cache prune [--cache-dir DIR] [--unused-for DAYS | --all] [--dry-run]\n"
		"\n"
		"list   the base snapshots (newest use first), and what the .debs, emulators and\n"
		"       indexes take\n"
		"prune  remove base snapshots, .debs and emulators no build has used for DAYS days\n"
		"       (default 30), and what interrupted runs left in tmp/; --all: empty the whole\n"
		"       cache.  Waits for running builds that use the cache.\n"
		"\n"
		"  --cache-dir DIR   default: $MKFR_CACHE_DIR, else %s\n"
		"  --json            list: one JSON document (sizes in bytes, times in UTC)\n"
		"  --unused-for DAYS remove what was last used more than DAYS days ago (0: all of it)\n"
		"  --all             remove every snapshot, .deb, emulator and index\n"
		"  -n, --dry-run     only say what would be removed; remove nothing\n",
		cache_default_dir());
}

static void human_size(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= 1000ull * 1000 * 1000)
		snprintf(buf, len, "%.1f GB", (double)bytes / 1e9);
	else
		snprintf(buf, len, "%.1f MB", (double)bytes / 1e6);
}

static void format_time(time_t t, char *buf, size_t len)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}


/* The parts besides base snapshots, as `cache list` reports them. */
static const struct {
	enum cache_part part;
	const char *what;
} listed_parts[] = {
	{ CACHE_DEBS, ".debs" },
	{ CACHE_EMULATORS, "emulator files" },
	{ CACHE_INDEXES, "index files" },
};

/* ISO 8601 in UTC: a script's clock and zone need not be ours. */
static json_object *json_time(time_t t)
{
	struct tm tm;
	char buf[32];
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_object_new_string(buf);
}

static int cache_list_json(const char *cache_dir, const struct base_cache_entry *entries, size_t n)
{
	json_object *root = json_object_new_object();
	json_object_object_add(root, "cache_dir", json_output_string(cache_dir));
	json_object *snaps = json_object_new_array();
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		const struct base_cache_entry *e = &entries[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_output_string(e->id));
		json_object_object_add(o, "suite", json_output_string(e->suite));
		json_object_object_add(o, "arch", json_output_string(e->arch));
		json_object_object_add(o, "variant", json_output_string(e->variant));
		json_object_object_add(o, "components", json_output_string(e->components));
		json_object_object_add(o, "mirror", json_output_string(e->mirror));
		json_object_object_add(o, "packages", json_object_new_int64((int64_t)e->packages));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)e->bytes));
		json_object_object_add(o, "last_used", json_time(e->last_used));
		json_object_object_add(o, "created", json_time(e->created));
		json_object_array_add(snaps, o);
		total += e->bytes;
	}
	autofree char *base_dir = cache_part_dir(cache_dir, CACHE_BASE);
	json_object *base = json_object_new_object();
	json_object_object_add(base, "dir", json_output_string(base_dir));
	json_object_object_add(base, "snapshots", snaps);
	json_object_object_add(root, cache_part_name(CACHE_BASE), base);
	for (size_t i = 0; i < sizeof(listed_parts) / sizeof(listed_parts[0]); i++) {
		autofree char *dir = cache_part_dir(cache_dir, listed_parts[i].part);
		struct cache_usage u;
		cache_part_usage(cache_dir, listed_parts[i].part, &u);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "dir", json_output_string(dir));
		json_object_object_add(o, "files", json_object_new_int64((int64_t)u.files));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)u.bytes));
		json_object_object_add(root, cache_part_name(listed_parts[i].part), o);
		total += u.bytes;
	}
	json_object_object_add(root, "total_bytes", json_object_new_int64((int64_t)total));
	return json_output_print(root);
}

static int cache_list_text(const char *cache_dir, const struct base_cache_entry *entries, size_t n)
{
	autofree char *base_dir = cache_part_dir(cache_dir, CACHE_BASE);
	printf("base snapshots in %s: %zu\n", base_dir, n);
	uint64_t total = 0;
	if (n)
		printf("  %-12s  %-10s %-9s %-8s %8s %9s  %-16s  %s\n", "ID", "SUITE", "ARCH",
		       "VARIANT", "PACKAGES", "SIZE", "LAST USED", "CREATED");
	for (size_t i = 0; i < n; i++) {
		const struct base_cache_entry *e = &entries[i];
		char size[32], used[32], created[32];
		human_size(e->bytes, size, sizeof(size));
		format_time(e->last_used, used, sizeof(used));
		format_time(e->created, created, sizeof(created));
		printf("  %.12s  %-10s %-9s %-8s %8zu %9s  %-16s  %s\n", e->id,
		       e->suite ? e->suite : "?", e->arch ? e->arch : "?", e->variant ? e->variant : "?",
		       e->packages, size, used, created);
		total += e->bytes;
	}
	for (size_t i = 0; i < sizeof(listed_parts) / sizeof(listed_parts[0]); i++) {
		autofree char *dir = cache_part_dir(cache_dir, listed_parts[i].part);
		struct cache_usage u;
		char size[32];
		cache_part_usage(cache_dir, listed_parts[i].part, &u);
		human_size(u.bytes, size, sizeof(size));
		printf("%-15s %6zu, %9s in %s\n", listed_parts[i].what, u.files, size, dir);
		total += u.bytes;
	}
	char size[32];
	human_size(total, size, sizeof(size));
	printf("total %s\n", size);
	return 0;
}

static int cache_list(const char *cache_dir, bool json)
{
	struct mkfr_error err;
	struct base_cache_entry *entries;
	size_t n;
	if (base_cache_list(cache_dir, &entries, &n, &err) < 0) {
		log_error("%s", err.msg);
		return MKFR_EXIT_FAILURE;
	}
	int r = json ? cache_list_json(cache_dir, entries, n) : cache_list_text(cache_dir, entries, n);
	base_cache_entries_free(entries, n);
	return r;
}

static int run_prune(const char *cache_dir, bool all, long days, bool dry_run)
{
	struct mkfr_error err = { 0 };
	if (access(cache_dir, F_OK) < 0) {
		log_info("prune: %s does not exist: nothing to do", cache_dir);
		return 0;
	}
	struct prune_request req = {
		.cache_dir = cache_dir,
		.all = all,
		.cutoff = time(NULL) - (time_t)days * 24 * 3600,
		.dry_run = dry_run,
	};
	struct prune_tally base, debs, rest;
	if (cache_prune(&req, &base, &debs, &rest, &err) < 0) {
		log_error("%s", err.msg);
		return signals_pending() ? 128 + signals_pending() : MKFR_EXIT_FAILURE;
	}
	char freed[32];
	human_size(base.removed_bytes + debs.removed_bytes + rest.removed_bytes, freed, sizeof(freed));
	char rest_text[64] = "";
	if (rest.removed)
		snprintf(rest_text, sizeof(rest_text), ", %zu emulator and index file(s)", rest.removed);
	printf("%s %zu base snapshot(s) and %zu .deb(s)%s, %s; kept %zu snapshot(s) and %zu .deb(s)\n",
	       dry_run ? "would remove" : "removed", base.removed, debs.removed, rest_text, freed,
	       base.kept, debs.kept);
	return 0;
}

int cmd_cache(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cache-dir", required_argument, NULL, 'C' },
		{ "unused-for", required_argument, NULL, 'U' },
		{ "all", no_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cache_dir = cache_default_dir();
	bool all = false, dry_run = false, days_given = false, json = false;
	long days = DEFAULT_UNUSED_DAYS;
	int c;
	if (argc < 2 || (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "prune") != 0)) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			cache_usage(stdout);
			return 0;
		}
		log_error("cache: say list or prune");
		cache_usage(stderr);
		return MKFR_EXIT_USAGE;
	}
	const char *what = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "nqvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'C':
			cache_dir = optarg;
			break;
		case 'U': {
			uint64_t v;
			if (!parse_u64(optarg, MAX_UNUSED_DAYS, &v)) {
				log_error("cache prune: --unused-for wants a number of days from 0 to %d, "
					  "not '%s'", MAX_UNUSED_DAYS, optarg);
				return MKFR_EXIT_USAGE;
			}
			days = (long)v;
			days_given = true;
			break;
		}
		case 'a':
			all = true;
			break;
		case 'n':
			dry_run = true;
			break;
		case 'j':
			json = true;
			break;
		case 'q':
			log_set_level(LOG_QUIET);
			break;
		case 'v':
			log_set_level(LOG_VERBOSE);
			break;
		case 'h':
			cache_usage(stdout);
			return 0;
		default:
			cache_usage(stderr);
			return MKFR_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		log_error("cache %s: unexpected argument '%s'", what, argv[optind]);
		return MKFR_EXIT_USAGE;
	}
	struct mkfr_error err;
	if (cache_check_trusted(cache_dir, false, &err) < 0) {
		log_error("%s", err.msg);
		return err.exit_code;
	}
	if (strcmp(what, "list") == 0) {
		if (all || dry_run || days_given) {
			log_error("cache list: --all, --unused-for and --dry-run belong to prune");
			return MKFR_EXIT_USAGE;
		}
		return cache_list(cache_dir, json);
	}
	if (json) {
		log_error("cache prune: --json belongs to list");
		return MKFR_EXIT_USAGE;
	}
	if (all && days_given) {
		log_error("cache prune: --all or --unused-for, not both");
		return MKFR_EXIT_USAGE;
	}
	signals_install();
	return run_prune(cache_dir, all, days, dry_run);
}
