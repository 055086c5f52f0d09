/* SPDX-License-Identifier: MIT */
#include "sys/binfmt.h"

#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/number.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#define BINFMTFS_MAGIC_ 0x42494e4d

int binfmt_build_line(char *out, size_t outlen, const char *name, const struct qemu_target *t,
		      const char *interpreter, const char *flags, struct mkfr_error *err)
{
	size_t nlen = strlen(name);
	if (nlen == 0 || nlen > BINFMT_MAX_NAME || strchr(name, '/') || strchr(name, ':') ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strcmp(name, "register") == 0 || strcmp(name, "status") == 0)
		return mkfr_fail(err, EINVAL, "binfmt_misc: invalid entry name '%s'", name);
	if (interpreter[0] != '/' || strlen(interpreter) > BINFMT_MAX_INTERPRETER ||
	    strchr(interpreter, ':'))
		return mkfr_fail(err, EINVAL, "binfmt_misc: interpreter path '%s' must be absolute, "
				 "at most %d characters and without ':'", interpreter,
				 BINFMT_MAX_INTERPRETER);
	for (const char *f = flags; *f; f++)
		if (!strchr("POF", *f))
			return mkfr_fail(err, EINVAL, "binfmt_misc: flag '%c' not allowed (only P, O, F)", *f);
	unsigned char m[256], k[256];
	int ml = binfmt_decode(t->magic, m, sizeof(m)), kl = binfmt_decode(t->mask, k, sizeof(k));
	if (ml <= 0 || ml != kl || ml > 128)
		return mkfr_fail(err, EINVAL, "binfmt_misc: magic/mask of %s are inconsistent", t->name);
	int n = snprintf(out, outlen, ":%s:M::%s:%s:%s:%s", name, t->magic, t->mask, interpreter, flags);
	if (n < 0 || (size_t)n >= outlen || n >= BINFMT_MAX_LINE)
		return mkfr_fail(err, E2BIG, "binfmt_misc: register line for %s too long", t->name);
	return n;
}

void binfmt_build_name(char *out, size_t outlen, const char *target, pid_t pid)
{
	snprintf(out, outlen, "%s%s-%ld", BINFMT_PREFIX, target, (long)pid);
}

bool binfmt_parse_build_name(const char *name, pid_t *pid)
{
	size_t pl = strlen(BINFMT_PREFIX);
	if (strncmp(name, BINFMT_PREFIX, pl) != 0)
		return false;
	const char *dash = strrchr(name + pl, '-');
	if (!dash || dash == name + pl || !dash[1])
		return false;
	uint64_t v;
	if (!parse_u64(dash + 1, INT32_MAX, &v) || v == 0)
		return false;
	*pid = (pid_t)v;
	return true;
}

bool binfmt_is_mounted(const char *dir)
{
	struct statfs sf;
	return statfs(dir, &sf) == 0 && sf.f_type == BINFMTFS_MAGIC_;
}

bool binfmt_writable(const char *dir)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/register", dir);
	return access(path, W_OK) == 0;
}

int binfmt_ensure_mounted(const char *dir, bool *mounted, struct mkfr_error *err)
{
	*mounted = false;
	if (binfmt_is_mounted(dir))
		return 0;
	if (mount("binfmt_misc", dir, "binfmt_misc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		if (errno == ENODEV)
			return mkfr_fail(err, errno, "binfmt_misc is not available in this kernel "
					 "(modprobe binfmt_misc, or CONFIG_BINFMT_MISC)");
		return mkfr_fail(err, errno, "cannot mount binfmt_misc on %s", dir);
	}
	*mounted = true;
	return 0;
}

static int write_control(const char *path, const char *data)
{
	autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = strlen(data);
	ssize_t w = write(fd, data, len);
	if (w < 0)
		return -1;
	if ((size_t)w != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int binfmt_register(const char *dir, const char *line, struct mkfr_error *err)
{
	autofree char *path = NULL;
	path = xasprintf("%s/register", dir);
	if (write_control(path, line) == 0)
		return 0;
	switch (errno) {
	case EEXIST:
		return mkfr_fail(err, errno, "binfmt_misc: an entry with our name is already registered");
	case ENOENT:
		return mkfr_fail(err, errno, "binfmt_misc: the interpreter does not exist (F flag opens it "
				 "at registration)");
	case EINVAL:
		return mkfr_fail(err, errno, "binfmt_misc: the kernel rejected the register line '%s'", line);
	case EPERM:
	case EACCES:
		return mkfr_fail(err, errno, "binfmt_misc: not allowed to register (run as root)");
	default:
		return mkfr_fail(err, errno, "binfmt_misc: cannot register");
	}
}

int binfmt_remove(const char *dir, const char *name, struct mkfr_error *err)
{
	autofree char *path = NULL;
	if (strncmp(name, BINFMT_PREFIX, strlen(BINFMT_PREFIX)) != 0)
		return mkfr_fail(err, EPERM, "binfmt_misc: refusing to remove '%s': not one of ours", name);
	path = xasprintf("%s/%s", dir, name);
	if (write_control(path, "-1") == 0 || errno == ENOENT)
		return 0;
	return mkfr_fail(err, errno, "binfmt_misc: cannot remove entry %s", name);
}

bool binfmt_exists(const char *dir, const char *name)
{
	autofree char *path = NULL;
	path = xasprintf("%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

char **binfmt_list(const char *dir)
{
	char **names = strv_new();
	autoclosedir DIR *d = opendir(dir);
	struct dirent *de;
	while (names && d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "register") == 0 ||
		    strcmp(de->d_name, "status") == 0)
			continue;
		strv_push(&names, de->d_name);
	}
	if (names)
		strv_sort(names);
	return names;
}

static int unhex(const char *s, unsigned char *out, size_t outlen)
{
	size_t n = 0;
	while (isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[1]) && n < outlen) {
		char b[3] = { s[0], s[1], '\0' };
		out[n++] = (unsigned char)strtoul(b, NULL, 16);
		s += 2;
	}
	return (int)n;
}

int binfmt_read(const char *dir, const char *name, struct binfmt_info *info,
		struct mkfr_error *err)
{
	autofree char *path = NULL;
	memset(info, 0, sizeof(*info));
	path = xasprintf("%s/%s", dir, name);
	autofclose FILE *f = fopen(path, "re");
	if (!f)
		return mkfr_fail(err, errno, "binfmt_misc: cannot read entry %s", name);
	autofree char *line = NULL;
	size_t cap = 0;
	bool have_mask = false;
	while (getline(&line, &cap, f) >= 0) {
		char *s = str_trim(line);
		if (strcmp(s, "enabled") == 0)
			info->enabled = true;
		else if (strncmp(s, "interpreter ", 12) == 0)
			snprintf(info->interpreter, sizeof(info->interpreter), "%s", s + 12);
		else if (strncmp(s, "flags:", 6) == 0)
			snprintf(info->flags, sizeof(info->flags), "%s", str_trim(s + 6));
		else if (strncmp(s, "offset ", 7) == 0) {
			/* The kernel shows 0..255 (its header buffer is 256 bytes);
			 * anything else is not an entry it wrote, and a negative
			 * offset would make binfmt_info_matches read before the
			 * header. */
			uint64_t off;
			if (!parse_u64(s + 7, 255, &off))
				return mkfr_fail(err, 0, "binfmt_misc: entry %s: bad offset '%s'", name,
						 s + 7);
			info->offset = (int)off;
		} else if (strncmp(s, "magic ", 6) == 0)
			info->len = unhex(s + 6, info->magic, sizeof(info->magic));
		else if (strncmp(s, "mask ", 5) == 0) {
			unhex(s + 5, info->mask, sizeof(info->mask));
			have_mask = true;
		} else if (strncmp(s, "extension ", 10) == 0)
			info->is_extension = true;
	}
	if (!have_mask)
		memset(info->mask, 0xff, sizeof(info->mask));
	return 0;
}

bool binfmt_info_matches(const struct binfmt_info *info, const unsigned char *hdr, size_t len)
{
	if (!info->enabled || info->is_extension || info->len == 0 || info->offset < 0)
		return false;
	if ((size_t)info->offset + (size_t)info->len > len)
		return false;
	for (int i = 0; i < info->len; i++)
		if ((hdr[info->offset + i] & info->mask[i]) != (info->magic[i] & info->mask[i]))
			return false;
	return true;
}
