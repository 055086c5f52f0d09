/* Finding profiles: the search path and `mkforeignroot profiles`. */
#include "profile/profile.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/datadirs.h"
#include "util/strv.h"

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

char *profile_find(const char *name, struct mkfr_error *err)
{
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
	mkfr_fail_usage(err, "profile '%s' not found (looked in %s; `mkforeignroot profiles` lists them)",
			name, where ? where : "");
	return NULL;
}

static int line_sets_key(const char *s, const char *key)
{
	size_t n = strlen(key);
	if (strncmp(s, key, n) != 0)
		return 0;
	s += n;
	s += strspn(s, " \t");
	return *s == '=';
}

/* The description= line of a profile file, without resolving inheritance. */
static char *read_description(const char *path, int *has_arch)
{
	autofclose FILE *f = fopen(path, "re");
	autofree char *line = NULL;
	size_t cap = 0;
	char *desc = NULL;
	*has_arch = 0;
	if (!f)
		return NULL;
	while (getline(&line, &cap, f) >= 0) {
		char *s = str_trim(line);
		if (line_sets_key(s, "description") && !desc)
			desc = xstrdup(str_trim(strchr(s, '=') + 1));
		if (line_sets_key(s, "arch"))
			*has_arch = 1;
	}
	return desc;
}

int profile_list(struct mkfr_error *err)
{
	(void)err;
	autostrv char **dirs = profile_search_dirs();
	autostrv char **seen = strv_new();

	for (size_t i = 0; dirs[i]; i++) {
		autoclosedir DIR *d = opendir(dirs[i]);
		if (!d)
			continue;
		autostrv char **names = strv_new();
		struct dirent *de;
		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name), sl = strlen(PROFILE_SUFFIX);
			if (n > sl && strcmp(de->d_name + n - sl, PROFILE_SUFFIX) == 0)
				strv_pushf(&names, "%.*s", (int)(n - sl), de->d_name);
		}
		strv_sort(names);
		for (size_t j = 0; names[j]; j++) {
			/* An earlier directory shadows a later one. */
			if (strv_contains(seen, names[j]))
				continue;
			strv_push(&seen, names[j]);
			autofree char *path = xasprintf("%s/%s%s", dirs[i], names[j], PROFILE_SUFFIX);
			int has_arch;
			autofree char *desc = read_description(path, &has_arch);
			printf("%-20s %s%s\n", names[j], desc ? desc : "",
			       has_arch ? "" : " (base profile, inherited by others)");
		}
	}
	return 0;
}
