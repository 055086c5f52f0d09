/* SPDX-License-Identifier: MIT */
/* `mkforeignroot oci-index OUT IMAGE...`: several OCI image layouts (one
 * architecture each, as format=oci writes them) combined into one layout
 * whose index lists every platform, so one tag serves them all.  OUT
 * appears whole or not at all: it is written as OUT's .part directory
 * next to it, synced and renamed. */
#include "cli/commands.h"
#include "out/oci.h"
#include "sys/rootfs_fs.h"
#include "sys/signals.h"
#include "sys/stale.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fputs("Usage: mkforeignroot oci-index OUT IMAGE...\n"
	      "Combine OCI image layouts (format=oci builds, one architecture each) into the\n"
	      "new layout OUT, whose index lists every image's platform under the tag latest.\n",
	      f);
}

static int run(const char *out, char *const *images, struct mkfr_error *err)
{
	autofree char *c1 = xstrdup(out), *c2 = xstrdup(out);
	char parent[PATH_MAX];
	if (!realpath(dirname(c1), parent))
		return mkfr_fail_usage(err, "OUT '%s': its directory does not exist", out);
	const char *base = basename(c2);
	if (!strcmp(base, ".") || !strcmp(base, "..") || !strcmp(base, "/"))
		return mkfr_fail_usage(err, "OUT '%s': name a new directory", out);
	autofree char *abs = xasprintf("%s/%s", strcmp(parent, "/") ? parent : "", base);
	struct stat st;
	if (lstat(abs, &st) == 0)
		return mkfr_fail_usage(err, "OUT '%s' exists: remove it or choose another name", abs);
	/* Named like a build's part, so a run killed meanwhile has it removed
	 * by the next build in this directory (sys/stale.h). */
	stale_cleanup(parent);
	autofree char *name = stale_work_name(base, getpid());
	autofree char *part = xasprintf("%s/%s.part", strcmp(parent, "/") ? parent : "", name);
	if (mkdir(part, 0755) < 0)
		return mkfr_fail(err, errno, "cannot create %s", part);
	char digest[OCI_DIGEST_SIZE];
	int r = oci_index_write(part, images, digest, err);
	if (r == 0) {
		autoclose int fd = open(part, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || syncfs(fd) < 0)
			r = mkfr_fail(err, errno, "cannot sync %s", part);
	}
	if (r == 0 && renameat2(AT_FDCWD, part, AT_FDCWD, abs, RENAME_NOREPLACE) < 0)
		r = mkfr_fail(err, errno, "cannot move %s to %s", part, abs);
	if (r < 0) {
		struct mkfr_error rerr;
		if (remove_tree(part, &rerr) < 0)
			log_warn("could not remove %s: %s", part, rerr.msg);
		return -1;
	}
	log_info("oci-index: %s: index %s tagged %s", abs, digest, OCI_DEFAULT_TAG);
	return 0;
}

int cmd_oci_index(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 3) {
		usage(stderr);
		return MKFR_EXIT_USAGE;
	}
	autostrv char **images = strv_new();
	for (int i = 2; i < argc; i++)
		strv_push(&images, argv[i]);
	signals_install();
	struct mkfr_error err = { 0 };
	if (run(argv[1], images, &err) < 0) {
		log_error("%s", err.msg);
		if (signals_pending())
			return 128 + signals_pending();
		return err.exit_code ? err.exit_code : MKFR_EXIT_FAILURE;
	}
	return 0;
}
