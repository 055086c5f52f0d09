/* SPDX-License-Identifier: MIT */
/* Running child programs: argv arrays only (no shell ever sees a profile
 * value), a whitelisted environment, CLOEXEC everywhere, output captured
 * line by line, and on interruption SIGTERM then SIGKILL to the child's
 * whole process group, always reaped. */
#ifndef MKFR_SPAWN_H
#define MKFR_SPAWN_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef void (*spawn_line_fn)(const char *line, void *data);
/* Runs in the child before chroot/exec.  Returns 0, or -1 after writing a
 * reason to stderr (which the parent captures). */
typedef int (*spawn_setup_fn)(void *data);

struct spawn_opts {
	char *const *argv;
	char *const *env_extra;   /* "KEY=VALUE" added to the whitelist */
	const char *chroot_dir;   /* chroot here before exec; NULL: none */
	const char *cwd;          /* after chroot; NULL: "/" with chroot, else unchanged */
	/* A private mount namespace and PID namespace: mounts the child makes
	 * vanish with it, and every process it starts dies with it. */
	bool private_namespaces;
	/* With private_namespaces: runs as PID 1 of the new PID namespace, still
	 * root of the host's user namespace (mount /proc for this PID namespace,
	 * build /dev).  Optional. */
	spawn_setup_fn setup;
	void *setup_data;
	/* With private_namespaces: then enter a new user namespace whose uid and
	 * gid maps are the identity (root stays root, every owner is kept) and a
	 * mount namespace of its own.  Mounts made by `setup` are locked in
	 * there: nothing inside can unmount them.  See userns.h. */
	bool user_namespace;
	spawn_setup_fn userns_setup; /* runs inside it (binfmt_misc instance) */
	void *userns_data;
	spawn_line_fn on_line;    /* each output line (stdout and stderr merged) */
	void *line_data;
	int log_fd;               /* output also appended here; -1: none */
	/* Inherit our stdio instead (interactive use).  If stdin is our
	 * controlling terminal, the child's process group gets the terminal
	 * for as long as it runs, so Ctrl-C and Ctrl-Z reach the command. */
	bool passthrough;
	/* With passthrough and chroot_dir, stdin and stdout being a terminal:
	 * the command gets a pseudo-terminal of the chroot's own /dev/pts
	 * instead, relayed to ours (sys/pty_relay.h). */
	bool console;
	/* With private_namespaces: a UTS namespace of its own, named this
	 * (checked by the caller: util/hostname.h).  NULL: the host's. */
	const char *hostname;
	/* After chroot: take on these ids (groups first, uid last); NULL:
	 * stay root. */
	const struct spawn_ids *ids;
};

struct spawn_ids {
	uid_t uid;
	gid_t gid;
	const gid_t *groups; /* supplementary groups */
	size_t n_groups;
};

#define SPAWN_TAIL_LINES 12

struct spawn_result {
	int status;               /* exit code, or 128+signal */
	char error_line[512];     /* last line starting "E: " (Debian tools' errors) */
	char tail[SPAWN_TAIL_LINES][256]; /* last output lines, oldest first */
	int tail_count;
};

/* Run and wait.  Returns 0 when the child ran to an exit status (even a
 * failing one: see res->status); -1 when it could not be started or we were
 * interrupted by a signal (the child was then killed and reaped). */
int spawn_run(const struct spawn_opts *o, struct spawn_result *res, struct mkfr_error *err);

/* debootstrap is a shell script of someone else's that evaluates some of
 * what it is given (its CHROOT_CMD runs through `eval`).  Before we start
 * it, every argument and extra variable must be made of characters no
 * shell treats specially: letters, digits and / . _ - + = : , @ % ~.
 * Fails naming the first value that is not. */
int spawn_require_shell_safe(char *const *argv, char *const *env, struct mkfr_error *err);
bool spawn_shell_safe(const char *s);

/* Run argv (plain: no namespaces) for the first line it prints, as a new
 * string in *out ("debootstrap 1.0.128", "qemu-arm version 7.2.x"); a
 * failure to start, a non-zero exit or no output is an error. */
int spawn_first_line(char *const argv[], int log_fd, char **out, struct mkfr_error *err);

/* A child that reports back through a close-on-exec pipe: fork with the
 * pipe made first.  In the child (0 returned) *report_fd is the write end
 * (a successful exec closes it unwritten); in the parent (the child's pid)
 * it is the read end, for spawn_read_report.  -1 with err: nothing made. */
pid_t spawn_fork_reporting(int *report_fd, struct mkfr_error *err);
/* Read the child's report (at most len bytes) and close the read end: the
 * bytes read, 0 when the child wrote nothing, -1 on a read error. */
ssize_t spawn_read_report(int report_fd, void *buf, size_t len);

/* Executing one program just to see whether the kernel runs it (a probe):
 * in a child with stdio on /dev/null and only PATH in its environment,
 * after chroot(root) when root is not NULL, killed (SIGALRM) after
 * timeout_s seconds when that is not 0.  The exec's own error comes back
 * through a close-on-exec pipe, so "could not be executed" (exec_errno) is
 * never mistaken for "ran and failed" (status). */
struct spawn_probe {
	int exec_errno; /* exec (or chroot) failed with this; 0: the program ran */
	int status;     /* when it ran: exit status, or 128+signal */
};
int spawn_exec_probe(const char *root, char *const argv[], unsigned timeout_s,
		     struct spawn_probe *res, struct mkfr_error *err);

/* Print res->tail to stderr, indented, for a failure report. */
void spawn_print_tail(const struct spawn_result *res, const char *what);

/* The environment every child gets (PATH, locale, noninteractive debconf,
 * proxy variables passed through); extra "KEY=VALUE" entries appended, an
 * extra replacing a whitelisted entry of the same KEY. */
char **spawn_environment(char *const *extra);

/* Why exec() failed, in words a user can act on (ENOEXEC, ENOENT and ELOOP
 * mean particular things for foreign binaries); "" for other errors. */
const char *spawn_exec_hint(int errnum);

/* Find an executable in PATH-like `dirs` (colon-separated).  New string or NULL. */
char *spawn_find_program(const char *name, const char *dirs);

#endif
