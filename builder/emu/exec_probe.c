#include "emu/exec_probe.h"

#include "util/cleanup.h"
#include "emu/tiny_elf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int run_child(const char *program, const char *interpreter, struct exec_probe *res,
		     struct mkfr_error *err)
{
	int report[2];
	if (pipe2(report, O_CLOEXEC) < 0)
		return mkfr_fail(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(report[0]);
		close(report[1]);
		return mkfr_fail(err, e, "fork");
	}
	if (pid == 0) {
		close(report[0]);
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		signal(SIGALRM, SIG_DFL);
		alarm(EXEC_PROBE_TIMEOUT_S); /* survives execve */
		char *argv_direct[] = { (char *)program, NULL };
		char *argv_interp[] = { (char *)interpreter, (char *)program, NULL };
		/* No QEMU_* or other variables of ours reach the emulator. */
		char *envp[] = { "PATH=/usr/bin:/bin", NULL };
		execve(interpreter ? interpreter : program, interpreter ? argv_interp : argv_direct,
		       envp);
		int e = errno;
		/* The write end is CLOEXEC: a successful exec closes it unwritten. */
		if (write(report[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	close(report[1]);
	int exec_errno = 0;
	ssize_t n;
	do
		n = read(report[0], &exec_errno, sizeof(exec_errno));
	while (n < 0 && errno == EINTR);
	close(report[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return mkfr_fail(err, errno, "waitpid");
	}
	memset(res, 0, sizeof(*res));
	if (n == (ssize_t)sizeof(exec_errno) && exec_errno != 0)
		res->exec_errno = exec_errno;
	else
		res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
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
	if (r == 0)
		r = run_child(program, interpreter, res, err);
	unlink(program);
	rmdir(dir);
	return r;
}

bool exec_probe_ok(const struct exec_probe *res, int exit_code)
{
	return res->exec_errno == 0 && res->status == exit_code;
}
