/* SPDX-License-Identifier: MIT */
#include "sys/image_identity.h"

#include "sys/rootfs_fs.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/number.h"
#include "util/strv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Files of the image as streams, read through the rootfs-safe open. */
static FILE *open_image_file(int rootfd, const char *path)
{
	int fd = rootfs_open_read(rootfd, path);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "re");
	if (!f)
		close(fd);
	return f;
}

/* Split a colon-separated line of /etc/passwd or /etc/group into exactly
 * `n` fields (pointers into line); false if it has another number. */
static bool split_fields(char *line, char **fields, size_t n)
{
	line[strcspn(line, "\n")] = '\0';
	for (size_t i = 0; i < n; i++) {
		fields[i] = line;
		char *colon = strchr(line, ':');
		if (i + 1 < n) {
			if (!colon)
				return false;
			*colon = '\0';
			line = colon + 1;
		} else if (colon) {
			return false;
		}
	}
	return true;
}

static bool parse_id(const char *s, unsigned *out)
{
	uint64_t v;
	/* (uid_t)-1 means "no change" to setuid(2): never a user's id. */
	if (!parse_u64(s, 0xfffffffeULL, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

static void add_group(struct image_user *u, gid_t g)
{
	for (size_t i = 0; i < u->n_groups; i++)
		if (u->groups[i] == g)
			return;
	u->groups = xreallocarray(u->groups, u->n_groups + 1, sizeof(*u->groups));
	u->groups[u->n_groups++] = g;
}

static bool lists_member(char *members, const char *name)
{
	autostrv char **list = strv_split_list(members, ',');
	return strv_contains(list, name);
}

/* Every group of /etc/group that names the user as a member.  An image
 * without /etc/group just has no supplementary groups. */
static void read_groups(int rootfd, struct image_user *u)
{
	autofclose FILE *f = open_image_file(rootfd, "/etc/group");
	autofree char *line = NULL;
	size_t cap = 0;
	while (f && getline(&line, &cap, f) > 0) {
		char *field[4];
		unsigned gid;
		if (split_fields(line, field, 4) && parse_id(field[2], &gid) && lists_member(field[3], u->name))
			add_group(u, (gid_t)gid);
	}
}

int image_user_lookup(int rootfd, const char *spec, struct image_user *u, struct mkfr_error *err)
{
	*u = (struct image_user){ 0 };
	unsigned want_uid = 0;
	bool by_uid = parse_id(spec, &want_uid);
	if (!*spec || strchr(spec, ':') || strchr(spec, '\n'))
		return mkfr_fail(err, 0, "'%s' is not a user name or uid", spec);
	autofclose FILE *f = open_image_file(rootfd, "/etc/passwd");
	if (!f)
		return mkfr_fail(err, errno, "cannot read the image's /etc/passwd");
	autofree char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		char *field[7];
		unsigned uid, gid;
		if (!split_fields(line, field, 7) || !parse_id(field[2], &uid) || !parse_id(field[3], &gid))
			continue;
		if (by_uid ? uid != want_uid : strcmp(field[0], spec) != 0)
			continue;
		u->name = xstrdup(field[0]);
		u->uid = (uid_t)uid;
		u->gid = (gid_t)gid;
		u->home = xstrdup(field[5]);
		u->shell = xstrdup(field[6]);
		add_group(u, u->gid);
		read_groups(rootfd, u);
		return 0;
	}
	return mkfr_fail(err, 0, "the image's /etc/passwd has no user %s%s",
			 by_uid ? "with uid " : "", spec);
}

void image_user_free(struct image_user *u)
{
	free(u->name);
	free(u->groups);
	free(u->home);
	free(u->shell);
	*u = (struct image_user){ 0 };
}

char *image_hostname(int rootfd)
{
	autofclose FILE *f = open_image_file(rootfd, "/etc/hostname");
	char buf[256];
	if (!f || !fgets(buf, sizeof(buf), f))
		return NULL;
	buf[strcspn(buf, "\n")] = '\0';
	const char *name = str_trim(buf);
	return *name ? xstrdup(name) : NULL;
}
