/* sysroot (sysroot=yes only): after the hooks, before output, make the
 * rootfs usable as a cross compiler's --sysroot: every absolute symlink
 * becomes relative (sysroot.h says why), and OUT.toolchain.cmake and an
 * executable OUT.pkg-config appear next to OUT (toolchain_files.h).  They
 * name OUT, known since plan: output only renames the tree there.  If the
 * build fails before OUT exists, the undo removes them again. */
#include "sys/atomic_file.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "pipeline/pipeline.h"
#include "out/sysroot.h"
#include "out/toolchain_files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_file(const char *path, const char *text, mode_t mode, struct mkfr_error *err)
{
	autodiscard struct atomic_file af = ATOMIC_FILE_INIT;
	if (atomic_file_open(&af, path, mode, err) < 0)
		return -1;
	size_t len = strlen(text);
	for (size_t done = 0; done < len;) {
		ssize_t w = write(af.fd, text + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return mkfr_fail(err, errno, "cannot write %s", path);
		done += (size_t)w;
	}
	return atomic_file_commit(&af, err);
}

static int sysroot_run(struct build *b, struct mkfr_error *err)
{
	if (!profile_get_bool(b->profile, "sysroot"))
		return 0;
	size_t changed = 0;
	if (sysroot_relativize_links(b->work, &changed, err) < 0)
		return -1;

	if (asprintf(&b->toolchain_cmake, "%s.toolchain.cmake", b->out) < 0 ||
	    asprintf(&b->pkg_config_wrapper, "%s.pkg-config", b->out) < 0)
		return mkfr_fail(err, ENOMEM, "sysroot");
	autofree char *cmake = toolchain_cmake_text(b->arch, b->out, b->pkg_config_wrapper);
	autofree char *wrapper = toolchain_pkg_config_text(b->arch, b->out);
	if (!cmake || !wrapper)
		return mkfr_fail(err, ENOMEM, "sysroot");
	if (write_file(b->toolchain_cmake, cmake, 0644, err) < 0)
		return -1;
	if (write_file(b->pkg_config_wrapper, wrapper, 0755, err) < 0) {
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
	if (!b->sysroot_files_written || b->output_done)
		return;
	/* They name an OUT that never appeared. */
	unlink(b->toolchain_cmake);
	unlink(b->pkg_config_wrapper);
	b->sysroot_files_written = false;
}

const struct stage stage_sysroot = { "sysroot", sysroot_run, sysroot_undo };
