/* SPDX-License-Identifier: MIT */
#include "emu/exec_probe.h"

#include "emu/tiny_elf.h"
#include "sys/binfmt.h"
#include "sys/spawn.h"
#include "sys/userns.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

/* A place the program can be executed from: the first of these that is
 * not mounted noexec (where execve would say EACCES whatever binfmt_misc
 * holds). */
static int make_private_dir(char *dir, size_t len, struct mkfr_error *err)
{
	const char *candidates[] = { getenv("TMPDIR"), "/tmp", "/var/tmp", "/dev/shm" };
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		struct statvfs sv;
		const char *base = candidates[i];
		if (!base || base[0] != '/' || statvfs(base, &sv) < 0 || (sv.f_flag & ST_NOEXEC))
			continue;
		snprintf(dir, len, "%s/mkfr-probe.XXXXXX", base);
		if (mkdtemp(dir)) /* mode 0700 */
			return 0;
	}
	return mkfr_fail(err, 0, "no temporary directory allows executing a test program "
			 "(TMPDIR, /tmp, /var/tmp and /dev/shm are missing, read-only or noexec)");
}

static int write_program(const char *path, const struct debian_arch *a, int exit_code,
			 struct mkfr_error *err)
{
	unsigned char elf[TINY_ELF_MAX];
	int n = tiny_elf_build(a, exit_code, elf, sizeof(elf), err);
	if (n < 0)
		return -1;
	autoclose int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (fd < 0 || write(fd, elf, (size_t)n) != n)
		return mkfr_fail(err, errno, "cannot write test program %s", path);
	/* Closed here, before the fork: an fd open for writing would make the
	 * exec fail with ETXTBSY. */
	return 0;
}

int exec_probe_run(const struct debian_arch *a, const char *interpreter, int exit_code,
		   struct exec_probe *res, struct mkfr_error *err)
{
	char dir[PATH_MAX], program[PATH_MAX + 16];
	if (make_private_dir(dir, sizeof(dir), err) < 0)
		return -1;
	snprintf(program, sizeof(program), "%s/%s", dir, a->name);
	int r = write_program(program, a, exit_code, err);
	if (r == 0) {
		char *argv_direct[] = { program, NULL };
		char *argv_interp[] = { (char *)interpreter, program, NULL };
		struct spawn_probe p;
		r = spawn_exec_probe(NULL, interpreter ? argv_interp : argv_direct, EXEC_PROBE_TIMEOUT_S,
				     &p, err);
		if (r == 0)
			*res = (struct exec_probe){ .exec_errno = p.exec_errno, .status = p.status };
	}
	unlink(program);
	rmdir(dir);
	return r;
}

bool exec_probe_ok(const struct exec_probe *res, int exit_code)
{
	return res->exec_errno == 0 && res->status == exit_code;
}

/* spawn userns_setup: the user namespace's own binfmt_misc, left empty. */
static int mount_empty_binfmt(void *data)
{
	(void)data;
	if (mount("binfmt_misc", BINFMT_DIR, "binfmt_misc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		fprintf(stderr, "cannot mount a private binfmt_misc instance: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static bool host_entry_matches(const unsigned char *hdr, size_t len)
{
	if (!binfmt_is_mounted(BINFMT_DIR))
		return false;
	autostrv char **names = binfmt_list(BINFMT_DIR);
	for (size_t i = 0; names && names[i]; i++) {
		struct binfmt_info info;
		struct mkfr_error err;
		if (binfmt_read(BINFMT_DIR, names[i], &info, &err) == 0 &&
		    binfmt_info_matches(&info, hdr, len))
			return true;
	}
	return false;
}

enum exec_native exec_probe_native(const struct debian_arch *a)
{
	unsigned char elf[TINY_ELF_MAX];
	struct mkfr_error err;
	int n = tiny_elf_supported(a) ? tiny_elf_build(a, EXEC_PROBE_STATUS, elf, sizeof(elf), &err) : -1;
	if (n < 0) {
		const char *host = arch_host();
		return host && strcmp(host, a->name) == 0 ? EXEC_NATIVE_YES : EXEC_NATIVE_NO;
	}
	if (!(userns_has_private_binfmt() && geteuid() == 0)) {
		if (host_entry_matches(elf, (size_t)n))
			return EXEC_NATIVE_UNKNOWN;
		struct exec_probe res;
		if (exec_probe_run(a, NULL, EXEC_PROBE_STATUS, &res, &err) < 0)
			return EXEC_NATIVE_UNKNOWN;
		return exec_probe_ok(&res, EXEC_PROBE_STATUS) ? EXEC_NATIVE_YES : EXEC_NATIVE_NO;
	}
	char dir[PATH_MAX], program[PATH_MAX + 16];
	if (make_private_dir(dir, sizeof(dir), &err) < 0)
		return EXEC_NATIVE_UNKNOWN;
	snprintf(program, sizeof(program), "%s/%s", dir, a->name);
	enum exec_native answer = EXEC_NATIVE_UNKNOWN;
	if (write_program(program, a, EXEC_PROBE_STATUS, &err) == 0) {
		char *argv[] = { program, NULL };
		struct spawn_opts o = {
			.argv = argv,
			.private_namespaces = true,
			.user_namespace = true,
			.userns_setup = mount_empty_binfmt,
			.log_fd = -1,
		};
		struct spawn_result res;
		if (spawn_run(&o, &res, &err) == 0)
			answer = res.status == EXEC_PROBE_STATUS ? EXEC_NATIVE_YES : EXEC_NATIVE_NO;
	}
	unlink(program);
	rmdir(dir);
	return answer;
}
