/* SPDX-License-Identifier: MIT */
#include "emu/host_program.h"

#include "sys/rootfs_fs.h"
#include "sys/spawn.h"
#include "util/alloc.h"
#include "util/cleanup.h"
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

/* Only the host's own ELF class matters: the program runs on the host's CPU. */
char *host_program_loader(const char *program)
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
	char **names; /* soname as the program asks for it */
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
	if (strv_contains(l->names, n))
		return; /* asked for by another of the programs too */
	const char *end = strstr(path, " (");
	autofree char *p = xstrndup(path, end ? (size_t)(end - path) : strlen(path));
	strv_push(&l->names, n);
	strv_push(&l->paths, p);
}

static int list_libraries(const char *loader, const char *program, struct library_list *l,
			  struct mkfr_error *err)
{
	char *argv[] = { (char *)loader, "--list", (char *)program, NULL };
	struct spawn_opts o = { .argv = argv, .on_line = library_line, .line_data = l, .log_fd = -1 };
	struct spawn_result res;
	if (spawn_run(&o, &res, err) < 0)
		return -1;
	if (l->missing)
		return mkfr_fail(err, ENOENT, "%s needs %s, which is not installed on this host",
				 program, l->missing);
	if (res.status != 0)
		return mkfr_fail(err, 0, "%s --list %s failed: %s", loader, program,
				 res.tail_count ? res.tail[res.tail_count - 1] : "no output");
	return 0;
}

int host_program_stage(int rootfd, char *const *programs, const char *dir, size_t *copied,
		       struct mkfr_error *err)
{
	autofree char *loader = programs[0] ? host_program_loader(programs[0]) : NULL;
	if (!loader)
		return mkfr_fail(err, 0, "%s is not a dynamically linked x86-64 program",
				 programs[0] ? programs[0] : "(none)");
	struct library_list libs = { .names = strv_new(), .paths = strv_new() };
	autofree char *ldso = path_join(dir, "ld.so");
	int r = rootfs_mkdir_p(rootfd, dir, 0755, err);
	if (r == 0)
		r = rootfs_copy_in(rootfd, loader, ldso, 0755, err);
	for (size_t i = 0; programs[i] && r == 0; i++) {
		autofree char *other = host_program_loader(programs[i]);
		if (!other || strcmp(other, loader) != 0) {
			r = mkfr_fail(err, 0, "%s does not use the loader %s", programs[i], loader);
			break;
		}
		autofree char *copy = xstrdup(programs[i]);
		autofree char *to = path_join(dir, basename(copy));
		r = list_libraries(loader, programs[i], &libs, err);
		if (r == 0)
			r = rootfs_copy_in(rootfd, programs[i], to, 0755, err);
	}
	for (size_t i = 0; r == 0 && libs.names[i]; i++) {
		if (strchr(libs.names[i], '/')) {
			r = mkfr_fail(err, EINVAL, "unexpected library name '%s'", libs.names[i]);
			break;
		}
		autofree char *to = path_join(dir, libs.names[i]);
		r = rootfs_copy_in(rootfd, libs.paths[i], to, 0644, err);
	}
	if (r == 0 && copied)
		*copied = strv_length(libs.names);
	strv_free(libs.names);
	strv_free(libs.paths);
	free(libs.missing);
	return r;
}
