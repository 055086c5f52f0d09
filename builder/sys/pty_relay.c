/* SPDX-License-Identifier: MIT */
#include "sys/pty_relay.h"

#include "sys/signals.h"
#include "util/cleanup.h"
#include "util/file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <termios.h>
#include <unistd.h>

#ifndef DEVPTS_SUPER_MAGIC
#define DEVPTS_SUPER_MAGIC 0x1cd1
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* How long the relay sleeps at most before it looks at signals_pending():
 * a signal that arrives just before poll() is noticed within this. */
#define RELAY_TICK_MS 200

static int send_fd(int sock, int fd)
{
	char byte = 'm';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

/* The fd sent over sock, or -1 (EOF: the sender is gone). */
static int receive_fd(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR && !signals_pending());
	if (n != 1)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

int pty_console_attach(int sock)
{
	/* The instance's own ptmx, not /dev/ptmx: a device node there would
	 * reach whatever devpts its directory holds. */
	autoclose int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	struct statfs fs;
	if (master < 0 || fstatfs(master, &fs) < 0 || fs.f_type != DEVPTS_SUPER_MAGIC) {
		fprintf(stderr, "cannot open a pseudo-terminal in the run's /dev/pts: %s\n",
			master < 0 ? strerror(errno) : "it is not a devpts instance");
		return -1;
	}
	int unlock = 0;
	/* TIOCGPTPEER opens the peer through the master's own mount, never
	 * by a name someone could have replaced. */
	autoclose int slave = ioctl(master, TIOCSPTLCK, &unlock) < 0 ? -1
			      : ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		fprintf(stderr, "cannot open the pseudo-terminal's peer: %s\n", strerror(errno));
		return -1;
	}
	struct termios modes;
	struct winsize size;
	if (tcgetattr(STDIN_FILENO, &modes) == 0)
		tcsetattr(slave, TCSANOW, &modes);
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &size) == 0)
		ioctl(slave, TIOCSWINSZ, &size);
	bool stderr_tty = isatty(STDERR_FILENO);
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) {
		fprintf(stderr, "cannot make the pseudo-terminal the controlling terminal: %s\n",
			strerror(errno));
		return -1;
	}
	if (dup2(slave, STDIN_FILENO) < 0 || dup2(slave, STDOUT_FILENO) < 0 ||
	    (stderr_tty && dup2(slave, STDERR_FILENO) < 0)) {
		fprintf(stderr, "cannot put the pseudo-terminal on stdio: %s\n", strerror(errno));
		return -1;
	}
	if (send_fd(sock, master) < 0) {
		fprintf(stderr, "cannot hand the pseudo-terminal to mkforeignroot: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Our terminal's modes before the relay, for every way back. */
static struct termios saved_modes;
static volatile sig_atomic_t modes_saved;

static void restore_modes(void)
{
	if (modes_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_modes); /* async-signal-safe */
}

/* A fatal signal: terminal back first, then die of it as we would have. */
static const int fatal_signals[] = { SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV };
#define N_FATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))
static struct sigaction fatal_before[N_FATAL];

static void on_fatal(int sig)
{
	restore_modes();
	raise(sig); /* SA_RESETHAND: the default action now */
}

static void enter_raw_mode(void)
{
	if (tcgetattr(STDIN_FILENO, &saved_modes) < 0)
		return;
	modes_saved = 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	for (size_t i = 0; i < N_FATAL; i++)
		sigaction(fatal_signals[i], &sa, &fatal_before[i]);
	struct termios raw = saved_modes;
	cfmakeraw(&raw);
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

static void leave_raw_mode(void)
{
	if (!modes_saved)
		return;
	restore_modes();
	modes_saved = 0;
	for (size_t i = 0; i < N_FATAL; i++)
		sigaction(fatal_signals[i], &fatal_before[i], NULL);
}

static void copy_window_size(int master)
{
	struct winsize size;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &size) == 0)
		ioctl(master, TIOCSWINSZ, &size);
}

/* Bytes on their way from one side to the other. */
struct relay_buf {
	char data[8192];
	size_t off, len;
};

/* Read what `from` has into an empty buffer: false at end or error. */
static bool fill(int from, struct relay_buf *b)
{
	ssize_t n = read(from, b->data, sizeof(b->data));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false; /* EIO from the master: the command's side is closed */
	b->off = 0;
	b->len = (size_t)n;
	return true;
}

/* Write what the buffer holds to `to`: false if `to` is gone. */
static bool drain(int to, struct relay_buf *b)
{
	ssize_t n = write(to, b->data + b->off, b->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n < 0) {
		b->len = 0;
		return false;
	}
	b->off += (size_t)n;
	b->len -= (size_t)n;
	return true;
}

enum { P_USER_IN, P_MASTER_IN, P_MASTER_OUT, P_USER_OUT, P_WINCH, P_DONE, P_COUNT };

static void relay_loop(int master, int done_fd, int winch)
{
	struct relay_buf to_master = { .len = 0 }, to_user = { .len = 0 };
	bool user_in = true, user_out = true, child_done = false;
	for (;;) {
		if (signals_pending())
			return;
		struct pollfd p[P_COUNT];
		for (int i = 0; i < P_COUNT; i++)
			p[i] = (struct pollfd){ .fd = -1 };
		if (user_in && !to_master.len)
			p[P_USER_IN] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		if (to_master.len)
			p[P_MASTER_OUT] = (struct pollfd){ .fd = master, .events = POLLOUT };
		if (!to_user.len)
			p[P_MASTER_IN] = (struct pollfd){ .fd = master, .events = POLLIN };
		else
			p[P_USER_OUT] = (struct pollfd){ .fd = STDOUT_FILENO, .events = POLLOUT };
		p[P_WINCH] = (struct pollfd){ .fd = winch, .events = POLLIN };
		if (!child_done)
			p[P_DONE] = (struct pollfd){ .fd = done_fd, .events = POLLIN };
		/* Once the child is gone, nothing new can arrive: take what the
		 * master still holds without waiting, then stop. */
		int r = poll(p, P_COUNT, child_done ? 0 : RELAY_TICK_MS);
		if (r < 0 && errno != EINTR)
			return;
		if (r <= 0) {
			if (child_done && !to_user.len)
				return;
			continue;
		}
		if (p[P_WINCH].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(winch, &si, sizeof(si)) == (ssize_t)sizeof(si))
				;
			copy_window_size(master);
		}
		if (p[P_DONE].revents & POLLIN)
			child_done = true;
		if (p[P_USER_IN].revents & (POLLIN | POLLHUP | POLLERR))
			user_in = fill(STDIN_FILENO, &to_master);
		/* A failed write to the master drops the keys: the command's
		 * side is closed, and what it wrote last is still read below. */
		if (p[P_MASTER_OUT].revents & (POLLOUT | POLLERR | POLLHUP))
			drain(master, &to_master);
		if ((p[P_MASTER_IN].revents & (POLLIN | POLLHUP | POLLERR)) && !fill(master, &to_user))
			break;
		if (p[P_USER_OUT].revents & (POLLOUT | POLLERR | POLLHUP))
			user_out = drain(STDOUT_FILENO, &to_user);
		if (!user_out)
			to_user.len = 0; /* our terminal is gone: keep the command unblocked */
	}
	/* The command's side hung up: what was read last still goes out. */
	if (user_out && to_user.len)
		write_all(STDOUT_FILENO, to_user.data + to_user.off, to_user.len);
}

void pty_relay(int sock, int done_fd)
{
	/* Wait for the master end, or for the child to end without one. */
	for (;;) {
		if (signals_pending())
			return;
		struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = done_fd, .events = POLLIN } };
		int r = poll(p, 2, RELAY_TICK_MS);
		if (r < 0 && errno != EINTR)
			return;
		if (r > 0 && (p[0].revents & (POLLIN | POLLHUP)))
			break;
		if (r > 0 && (p[1].revents & POLLIN))
			return;
	}
	autoclose int master = receive_fd(sock);
	if (master < 0)
		return;
	fcntl(master, F_SETFL, O_NONBLOCK);

	sigset_t winch_set, mask_before;
	sigemptyset(&winch_set);
	sigaddset(&winch_set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &winch_set, &mask_before);
	autoclose int winch = signalfd(-1, &winch_set, SFD_CLOEXEC | SFD_NONBLOCK);

	enter_raw_mode();
	/* The command copied our size when it started; one resize since is
	 * only here. */
	copy_window_size(master);
	relay_loop(master, done_fd, winch);
	leave_raw_mode();
	sigprocmask(SIG_SETMASK, &mask_before, NULL);
}
