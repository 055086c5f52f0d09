/* SPDX-License-Identifier: MIT */
/* output: the finished rootfs appears at OUT in one rename(2), so OUT is
 * either absent or complete, never half written.  A directory is the work
 * directory renamed; every other format (tarball, filesystem image, OCI
 * layout) is written next to OUT as <work>.part, synced, renamed, and the
 * work directory removed. */
#include "out/image_fs.h"
#include "out/oci.h"
#include "out/tar_writer.h"
#include "pipeline/debootstrap_devices.h"
#include "pipeline/stages.h"
#include "sys/rootfs_fs.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/number.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* The part is complete (fd: the file, synced here; -1: a directory,
 * synced by the caller): rename it to OUT and drop the tree it came from. */
static int commit_part(struct build *b, int fd, struct mkfr_error *err)
{
	if (fd >= 0 && fsync(fd) < 0)
		return mkfr_fail(err, errno, "cannot write %s", b->out_part);
	/* NOREPLACE: a file someone put at OUT meanwhile is never replaced. */
	if (renameat2(AT_FDCWD, b->out_part, AT_FDCWD, b->out, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST)
			return mkfr_fail(err, errno, "OUT %s was created by someone else during the build",
					 b->out);
		return mkfr_fail(err, errno, "cannot move %s to %s", b->out_part, b->out);
	}
	b->out_part_created = false;
	b->out_created = true;
	sync_parent(b->out);

	/* OUT is complete: the tree it came from goes now.  In memory
	 * (stage_scratch.c), unmounting it is the removal. */
	if (stage_scratch_release(b, err) < 0 || remove_tree(b->work, err) < 0)
		log_warn("could not remove the work directory: %s", err->msg);
	else
		b->work_created = false;
	return 0;
}

static int create_part_file(struct build *b, struct mkfr_error *err)
{
	int fd = open(b->out_part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot create %s", b->out_part);
	b->out_part_created = true;
	return fd;
}

/* A rootless build's tree has no device nodes: its tarball and layer get
 * those of a root build (pipeline/debootstrap_devices.h). */
static void rootless_device_nodes(const struct build *b, const struct tar_node **nodes, size_t *n)
{
	*nodes = b->rootless ? debootstrap_devices : NULL;
	*n = b->rootless ? debootstrap_device_count : 0;
}

static int output_tarball(struct build *b, struct mkfr_error *err)
{
	autoclose int fd = create_part_file(b, err);
	if (fd < 0)
		return -1;
	struct tar_options o = {
		.format = b->format,
		.clamp = b->reproducible,
		.clamp_mtime = b->source_date_epoch,
	};
	rootless_device_nodes(b, &o.nodes, &o.n_nodes);
	struct tar_stats stats;
	log_info("output: writing %s (%s%s)", b->out, output_format_name(b->format),
		 b->reproducible ? ", reproducible" : "");
	if (tar_write_tree(b->work, fd, &o, &stats, err) < 0 || commit_part(b, fd, err) < 0)
		return -1;
	log_info("output: %llu entries, %.1f MiB of file data", (unsigned long long)stats.entries,
		 (double)stats.bytes / (1024.0 * 1024.0));
	return 0;
}

/* What every image and layout derives its identity from in a reproducible
 * build: the same suite, architecture and epoch give the same UUIDs. */
static char *uuid_seed(const struct build *b)
{
	return xasprintf("mkforeignroot/%s/%s/%lld", profile_get(b->profile, "suite"), b->arch->name,
			 (long long)b->source_date_epoch);
}

static int output_image(struct build *b, struct mkfr_error *err)
{
	autoclose int fd = create_part_file(b, err);
	if (fd < 0)
		return -1;
	autofree char *seed = uuid_seed(b);
	struct image_fs_options o = {
		.format = b->format,
		.tool = b->image_tool,
		.reproducible = b->reproducible,
		.epoch = b->source_date_epoch,
		.uuid_seed = seed,
		.log_fd = b->log_fd,
	};
	const char *size = profile_get(b->profile, "image_size");
	if (size && strcmp(size, "auto") != 0 && !parse_size(size, &o.size))
		return mkfr_fail_usage(err, "image_size '%s': not a size", size);
	const char *headroom = profile_get(b->profile, "image_headroom");
	size_t hl = headroom ? strlen(headroom) : 0;
	uint64_t pct = 20;
	if (hl > 1 && headroom[hl - 1] == '%')
		parse_u64_n(headroom, hl - 1, 1000, &pct);
	else if (hl && !parse_size(headroom, &o.headroom.bytes))
		return mkfr_fail_usage(err, "image_headroom '%s': not a size", headroom);
	o.headroom.percent = (unsigned)pct;
	if (b->format == OUTPUT_SQUASHFS)
		o.compression = profile_get(b->profile, "squashfs_compression");
	else if (b->format == OUTPUT_EROFS)
		o.compression = profile_get(b->profile, "erofs_compression");
	log_info("output: writing %s (%s with %s%s)", b->out, output_format_name(b->format), b->image_tool,
		 b->reproducible ? ", reproducible" : "");
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct image_fs_stats stats;
	if (image_fs_write(b->work, b->out_part, &o, &stats, err) < 0 || commit_part(b, fd, err) < 0)
		return -1;
	log_info("output: %s image of %.1f MiB in %.1f s", output_format_name(b->format),
		 (double)stats.image_bytes / (1024.0 * 1024.0), log_seconds_since(&t0));
	return 0;
}

/* The image's default command: bash where the rootfs has it, else sh. */
static const char *default_cmd(const struct build *b)
{
	struct mkfr_error err;
	autoclose int rootfd = rootfs_open(b->work, &err);
	return rootfd >= 0 && rootfs_exists(rootfd, "/bin/bash") ? "/bin/bash" : "/bin/sh";
}

static int output_oci(struct build *b, struct mkfr_error *err)
{
	bool packed = b->format == OUTPUT_OCI_TAR;
	const char *layout = packed ? b->oci_layout : b->out_part;
	if (mkdir(layout, 0755) < 0)
		return mkfr_fail(err, errno, "cannot create %s", layout);
	if (packed)
		b->oci_layout_created = true;
	else
		b->out_part_created = true;
	autofree char *created_by = xasprintf("%s %s: profile %s (%s/%s, %s)", PACKAGE_NAME, PACKAGE_VERSION,
					      b->opts->profile_name, profile_get(b->profile, "suite"),
					      b->arch->name, profile_get(b->profile, "variant"));
	struct oci_image_options o = {
		.arch = b->arch,
		.created = b->reproducible ? b->source_date_epoch : time(NULL),
		.clamp = b->reproducible,
		.cmd = default_cmd(b),
		.created_by = created_by,
		.suite = profile_get(b->profile, "suite"),
		.release_date = b->resolved.release.date_text,
		.packages_digest = b->packages_digest[0] ? b->packages_digest : NULL,
	};
	rootless_device_nodes(b, &o.nodes, &o.n_nodes);
	struct oci_image_result res;
	log_info("output: writing %s (OCI image layout%s%s)", b->out, packed ? ", one tarball" : "",
		 b->reproducible ? ", reproducible" : "");
	if (oci_write_layout(b->work, layout, &o, &res, err) < 0)
		return -1;
	snprintf(b->oci_manifest_digest, sizeof(b->oci_manifest_digest), "%s", res.manifest_digest);
	log_info("output: layer %s, %.1f MiB gzip of %.1f MiB (%llu entries); manifest %s",
		 res.layer_digest, (double)res.layer_size / 1048576.0, (double)res.tar.bytes / 1048576.0,
		 (unsigned long long)res.tar.entries, res.manifest_digest);
	if (!packed) {
		autoclose int dirfd = open(layout, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0 || syncfs(dirfd) < 0)
			return mkfr_fail(err, errno, "cannot sync %s", layout);
		return commit_part(b, -1, err);
	}
	autoclose int fd = create_part_file(b, err);
	if (fd < 0)
		return -1;
	/* The layout as one plain tarball (skopeo's oci-archive:), with the
	 * build's epoch as every mtime when reproducible. */
	struct tar_options to = { .format = OUTPUT_TAR, .clamp = b->reproducible, .clamp_mtime = b->source_date_epoch };
	if (tar_write_tree(layout, fd, &to, NULL, err) < 0 || commit_part(b, fd, err) < 0)
		return -1;
	if (remove_tree(layout, err) < 0)
		log_warn("could not remove %s: %s", layout, err->msg);
	else
		b->oci_layout_created = false;
	return 0;
}

static int output_run(struct build *b, struct mkfr_error *err)
{
	if (output_format_is_tar(b->format))
		return output_tarball(b, err);
	if (output_format_is_image(b->format))
		return output_image(b, err);
	if (output_format_is_oci(b->format))
		return output_oci(b, err);
	return output_directory(b, err);
}

static void output_undo(struct build *b)
{
	struct mkfr_error perr;
	if (b->out_part_created && remove_tree(b->out_part, &perr) < 0)
		log_warn("could not remove %s: %s", b->out_part, perr.msg);
	b->out_part_created = false;
	if (b->oci_layout_created && remove_tree(b->oci_layout, &perr) < 0)
		log_warn("could not remove %s: %s", b->oci_layout, perr.msg);
	b->oci_layout_created = false;
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
