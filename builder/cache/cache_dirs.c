#include "cache/cache_dirs.h"

#include "util/cleanup.h"
#include "util/log.h"
#include "sys/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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

int cache_use_lock(const char *cache_dir, bool exclusive, struct mkfr_error *err)
{
	autofree char *path = NULL;
	if (asprintf(&path, "%s/.in-use", cache_dir) < 0)
		return mkfr_fail(err, ENOMEM, "cache");
	if (cache_mkdir_p(cache_dir, err) < 0)
		return -1;
	autoclose int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot open %s", path);
	int how = exclusive ? LOCK_EX : LOCK_SH;
	if (flock(fd, how | LOCK_NB) == 0)
		return steal_fd(&fd);
	if (errno != EWOULDBLOCK)
		return mkfr_fail(err, errno, "cannot lock %s", path);
	log_info(exclusive ? "cache: waiting for the builds using %s to finish"
			   : "cache: waiting for `mkforeignroot cache prune` to finish with %s",
		 cache_dir);
	/* Blocking, but a signal (our handlers do not restart) ends the wait. */
	while (flock(fd, how) < 0) {
		if (errno != EINTR)
			return mkfr_fail(err, errno, "cannot lock %s", path);
		if (signals_pending())
			return mkfr_fail(err, EINTR, "interrupted while waiting for %s", path);
	}
	return steal_fd(&fd);
}
