#include "cache/base_cache.h"

#include "cache/cache_dirs.h"
#include "util/cleanup.h"
#include "sys/rootfs_fs.h"
#include "util/sha256.h"
#include "sys/stale.h"
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
#define SNAPSHOT_SUFFIX ".tar.zst"
#define KEY_SUFFIX ".key"

static int compare_debs(const void *a, const void *b)
{
	const struct fetched_deb *x = *(const struct fetched_deb *const *)a;
	const struct fetched_deb *y = *(const struct fetched_deb *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->architecture, y->architecture);
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

int base_cache_key_make(const struct base_cache_inputs *in, struct base_cache_key *key,
			struct mkfr_error *err)
{
	*key = (struct base_cache_key){ 0 };
	size_t len = 0;
	FILE *f = open_memstream(&key->text, &len);
	if (!f)
		return mkfr_fail(err, errno, "base cache key");
	fprintf(f, "%s\n", KEY_FORMAT);
	fprintf(f, "mkforeignroot=%s\ndebootstrap=%s\nemulator=%s\nbinfmt=%s\n",
		or_empty(in->tool_version), or_empty(in->debootstrap_version),
		or_empty(in->emulator_version), or_empty(in->binfmt));
	fprintf(f, "suite=%s\narch=%s\nvariant=%s\ncomponents=%s\nmirror=%s\n", or_empty(in->suite),
		or_empty(in->arch), or_empty(in->variant), or_empty(in->components),
		or_empty(in->mirror));
	fprintf(f, "packages=%s\nexclude=%s\n", or_empty(in->packages), or_empty(in->exclude));
	if (in->source_date_epoch)
		fprintf(f, "source_date_epoch=%s\n", in->source_date_epoch);
	/* Sorted: the same set gives the same key whatever order it was
	 * resolved in. */
	const struct fetched_deb **sorted = calloc(in->deb_count ? in->deb_count : 1, sizeof(*sorted));
	if (!sorted) {
		fclose(f);
		base_cache_key_free(key);
		return mkfr_fail(err, ENOMEM, "base cache key");
	}
	for (size_t i = 0; i < in->deb_count; i++)
		sorted[i] = &in->debs[i];
	qsort(sorted, in->deb_count, sizeof(*sorted), compare_debs);
	for (size_t i = 0; i < in->deb_count; i++)
		fprintf(f, "deb=%s %s %s %s\n", sorted[i]->name, sorted[i]->version,
			sorted[i]->architecture, sorted[i]->sha256);
	free(sorted);
	if (fclose(f) != 0 || !key->text) {
		base_cache_key_free(key);
		return mkfr_fail(err, ENOMEM, "base cache key");
	}
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

static char *entry_path(const char *cache_dir, const char *id, const char *suffix)
{
	char *p = NULL;
	return asprintf(&p, "%s/base/%s%s", cache_dir, id, suffix) < 0 ? NULL : p;
}

char *base_cache_lookup(const char *cache_dir, const struct base_cache_key *key)
{
	autofree char *snapshot = entry_path(cache_dir, key->id, SNAPSHOT_SUFFIX);
	autofree char *key_path = entry_path(cache_dir, key->id, KEY_SUFFIX);
	if (!snapshot || !key_path || access(snapshot, R_OK) != 0)
		return NULL;
	/* Last used: what `cache prune --unused-for` goes by. */
	utimensat(AT_FDCWD, key_path, NULL, 0);
	return steal_pointer(&snapshot);
}

static int write_key_file(const char *path, const char *text, struct mkfr_error *err)
{
	autofree char *tmp = NULL;
	if (asprintf(&tmp, "%s.%d.tmp", path, (int)getpid()) < 0)
		return mkfr_fail(err, ENOMEM, "base cache");
	autoclose int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return mkfr_fail(err, e, "cannot write %s", path);
	}
	return 0;
}

int base_cache_store(const char *cache_dir, const struct base_cache_key *key, const char *root,
		     const struct tar_options *o, struct tar_stats *stats, struct mkfr_error *err)
{
	autofree char *snapshot = entry_path(cache_dir, key->id, SNAPSHOT_SUFFIX);
	autofree char *key_path = entry_path(cache_dir, key->id, KEY_SUFFIX);
	autofree char *tmp_dir = NULL, *part_name = NULL, *part = NULL;
	if (!snapshot || !key_path || asprintf(&tmp_dir, "%s/tmp", cache_dir) < 0 ||
	    !(part_name = stale_work_name("base.part", getpid())) ||
	    asprintf(&part, "%s/%s", tmp_dir, part_name) < 0)
		return mkfr_fail(err, ENOMEM, "base cache");
	if (cache_mkdir_p(tmp_dir, err) < 0 || cache_mkdir_parents(snapshot, err) < 0)
		return -1;

	int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot create %s", part);
	int r = tar_write_tree(root, fd, o, stats, err);
	if (r == 0 && fsync(fd) < 0)
		r = mkfr_fail(err, errno, "cannot write %s", part);
	close(fd);
	/* The key first: a snapshot is never there without the key that
	 * explains it (a key alone is not an entry). */
	if (r == 0)
		r = write_key_file(key_path, key->text, err);
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
			return strndup(line + n + 1, len - n - 1);
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

static char *read_text(const char *path)
{
	autofclose FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *text = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&text, &cap, '\0', f);
	if (n < 0) {
		free(text);
		return NULL;
	}
	return text;
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
	autofree char *dir = NULL;
	if (asprintf(&dir, "%s/base", cache_dir) < 0)
		return mkfr_fail(err, ENOMEM, "base cache");
	autoclosedir DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : mkfr_fail(err, errno, "cannot read %s", dir);
	struct base_cache_entry *list = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name), sl = strlen(SNAPSHOT_SUFFIX);
		if (len != 64 + sl || strcmp(de->d_name + 64, SNAPSHOT_SUFFIX) != 0)
			continue;
		struct base_cache_entry e = { 0 };
		memcpy(e.id, de->d_name, 64);
		autofree char *snapshot = entry_path(cache_dir, e.id, SNAPSHOT_SUFFIX);
		autofree char *key_path = entry_path(cache_dir, e.id, KEY_SUFFIX);
		struct stat ss, ks;
		if (!snapshot || !key_path || stat(snapshot, &ss) < 0)
			continue;
		autofree char *text = read_text(key_path);
		e.bytes = (uint64_t)ss.st_size;
		e.created = ss.st_mtime;
		e.last_used = stat(key_path, &ks) == 0 ? ks.st_mtime : ss.st_mtime;
		if (text) {
			e.suite = key_value(text, "suite");
			e.arch = key_value(text, "arch");
			e.variant = key_value(text, "variant");
			e.components = key_value(text, "components");
			e.mirror = key_value(text, "mirror");
			e.packages = key_debs(text);
		}
		struct base_cache_entry *grown = realloc(list, (n + 1) * sizeof(*list));
		if (!grown) {
			base_cache_entries_free(list, n);
			return mkfr_fail(err, ENOMEM, "base cache");
		}
		list = grown;
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
	autofree char *snapshot = entry_path(cache_dir, id, SNAPSHOT_SUFFIX);
	autofree char *key_path = entry_path(cache_dir, id, KEY_SUFFIX);
	if (!snapshot || !key_path)
		return mkfr_fail(err, ENOMEM, "base cache");
	if (unlink(snapshot) < 0 && errno != ENOENT)
		return mkfr_fail(err, errno, "cannot remove %s", snapshot);
	if (unlink(key_path) < 0 && errno != ENOENT)
		return mkfr_fail(err, errno, "cannot remove %s", key_path);
	return 0;
}
