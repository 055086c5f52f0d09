/* SPDX-License-Identifier: MIT */
#include "sys/mounts.h"

#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

static void unescape_octal(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (r[0] == '\\' && isdigit((unsigned char)r[1]) && isdigit((unsigned char)r[2]) &&
		    isdigit((unsigned char)r[3])) {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

char **mount_points(void)
{
	char **out = strv_new();
	autofclose FILE *f = fopen("/proc/self/mountinfo", "re");
	autofree char *line = NULL;
	size_t cap = 0;
	while (out && f && getline(&line, &cap, f) >= 0) {
		/* id parent major:minor root MOUNTPOINT ... */
		char *save = NULL, *field = strtok_r(line, " ", &save);
		for (int i = 1; field && i < 5; i++)
			field = strtok_r(NULL, " ", &save);
		if (!field)
			continue;
		unescape_octal(field);
		strv_push(&out, field);
	}
	return out;
}

static int umount_under(const char *dir, bool with_dir)
{
	autostrv char **points = mount_points();
	size_t dl = strlen(dir);
	int count = 0;
	for (size_t n = strv_length(points); n > 0; n--) {
		const char *p = points[n - 1];
		if (strncmp(p, dir, dl) != 0 || (p[dl] != '/' && (p[dl] != '\0' || !with_dir)))
			continue;
		if (umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			count++;
		else if (errno != EINVAL && errno != ENOENT)
			log_warn("cannot unmount %s: %s", p, strerror(errno));
	}
	return count;
}

int umount_below(const char *dir)
{
	return umount_under(dir, true);
}

int umount_inside(const char *dir)
{
	return umount_under(dir, false);
}
