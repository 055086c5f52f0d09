/* SPDX-License-Identifier: MIT */
/* Fuzzes sysroot=yes's link rewriting.
 *
 * The input is lines.  The first two are a directory (relative to the
 * rootfs, as the walk reaches it: real directories, no "..") and an
 * absolute link target, given to sysroot_relative_target.  Each further
 * line "PATH TARGET" (16 at most) makes a symlink root/PATH -> TARGET
 * (directories on the way are made; PATH has no ".." and no empty or "."
 * component) in a fresh tree in the scratch directory, and
 * sysroot_relativize_links rewrites the tree.
 *
 * Asserts: the relative target is relative and, followed from the
 * directory name by name, never climbs above the root, and when the target
 * has no ".." it names the same path; after the rewrite no absolute link
 * is left, every link's target obeys the same rule as above, no temporary
 * link is left, and the sentinel directory outside/ beside the tree is
 * still empty.  Leaks are caught by ASan. */
#include "fuzz_util.h"

#include "out/sysroot.h"

#include <stddef.h>
#include <stdint.h>

#define MAX_LINKS 16

static char *scratch, *root, *outside;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	scratch = fuzz_path("sysroot");
	fuzz_mkdir(scratch);
	root = fuzz_path("sysroot/root");
	outside = fuzz_path("sysroot/outside");
	fuzz_mkdir(root);
	fuzz_mkdir(outside);
	return 0;
}

/* Is every component of the relative path `p` a real name (not empty,
 * ".", ".."), the way the walk names directories? */
static bool plain_relative(const char *p)
{
	if (!*p || *p == '/')
		return false;
	for (const char *s = p; *s;) {
		size_t len = strcspn(s, "/");
		if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		s += len;
		s += *s == '/';
	}
	return true;
}

/* Follow `rel` from `dir` by names alone: the depth below the root, or -1
 * if it climbs above.  Writes the path reached into out (no "." or ".."),
 * when out is not NULL. */
static int walk_names(const char *dir, const char *rel, char *out, size_t outlen)
{
	char path[8192];
	int depth = 0;
	size_t n = 0;
	path[0] = '\0';
	const char *pieces[2] = { dir, rel };
	for (int pc = 0; pc < 2; pc++)
		for (const char *s = pieces[pc]; *s;) {
			size_t len = strcspn(s, "/");
			if (len == 2 && s[0] == '.' && s[1] == '.') {
				if (--depth < 0)
					return -1;
				while (n > 0 && path[n - 1] != '/')
					n--;
				if (n > 0)
					n--;
				path[n] = '\0';
			} else if (len > 0 && !(len == 1 && s[0] == '.')) {
				if (n + len + 2 >= sizeof(path))
					return depth; /* too long to compare: depth only */
				if (n)
					path[n++] = '/';
				memcpy(path + n, s, len);
				n += len;
				path[n] = '\0';
				depth++;
			}
			s += len;
			s += *s == '/';
		}
	if (out)
		snprintf(out, outlen, "%s", path);
	return depth;
}

static void check_relative(const char *dir, const char *target, const char *rel)
{
	fuzz_assert(rel, "no result for %s in '%s'", target, dir);
	fuzz_assert(rel[0] && rel[0] != '/', "'%s' for %s in '%s'", rel, target, dir);
	char reached[8192], want[8192];
	fuzz_assert(walk_names(dir, rel, reached, sizeof(reached)) >= 0,
		    "%s in '%s' became '%s', which climbs above the root", target, dir, rel);
	if (!strstr(target, "..") && strlen(dir) + strlen(rel) < 4000 && strlen(target) < 4000) {
		walk_names("", target, want, sizeof(want));
		fuzz_assert(strcmp(reached, want) == 0, "%s in '%s' became '%s', which names /%s",
			    target, dir, rel, reached);
	}
}

/* mkdir -p root/DIR for the directory part of `path`; false when a part
 * is already something else (a link made by an earlier line: following it
 * would put the harness's own link outside the tree). */
static bool make_parents(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;
	int n = snprintf(buf, sizeof(buf), "%s/%s", root, path);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return false;
	for (char *s = buf + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		bool is_dir = (mkdir(buf, 0755) == 0 || errno == EEXIST) && lstat(buf, &st) == 0 &&
			      S_ISDIR(st.st_mode);
		*s = '/';
		if (!is_dir)
			return false;
	}
	return true;
}

static void check_tree(const char *dir_abs, const char *dir_rel)
{
	DIR *d = opendir(dir_abs);
	struct dirent *de;
	fuzz_assert(d, "cannot read %s", dir_abs);
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		fuzz_assert(strcmp(de->d_name, ".mkfr-relink.tmp") != 0,
			    "temporary link left in /%s", dir_rel);
		char abs[PATH_MAX], rel[PATH_MAX], target[PATH_MAX];
		snprintf(abs, sizeof(abs), "%s/%s", dir_abs, de->d_name);
		snprintf(rel, sizeof(rel), "%s%s%s", dir_rel, *dir_rel ? "/" : "", de->d_name);
		struct stat st;
		fuzz_assert(lstat(abs, &st) == 0, "cannot stat %s", abs);
		if (S_ISDIR(st.st_mode)) {
			check_tree(abs, rel);
		} else if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlink(abs, target, sizeof(target) - 1);
			fuzz_assert(n >= 0, "cannot read the link %s", abs);
			target[n] = '\0';
			fuzz_assert(target[0] != '/', "/%s -> %s is still absolute", rel, target);
		}
	}
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *lines[MAX_LINKS + 2];
	size_t lens[MAX_LINKS + 2];
	size_t n = fuzz_split(data, size, "\n", lines, lens, MAX_LINKS + 2);

	/* The walk names directories without "..", "." or empty parts, and
	 * every link it rewrites is absolute: anything else is not a call it
	 * makes. */
	if (n >= 2 && (!lines[0][0] || plain_relative(lines[0])) && lines[1][0] == '/') {
		char *rel = sysroot_relative_target(lines[0], lines[1]);
		check_relative(lines[0], lines[1], rel);
		free(rel);
	}

	/* Links made before the rewrite, to check the rewritten targets of
	 * the absolute ones against. */
	char *made[MAX_LINKS], *targets[MAX_LINKS];
	size_t nmade = 0;
	for (size_t i = 2; i < n; i++) {
		char *sp = strchr(lines[i], ' ');
		if (!sp || sp == lines[i] || !sp[1])
			continue;
		*sp = '\0';
		const char *path = lines[i], *target = sp + 1;
		/* The rewrite's own temporary name is skipped by the walk and
		 * reused by it, by design: a tree with it is not a case. */
		if (!plain_relative(path) || strlen(path) > 200 || strstr(path, ".mkfr-relink.tmp") ||
		    !make_parents(path))
			continue;
		char abs[PATH_MAX];
		snprintf(abs, sizeof(abs), "%s/%s", root, path);
		if (symlink(target, abs) == 0) {
			made[nmade] = lines[i];
			targets[nmade++] = sp + 1;
		}
	}

	size_t changed = 0;
	struct mkfr_error err = { 0 };
	if (sysroot_relativize_links(root, &changed, &err) == 0) {
		check_tree(root, "");
		for (size_t i = 0; i < nmade; i++) {
			if (targets[i][0] != '/')
				continue;
			char abs[PATH_MAX], now[PATH_MAX];
			snprintf(abs, sizeof(abs), "%s/%s", root, made[i]);
			ssize_t len = readlink(abs, now, sizeof(now) - 1);
			if (len < 0)
				continue; /* a later line made a directory of its parent */
			now[len] = '\0';
			char *slash = strrchr(made[i], '/');
			char dir[PATH_MAX];
			snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - made[i]) : 0, made[i]);
			check_relative(dir, targets[i], now);
		}
	} else {
		fuzz_assert(err.msg[0], "failure without a message");
	}
	fuzz_assert(fuzz_count_entries(outside) == 0, "something was made in %s", outside);
	fuzz_assert(fuzz_count_entries(scratch) == 2, "%d names in %s", fuzz_count_entries(scratch),
		    scratch);

	fuzz_empty_dir(root);
	free(lines[0]);
	return 0;
}
