/* SPDX-License-Identifier: MIT */
/* binfmt_misc: building register lines, registering and removing entries,
 * and reading what is registered.  Facts: shared/reference/binfmt.md.
 *
 * We only ever remove entries whose name starts with BINFMT_PREFIX; every
 * other entry on the host is read, never written. */
#ifndef MKFR_BINFMT_H
#define MKFR_BINFMT_H

#include "util/arch.h"
#include "util/error.h"

#include <stdbool.h>
#include <sys/types.h>

#define BINFMT_DIR "/proc/sys/fs/binfmt_misc"
#define BINFMT_PREFIX "mkforeignroot-"
/* Kernel limits: whole line 11..1920 bytes, name <= 255; interpreter kept
 * <= 127 because old kernels truncated it silently. */
#define BINFMT_MAX_LINE 1920
#define BINFMT_MAX_NAME 255
#define BINFMT_MAX_INTERPRETER 127

/* ":name:M::magic:mask:interpreter:flags" into out.  flags: a subset of
 * "POF" (never C: credentials from the binary are a privilege escalation). */
int binfmt_build_line(char *out, size_t outlen, const char *name, const struct qemu_target *t,
		      const char *interpreter, const char *flags, struct mkfr_error *err);

/* The name a build registers: "mkforeignroot-<target>-<pid>". */
void binfmt_build_name(char *out, size_t outlen, const char *target, pid_t pid);
/* Is `name` one of a build's names?  Gives the pid that registered it. */
bool binfmt_parse_build_name(const char *name, pid_t *pid);

/* Is a binfmt_misc filesystem mounted at dir? */
bool binfmt_is_mounted(const char *dir);
/* May this process register and remove entries there?  Only root of the
 * user namespace the instance belongs to may: never a rootless build in
 * the host's. */
bool binfmt_writable(const char *dir);
/* Mount binfmt_misc at dir unless one is there; *mounted says if we did. */
int binfmt_ensure_mounted(const char *dir, bool *mounted, struct mkfr_error *err);

int binfmt_register(const char *dir, const char *line, struct mkfr_error *err);
/* Remove our entry `name`; an absent entry is fine. */
int binfmt_remove(const char *dir, const char *name, struct mkfr_error *err);
bool binfmt_exists(const char *dir, const char *name);
/* Entry names (not "register"/"status"), sorted. */
char **binfmt_list(const char *dir);

struct binfmt_info {
	bool enabled;
	char interpreter[256];
	char flags[16];
	int offset;
	unsigned char magic[256];
	unsigned char mask[256];
	int len;
	bool is_extension; /* type E: matched by file name, not magic */
};
int binfmt_read(const char *dir, const char *name, struct binfmt_info *info,
		struct mkfr_error *err);
/* Would this (enabled, magic) entry handle a file starting with hdr? */
bool binfmt_info_matches(const struct binfmt_info *info, const unsigned char *hdr, size_t len);

#endif
