/* SPDX-License-Identifier: MIT */
/* SIGINT/SIGTERM/SIGHUP: remember the signal, pass SIGTERM on to the running
 * child's process group, and let the pipeline unwind.  Nothing else happens
 * in the handler (only async-signal-safe calls). */
#ifndef MKFR_SIGNALS_H
#define MKFR_SIGNALS_H

#include <sys/types.h>

void signals_install(void);
/* The first signal received, or 0. */
int signals_pending(void);
/* Process group that receives SIGTERM when we are interrupted (0: none). */
void signals_set_child_group(pid_t pgid);

#endif
