#include "cli/cmd_cache.h"

#include "cache/base_cache.h"
#include "cache/cache_dirs.h"
#include "util/cleanup.h"
#include "cache/emulator_mirror.h"
#include "util/error.h"
#include "util/log.h"
#include "sys/rootfs_fs.h"
#include "sys/signals.h"
#include "sys/stale.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_UNUSED_DAYS 30

static void cache_usage(FILE *f)
{
	fputs("Usage: mkforeignroot cache list [--cache-dir DIR]\n"
	      "       mkforeignroot cache prune [--cache-dir DIR] [--unused-for DAYS | --all] [--dry-run]\n"
	      "\n"
	      "list   the base snapshots (newest use first), and what the .debs, emulators and\n"
	      "       indexes take\n"
	      "prune  remove base snapshots and .debs no build has used for DAYS days (default 30),\n"
	      "       and what interrupted runs left in tmp/; --all: empty the whole cache.\n"
	      "       Waits for running builds that use the cache.\n"
	      "\n"
	      "  --cache-dir DIR   default: $MKFR_CACHE_DIR, else " EMULATOR_MIRROR_DEFAULT_CACHE_DIR "\n"
	      "  --unused-for DAYS remove what was last used more than DAYS days ago (0: all of it)\n"
	      "  --all             remove every snapshot, .deb, emulator and index\n"
	      "  -n, --dry-run     only say what would be removed\n",
	      f);
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

/* Regular files directly in (or, with recurse, below) dir: count and bytes. */
static void dir_usage(const char *dir, bool recurse, size_t *files, uint64_t *bytes)
{
	autoclosedir DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		autofree char *path = NULL;
		struct stat st;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0 || lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && recurse) {
			dir_usage(path, true, files, bytes);
		} else if (S_ISREG(st.st_mode)) {
			(*files)++;
			*bytes += (uint64_t)st.st_size;
		}
	}
}

static int cache_list(const char *cache_dir)
{
	struct mkfr_error err;
	struct base_cache_entry *entries;
	size_t n;
	if (base_cache_list(cache_dir, &entries, &n, &err) < 0) {
		log_error("%s", err.msg);
		return MKFR_EXIT_FAILURE;
	}
	printf("base snapshots in %s/base: %zu\n", cache_dir, n);
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
	base_cache_entries_free(entries, n);

	static const struct {
		const char *dir, *what;
		bool recurse;
	} parts[] = {
		{ "debs", ".debs", false },
		{ "emulators", "emulator files", true },
		{ "indexes", "index files", true },
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		autofree char *dir = NULL;
		size_t files = 0;
		uint64_t bytes = 0;
		char size[32];
		if (asprintf(&dir, "%s/%s", cache_dir, parts[i].dir) < 0)
			return MKFR_EXIT_FAILURE;
		dir_usage(dir, parts[i].recurse, &files, &bytes);
		human_size(bytes, size, sizeof(size));
		printf("%-15s %6zu, %9s in %s\n", parts[i].what, files, size, dir);
		total += bytes;
	}
	char size[32];
	human_size(total, size, sizeof(size));
	printf("total %s\n", size);
	return 0;
}

struct prune_tally {
	size_t removed, kept;
	uint64_t removed_bytes;
};

static int prune_base(const char *cache_dir, bool all, time_t cutoff, bool dry_run,
		      struct prune_tally *t, struct mkfr_error *err)
{
	struct base_cache_entry *entries;
	size_t n;
	if (base_cache_list(cache_dir, &entries, &n, err) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct base_cache_entry *e = &entries[i];
		if (!all && e->last_used >= cutoff) {
			t->kept++;
			continue;
		}
		char used[32];
		format_time(e->last_used, used, sizeof(used));
		log_info("%s base snapshot %.12s (%s %s %s, last used %s)",
			 dry_run ? "would remove" : "removing", e->id, e->suite ? e->suite : "?",
			 e->arch ? e->arch : "?", e->variant ? e->variant : "?", used);
		if (!dry_run)
			r = base_cache_remove(cache_dir, e->id, err);
		t->removed++;
		t->removed_bytes += e->bytes;
	}
	base_cache_entries_free(entries, n);
	return r;
}

/* .debs in CACHE/debs not used since cutoff (deb_cache marks each use). */
static int prune_debs(const char *cache_dir, bool all, time_t cutoff, bool dry_run,
		      struct prune_tally *t, struct mkfr_error *err)
{
	autofree char *dir = NULL;
	if (asprintf(&dir, "%s/debs", cache_dir) < 0)
		return mkfr_fail(err, ENOMEM, "prune");
	autoclosedir DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".deb") != 0)
			continue;
		autofree char *path = NULL;
		struct stat st;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0 || lstat(path, &st) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (!all && st.st_mtime >= cutoff) {
			t->kept++;
			continue;
		}
		log_verbose("%s %s", dry_run ? "would remove" : "removing", path);
		if (!dry_run && unlink(path) < 0 && errno != ENOENT)
			return mkfr_fail(err, errno, "cannot remove %s", path);
		t->removed++;
		t->removed_bytes += (uint64_t)st.st_size;
	}
	return 0;
}

/* --all: the emulators and indexes too (the next build fetches them again). */
static int prune_rest(const char *cache_dir, bool dry_run, struct prune_tally *t,
		      struct mkfr_error *err)
{
	static const char *const dirs[] = { "emulators", "indexes" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		autofree char *dir = NULL;
		size_t files = 0;
		uint64_t bytes = 0;
		if (asprintf(&dir, "%s/%s", cache_dir, dirs[i]) < 0)
			return mkfr_fail(err, ENOMEM, "prune");
		dir_usage(dir, true, &files, &bytes);
		if (!files)
			continue;
		log_info("%s %s (%zu files)", dry_run ? "would remove" : "removing", dir, files);
		if (!dry_run && remove_tree(dir, err) < 0)
			return -1;
		t->removed += files;
		t->removed_bytes += bytes;
	}
	return 0;
}

static int cache_prune(const char *cache_dir, bool all, long days, bool dry_run)
{
	struct mkfr_error err = { 0 };
	if (access(cache_dir, F_OK) < 0) {
		log_info("prune: %s does not exist: nothing to do", cache_dir);
		return 0;
	}
	/* No build may use the cache meanwhile: one that checked a .deb
	 * must still find it when it copies it. */
	autoclose int lock = cache_use_lock(cache_dir, true, &err);
	if (lock < 0) {
		log_error("%s", err.msg);
		return signals_pending() ? 128 + signals_pending() : MKFR_EXIT_FAILURE;
	}
	autofree char *tmp = NULL;
	if (asprintf(&tmp, "%s/tmp", cache_dir) < 0)
		return MKFR_EXIT_FAILURE;
	stale_cleanup_dir(tmp);

	time_t cutoff = time(NULL) - (time_t)days * 24 * 3600;
	struct prune_tally base = { 0 }, debs = { 0 }, rest = { 0 };
	if (prune_base(cache_dir, all, cutoff, dry_run, &base, &err) < 0 ||
	    prune_debs(cache_dir, all, cutoff, dry_run, &debs, &err) < 0 ||
	    (all && prune_rest(cache_dir, dry_run, &rest, &err) < 0)) {
		log_error("%s", err.msg);
		return MKFR_EXIT_FAILURE;
	}
	char freed[32];
	human_size(base.removed_bytes + debs.removed_bytes + rest.removed_bytes, freed, sizeof(freed));
	printf("%s %zu base snapshot(s) and %zu .deb(s)%s, %s; kept %zu snapshot(s) and %zu .deb(s)\n",
	       dry_run ? "would remove" : "removed", base.removed, debs.removed,
	       all ? ", emulators and indexes" : "", freed, base.kept, debs.kept);
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("MKFR_CACHE_DIR");
	const char *cache_dir = env && *env ? env : EMULATOR_MIRROR_DEFAULT_CACHE_DIR;
	bool all = false, dry_run = false, days_given = false;
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
			char *end;
			errno = 0;
			days = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || days < 0) {
				log_error("cache prune: --unused-for wants a number of days, not '%s'", optarg);
				return MKFR_EXIT_USAGE;
			}
			days_given = true;
			break;
		}
		case 'a':
			all = true;
			break;
		case 'n':
			dry_run = true;
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
	if (strcmp(what, "list") == 0) {
		if (all || dry_run || days_given) {
			log_error("cache list: --all, --unused-for and --dry-run belong to prune");
			return MKFR_EXIT_USAGE;
		}
		return cache_list(cache_dir);
	}
	if (all && days_given) {
		log_error("cache prune: --all or --unused-for, not both");
		return MKFR_EXIT_USAGE;
	}
	signals_install();
	return cache_prune(cache_dir, all, days, dry_run);
}
