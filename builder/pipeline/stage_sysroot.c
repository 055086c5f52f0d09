/* SPDX-License-Identifier: MIT */
/* sysroot (sysroot=yes only): after the hooks, before output, make the
 * rootfs usable as a cross compiler's --sysroot: every absolute symlink
 * becomes relative (sysroot.h says why), and OUT.toolchain.cmake and an
 * executable OUT.pkg-config appear next to OUT (toolchain_files.h).  They
 * name OUT, known since plan: output only renames the tree there.  If the
 * build fails before OUT exists, the undo removes them again. */
#include "out/sysroot.h"
#include "out/toolchain_files.h"
#include "pipeline/stages.h"
#include "sys/atomic_file.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int sysroot_run(struct build *b, struct mkfr_error *err)
{
	if (!profile_get_bool(b->profile, "sysroot"))
		return 0;
	size_t changed = 0;
	if (sysroot_relativize_links(b->work, &changed, err) < 0)
		return -1;

	b->toolchain_cmake = xasprintf("%s.toolchain.cmake", b->out);
	b->pkg_config_wrapper = xasprintf("%s.pkg-config", b->out);
	autofree char *cmake = toolchain_cmake_text(b->arch, b->out, b->pkg_config_wrapper);
	autofree char *wrapper = toolchain_pkg_config_text(b->arch, b->out);
	if (atomic_file_write(b->toolchain_cmake, cmake, strlen(cmake), 0644, err) < 0)
		return -1;
	if (atomic_file_write(b->pkg_config_wrapper, wrapper, strlen(wrapper), 0755, err) < 0) {
		unlink(b->toolchain_cmake);
		return -1;
	}
	b->sysroot_files_written = true;
	log_info("sysroot: %zu absolute symlink(s) made relative; %s, %s (compiler %s-gcc)", changed,
		 b->toolchain_cmake, b->pkg_config_wrapper, toolchain_compiler_prefix(b->arch));
	return 0;
}

static void sysroot_undo(struct build *b)
{
	if (!b->sysroot_files_written || b->completed)
		return;
	/* They name an OUT that never appeared. */
	unlink(b->toolchain_cmake);
	unlink(b->pkg_config_wrapper);
	b->sysroot_files_written = false;
}

const struct stage stage_sysroot = { "sysroot", sysroot_run, sysroot_undo };
