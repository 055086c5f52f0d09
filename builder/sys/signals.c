/* SPDX-License-Identifier: MIT */
#include "sys/signals.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t pending;
static volatile sig_atomic_t child_group;

static void on_signal(int sig)
{
	if (!pending)
		pending = sig;
	if (child_group > 0)
		kill(-(pid_t)child_group, SIGTERM);
}

void signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: blocking calls return EINTR so loops notice. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int signals_pending(void)
{
	return pending;
}

void signals_set_child_group(pid_t pgid)
{
	child_group = pgid;
}
