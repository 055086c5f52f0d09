#include "out/sysroot.h"

#include "sys/rootfs_fs.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fixed, short name: NAME_MAX leaves no room to derive it from the
 * link's own name, and one at a time is all we make. */
#define RELINK_TMP ".mkfr-relink.tmp"

/* Path components, without empty ones and without "." (both no-ops). */
static char **split_path(const char *path)
{
	char **parts = strv_new();
	autofree char *copy = xstrdup(path);
	if (!parts || !copy) {
		strv_free(parts);
		return NULL;
	}
	char *save = NULL;
	for (char *tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save))
		if (strcmp(tok, ".") != 0)
			strv_push(&parts, tok);
	return parts;
}

char *sysroot_relative_target(const char *dir, const char *target)
{
	autostrv char **d = split_path(dir);
	autostrv char **t = split_path(target);
	if (!d || !t)
		return NULL;
	/* The walk reached `dir` through real directories only, so a leading
	 * part the target shares names the same directories: "usr/lib" and
	 * "/usr/lib/x" meet in usr/lib.  ".." in the target is kept as it is:
	 * it may climb out of a symlinked directory, which only the kernel
	 * can resolve.  Except where, counted by names, it would climb above
	 * the top ("/../x", "/a/../../x"): in the rootfs ".." at "/" stays
	 * there, but in the sysroot it would leave it for the host's files,
	 * so it is dropped. */
	size_t k = 0;
	while (d[k] && t[k] && strcmp(t[k], "..") != 0 && strcmp(d[k], t[k]) == 0)
		k++;
	char *out = NULL;
	size_t len = 0;
	FILE *f = xopen_memstream(&out, &len);
	if (!f)
		return NULL;
	bool first = true;
	for (size_t i = k; d[i]; i++, first = false)
		fputs(first ? ".." : "/..", f);
	size_t depth = k; /* below the top, where t[k] starts */
	for (size_t i = k; t[i]; i++) {
		bool up = strcmp(t[i], "..") == 0;
		if (up && depth == 0)
			continue;
		depth = up ? depth - 1 : depth + 1;
		fprintf(f, "%s%s", first ? "" : "/", t[i]);
		first = false;
	}
	if (first)
		fputc('.', f);
	else if (t[k] && target[strlen(target) - 1] == '/')
		fputc('/', f); /* "must be a directory" is part of the meaning */
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

struct walk {
	dev_t dev;
	size_t changed;
	const char *root;
};

static int relink(int dirfd, const char *dir, const char *name, const struct stat *st,
		  struct walk *w, struct mkfr_error *err)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
	if (n < 0 || n == (ssize_t)sizeof(target) - 1)
		return mkfr_fail(err, n < 0 ? errno : ENAMETOOLONG, "sysroot: cannot read the link %s/%s",
				 dir, name);
	target[n] = '\0';
	if (target[0] != '/')
		return 0;
	autofree char *rel = sysroot_relative_target(dir, target);
	unlinkat(dirfd, RELINK_TMP, 0);
	/* Same owner and times as the link it replaces: a sysroot should differ
	 * from the rootfs in the link targets only. */
	const struct timespec times[2] = { st->st_atim, st->st_mtim };
	if (symlinkat(rel, dirfd, RELINK_TMP) < 0 ||
	    fchownat(dirfd, RELINK_TMP, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    utimensat(dirfd, RELINK_TMP, times, AT_SYMLINK_NOFOLLOW) < 0 ||
	    renameat(dirfd, RELINK_TMP, dirfd, name) < 0) {
		int e = errno;
		unlinkat(dirfd, RELINK_TMP, 0);
		return mkfr_fail(err, e, "sysroot: cannot rewrite the link /%s%s%s -> %s", dir,
				 *dir ? "/" : "", name, target);
	}
	log_verbose("sysroot: /%s%s%s -> %s (was %s)", dir, *dir ? "/" : "", name, rel, target);
	w->changed++;
	return 0;
}

/* fd: the directory `dir` (relative to the root); the fd is ours to close. */
static int walk_dir(int fd, const char *dir, struct walk *w, struct mkfr_error *err)
{
	struct stat dst;
	if (fstat(fd, &dst) < 0) {
		close(fd);
		return mkfr_fail(err, errno, "sysroot: cannot stat %s/%s", w->root, dir);
	}
	int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	autoclosedir DIR *d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
	autoclose int dirfd = fd;
	if (!d) {
		if (dupfd >= 0)
			close(dupfd);
		return mkfr_fail(err, errno, "sysroot: cannot read %s/%s", w->root, dir);
	}
	size_t changed_before = w->changed;
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		const char *name = de->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, RELINK_TMP) == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return mkfr_fail(err, errno, "sysroot: cannot stat %s/%s/%s", w->root, dir, name);
		if (S_ISLNK(st.st_mode)) {
			if (relink(dirfd, dir, name, &st, w, err) < 0)
				return -1;
		} else if (S_ISDIR(st.st_mode)) {
			if (rootfs_is_mount_root(dirfd, name, w->dev)) {
				log_warn("sysroot: not entering /%s%s%s: another filesystem is mounted there",
					 dir, *dir ? "/" : "", name);
				continue;
			}
			autofree char *sub = NULL;
			sub = xasprintf("%s%s%s", dir, *dir ? "/" : "", name);
			int subfd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (subfd < 0)
				return mkfr_fail(err, errno, "sysroot: cannot open %s/%s", w->root, sub);
			if (walk_dir(subfd, sub, w, err) < 0)
				return -1;
		}
	}
	if (errno)
		return mkfr_fail(err, errno, "sysroot: cannot read %s/%s", w->root, dir);
	/* Renaming links in changed the directory's mtime: put it back. */
	if (w->changed != changed_before) {
		const struct timespec times[2] = { dst.st_atim, dst.st_mtim };
		futimens(dirfd, times);
	}
	return 0;
}

int sysroot_relativize_links(const char *root, size_t *changed, struct mkfr_error *err)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return mkfr_fail(err, e, "sysroot: cannot open %s", root);
	}
	struct walk w = { .dev = st.st_dev, .root = root };
	int r = walk_dir(fd, "", &w, err);
	*changed = w.changed;
	return r;
}
