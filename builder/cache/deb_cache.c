/* SPDX-License-Identifier: MIT */
#include "cache/deb_cache.h"

#include "cache/layout.h"
#include "sys/signals.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/log.h"
#include "util/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCK_POLL_MS 100

int deb_cache_open(struct deb_cache *c, const char *cache_dir, struct mkfr_error *err)
{
	autofree char *lock_path = cache_file_locks_path(cache_dir);
	*c = (struct deb_cache)DEB_CACHE_INIT;
	c->cache_dir = xstrdup(cache_dir);
	c->debs_dir = cache_part_dir(cache_dir, CACHE_DEBS);
	if (mkdir_p(c->debs_dir, 0755, err) < 0)
		goto fail;
	c->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (c->lock_fd < 0) {
		mkfr_fail(err, errno, "cannot open the cache lock %s", lock_path);
		goto fail;
	}
	return 0;
fail:
	deb_cache_close(c);
	return -1;
}

void deb_cache_close(struct deb_cache *c)
{
	if (c->lock_fd >= 0)
		close(steal_fd(&c->lock_fd)); /* drops every lock still held */
	free(steal_pointer(&c->debs_dir));
	free(steal_pointer(&c->cache_dir));
	free(steal_pointer(&c->held));
	c->held_count = c->held_cap = 0;
}

int deb_cache_usable_record(const struct deb_package *p, const char *mirror,
			    struct mkfr_error *err)
{
	const char *name = p->package ? p->package : "(unnamed)";
	if (!p->filename || !p->filename[0] || p->filename[0] == '/' || strstr(p->filename, ".."))
		return mkfr_fail(err, 0, "%s: the index entry of %s has no usable Filename", mirror,
				 name);
	if (p->size == 0 || !p->sha256 || !sha256_hex_valid(p->sha256))
		return mkfr_fail(err, 0, "%s: the index entry of %s lacks a Size or SHA256", mirror,
				 name);
	autofree char *file = deb_package_file_name(p);
	if (!file)
		return mkfr_fail(err, 0, "%s: the index entry of %s has a bad name, version or "
				 "architecture", mirror, name);
	return 0;
}

char *deb_cache_path(const struct deb_cache *c, const struct deb_package *p)
{
	autofree char *file = deb_package_file_name(p);
	return file ? cache_deb_path(c->cache_dir, file) : NULL;
}

/* FNV-1a, kept below 2^62 so offset + length stays a valid off_t. */
static uint64_t lock_offset(const char *file_name)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *s = (const unsigned char *)file_name; *s; s++)
		h = (h ^ *s) * 0x100000001b3ULL;
	return h & ((1ULL << 62) - 1);
}

static int set_lock(int fd, uint64_t offset, short type)
{
	struct flock fl = {
		.l_type = type, .l_whence = SEEK_SET, .l_start = (off_t)offset, .l_len = 1,
	};
	return fcntl(fd, F_OFD_SETLK, &fl);
}

bool deb_cache_holds(const struct deb_cache *c, const char *file_name)
{
	uint64_t off = lock_offset(file_name);
	for (size_t i = 0; i < c->held_count; i++)
		if (c->held[i] == off)
			return true;
	return false;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int deb_cache_lock(struct deb_cache *c, const char *file_name, bool wait, struct mkfr_error *err)
{
	uint64_t off = lock_offset(file_name);
	bool told = false;

	if (deb_cache_holds(c, file_name))
		return mkfr_fail(err, EDEADLK, "cache: %s is already locked by this build", file_name);
	if (c->held_count == c->held_cap) {
		size_t cap = c->held_cap ? c->held_cap * 2 : 16;
		uint64_t *h = xrealloc(c->held, cap * sizeof(*h));
		c->held = h;
		c->held_cap = cap;
	}
	/* Polled rather than F_OFD_SETLKW: a wait of minutes must still end
	 * at once on Ctrl-C, whatever SA_RESTART a caller installed. */
	while (set_lock(c->lock_fd, off, F_WRLCK) < 0) {
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return mkfr_fail(err, errno, "cannot lock %s/.lock for %s", c->debs_dir,
					 file_name);
		if (!wait)
			return 0;
		if (signals_pending())
			return mkfr_fail(err, EINTR, "waiting for another build to fetch %s",
					 file_name);
		if (!told)
			log_verbose("cache: waiting for another build fetching %s", file_name);
		told = true;
		sleep_ms(LOCK_POLL_MS);
	}
	c->held[c->held_count++] = off;
	return 1;
}

void deb_cache_unlock(struct deb_cache *c, const char *file_name)
{
	uint64_t off = lock_offset(file_name);
	for (size_t i = 0; i < c->held_count; i++) {
		if (c->held[i] != off)
			continue;
		set_lock(c->lock_fd, off, F_UNLCK);
		c->held[i] = c->held[--c->held_count];
		return;
	}
}

/* Remove the corrupt file at `path` if it is still the one we examined:
 * under the lock, so that a good file another build has just renamed into
 * place is never the one removed.  Returns 1 when removed, 0 when the path
 * now holds something else (to be checked again), -1 on error. */
static int remove_if_unchanged(struct deb_cache *c, const char *file_name, const char *path,
			       const struct stat *seen, struct mkfr_error *err)
{
	bool held = deb_cache_holds(c, file_name);
	struct stat now;
	int r;

	if (!held && deb_cache_lock(c, file_name, true, err) < 0)
		return -1;
	if (lstat(path, &now) < 0)
		r = errno == ENOENT ? 0 : mkfr_fail(err, errno, "cannot examine %s", path);
	else if (now.st_dev != seen->st_dev || now.st_ino != seen->st_ino)
		r = 0;
	else if (unlink(path) < 0)
		r = mkfr_fail(err, errno, "cannot remove the corrupt %s", path);
	else
		r = 1;
	if (!held)
		deb_cache_unlock(c, file_name);
	return r;
}

int deb_cache_check(struct deb_cache *c, const struct deb_package *p, struct mkfr_error *err)
{
	autofree char *file_name = deb_package_file_name(p);
	autofree char *path = deb_cache_path(c, p);
	if (!file_name || !path)
		return mkfr_fail(err, 0, "cache: bad name, version or architecture for %s",
				 p->package ? p->package : "(unnamed)");

	/* Twice at most: a corrupt file that another build replaced while we
	 * looked at it is checked once more, as the new file. */
	for (int round = 0; round < 2; round++) {
		char got[SHA256_HEX_SIZE] = "";
		uint64_t size = 0;
		struct stat st;
		autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0 && errno == ENOENT)
			return 0;
		if (fd < 0 && errno != ELOOP)
			return mkfr_fail(err, errno, "cannot open the cached %s", path);
		if (fd < 0 ? lstat(path, &st) < 0 : fstat(fd, &st) < 0)
			return errno == ENOENT ? 0 : mkfr_fail(err, errno, "cannot examine %s", path);

		const char *why;
		if (!S_ISREG(st.st_mode)) {
			why = "not a regular file";
		} else if ((uint64_t)st.st_size != p->size) {
			why = (uint64_t)st.st_size < p->size ? "truncated" : "too long";
			size = (uint64_t)st.st_size;
		} else {
			if (sha256_fd_hex(fd, got, &size, err) < 0)
				return mkfr_error_prefix(err, "cache: %s", path);
			if (size == p->size && strcasecmp(got, p->sha256) == 0) {
				/* mtime = last used: `cache prune --unused-for` goes by it. */
				futimens(fd, NULL);
				return 1;
			}
			why = "SHA256 mismatch";
		}
		if (S_ISREG(st.st_mode))
			log_warn("cache: %s is corrupt (%s: %" PRIu64 " bytes%s%s; the index says %"
				 PRIu64 " bytes, SHA256 %s); removing it", path, why, size,
				 got[0] ? ", SHA256 " : "", got, p->size, p->sha256);
		else
			log_warn("cache: %s is %s; removing it", path, why);
		int r = remove_if_unchanged(c, file_name, path, &st, err);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	return 0;
}
