#include "emu/target_exec.h"

#include "util/cleanup.h"
#include "sys/rootfs_fs.h"
#include "sys/spawn.h"

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
	int report[2];
	if (pipe2(report, O_CLOEXEC) < 0)
		return mkfr_fail(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0)
		return mkfr_fail(err, errno, "fork");
	if (pid == 0) {
		close(report[0]);
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		int e = 0;
		if (chroot(root) < 0 || chdir("/") < 0)
			e = errno;
		else {
			char *argv[] = { (char *)path, NULL };
			char *envp[] = { "PATH=/usr/bin:/bin", NULL };
			execve(path, argv, envp);
			e = errno;
		}
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
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(exec_errno))
		return mkfr_fail(err, exec_errno, "cannot run %s%s%s", root, path,
				 spawn_exec_hint(exec_errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return mkfr_fail(err, 0, "%s%s ran but failed (%s %d): the emulator cannot run "
				 "this architecture's programs", root, path,
				 WIFEXITED(st) ? "exit" : "signal",
				 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 0;
}
