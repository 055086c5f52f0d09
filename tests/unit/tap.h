/* SPDX-License-Identifier: MIT */
/* Minimal TAP producer for the unit tests (automake's tap-driver reads it). */
#ifndef MKFR_TAP_H
#define MKFR_TAP_H

#include <stdio.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                   \
	do {                                                            \
		int ok_ = (cond) ? 1 : 0;                               \
		printf("%s %d - ", ok_ ? "ok" : "not ok", ++tap_n);     \
		printf(__VA_ARGS__);                                    \
		printf("\n");                                           \
		if (!ok_) {                                             \
			tap_failed++;                                   \
			printf("#   failed at %s:%d: %s\n", __FILE__,   \
			       __LINE__, #cond);                        \
		}                                                       \
	} while (0)

#define is_str(got, want, ...)                                                \
	do {                                                                  \
		const char *g_ = (got), *w_ = (want);                         \
		ok(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__);             \
		if (!(g_ && w_ && strcmp(g_, w_) == 0))                       \
			printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", \
			       w_ ? w_ : "(null)");                           \
	} while (0)

#define contains(haystack, needle, ...)                                         \
	do {                                                                    \
		const char *h_ = (haystack), *n_ = (needle);                    \
		ok(h_ && strstr(h_, n_), __VA_ARGS__);                          \
		if (!(h_ && strstr(h_, n_)))                                    \
			printf("#   '%s'\n#   does not contain '%s'\n", h_ ? h_ : "(null)", n_); \
	} while (0)

/* Write `text` to DIR/REL (test fixtures). */
static inline void tap_write_file(const char *dir, const char *rel, const char *text)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	FILE *f = fopen(path, "w");
	if (!f) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

/* mkdir DIR/REL (0755), and a symlink DIR/REL -> TARGET (test fixtures;
 * a test that needs them checks what they made). */
#include <sys/stat.h>
#include <unistd.h>
static inline void tap_mkdir(const char *dir, const char *rel)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	mkdir(path, 0755);
}

static inline void tap_symlink(const char *target, const char *dir, const char *rel)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (symlink(target, path) < 0)
		printf("# symlink %s -> %s failed\n", path, target);
}

/* Names in directory `path` other than "." and "..". */
static inline int tap_count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

/* MKFR_MUST_WORK=1 (CI): nothing may skip. */
static inline int tap_must_work(void)
{
	const char *v = getenv("MKFR_MUST_WORK");
	return v && strcmp(v, "1") == 0;
}

/* The whole test cannot run here: a SKIP (automake's TAP driver reports
 * it as such), or with MKFR_MUST_WORK=1 a failure.  Exits. */
static inline void tap_skip_all(const char *why)
{
	if (tap_must_work()) {
		printf("Bail out! cannot run but MKFR_MUST_WORK=1: %s\n", why);
		exit(1);
	}
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
