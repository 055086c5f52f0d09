#include "emu/dynamic_emulator.h"

#include "sys/rootfs_fs.h"
#include "sys/spawn.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/datadirs.h"
#include "util/file_io.h"
#include "util/log.h"
#include "util/strv.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LAUNCHER_NAME "mkforeignroot-qemu-launcher"

/* Only the host's own ELF class matters: the emulator runs on the host. */
char *dynamic_emulator_loader(const char *program)
{
	autoclose int fd = open(program, O_RDONLY | O_CLOEXEC);
	Elf64_Ehdr eh;
	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
		return NULL;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		off_t at = (off_t)(eh.e_phoff + (Elf64_Off)i * eh.e_phentsize);
		if (pread(fd, &ph, sizeof(ph), at) != (ssize_t)sizeof(ph))
			return NULL;
		if (ph.p_type != PT_INTERP || ph.p_filesz == 0 || ph.p_filesz > 4096)
			continue;
		char *interp = xcalloc(1, ph.p_filesz + 1);
		if (pread(fd, interp, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz) {
			free(interp);
			return NULL;
		}
		return interp;
	}
	return NULL;
}

struct library_list {
	char **names; /* soname as the emulator asks for it */
	char **paths; /* host file the loader resolved it to */
	char *missing;
};

/* "\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f...)" */
static void library_line(const char *line, void *data)
{
	struct library_list *l = data;
	const char *arrow = strstr(line, " => ");
	if (!arrow)
		return; /* the vDSO and the loader itself */
	autofree char *name = xstrndup(line, (size_t)(arrow - line));
	char *n = name;
	while (*n == '\t' || *n == ' ')
		n++;
	const char *path = arrow + 4;
	if (strncmp(path, "not found", 9) == 0) {
		if (!l->missing)
			l->missing = xstrdup(n);
		return;
	}
	const char *end = strstr(path, " (");
	autofree char *p = xstrndup(path, end ? (size_t)(end - path) : strlen(path));
	strv_push(&l->names, n);
	strv_push(&l->paths, p);
}

static int list_libraries(const char *loader, const char *emulator, struct library_list *l,
			  struct mkfr_error *err)
{
	char *argv[] = { (char *)loader, "--list", (char *)emulator, NULL };
	struct spawn_opts o = { .argv = argv, .on_line = library_line, .line_data = l, .log_fd = -1 };
	struct spawn_result res;
	if (spawn_run(&o, &res, err) < 0)
		return -1;
	if (l->missing)
		return mkfr_fail(err, ENOENT, "%s needs %s, which is not installed on this host",
				 emulator, l->missing);
	if (res.status != 0)
		return mkfr_fail(err, 0, "%s --list %s failed: %s", loader, emulator,
				 res.tail_count ? res.tail[res.tail_count - 1] : "no output");
	return 0;
}

/* Everything into STAGE/dynamic/, the launcher at `interpreter`. */
static int copy_files(int rootfd, const char *emulator, const char *loader,
		      const struct library_list *libs, const char *stage_dir, const char *interpreter,
		      struct mkfr_error *err)
{
	autofree char *launcher = libexec_path(LAUNCHER_NAME);
	autofree char *ibase = xstrdup(interpreter);
	autofree char *dir = path_join(stage_dir, "dynamic");
	autofree char *ldso = path_join(dir, "ld.so");
	autofree char *emu_copy = path_join(dir, basename(ibase));
	if (access(launcher, X_OK) != 0)
		return mkfr_fail(err, errno, "the launcher %s is missing: reinstall mkforeignroot", launcher);
	if (rootfs_mkdir_p(rootfd, dir, 0755, err) < 0 ||
	    rootfs_copy_in(rootfd, loader, ldso, 0755, err) < 0 ||
	    rootfs_copy_in(rootfd, emulator, emu_copy, 0755, err) < 0 ||
	    rootfs_copy_in(rootfd, launcher, interpreter, 0755, err) < 0)
		return -1;
	for (size_t i = 0; libs->names[i]; i++) {
		if (strchr(libs->names[i], '/'))
			return mkfr_fail(err, EINVAL, "unexpected library name '%s'", libs->names[i]);
		autofree char *to = path_join(dir, libs->names[i]);
		if (rootfs_copy_in(rootfd, libs->paths[i], to, 0644, err) < 0)
			return -1;
	}
	log_verbose("qemu=dynamic: %s, %s and %zu libraries staged in %s", emulator, loader,
		    strv_length(libs->names), dir);
	return 0;
}

int dynamic_emulator_stage(int rootfd, const char *emulator, const char *stage_dir,
			   const char *interpreter, struct mkfr_error *err)
{
	autofree char *loader = dynamic_emulator_loader(emulator);
	if (!loader)
		return mkfr_fail(err, 0, "%s is not a dynamically linked x86-64 program: qemu=dynamic "
				 "needs the shared emulator (Debian package qemu-user); use "
				 "qemu=static for qemu-user-static", emulator);
	struct library_list libs = {
		.names = strv_new(),
		.paths = strv_new(),
	};
	int r = list_libraries(loader, emulator, &libs, err);
	if (r == 0)
		r = copy_files(rootfd, emulator, loader, &libs, stage_dir, interpreter, err);
	strv_free(libs.names);
	strv_free(libs.paths);
	free(libs.missing);
	return r;
}
