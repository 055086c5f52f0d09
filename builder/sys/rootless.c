/* SPDX-License-Identifier: MIT */
#include "sys/rootless.h"

#include "sys/spawn.h"
#include "util/alloc.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Where the kernel says whether (and how many) user namespaces may be
 * made: upstream's limit, Debian's older switch, Ubuntu's AppArmor one. */
#define SYSCTL_MAX_USERNS "/proc/sys/user/max_user_namespaces"
#define SYSCTL_USERNS_CLONE "/proc/sys/kernel/unprivileged_userns_clone"
#define SYSCTL_APPARMOR_USERNS "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"

bool rootless_needed(void)
{
	return geteuid() != 0;
}

void rootless_free(struct rootless *r)
{
	free(r->user);
	free(r->newuidmap);
	free(r->newgidmap);
	*r = (struct rootless){ 0 };
}

void rootless_describe(const struct rootless *r, char *buf, size_t len)
{
	snprintf(buf, len, "uids 0 -> %u, 1-%lu -> %lu-%lu; gids 0 -> %u, 1-%lu -> %lu-%lu",
		 (unsigned)r->uid, ROOTLESS_IDS - 1, r->subuid.start,
		 r->subuid.start + ROOTLESS_IDS - 2, (unsigned)r->gid, ROOTLESS_IDS - 1,
		 r->subgid.start, r->subgid.start + ROOTLESS_IDS - 2);
}

/* ---- phase 1: what the user has been given -------------------------------- */

static int find_ranges(struct rootless *r, struct mkfr_error *err)
{
	unsigned long most_uids, most_gids;
	/* subgid(5) names the owning user too (by name or uid), not a group. */
	int u = subid_find(SUBUID_FILE, r->user, r->uid, ROOTLESS_IDS - 1, &r->subuid, &most_uids, err);
	if (u < 0)
		return -1;
	int g = subid_find(SUBGID_FILE, r->user, r->uid, ROOTLESS_IDS - 1, &r->subgid, &most_gids, err);
	if (g < 0)
		return -1;
	if (u && g)
		return 0;
	/* One line: what is missing, and the command that adds it. */
	unsigned long start = subid_free_start(SUBUID_FILE, SUBGID_FILE);
	unsigned long end = start + ROOTLESS_IDS - 1;
	char add_uids[64] = "", add_gids[64] = "", have[96] = "";
	if (!u)
		snprintf(add_uids, sizeof(add_uids), " --add-subuids %lu-%lu", start, end);
	if (!g)
		snprintf(add_gids, sizeof(add_gids), " --add-subgids %lu-%lu", start, end);
	unsigned long most = !u ? most_uids : most_gids;
	if (most)
		snprintf(have, sizeof(have), " (the largest of yours holds %lu)", most);
	return mkfr_fail_usage(err, "rootless: %s has no range of %lu subordinate %s in %s%s, which a "
			       "build without root maps to ids 1-%lu: as root, run `usermod%s%s %s`",
			       r->user, ROOTLESS_IDS - 1, !u ? "uids" : "gids", !u ? SUBUID_FILE : SUBGID_FILE,
			       have, ROOTLESS_IDS - 1, add_uids, add_gids, r->user);
}

static int find_tools(struct rootless *r, struct mkfr_error *err)
{
	/* The caller's PATH, as podman and util-linux's unshare look for
	 * them: both are the host's setuid helpers for exactly this. */
	const char *path = getenv("PATH");
	r->newuidmap = spawn_find_program("newuidmap", path ? path : "/usr/bin:/bin");
	r->newgidmap = spawn_find_program("newgidmap", path ? path : "/usr/bin:/bin");
	if (r->newuidmap && r->newgidmap)
		return 0;
	return mkfr_fail_usage(err, "rootless: %s not found in PATH: a build without root needs it to "
			       "map its subordinate ids; install the Debian package uidmap (as root: "
			       "apt-get install uidmap)",
			       !r->newuidmap && !r->newgidmap ? "newuidmap and newgidmap"
			       : !r->newuidmap		 ? "newuidmap"
							 : "newgidmap");
}

static long read_sysctl(const char *path)
{
	autofclose FILE *f = fopen(path, "re");
	long v;
	return f && fscanf(f, "%ld", &v) == 1 ? v : -1;
}

/* unshare(CLONE_NEWUSER) failed with `e`: which switch says no, by name. */
static int explain_no_userns(int e, struct mkfr_error *err)
{
	long max = read_sysctl(SYSCTL_MAX_USERNS);
	if (max == 0)
		return mkfr_fail_usage(err, "rootless: user namespaces are switched off: the sysctl "
				       "user.max_user_namespaces is 0 (as root: sysctl -w "
				       "user.max_user_namespaces=15000)");
	if (read_sysctl(SYSCTL_USERNS_CLONE) == 0)
		return mkfr_fail_usage(err, "rootless: user namespaces are switched off for users other "
				       "than root: the sysctl kernel.unprivileged_userns_clone is 0 (as root: "
				       "sysctl -w kernel.unprivileged_userns_clone=1)");
	if (read_sysctl(SYSCTL_APPARMOR_USERNS) == 1)
		return mkfr_fail_usage(err, "rootless: AppArmor forbids user namespaces to unconfined "
				       "programs: the sysctl kernel.apparmor_restrict_unprivileged_userns is 1 "
				       "(as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)");
	if (e == ENOSPC)
		return mkfr_fail_usage(err, "rootless: no user namespace can be made: the limit of the "
				       "sysctl user.max_user_namespaces (%ld) is reached", max);
	return mkfr_fail_usage(err, "rootless: the kernel refuses this user a user namespace: %s "
			       "(sysctl user.max_user_namespaces is %ld)", strerror(e), max);
}

/* Phase 2 in a child that exits at once: its one line, if it failed. */
static int try_enter(const struct rootless *r, struct mkfr_error *err)
{
	int report;
	pid_t pid = spawn_fork_reporting(&report, err);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct mkfr_error child_err = { 0 };
		if (rootless_enter(r, &child_err) == 0)
			_exit(0);
		(void)!write(report, &child_err, sizeof(child_err));
		_exit(1);
	}
	struct mkfr_error child_err = { 0 };
	ssize_t n = spawn_read_report(report, &child_err, sizeof(child_err));
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (n != (ssize_t)sizeof(child_err))
		return mkfr_fail_usage(err, "rootless: trying the user namespace failed without a word");
	*err = child_err;
	err->msg[sizeof(err->msg) - 1] = '\0';
	err->exit_code = MKFR_EXIT_USAGE; /* found before anything started */
	return -1;
}

int rootless_prepare(struct rootless *r, struct mkfr_error *err)
{
	*r = (struct rootless){ .uid = getuid(), .gid = getgid() };
	struct passwd *pw = getpwuid(r->uid);
	r->user = pw ? xstrdup(pw->pw_name) : xasprintf("%u", (unsigned)r->uid);
	if (find_ranges(r, err) < 0 || find_tools(r, err) < 0)
		return -1;
	return try_enter(r, err);
}

/* ---- phase 2: the namespace ------------------------------------------------ */

/* Run `tool PID 0 OWN 1 1 START 65535` (newuidmap's and newgidmap's
 * syntax: inside, outside, count), its stderr to err_fd.  Its status. */
static int run_map_tool(const char *tool, pid_t target, unsigned long own,
			const struct subid_range *sub, int err_fd)
{
	char pid[24], own_id[24], start[24], count[24];
	snprintf(pid, sizeof(pid), "%ld", (long)target);
	snprintf(own_id, sizeof(own_id), "%lu", own);
	snprintf(start, sizeof(start), "%lu", sub->start);
	snprintf(count, sizeof(count), "%lu", ROOTLESS_IDS - 1);
	char *argv[] = { (char *)tool, pid, "0", own_id, "1", "1", start, count, NULL };
	pid_t child = fork();
	if (child < 0)
		return 127;
	if (child == 0) {
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
		}
		dup2(err_fd, STDERR_FILENO);
		char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
		execve(tool, argv, envp);
		fprintf(stderr, "cannot run %s: %s\n", tool, strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* The helper, still in the host's user namespace: when the parent says it
 * has unshared (one byte on go_fd), map it; EOF instead means it failed. */
static __attribute__((noreturn)) void map_helper(const struct rootless *r, pid_t parent, int go_fd,
						 int report_fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	char c;
	ssize_t n;
	do
		n = read(go_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || getppid() != parent)
		_exit(0);
	if (run_map_tool(r->newuidmap, parent, (unsigned long)r->uid, &r->subuid, report_fd) != 0 ||
	    run_map_tool(r->newgidmap, parent, (unsigned long)r->gid, &r->subgid, report_fd) != 0)
		_exit(1);
	_exit(0);
}

/* The last non-empty line of what the map tools said. */
static void last_line(int fd, char *out, size_t len)
{
	char buf[4096];
	size_t have = 0;
	ssize_t n;
	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0 ||
	       (n < 0 && errno == EINTR)) {
		if (n > 0)
			have += (size_t)n;
		if (have == sizeof(buf) - 1) { /* keep the tail */
			memmove(buf, buf + have / 2, have - have / 2);
			have -= have / 2;
		}
	}
	buf[have] = '\0';
	while (have && (buf[have - 1] == '\n' || buf[have - 1] == ' '))
		buf[--have] = '\0';
	char *nl = strrchr(buf, '\n');
	snprintf(out, len, "%s", nl ? nl + 1 : buf);
}

int rootless_enter(const struct rootless *r, struct mkfr_error *err)
{
	int go[2], report[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		return mkfr_fail(err, errno, "pipe");
	if (pipe2(report, O_CLOEXEC) < 0) {
		int e = errno;
		close(go[0]);
		close(go[1]);
		return mkfr_fail(err, e, "pipe");
	}
	pid_t self = getpid();
	pid_t helper = fork();
	if (helper < 0) {
		int e = errno;
		close(go[0]);
		close(go[1]);
		close(report[0]);
		close(report[1]);
		return mkfr_fail(err, e, "fork");
	}
	if (helper == 0) {
		close(go[1]);
		close(report[0]);
		map_helper(r, self, go[0], report[1]);
	}
	close(go[0]);
	close(report[1]);
	autoclose int report_fd = report[0];
	int unshared = unshare(CLONE_NEWUSER);
	int e = errno;
	if (unshared == 0)
		(void)!write(go[1], "u", 1);
	close(go[1]); /* EOF: the helper maps (after the byte) or gives up */
	char said[512];
	last_line(report_fd, said, sizeof(said));
	int st;
	while (waitpid(helper, &st, 0) < 0 && errno == EINTR)
		;
	if (unshared < 0)
		return explain_no_userns(e, err);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return mkfr_fail(err, 0, "rootless: %s and %s could not map uids %lu-%lu and gids "
				 "%lu-%lu for %s: %s", r->newuidmap, r->newgidmap, r->subuid.start,
				 r->subuid.start + ROOTLESS_IDS - 2, r->subgid.start,
				 r->subgid.start + ROOTLESS_IDS - 2, r->user,
				 *said ? said : "(they said nothing)");
	/* Mapped: our uid and gid are 0 in here already; make every id of
	 * ours so, and drop the groups the namespace does not map. */
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return mkfr_fail(err, errno, "rootless: cannot become root of the user namespace");
	return 0;
}
