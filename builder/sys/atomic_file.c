/* SPDX-License-Identifier: MIT */
#include "sys/atomic_file.h"

#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dir_of(const char *path)
{
	autofree char *copy = xstrdup(path);
	return xstrdup(dirname(copy));
}

int atomic_file_open(struct atomic_file *af, const char *dest, mode_t mode, struct mkfr_error *err)
{
	autofree char *dir = dir_of(dest);
	af->fd = -1;
	af->part_path = NULL;
	af->mode = mode;
	af->dest = xstrdup(dest);

	af->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (af->fd >= 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return mkfr_fail(err, errno, "cannot create a temporary file in %s", dir);

	autofree char *copy = xstrdup(dest);
	af->part_path = xasprintf("%s/.%s.XXXXXX.part", dir, basename(copy));
	af->fd = mkostemps(af->part_path, 5, O_CLOEXEC);
	if (af->fd < 0) {
		int e = errno;
		free(steal_pointer(&af->part_path));
		return mkfr_fail(err, e, "cannot create a temporary file in %s", dir);
	}
	return 0;
}

int atomic_file_truncate(struct atomic_file *af, struct mkfr_error *err)
{
	if (ftruncate(af->fd, 0) < 0 || lseek(af->fd, 0, SEEK_SET) < 0)
		return mkfr_fail(err, errno, "cannot empty the temporary file for %s", af->dest);
	return 0;
}

static int fsync_dir_of(const char *path)
{
	autofree char *dir = dir_of(path);
	autoclose int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	return fd < 0 ? -1 : fsync(fd);
}

int atomic_file_commit(struct atomic_file *af, struct mkfr_error *err)
{
	if (fchmod(af->fd, af->mode) < 0)
		return mkfr_fail(err, errno, "cannot set the mode of %s", af->dest);
	if (fsync(af->fd) < 0)
		return mkfr_fail(err, errno, "cannot write %s", af->dest);

	if (!af->part_path) {
		/* An O_TMPFILE file gets a name by linkat through /proc (no
		 * CAP_DAC_READ_SEARCH needed), then rename replaces dest. */
		char proc[64];
		autofree char *dir = dir_of(af->dest);
		autofree char *tmp = NULL;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", af->fd);
		for (int i = 0; i < 100 && !tmp; i++) {
			tmp = xasprintf("%s/.mkfr-%d-%d-%x.part", dir, (int)getpid(), i,
				     (unsigned)random());
			if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0)
				break;
			int e = errno;
			free(steal_pointer(&tmp));
			if (e != EEXIST)
				return mkfr_fail(err, e, "cannot give %s a name", af->dest);
		}
		if (!tmp)
			return mkfr_fail(err, EEXIST, "cannot give %s a name", af->dest);
		af->part_path = steal_pointer(&tmp);
	}
	if (rename(af->part_path, af->dest) < 0)
		return mkfr_fail(err, errno, "cannot rename into %s", af->dest);
	free(steal_pointer(&af->part_path));
	fsync_dir_of(af->dest);
	close(steal_fd(&af->fd));
	free(steal_pointer(&af->dest));
	return 0;
}

void atomic_file_discard(struct atomic_file *af)
{
	if (af->fd >= 0)
		close(steal_fd(&af->fd));
	if (af->part_path)
		unlink(af->part_path);
	free(steal_pointer(&af->part_path));
	free(steal_pointer(&af->dest));
}

int atomic_file_write(const char *dest, const void *data, size_t len, mode_t mode,
		      struct mkfr_error *err)
{
	autodiscard struct atomic_file af = ATOMIC_FILE_INIT;
	if (atomic_file_open(&af, dest, mode, err) < 0)
		return -1;
	if (write_all(af.fd, data, len) < 0)
		return mkfr_fail(err, errno, "cannot write %s", dest);
	return atomic_file_commit(&af, err);
}
