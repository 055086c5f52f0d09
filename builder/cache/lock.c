/* SPDX-License-Identifier: MIT */
#include "cache/lock.h"

#include "cache/layout.h"
#include "sys/signals.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

int cache_use_lock(const char *cache_dir, bool exclusive, struct mkfr_error *err)
{
	autofree char *path = cache_in_use_path(cache_dir);
	if (mkdir_p(cache_dir, 0755, err) < 0)
		return -1;
	autoclose int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
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
