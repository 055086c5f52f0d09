/* SPDX-License-Identifier: MIT */
#include "cache/base_cache.h"

#include "cache/layout.h"
#include "sys/atomic_file.h"
#include "sys/rootfs_fs.h"
#include "sys/stale.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/log.h"
#include "util/sha256.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FORMAT "mkforeignroot-base-cache 1"
/* A key is a few KB (one line per package); anything this large is not one. */
#define KEY_MAX_BYTES (4 * 1024 * 1024)

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static int compare_debs(const void *a, const void *b)
{
	const struct deb_package *x = *(const struct deb_package *const *)a;
	const struct deb_package *y = *(const struct deb_package *const *)b;
	int c = strcmp(x->package, y->package);
	return c ? c : strcmp(or_empty(x->architecture), or_empty(y->architecture));
}

int base_cache_key_make(const struct base_cache_inputs *in, struct base_cache_key *key,
			struct mkfr_error *err)
{
	*key = (struct base_cache_key){ 0 };
	size_t len = 0;
	FILE *f = xopen_memstream(&key->text, &len);
	fprintf(f, "%s\n", KEY_FORMAT);
	fprintf(f, "mkforeignroot=%s\ndebootstrap=%s\nemulator=%s\nbinfmt=%s\n",
		or_empty(in->tool_version), or_empty(in->debootstrap_version),
		or_empty(in->emulator_version), or_empty(in->binfmt));
	fprintf(f, "unpack=%s\n", or_empty(in->unpack));
	/* Only for a rootless base: the keys of every root build's snapshot
	 * stay what they were. */
	if (in->rootless)
		fprintf(f, "rootless=yes\n");
	fprintf(f, "suite=%s\narch=%s\nvariant=%s\ncomponents=%s\nmirror=%s\n", or_empty(in->suite),
		or_empty(in->arch), or_empty(in->variant), or_empty(in->components),
		or_empty(in->mirror));
	fprintf(f, "packages=%s\nexclude=%s\n", or_empty(in->packages), or_empty(in->exclude));
	if (in->source_date_epoch)
		fprintf(f, "source_date_epoch=%s\n", in->source_date_epoch);
	/* Sorted: the same set gives the same key whatever order it was
	 * resolved in. */
	const struct deb_package **sorted = xcalloc(in->deb_count, sizeof(*sorted));
	for (size_t i = 0; i < in->deb_count; i++)
		sorted[i] = &in->debs[i];
	qsort(sorted, in->deb_count, sizeof(*sorted), compare_debs);
	for (size_t i = 0; i < in->deb_count; i++)
		fprintf(f, "deb=%s %s %s %s\n", sorted[i]->package, or_empty(sorted[i]->version),
			or_empty(sorted[i]->architecture), or_empty(sorted[i]->sha256));
	free(sorted);
	xclose_memstream(f);
	if (sha256_buffer_hex(key->text, len, key->id, err) < 0) {
		base_cache_key_free(key);
		return -1;
	}
	return 0;
}

void base_cache_key_free(struct base_cache_key *key)
{
	free(key->text);
	key->text = NULL;
}

char *base_cache_lookup(const char *cache_dir, const struct base_cache_key *key)
{
	autofree char *snapshot = cache_base_snapshot_path(cache_dir, key->id);
	autofree char *key_path = cache_base_key_path(cache_dir, key->id);
	struct stat st;
	if (lstat(snapshot, &st) < 0)
		return NULL;
	/* It is unpacked as root: only a file of ours alone is an entry. */
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0022)) {
		log_warn("base cache: %s is not a regular file that only you can write: ignored",
			 snapshot);
		return NULL;
	}
	/* Last used: what `cache prune --unused-for` goes by. */
	utimensat(AT_FDCWD, key_path, NULL, 0);
	return steal_pointer(&snapshot);
}

int base_cache_store(const char *cache_dir, const struct base_cache_key *key, const char *root,
		     const struct tar_options *o, struct tar_stats *stats, struct mkfr_error *err)
{
	autofree char *snapshot = cache_base_snapshot_path(cache_dir, key->id);
	autofree char *key_path = cache_base_key_path(cache_dir, key->id);
	autofree char *tmp_dir = cache_part_dir(cache_dir, CACHE_TMP);
	autofree char *part_name = stale_work_name("base.part", getpid());
	autofree char *part = cache_tmp_path(cache_dir, part_name);
	if (mkdir_p(tmp_dir, 0755, err) < 0 || mkdir_parents(snapshot, 0755, err) < 0)
		return -1;

	/* A new file of ours, never one that is there (or a link planted there). */
	int fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot create %s", part);
	int r = tar_write_tree(root, fd, o, stats, err);
	if (r == 0 && fsync(fd) < 0)
		r = mkfr_fail(err, errno, "cannot write %s", part);
	close(fd);
	/* The key first: a snapshot is never there without the key that
	 * explains it (a key alone is not an entry). */
	if (r == 0)
		r = atomic_file_write(key_path, key->text, strlen(key->text), 0644, err);
	if (r == 0 && rename(part, snapshot) < 0) {
		r = mkfr_fail(err, errno, "cannot move the snapshot to %s", snapshot);
		unlink(key_path);
	}
	if (r < 0)
		unlink(part);
	return r;
}

/* "name=value" of the key text, or NULL. */
static char *key_value(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > n && strncmp(line, name, n) == 0 && line[n] == '=')
			return xstrndup(line + n + 1, len - n - 1);
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

static size_t key_debs(const char *text)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, "\ndeb=")); p++)
		n++;
	return n;
}

static int compare_last_used(const void *a, const void *b)
{
	const struct base_cache_entry *x = a, *y = b;
	return x->last_used < y->last_used ? 1 : x->last_used > y->last_used ? -1 : strcmp(x->id, y->id);
}

int base_cache_list(const char *cache_dir, struct base_cache_entry **entries, size_t *count,
		    struct mkfr_error *err)
{
	*entries = NULL;
	*count = 0;
	autofree char *dir = cache_part_dir(cache_dir, CACHE_BASE);
	autoclosedir DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : mkfr_fail(err, errno, "cannot read %s", dir);
	struct base_cache_entry *list = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct base_cache_entry e = { 0 };
		if (!cache_base_snapshot_name(de->d_name, e.id))
			continue;
		autofree char *snapshot = cache_base_snapshot_path(cache_dir, e.id);
		autofree char *key_path = cache_base_key_path(cache_dir, e.id);
		struct stat ss, ks;
		if (lstat(snapshot, &ss) < 0 || !S_ISREG(ss.st_mode))
			continue;
		autofree char *text = NULL;
		struct mkfr_error ignored;
		if (read_whole_file(key_path, KEY_MAX_BYTES, &text, NULL, &ignored) < 0)
			text = NULL;
		e.bytes = (uint64_t)ss.st_size;
		e.created = ss.st_mtime;
		e.last_used = lstat(key_path, &ks) == 0 ? ks.st_mtime : ss.st_mtime;
		if (text) {
			e.suite = key_value(text, "suite");
			e.arch = key_value(text, "arch");
			e.variant = key_value(text, "variant");
			e.components = key_value(text, "components");
			e.mirror = key_value(text, "mirror");
			e.packages = key_debs(text);
		}
		list = xreallocarray(list, n + 1, sizeof(*list));
		list[n++] = e;
	}
	if (n)
		qsort(list, n, sizeof(*list), compare_last_used);
	*entries = list;
	*count = n;
	return 0;
}

void base_cache_entries_free(struct base_cache_entry *entries, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(entries[i].suite);
		free(entries[i].arch);
		free(entries[i].variant);
		free(entries[i].components);
		free(entries[i].mirror);
	}
	free(entries);
}

int base_cache_remove(const char *cache_dir, const char *id, struct mkfr_error *err)
{
	autofree char *snapshot = cache_base_snapshot_path(cache_dir, id);
	autofree char *key_path = cache_base_key_path(cache_dir, id);
	if (unlink(snapshot) < 0 && errno != ENOENT)
		return mkfr_fail(err, errno, "cannot remove %s", snapshot);
	if (unlink(key_path) < 0 && errno != ENOENT)
		return mkfr_fail(err, errno, "cannot remove %s", key_path);
	return 0;
}
