/* SPDX-License-Identifier: MIT */
#include "cache/layout.h"

#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYSTEM_CACHE_DIR "/var/cache/mkforeignroot"
/* A user's own (XDG Base Directory): $XDG_CACHE_HOME/NAME, else ~/.cache/NAME. */
#define USER_CACHE_NAME "mkforeignroot"
#define BASE_SNAPSHOT_SUFFIX ".tar.zst"
#define BASE_KEY_SUFFIX ".key"

static const char *const part_names[CACHE_PART_COUNT] = {
	[CACHE_DEBS] = "debs",
	[CACHE_INDEXES] = "indexes",
	[CACHE_BASE] = "base",
	[CACHE_EMULATORS] = "emulators",
	[CACHE_TMP] = "tmp",
};

static int untrusted(const char *path, const struct stat *st, struct mkfr_error *err)
{
	if (st->st_uid != geteuid())
		return mkfr_fail_usage(err, "cache: %s is owned by uid %ld, not by you (uid %ld): "
				       "builds run what the cache holds as root, so it must be yours "
				       "alone; chown it, or use another cache_dir", path,
				       (long)st->st_uid, (long)geteuid());
	return mkfr_fail_usage(err, "cache: %s is writable by %s: builds run what the cache "
			       "holds as root, so only you may change it; chmod go-w it, or use "
			       "another cache_dir", path, (st->st_mode & 0020) ? "its group" : "others");
}

static bool trusted(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & 0022);
}

/* Every directory below dirfd (consumed), never through a symlink. */
static int check_below(int dirfd, const char *shown, struct mkfr_error *err)
{
	autoclosedir DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return mkfr_fail(err, errno, "cache: cannot read %s", shown);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		autofree char *path = path_join(shown, de->d_name);
		if (!trusted(&st))
			return untrusted(path, &st, err);
		int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return mkfr_fail(err, errno, "cache: cannot open %s", path);
		if (check_below(sub, path, err) < 0)
			return -1;
	}
	return 0;
}

int cache_check_trusted(const char *cache_dir, bool create, struct mkfr_error *err)
{
	struct stat st;
	if (lstat(cache_dir, &st) < 0) {
		if (errno != ENOENT)
			return mkfr_fail(err, errno, "cache: cannot examine %s", cache_dir);
		if (!create)
			return 0;
		if (mkdir_p(cache_dir, 0755, err) < 0)
			return -1;
		if (lstat(cache_dir, &st) < 0)
			return mkfr_fail(err, errno, "cache: cannot examine %s", cache_dir);
	}
	if (S_ISLNK(st.st_mode))
		return mkfr_fail_usage(err, "cache: %s is a symbolic link: the cache is opened without "
				       "following links; set cache_dir to the directory it points to",
				       cache_dir);
	if (!S_ISDIR(st.st_mode))
		return mkfr_fail_usage(err, "cache: %s is not a directory", cache_dir);
	if (!trusted(&st))
		return untrusted(cache_dir, &st, err);
	int fd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mkfr_fail(err, errno, "cache: cannot open %s", cache_dir);
	return check_below(fd, cache_dir, err);
}

const char *cache_default_dir(void)
{
	/* CI jobs and tests point every build at a cache of their own. */
	const char *env = getenv("MKFR_CACHE_DIR");
	if (env && *env)
		return env;
	if (geteuid() == 0)
		return SYSTEM_CACHE_DIR;
	/* A rootless build (sys/rootless.h) is yours alone, and so is its
	 * cache: /var/cache is not yours to write. */
	static char *user_dir;
	if (!user_dir) {
		const char *xdg = getenv("XDG_CACHE_HOME");
		const char *home = getenv("HOME");
		struct passwd *pw = NULL;
		if (!(home && home[0] == '/') && (pw = getpwuid(getuid())))
			home = pw->pw_dir;
		/* The specification ignores a relative XDG_CACHE_HOME. */
		if (xdg && xdg[0] == '/')
			user_dir = path_join(xdg, USER_CACHE_NAME);
		else
			user_dir = xasprintf("%s/.cache/%s", home ? home : "", USER_CACHE_NAME);
	}
	return user_dir;
}

const char *cache_part_name(enum cache_part part)
{
	return part_names[part];
}

char *cache_part_dir(const char *cache_dir, enum cache_part part)
{
	return xasprintf("%s/%s", cache_dir, part_names[part]);
}

char *cache_in_use_path(const char *cache_dir)
{
	return xasprintf("%s/.in-use", cache_dir);
}

char *cache_file_locks_path(const char *cache_dir)
{
	return xasprintf("%s/%s/.lock", cache_dir, part_names[CACHE_DEBS]);
}

char *cache_deb_path(const char *cache_dir, const char *file_name)
{
	return xasprintf("%s/%s/%s", cache_dir, part_names[CACHE_DEBS], file_name);
}

char *cache_index_dir(const char *cache_dir, const char *mirror, const char *suite)
{
	/* By suite alone, as since the first offline builds: a second mirror
	 * of the same suite replaces the first one's copy. */
	(void)mirror;
	return xasprintf("%s/%s/%s", cache_dir, part_names[CACHE_INDEXES], suite);
}

char *cache_base_snapshot_path(const char *cache_dir, const char *id)
{
	return xasprintf("%s/%s/%s%s", cache_dir, part_names[CACHE_BASE], id, BASE_SNAPSHOT_SUFFIX);
}

char *cache_base_key_path(const char *cache_dir, const char *id)
{
	return xasprintf("%s/%s/%s%s", cache_dir, part_names[CACHE_BASE], id, BASE_KEY_SUFFIX);
}

bool cache_base_snapshot_name(const char *name, char id_out[65])
{
	size_t len = strlen(name), sl = strlen(BASE_SNAPSHOT_SUFFIX);
	if (len != 64 + sl || strcmp(name + 64, BASE_SNAPSHOT_SUFFIX) != 0)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", name[i]))
			return false;
	memcpy(id_out, name, 64);
	id_out[64] = '\0';
	return true;
}

char *cache_emulator_dir(const char *cache_dir, const char *deb_sha256)
{
	return xasprintf("%s/%s/%s", cache_dir, part_names[CACHE_EMULATORS], deb_sha256);
}

char *cache_tmp_path(const char *cache_dir, const char *name)
{
	return xasprintf("%s/%s/%s", cache_dir, part_names[CACHE_TMP], name);
}
