#include "cache_dirs.h"

#include "cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cache_mkdir_p(const char *path, struct mkfr_error *err)
{
	autofree char *p = strdup(path);
	if (!p)
		return mkfr_fail(err, ENOMEM, "%s", path);
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char ch = *s;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return mkfr_fail(err, errno, "cannot create the cache directory %s", p);
		*s = ch;
		if (!ch)
			return 0;
	}
}

int cache_mkdir_parents(const char *file, struct mkfr_error *err)
{
	autofree char *dir = strdup(file);
	if (!dir)
		return mkfr_fail(err, ENOMEM, "%s", file);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return cache_mkdir_p(dir, err);
}
