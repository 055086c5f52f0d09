/* SPDX-License-Identifier: MIT */
/* Finding profiles: the search path, "shipped:NAME", and `mkforeignroot
 * profiles`. */
#include "profile/profile.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/datadirs.h"
#include "util/strv.h"
#include "util/suggest.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PROFILE_SUFFIX ".profile"

char **profile_search_dirs(void)
{
	char **dirs = strv_new();
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (xdg && *xdg)
		strv_pushf(&dirs, "%s/mkforeignroot/profiles", xdg);
	else if (home && *home)
		strv_pushf(&dirs, "%s/.config/mkforeignroot/profiles", home);
	strv_push(&dirs, "/etc/mkforeignroot/profiles");
	autofree char *shipped = datadir_path("profiles");
	strv_push(&dirs, shipped);
	return dirs;
}

static int is_regular(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The profile names in one directory (NAME of NAME.profile), sorted. */
static char **names_in(const char *dir)
{
	char **names = strv_new();
	autoclosedir DIR *d = opendir(dir);
	struct dirent *de;
	size_t sl = strlen(PROFILE_SUFFIX);
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > sl && strcmp(de->d_name + n - sl, PROFILE_SUFFIX) == 0)
			strv_pushf(&names, "%.*s", (int)(n - sl), de->d_name);
	}
	strv_sort(names);
	return names;
}

/* ": did you mean 'X'?" for a name in none of dirs, or "". */
static char *suggestion(const char *name, char *const *dirs)
{
	autostrv char **all = strv_new();
	for (size_t i = 0; dirs[i]; i++) {
		autostrv char **names = names_in(dirs[i]);
		for (size_t j = 0; names[j]; j++)
			if (!strv_contains(all, names[j]))
				strv_push(&all, names[j]);
	}
	const char *near = suggest_nearest(name, (const char *const *)all);
	return near ? xasprintf(": did you mean '%s'?", near) : xstrdup("");
}

static char *find_shipped(const char *name, struct mkfr_error *err)
{
	const char *bare = name + strlen(PROFILE_SHIPPED_PREFIX);
	autofree char *dir = datadir_path("profiles");
	if (!*bare || strchr(bare, '/')) {
		mkfr_fail_usage(err, "profile '%s': " PROFILE_SHIPPED_PREFIX " takes the bare name of a "
				"profile shipped in %s", name, dir);
		return NULL;
	}
	char *path = xasprintf("%s/%s%s", dir, bare, PROFILE_SUFFIX);
	if (is_regular(path))
		return path;
	free(path);
	char *dirs[] = { dir, NULL };
	autofree char *hint = suggestion(bare, dirs);
	mkfr_fail_usage(err, "profile '%s' not found%s (no profile '%s' is shipped in %s)", name, hint,
			bare, dir);
	return NULL;
}

char *profile_find(const char *name, struct mkfr_error *err)
{
	if (strncmp(name, PROFILE_SHIPPED_PREFIX, strlen(PROFILE_SHIPPED_PREFIX)) == 0)
		return find_shipped(name, err);
	/* Anything with a slash, or an existing file, is a path. */
	if (strchr(name, '/') || is_regular(name)) {
		if (!is_regular(name)) {
			mkfr_fail(err, errno ? errno : EINVAL, "%s: cannot read profile", name);
			err->exit_code = MKFR_EXIT_USAGE;
			return NULL;
		}
		return xstrdup(name);
	}
	autostrv char **dirs = profile_search_dirs();
	for (size_t i = 0; dirs[i]; i++) {
		char *path = xasprintf("%s/%s%s", dirs[i], name, PROFILE_SUFFIX);
		if (is_regular(path))
			return path;
		free(path);
	}
	autofree char *where = strv_join(dirs, ", ");
	autofree char *hint = suggestion(name, dirs);
	mkfr_fail_usage(err, "profile '%s' not found%s (looked in %s; `mkforeignroot profiles` lists them)",
			name, hint, where ? where : "");
	return NULL;
}

/* The profile's own description= line: one it inherits describes another. */
static char *own_description(const struct profile *p)
{
	const char *desc = profile_get(p, "description");
	const char *origin = profile_origin(p, "description");
	size_t n = strlen(p->path);
	if (!desc || !*desc || strncmp(origin, p->path, n) != 0 || origin[n] != ':')
		return NULL;
	return xstrdup(desc);
}

static void inspect(struct profile_listing *l)
{
	struct profile *p = NULL;
	struct mkfr_error err = { 0 };
	if (profile_inspect(l->path, &p, &err) < 0) {
		l->error = xstrdup(err.msg);
		return;
	}
	l->description = own_description(p);
	l->base = !profile_get(p, "suite") || !profile_get(p, "arch");
	profile_free(p);
}

void profile_list(struct profile_listing **out, size_t *n)
{
	autostrv char **dirs = profile_search_dirs();
	autostrv char **seen = strv_new();
	size_t shipped = strv_length(dirs) - 1;
	*out = NULL;
	*n = 0;

	for (size_t i = 0; dirs[i]; i++) {
		autostrv char **names = names_in(dirs[i]);
		for (size_t j = 0; names[j]; j++) {
			/* An earlier directory hides a later one. */
			if (strv_contains(seen, names[j])) {
				if (i == shipped)
					for (size_t k = 0; k < *n; k++)
						if (strcmp((*out)[k].name, names[j]) == 0)
							(*out)[k].shadows_shipped = true;
				continue;
			}
			strv_push(&seen, names[j]);
			*out = xreallocarray(*out, *n + 1, sizeof(**out));
			struct profile_listing *l = &(*out)[(*n)++];
			*l = (struct profile_listing){
				.name = xstrdup(names[j]),
				.path = xasprintf("%s/%s%s", dirs[i], names[j], PROFILE_SUFFIX),
			};
			inspect(l);
		}
	}
}

void profile_listing_free(struct profile_listing *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].name);
		free(l[i].path);
		free(l[i].description);
		free(l[i].error);
	}
	free(l);
}
