/* output: the finished rootfs appears at OUT in one rename(2), so OUT is
 * either absent or complete, never half written. */
#include "log.h"
#include "pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int output_run(struct build *b, struct mkfr_error *err)
{
	/* rename() replaces an empty directory and fails on a non-empty one,
	 * so a directory created at OUT meanwhile is never overwritten. */
	if (rename(b->work, b->out) < 0) {
		if (errno == ENOTEMPTY || errno == EEXIST)
			return mkfr_fail(err, errno, "OUT %s was filled by someone else during the build",
					 b->out);
		return mkfr_fail(err, errno, "cannot move the rootfs to %s", b->out);
	}
	b->output_done = true;
	/* Make the rename durable before saying we are done. */
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", b->out);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

const struct stage stage_output = { "output", output_run, NULL };
