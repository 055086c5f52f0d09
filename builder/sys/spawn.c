/* SPDX-License-Identifier: MIT */
#include "sys/spawn.h"

#include "sys/pty_relay.h"
#include "sys/signals.h"
#include "sys/userns.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* After SIGTERM, a child gets this long to exit before SIGKILL. */
#define TERM_GRACE_MS 10000

static const char *const passthrough_env[] = {
	"http_proxy", "https_proxy", "no_proxy", "ftp_proxy",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "SOURCE_DATE_EPOCH", NULL,
};

char **spawn_environment(char *const *extra)
{
	char **env = strv_new();
	strv_push(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	strv_push(&env, "HOME=/root");
	strv_push(&env, "LC_ALL=C");
	strv_push(&env, "DEBIAN_FRONTEND=noninteractive");
	strv_push(&env, "DEBCONF_NONINTERACTIVE_SEEN=true");
	for (size_t i = 0; passthrough_env[i]; i++) {
		const char *v = getenv(passthrough_env[i]);
		if (v)
			strv_pushf(&env, "%s=%s", passthrough_env[i], v);
	}
	for (size_t i = 0; extra && extra[i]; i++) {
		/* getenv() finds the first of two equal keys: replace, so that
		 * what the caller asked for (HOME of a --user) is what counts. */
		size_t key = strcspn(extra[i], "=") + 1;
		size_t j = 0;
		while (env[j] && strncmp(env[j], extra[i], key) != 0)
			j++;
		if (env[j]) {
			free(env[j]);
			env[j] = xstrdup(extra[i]);
		} else {
			strv_push(&env, extra[i]);
		}
	}
	return env;
}

char *spawn_find_program(const char *name, const char *dirs)
{
	autostrv char **list = strv_split_list(dirs, ':');
	for (size_t i = 0; list && list[i]; i++) {
		char *path = NULL;
		path = xasprintf("%s/%s", list[i], name);
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	return NULL;
}

static void reset_signals(void)
{
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

const char *spawn_exec_hint(int errnum)
{
	switch (errnum) {
	case ENOEXEC:
		return " (no enabled binfmt_misc entry matched it)";
	case ENOENT:
		return " (it, or its interpreter: the emulator or its ELF loader, is missing "
		       "inside the rootfs)";
	case ELOOP:
		return " (a binfmt_misc entry sends it to itself: was the host's own "
		       "architecture registered?)";
	default:
		return "";
	}
}

static int take_ids(const struct spawn_ids *ids)
{
	if (setgroups(ids->n_groups, ids->groups) < 0 || setgid(ids->gid) < 0 || setuid(ids->uid) < 0) {
		fprintf(stderr, "cannot take on uid %u, gid %u: %s\n", (unsigned)ids->uid,
			(unsigned)ids->gid, strerror(errno));
		return -1;
	}
	return 0;
}

/* console_fd: where the console's master end goes (o->console), else -1. */
static __attribute__((noreturn)) void exec_target(const struct spawn_opts *o, char **env,
						  int console_fd)
{
	if (o->chroot_dir) {
		if (chroot(o->chroot_dir) < 0) {
			fprintf(stderr, "chroot %s: %s\n", o->chroot_dir, strerror(errno));
			_exit(127);
		}
		/* The ids first: the console's pseudo-terminal is then its
		 * user's, and so is the permission to enter the directory. */
		if (o->ids && take_ids(o->ids) < 0)
			_exit(127);
		if (console_fd >= 0 && pty_console_attach(console_fd) < 0)
			_exit(127);
		if (chdir(o->cwd ? o->cwd : "/") < 0) {
			fprintf(stderr, "chdir %s: %s\n", o->cwd ? o->cwd : "/", strerror(errno));
			_exit(127);
		}
	} else if (o->cwd && chdir(o->cwd) < 0) {
		fprintf(stderr, "chdir %s: %s\n", o->cwd, strerror(errno));
		_exit(127);
	}
	execvpe(o->argv[0], o->argv, env);
	int e = errno;
	fprintf(stderr, "cannot run %s: %s%s\n", o->argv[0], strerror(e), spawn_exec_hint(e));
	_exit(e == ENOENT ? 127 : 126);
}

/* PID 1 of the private PID namespace: start the command, reap everything,
 * pass termination signals on, exit with the command's status.  When it
 * exits, the kernel kills whatever is left in the namespace. */
static volatile sig_atomic_t init_got_signal;
static void init_on_signal(int sig)
{
	init_got_signal = sig;
}

static __attribute__((noreturn)) void run_as_init(const struct spawn_opts *o, char **env,
						  int console_fd)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = init_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* At a terminal, Ctrl-C reaches the command directly and is its to
	 * handle (an interactive shell survives it); otherwise it means stop. */
	if (o->passthrough)
		signal(SIGINT, SIG_IGN);
	else
		sigaction(SIGINT, &sa, NULL);
	signal(SIGQUIT, o->passthrough ? SIG_IGN : SIG_DFL);

	pid_t cmd = fork();
	if (cmd < 0)
		_exit(127);
	if (cmd == 0) {
		reset_signals();
		exec_target(o, env, console_fd);
	}
	int cmd_status = 255;
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p == cmd) {
			cmd_status = status_code(st);
			break;
		}
		if (p < 0 && errno == EINTR && init_got_signal) {
			/* Signals from outside reach only us (PID 1): pass them on
			 * to every other process of the namespace. */
			kill(-1, SIGTERM);
			init_got_signal = 0;
			continue;
		}
		if (p < 0 && errno == ECHILD)
			break;
	}
	_exit(cmd_status);
}

/* PID 1 of the new PID namespace: privileged setup, then (optionally) the
 * user namespace, then the command. */
static __attribute__((noreturn)) void start_init(const struct spawn_opts *o, char **env,
						 int ask_fd, int go_fd, int console_fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (o->setup && o->setup(o->setup_data) < 0)
		_exit(127);
	if (o->user_namespace) {
		if (userns_enter(ask_fd, go_fd) < 0)
			_exit(127);
		close(ask_fd);
		close(go_fd);
		if (o->userns_setup && o->userns_setup(o->userns_data) < 0)
			_exit(127);
	}
	run_as_init(o, env, console_fd);
}

/* Give the child's process group our controlling terminal, if we hold it. */
static bool take_terminal(void)
{
	if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgid(getppid()))
		return false;
	signal(SIGTTOU, SIG_IGN);
	bool ok = tcsetpgrp(STDIN_FILENO, getpgrp()) == 0;
	signal(SIGTTOU, SIG_DFL);
	return ok;
}

static __attribute__((noreturn)) void child_main(const struct spawn_opts *o, int out_fd,
						 int console_fd)
{
	reset_signals();
	setpgid(0, 0);
	/* If mkforeignroot dies (even SIGKILL), take the child with it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);

	if (o->passthrough) {
		/* A console leaves our terminal to us: the relay needs it. */
		if (!o->console)
			take_terminal();
	} else {
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(out_fd, STDOUT_FILENO);
		dup2(out_fd, STDERR_FILENO);
	}
	autostrv char **env = spawn_environment(o->env_extra);

	if (o->private_namespaces) {
		if (unshare(CLONE_NEWNS | CLONE_NEWPID | (o->hostname ? CLONE_NEWUTS : 0)) < 0) {
			fprintf(stderr, "cannot create a private mount%s namespace: %s\n",
				o->hostname ? ", PID and UTS" : " and PID", strerror(errno));
			_exit(127);
		}
		if (o->hostname && sethostname(o->hostname, strlen(o->hostname)) < 0) {
			fprintf(stderr, "cannot set the host name %s: %s\n", o->hostname, strerror(errno));
			_exit(127);
		}
		/* Mounts made in here must never propagate to the host. */
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
			fprintf(stderr, "cannot make mounts private: %s\n", strerror(errno));
			_exit(127);
		}
		int ask[2] = { -1, -1 }, go[2] = { -1, -1 };
		if (o->user_namespace && (pipe2(ask, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)) {
			fprintf(stderr, "pipe: %s\n", strerror(errno));
			_exit(127);
		}
		/* Ignore termination signals: we only relay init's status, and must
		 * outlive it so the parent reaps a complete namespace. */
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		pid_t init = fork();
		if (init < 0)
			_exit(127);
		if (init == 0) {
			close(ask[0]);
			close(go[1]);
			start_init(o, env, ask[1], go[0], console_fd);
		}
		if (o->user_namespace) {
			close(ask[1]);
			close(go[0]);
			userns_map_child(init, ask[0], go[1]);
			close(ask[0]);
			close(go[1]);
		}
		int st;
		while (waitpid(init, &st, 0) < 0 && errno == EINTR)
			;
		_exit(status_code(st));
	}
	if (o->setup && o->setup(o->setup_data) < 0)
		_exit(127);
	exec_target(o, env, console_fd);
}

struct line_buffer {
	char buf[8192];
	size_t len;
};

static void record_line(struct spawn_result *res, const struct spawn_opts *o, const char *line)
{
	if (strncmp(line, "E: ", 3) == 0)
		snprintf(res->error_line, sizeof(res->error_line), "%s", line);
	if (res->tail_count == SPAWN_TAIL_LINES) {
		memmove(res->tail[0], res->tail[1], sizeof(res->tail[0]) * (SPAWN_TAIL_LINES - 1));
		res->tail_count--;
	}
	snprintf(res->tail[res->tail_count++], sizeof(res->tail[0]), "%s", line);
	if (o->on_line)
		o->on_line(line, o->line_data);
}

static void feed(struct line_buffer *lb, const char *data, size_t n,
		 struct spawn_result *res, const struct spawn_opts *o)
{
	for (size_t i = 0; i < n; i++) {
		char c = data[i];
		if (c == '\n' || c == '\r' || lb->len == sizeof(lb->buf) - 1) {
			lb->buf[lb->len] = '\0';
			if (lb->len)
				record_line(res, o, lb->buf);
			lb->len = 0;
			if (c == '\n' || c == '\r')
				continue;
		}
		lb->buf[lb->len++] = c;
	}
}

/* A chunk of the child's output: to the log file, then split into lines.
 * A failed log write (full disk) must not stop the build: the tail of the
 * output is still kept in memory for the failure report. */
static void take_output(struct line_buffer *lb, const char *buf, size_t n,
			struct spawn_result *res, const struct spawn_opts *o)
{
	if (o->log_fd >= 0) {
		ssize_t w = write(o->log_fd, buf, n);
		(void)w;
	}
	feed(lb, buf, n, res, o);
}

/* Take the terminal back from the child's process group, if it had it. */
static void give_back_terminal(void)
{
	if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) == getpgrp())
		return;
	signal(SIGTTOU, SIG_IGN);
	tcsetpgrp(STDIN_FILENO, getpgrp());
	signal(SIGTTOU, SIG_DFL);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int spawn_run(const struct spawn_opts *o, struct spawn_result *res, struct mkfr_error *err)
{
	int pipefd[2] = { -1, -1 };
	/* The console's master end comes back over this (sys/pty_relay.h). */
	int console[2] = { -1, -1 };
	memset(res, 0, sizeof(*res));

	if (signals_pending())
		return mkfr_fail(err, 0, "interrupted by signal %d", signals_pending());
	if (!o->passthrough && pipe2(pipefd, O_CLOEXEC) < 0)
		return mkfr_fail(err, errno, "cannot create a pipe for %s", o->argv[0]);
	if (o->console && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, console) < 0) {
		int e = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return mkfr_fail(err, e, "cannot create a socket for %s's console", o->argv[0]);
	}

	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		close(console[0]);
		close(console[1]);
		return mkfr_fail(err, e, "cannot start %s", o->argv[0]);
	}
	if (pid == 0) {
		close(console[0]);
		child_main(o, pipefd[1], console[1]);
	}

	/* Also set it here, so the group exists before either side runs on. */
	setpgid(pid, pid);
	signals_set_child_group(pid);
	if (signals_pending()) /* a signal that raced the fork */
		kill(-pid, SIGTERM);

	autoclose int rd = pipefd[0];
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	autoclose int console_sock = console[0];
	if (console[1] >= 0)
		close(console[1]);
	autoclose int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	/* Until the command's side hangs up; then the loop below reaps, or
	 * passes a signal on as for any child. */
	if (console_sock >= 0)
		pty_relay(console_sock, pidfd);

	struct line_buffer lb = { .len = 0 };
	long term_sent_at = 0;
	bool killed = false, exited = false;
	int st = 0;

	while (!exited) {
		struct pollfd fds[2];
		int nfds = 0;
		if (rd >= 0)
			fds[nfds++] = (struct pollfd){ .fd = rd, .events = POLLIN };
		if (pidfd >= 0)
			fds[nfds++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		int r = poll(fds, (nfds_t)nfds, 200);
		if (r < 0 && errno != EINTR)
			break;

		if (signals_pending() && !term_sent_at) {
			kill(-pid, SIGTERM);
			term_sent_at = now_ms();
		}
		if (term_sent_at && !killed && now_ms() - term_sent_at > TERM_GRACE_MS) {
			kill(-pid, SIGKILL);
			killed = true;
		}
		if (rd >= 0 && r > 0 && (fds[0].revents & (POLLIN | POLLHUP))) {
			char buf[4096];
			ssize_t n = read(rd, buf, sizeof(buf));
			if (n > 0) {
				take_output(&lb, buf, (size_t)n, res, o);
			} else if (n == 0 || (n < 0 && errno != EINTR)) {
				close(rd);
				rd = -1;
			}
		}
		/* The child is gone (pidfd readable), or its output is closed. */
		bool child_done = pidfd >= 0 && r > 0 && (fds[nfds - 1].revents & POLLIN);
		if (child_done || rd < 0 || pidfd < 0) {
			pid_t w = waitpid(pid, &st, rd < 0 && pidfd < 0 ? 0 : WNOHANG);
			if (w == pid)
				exited = true;
			else if (w < 0 && errno != EINTR)
				break;
		}
	}
	/* Drain what is buffered without waiting on a descendant that may still
	 * hold the pipe open. */
	if (rd >= 0 && fcntl(rd, F_SETFL, O_NONBLOCK) == 0) {
		char buf[4096];
		ssize_t n;
		while ((n = read(rd, buf, sizeof(buf))) > 0)
			take_output(&lb, buf, (size_t)n, res, o);
	}
	if (lb.len) {
		lb.buf[lb.len] = '\0';
		record_line(res, o, lb.buf);
	}
	if (!exited) {
		kill(-pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	signals_set_child_group(0);
	if (o->passthrough)
		give_back_terminal();
	/* Leftovers of the group (a daemon that escaped the namespace-less path). */
	kill(-pid, SIGKILL);
	res->status = status_code(st);

	if (signals_pending())
		return mkfr_fail(err, 0, "interrupted by %s", strsignal(signals_pending()));
	return 0;
}

pid_t spawn_fork_reporting(int *report_fd, struct mkfr_error *err)
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
	close(report[pid == 0 ? 0 : 1]);
	*report_fd = report[pid == 0 ? 1 : 0];
	return pid;
}

ssize_t spawn_read_report(int report_fd, void *buf, size_t len)
{
	ssize_t n;
	do
		n = read(report_fd, buf, len);
	while (n < 0 && errno == EINTR);
	close(report_fd);
	return n;
}

int spawn_exec_probe(const char *root, char *const argv[], unsigned timeout_s,
		     struct spawn_probe *res, struct mkfr_error *err)
{
	int report;
	pid_t pid = spawn_fork_reporting(&report, err);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		reset_signals();
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		if (timeout_s)
			alarm(timeout_s); /* survives execve */
		/* No QEMU_* or other variables of ours reach the program. */
		char *envp[] = { "PATH=/usr/bin:/bin", NULL };
		int e;
		if (root && (chroot(root) < 0 || chdir("/") < 0)) {
			e = errno;
		} else {
			execve(argv[0], argv, envp);
			e = errno;
		}
		/* The write end is CLOEXEC: a successful exec closes it unwritten. */
		if (write(report, &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	int exec_errno = 0;
	ssize_t n = spawn_read_report(report, &exec_errno, sizeof(exec_errno));
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return mkfr_fail(err, errno, "waitpid");
	}
	*res = (struct spawn_probe){ 0 };
	if (n == (ssize_t)sizeof(exec_errno) && exec_errno != 0)
		res->exec_errno = exec_errno;
	else
		res->status = status_code(st);
	return 0;
}

bool spawn_shell_safe(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr("/._-+=:,@%~", *s)))
			return false;
	return true;
}

int spawn_require_shell_safe(char *const *argv, char *const *env, struct mkfr_error *err)
{
	for (size_t i = 0; argv && argv[i]; i++)
		if (!spawn_shell_safe(argv[i]))
			return mkfr_fail(err, 0, "refusing to give %s the argument '%s': it holds a "
					 "character a shell would act on", argv[0], argv[i]);
	for (size_t i = 0; env && env[i]; i++)
		if (!spawn_shell_safe(env[i]))
			return mkfr_fail(err, 0, "refusing to give %s the variable '%s': it holds a "
					 "character a shell would act on", argv[0], env[i]);
	return 0;
}

void spawn_print_tail(const struct spawn_result *res, const char *what)
{
	if (res->tail_count == 0)
		return;
	fprintf(stderr, "mkforeignroot: last output of %s:\n", what);
	for (int i = 0; i < res->tail_count; i++)
		fprintf(stderr, "    %s\n", res->tail[i]);
}

static void keep_first_line(const char *line, void *data)
{
	char **out = data;
	if (!*out)
		*out = xstrdup(line);
}

int spawn_first_line(char *const argv[], int log_fd, char **out, struct mkfr_error *err)
{
	*out = NULL;
	struct spawn_opts o = {
		.argv = (char **)argv,
		.on_line = keep_first_line,
		.line_data = out,
		.log_fd = log_fd,
	};
	struct spawn_result res;
	if (spawn_run(&o, &res, err) < 0)
		return mkfr_error_prefix(err, "%s", argv[0]);
	if (res.status != 0 || !*out) {
		free(*out);
		*out = NULL;
		return mkfr_fail(err, 0, "%s %s failed (exit %d)", argv[0], argv[1] ? argv[1] : "",
				 res.status);
	}
	return 0;
}
