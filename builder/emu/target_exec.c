/* SPDX-License-Identifier: MIT */
#include "emu/target_exec.h"

#include "sys/rootfs_fs.h"
#include "sys/spawn.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const probes[] = { "/usr/bin/true", "/bin/true", NULL };

const char *target_exec_probe_path(const char *root)
{
	autoclose int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return NULL;
	for (size_t i = 0; probes[i]; i++)
		if (rootfs_exists(rootfd, probes[i]))
			return probes[i];
	return NULL;
}

int target_exec_read_header(const char *root, const char *path, unsigned char *hdr, size_t len)
{
	struct mkfr_error err;
	autoclose int rootfd = rootfs_open(root, &err);
	if (rootfd < 0)
		return -1;
	/* Resolved in root: /usr/bin/true may sit behind merged-/usr symlinks. */
	autoclose int fd = rootfs_open_read(rootfd, path);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, hdr, len);
	return n < 0 ? -1 : (int)n;
}

int target_exec_try(const char *root, const char *path, struct mkfr_error *err)
{
	char *argv[] = { (char *)path, NULL };
	struct spawn_probe res;
	if (spawn_exec_probe(root, argv, 0, &res, err) < 0)
		return -1;
	if (res.exec_errno)
		return mkfr_fail(err, res.exec_errno, "cannot run %s%s%s", root, path,
				 spawn_exec_hint(res.exec_errno));
	if (res.status != 0)
		return mkfr_fail(err, 0, "%s%s ran but failed (%s %d): the emulator cannot run "
				 "this architecture's programs", root, path,
				 res.status > 128 ? "signal" : "exit",
				 res.status > 128 ? res.status - 128 : res.status);
	return 0;
}
