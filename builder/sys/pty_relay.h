/* SPDX-License-Identifier: MIT */
/* A console of its own for a command started at a terminal (`run` at a
 * terminal), as systemd-nspawn --console=interactive and machinectl shell
 * give one.
 *
 * Why not simply hand the command our terminal: our terminal belongs to
 * the host's devpts instance, and inside the run /dev/pts is a devpts
 * instance of its own, so there the terminal has no name: `tty` says "not
 * a tty", and whatever opens /dev/tty or its own /dev/pts/N (passwd, sudo,
 * `read </dev/tty`, debconf and apt prompts, ssh, gpg's pinentry) fails.
 * Nor can the command become a session leader with a terminal it shares
 * with our session.  So the command gets a new pseudo-terminal from the
 * run's own devpts, opened inside the chroot (so it is /dev/pts/N there),
 * as its controlling terminal in a session of its own: job control,
 * Ctrl-C, Ctrl-Z and Ctrl-D work there as in a login.  The master end
 * comes back to us over a socket (SCM_RIGHTS): the devpts instance is
 * mounted in the run's mount namespace, which we cannot see.
 *
 * We relay bytes between our terminal and the master end, with our
 * terminal in raw mode (every key, Ctrl-C included, goes to the command's
 * terminal, whose line discipline turns it into a signal for its
 * foreground job), pass window-size changes on (SIGWINCH -> TIOCSWINSZ,
 * which signals the command's foreground job in turn), and put our
 * terminal's modes back however the relay ends: the command exits, we
 * are interrupted (SIGINT, SIGTERM, SIGHUP: the master is then closed,
 * which hangs up the command's session), or a fatal signal kills us.
 * Only SIGKILL leaves the terminal raw (`stty sane` mends it). */
#ifndef MKFR_PTY_RELAY_H
#define MKFR_PTY_RELAY_H

/* In the command's process, after chroot and after it took on the ids it
 * runs with (so the pseudo-terminal is its user's): open a new
 * pseudo-terminal through /dev/pts/ptmx (which must be a devpts
 * instance), give it the size and modes of our stdin's terminal, make it
 * the controlling terminal of a new session, put it on stdin, stdout and,
 * if stderr is a terminal too, stderr (a stderr sent to a file stays
 * there), and send the master end over `sock`.  0, or -1 after a line on
 * stderr. */
int pty_console_attach(int sock);

/* In the parent: wait for the master end on `sock` (until then nothing is
 * relayed), then relay between our stdin/stdout (a terminal) and it until
 * the command's side hangs up, `done_fd` (the child's pidfd) is readable,
 * or a signal is pending (sys/signals.h).  Closes the master end before
 * it returns.  If the child ends without sending one, returns at once. */
void pty_relay(int sock, int done_fd);

#endif
