/* SPDX-License-Identifier: MIT */
#include "emu/dynamic_emulator.h"

#include "emu/host_program.h"
#include "sys/rootfs_fs.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/datadirs.h"
#include "util/file_io.h"
#include "util/log.h"

#include <errno.h>
#include <unistd.h>

#define LAUNCHER_NAME "mkforeignroot-qemu-launcher"

int dynamic_emulator_stage(int rootfd, const char *emulator, const char *stage_dir,
			   const char *interpreter, struct mkfr_error *err)
{
	autofree char *loader = host_program_loader(emulator);
	if (!loader)
		return mkfr_fail(err, 0, "%s is not a dynamically linked x86-64 program: qemu=dynamic "
				 "needs the shared emulator (Debian package qemu-user); use "
				 "qemu=static for qemu-user-static", emulator);
	autofree char *launcher = libexec_path(LAUNCHER_NAME);
	if (access(launcher, X_OK) != 0)
		return mkfr_fail(err, errno, "the launcher %s is missing: reinstall mkforeignroot", launcher);
	autofree char *dir = path_join(stage_dir, "dynamic");
	char *programs[] = { (char *)emulator, NULL };
	size_t n = 0;
	if (host_program_stage(rootfd, programs, dir, &n, err) < 0 ||
	    rootfs_copy_in(rootfd, launcher, interpreter, 0755, err) < 0)
		return -1;
	log_verbose("qemu=dynamic: %s, %s and %zu libraries staged in %s", emulator, loader, n, dir);
	return 0;
}
