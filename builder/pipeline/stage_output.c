/* output: the finished rootfs appears at OUT in one rename(2), so OUT is
 * either absent or complete, never half written.  A directory is the work
 * directory renamed; a tarball is written next to OUT as <work>.part,
 * synced, renamed, and the work directory removed. */
#include "out/tar_writer.h"
#include "pipeline/stages.h"
#include "sys/rootfs_fs.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Make the rename durable before saying we are done. */
static void sync_parent(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int output_directory(struct build *b, struct mkfr_error *err)
{
	/* dpkg ran with force-unsafe-io (stage_second.c): one syncfs makes
	 * every file durable before the rename makes the rootfs appear. */
	autoclose int workfd = open(b->work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (workfd < 0 || syncfs(workfd) < 0)
		return mkfr_fail(err, errno, "cannot sync %s", b->work);
	/* rename() replaces an empty directory and fails on a non-empty one,
	 * so a directory created at OUT meanwhile is never overwritten. */
	if (rename(b->work, b->out) < 0) {
		if (errno == ENOTEMPTY || errno == EEXIST)
			return mkfr_fail(err, errno, "OUT %s was filled by someone else during the build",
					 b->out);
		return mkfr_fail(err, errno, "cannot move the rootfs to %s", b->out);
	}
	b->output_done = true;
	b->out_created = true;
	sync_parent(b->out);
	return 0;
}

static int output_tarball(struct build *b, struct mkfr_error *err)
{
	autoclose int fd = open(b->out_part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot create %s", b->out_part);
	b->out_part_created = true;

	struct tar_options o = {
		.format = b->format,
		.clamp = b->reproducible,
		.clamp_mtime = b->source_date_epoch,
	};
	struct tar_stats stats;
	log_info("output: writing %s (%s%s)", b->out, output_format_name(b->format),
		 b->reproducible ? ", reproducible" : "");
	if (tar_write_tree(b->work, fd, &o, &stats, err) < 0)
		return -1;
	if (fsync(fd) < 0)
		return mkfr_fail(err, errno, "cannot write %s", b->out_part);
	if (close(steal_fd(&fd)) < 0)
		return mkfr_fail(err, errno, "cannot write %s", b->out_part);
	/* NOREPLACE: a file someone put at OUT meanwhile is never replaced. */
	if (renameat2(AT_FDCWD, b->out_part, AT_FDCWD, b->out, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST)
			return mkfr_fail(err, errno, "OUT %s was created by someone else during the build",
					 b->out);
		return mkfr_fail(err, errno, "cannot move the tarball to %s", b->out);
	}
	b->out_part_created = false;
	b->out_created = true;
	sync_parent(b->out);
	log_info("output: %llu entries, %.1f MiB of file data", (unsigned long long)stats.entries,
		 (double)stats.bytes / (1024.0 * 1024.0));

	/* The tarball is complete: the tree it came from goes now. */
	if (remove_tree(b->work, err) < 0)
		log_warn("could not remove the work directory: %s", err->msg);
	else
		b->work_created = false;
	return 0;
}

static int output_run(struct build *b, struct mkfr_error *err)
{
	return output_format_is_tar(b->format) ? output_tarball(b, err) : output_directory(b, err);
}

static void output_undo(struct build *b)
{
	if (b->out_part_created && unlink(b->out_part) < 0 && errno != ENOENT)
		log_warn("could not remove %s: %s", b->out_part, strerror(errno));
	b->out_part_created = false;
	if (b->out_created && !b->completed) {
		/* A later stage (the manifest) failed or was interrupted: no OUT
		 * without everything that belongs to it. */
		struct mkfr_error err;
		if (remove_tree(b->out, &err) < 0)
			log_warn("could not remove %s: %s", b->out, err.msg);
		else
			log_info("removed %s: the build did not complete", b->out);
		b->out_created = false;
	}
}

const struct stage stage_output = { "output", output_run, output_undo };
