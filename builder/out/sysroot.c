/* SPDX-License-Identifier: MIT */
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
	char *save = NULL;
	for (char *tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save))
		if (strcmp(tok, ".") != 0)
			strv_push(&parts, tok);
	return parts;
}

char *sysroot_relative_target(const char *dir, const char *target)
{
	autostrv char **d = split_path(dir);
	autostrv char **raw = split_path(target);
	/* ".." at the top of the root is the root itself, as the kernel has it
	 * for a chroot: "/../../etc/hostname" is /etc/hostname, and must not
	 * become a link that climbs out of the sysroot.  A ".." after another
	 * component is kept: it may climb out of a symlinked directory, which
	 * only the filesystem can say (sysroot_relativize_links resolves such
	 * targets there first). */
	char **t = strv_new();
	size_t depth = 0;
	for (size_t i = 0; raw[i]; i++) {
		if (strcmp(raw[i], "..") == 0 && depth == 0)
			continue;
		depth = strcmp(raw[i], "..") == 0 ? depth - 1 : depth + 1;
		strv_push(&t, raw[i]);
	}
	/* The walk reached `dir` through real directories only, so a leading
	 * part the target shares names the same directories: "usr/lib" and
	 * "/usr/lib/x" meet in usr/lib. */
	size_t k = 0;
	while (d[k] && t[k] && strcmp(t[k], "..") != 0 && strcmp(d[k], t[k]) == 0)
		k++;
	char *out = NULL;
	size_t len = 0;
	FILE *f = xopen_memstream(&out, &len);
	bool first = true;
	for (size_t i = k; d[i]; i++, first = false)
		fputs(first ? ".." : "/..", f);
	for (size_t i = k; t[i]; i++, first = false)
		fprintf(f, "%s%s", first ? "" : "/", t[i]);
	if (first)
		fputc('.', f);
	else if (t[k] && target[strlen(target) - 1] == '/')
		fputc('/', f); /* "must be a directory" is part of the meaning */
	xclose_memstream(f);
	strv_free(t);
	return out;
}

/* Does the target have a ".." after some other component? */
static bool has_inner_dotdot(const char *target)
{
	autostrv char **parts = split_path(target);
	/* parts may be empty (a target of "/" alone): never look past its end. */
	for (size_t i = 0; parts[i] && parts[i + 1]; i++)
		if (strcmp(parts[i + 1], "..") == 0 && strcmp(parts[i], "..") != 0)
			return true;
	return false;
}

/* An absolute target whose ".." may climb out of a symlinked directory:
 * its directory as the kernel would resolve it inside the root, and its
 * last component; NULL when that directory is not there (a dangling link
 * keeps the lexical answer, which never leaves the root either). */
static char *resolved_in_root(int rootfd, const char *target)
{
	autofree char *copy = xstrdup(target);
	size_t n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	char *slash = strrchr(copy, '/');
	const char *last = slash + 1;
	if (strcmp(last, "..") == 0 || strcmp(last, ".") == 0) {
		char *whole = rootfs_resolve_dir(rootfd, copy);
		return whole;
	}
	*slash = '\0';
	autofree char *parent = rootfs_resolve_dir(rootfd, *copy ? copy : "/");
	if (!parent)
		return NULL;
	return xasprintf("%s%s%s", parent, strcmp(parent, "/") ? "/" : "", last);
}

struct walk {
	dev_t dev;
	size_t changed;
	const char *root;
	int rootfd;
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
	autofree char *resolved = has_inner_dotdot(target) ? resolved_in_root(w->rootfd, target) : NULL;
	autofree char *rel = sysroot_relative_target(dir, resolved ? resolved : target);
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
	autoclose int rootfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (rootfd < 0) {
		close(fd);
		return mkfr_fail(err, errno, "sysroot: cannot open %s", root);
	}
	struct walk w = { .dev = st.st_dev, .root = root, .rootfd = rootfd };
	int r = walk_dir(fd, "", &w, err);
	*changed = w.changed;
	return r;
}
