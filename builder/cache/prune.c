/* SPDX-License-Identifier: MIT */
#include "cache/prune.h"

#include "cache/base_cache.h"
#include "cache/lock.h"
#include "sys/rootfs_fs.h"
#include "sys/stale.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Regular files below the directory fd (consumed), never following a
 * symlink; hidden names (locks, temporaries) are not counted. */
static void usage_below(int dirfd, struct cache_usage *u)
{
	autoclosedir DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.' || fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			u->files++;
			u->bytes += (uint64_t)st.st_size;
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				usage_below(sub, u);
		}
	}
}

void cache_part_usage(const char *cache_dir, enum cache_part part, struct cache_usage *u)
{
	autofree char *dir = cache_part_dir(cache_dir, part);
	*u = (struct cache_usage){ 0 };
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		usage_below(fd, u);
}

/* The part's directory as a DIR (never through a symlink); NULL with
 * *err, or NULL with err->errnum ENOENT when the part is not there yet. */
static DIR *open_part(const char *cache_dir, enum cache_part part, char **dir_out,
		      struct mkfr_error *err)
{
	*dir_out = cache_part_dir(cache_dir, part);
	int fd = open(*dir_out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		mkfr_fail(err, e, "cannot read %s", *dir_out);
		err->errnum = e;
	}
	return d;
}

static void format_time(time_t t, char *buf, size_t len)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

static int prune_base(const struct prune_request *req, struct prune_tally *t, struct mkfr_error *err)
{
	struct base_cache_entry *entries;
	size_t n;
	if (base_cache_list(req->cache_dir, &entries, &n, err) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct base_cache_entry *e = &entries[i];
		if (!req->all && e->last_used >= req->cutoff) {
			t->kept++;
			continue;
		}
		char used[32];
		format_time(e->last_used, used, sizeof(used));
		log_info("%s base snapshot %.12s (%s %s %s, last used %s)",
			 req->dry_run ? "would remove" : "removing", e->id, e->suite ? e->suite : "?",
			 e->arch ? e->arch : "?", e->variant ? e->variant : "?", used);
		if (!req->dry_run)
			r = base_cache_remove(req->cache_dir, e->id, err);
		t->removed++;
		t->removed_bytes += e->bytes;
	}
	base_cache_entries_free(entries, n);
	return r;
}

/* .debs not used since the cutoff (deb_cache marks each use). */
static int prune_debs(const struct prune_request *req, struct prune_tally *t, struct mkfr_error *err)
{
	autofree char *dir = NULL;
	autoclosedir DIR *d = open_part(req->cache_dir, CACHE_DEBS, &dir, err);
	if (!d)
		return err->errnum == ENOENT ? 0 : -1;
	int fd = dirfd(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct stat st;
		if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".deb") != 0 ||
		    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (!req->all && st.st_mtime >= req->cutoff) {
			t->kept++;
			continue;
		}
		log_verbose("%s %s/%s", req->dry_run ? "would remove" : "removing", dir, de->d_name);
		if (!req->dry_run && unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT)
			return mkfr_fail(err, errno, "cannot remove %s/%s", dir, de->d_name);
		t->removed++;
		t->removed_bytes += (uint64_t)st.st_size;
	}
	return 0;
}

/* Emulators: one directory per qemu-user-static .deb, its mtime the last
 * use (cache/emulator_cache.c marks it). */
static int prune_emulators(const struct prune_request *req, struct prune_tally *t,
			   struct mkfr_error *err)
{
	autofree char *dir = NULL;
	autoclosedir DIR *d = open_part(req->cache_dir, CACHE_EMULATORS, &dir, err);
	if (!d)
		return err->errnum == ENOENT ? 0 : -1;
	int fd = dirfd(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.' || fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (!req->all && st.st_mtime >= req->cutoff) {
			t->kept++;
			continue;
		}
		autofree char *path = path_join(dir, de->d_name);
		struct cache_usage u = { 0 };
		int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			usage_below(sub, &u);
		log_info("%s the emulators in %s", req->dry_run ? "would remove" : "removing", path);
		if (!req->dry_run && remove_tree(path, err) < 0)
			return -1;
		t->removed += u.files;
		t->removed_bytes += u.bytes;
	}
	return 0;
}

/* --all: the indexes too (the next build fetches them again). */
static int prune_indexes(const struct prune_request *req, struct prune_tally *t,
			 struct mkfr_error *err)
{
	struct cache_usage u;
	cache_part_usage(req->cache_dir, CACHE_INDEXES, &u);
	if (!u.files)
		return 0;
	autofree char *dir = cache_part_dir(req->cache_dir, CACHE_INDEXES);
	log_info("%s %s (%zu files)", req->dry_run ? "would remove" : "removing", dir, u.files);
	if (!req->dry_run && remove_tree(dir, err) < 0)
		return -1;
	t->removed += u.files;
	t->removed_bytes += u.bytes;
	return 0;
}

int cache_prune(const struct prune_request *req, struct prune_tally *base, struct prune_tally *debs,
		struct prune_tally *rest, struct mkfr_error *err)
{
	*base = *debs = *rest = (struct prune_tally){ 0 };
	/* No build may use the cache meanwhile: one that checked a .deb
	 * must still find it when it copies it. */
	autoclose int lock = cache_use_lock(req->cache_dir, true, err);
	if (lock < 0)
		return -1;
	if (!req->dry_run) {
		autofree char *tmp = cache_part_dir(req->cache_dir, CACHE_TMP);
		stale_cleanup_dir(tmp);
	}
	if (prune_base(req, base, err) < 0 || prune_debs(req, debs, err) < 0 ||
	    prune_emulators(req, rest, err) < 0 || (req->all && prune_indexes(req, rest, err) < 0))
		return -1;
	return 0;
}
