/* SPDX-License-Identifier: MIT */
/* What the fuzz targets share: one scratch directory per process, files
 * written from the input, trees removed between inputs, the input split
 * into parts.
 *
 * The scratch directory is made once per process, not once per input
 * (speed), and removed when the fuzzer exits normally.  Run as root (the
 * tar target restores owners and device nodes), it is a tmpfs of its own,
 * mounted nodev, nosuid and noexec in a private mount namespace: a device
 * node or setuid file a tarball makes cannot be used even for the moment
 * it exists, its size bounds what a decompression bomb can write, and the
 * mount vanishes with the process however it ends.  Paths in it are
 * absolute, so chdir is never needed. */
#ifndef MKFR_FUZZ_UTIL_H
#define MKFR_FUZZ_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_scratch_dir[PATH_MAX];
static bool fuzz_scratch_mounted;

/* A broken harness, not a finding in the code under test: say what and stop. */
__attribute__((noreturn, format(printf, 1, 2))) static inline void fuzz_die(const char *fmt, ...);
static inline void fuzz_die(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	abort();
}

/* A target's own assertion failed: that is a finding, and abort() makes
 * libFuzzer save the input. */
#define fuzz_assert(cond, ...)                                                  \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "fuzz: assertion failed at %s:%d: %s: ", \
				__FILE__, __LINE__, #cond);                     \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
			abort();                                                \
		}                                                               \
	} while (0)

/* Directories the tree left without permissions (a tarball can say 0000)
 * are opened up first, so the second pass can empty them; root needs no
 * such pass (and the fuzzer runs faster without it). */
static inline int fuzz_open_up(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_D || type == FTW_DNR)
		chmod(path, 0700);
	return 0;
}

static inline int fuzz_remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	if (ftw->level == 0)
		return 0; /* the directory itself stays */
	if (remove(path) < 0)
		fuzz_die("cannot remove %s", path);
	return 0;
}

/* Remove everything below `dir` (never following a symlink), keep `dir`. */
static inline void fuzz_empty_dir(const char *dir)
{
	if (geteuid() != 0)
		nftw(dir, fuzz_open_up, 16, FTW_PHYS);
	if (nftw(dir, fuzz_remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		fuzz_die("cannot empty %s", dir);
}

static inline void fuzz_scratch_remove(void)
{
	if (!fuzz_scratch_dir[0])
		return;
	if (fuzz_scratch_mounted)
		umount2(fuzz_scratch_dir, MNT_DETACH);
	else
		fuzz_empty_dir(fuzz_scratch_dir);
	rmdir(fuzz_scratch_dir);
	fuzz_scratch_dir[0] = '\0';
}

/* The process's scratch directory ($TMPDIR/mkfr-fuzz-XXXXXX), made on the
 * first call.  Call it first from LLVMFuzzerInitialize: that runs on the
 * thread that runs every input, and a mount namespace is per thread. */
static inline const char *fuzz_scratch(void)
{
	if (fuzz_scratch_dir[0])
		return fuzz_scratch_dir;
	const char *tmp = getenv("TMPDIR");
	snprintf(fuzz_scratch_dir, sizeof(fuzz_scratch_dir), "%s/mkfr-fuzz-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_scratch_dir))
		fuzz_die("cannot make %s", fuzz_scratch_dir);
	atexit(fuzz_scratch_remove);
	if (geteuid() == 0) {
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			fuzz_die("cannot make a private mount namespace");
		if (mount("mkfr-fuzz", fuzz_scratch_dir, "tmpfs", MS_NODEV | MS_NOSUID | MS_NOEXEC,
			  "size=512m,mode=0700") < 0)
			fuzz_die("cannot mount a tmpfs on %s", fuzz_scratch_dir);
		fuzz_scratch_mounted = true;
	}
	return fuzz_scratch_dir;
}

/* SCRATCH/NAME as a new string. */
static inline char *fuzz_path(const char *name)
{
	size_t n = strlen(fuzz_scratch()) + strlen(name) + 2;
	char *p = malloc(n);
	if (!p)
		abort();
	snprintf(p, n, "%s/%s", fuzz_scratch(), name);
	return p;
}

static inline void fuzz_write_file(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fuzz_die("cannot write %s", path);
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fd, (const char *)data + off, size - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			fuzz_die("cannot write %s", path);
		off += (size_t)w;
	}
	close(fd);
}

static inline void fuzz_mkdir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		fuzz_die("cannot make %s", path);
}

/* Names in `dir` other than "." and ".." (-1: cannot read it). */
static inline int fuzz_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Split data at each `sep` into at most `max` NUL-terminated parts (the
 * last part keeps any further separators); returns how many.  The parts
 * are one allocation: free(parts[0]).  Parts may hold NUL bytes; *lens
 * says how long each is. */
static inline size_t fuzz_split(const uint8_t *data, size_t size, const char *sep, char **parts,
			 size_t *lens, size_t max)
{
	size_t seplen = strlen(sep), n = 0;
	char *buf = malloc(size + 1);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *p = buf, *end = buf + size;
	while (n + 1 < max) {
		char *hit = memmem(p, (size_t)(end - p), sep, seplen);
		if (!hit)
			break;
		*hit = '\0';
		parts[n] = p;
		lens[n++] = (size_t)(hit - p);
		p = hit + seplen;
	}
	parts[n] = p;
	lens[n++] = (size_t)(end - p);
	return n;
}

#endif
