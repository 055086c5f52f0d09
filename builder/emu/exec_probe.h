/* SPDX-License-Identifier: MIT */
/* Running an architecture's tiny program (tiny_elf.h) for real, to learn
 * whether this kernel can execute that architecture's binaries right now,
 * natively or through binfmt_misc: the kernel's answer, not a guess. */
#ifndef MKFR_EXEC_PROBE_H
#define MKFR_EXEC_PROBE_H

#include "util/arch.h"
#include "util/error.h"

#include <stdbool.h>

/* The status our probes exit with: not 0 or 1, so a program that merely
 * "ran" (or an emulator's own error exit) is not mistaken for success. */
#define EXEC_PROBE_STATUS 42
/* A hung emulator is killed (SIGALRM) after this many seconds. */
#define EXEC_PROBE_TIMEOUT_S 20

struct exec_probe {
	int exec_errno; /* execve failed with this; 0 when the program ran */
	int status;     /* when it ran: exit status, or 128+signal */
};

/* Write a's tiny program, exiting with exit_code, to a file in a new 0700
 * temp dir and run it in a child: directly when interpreter is NULL (the
 * kernel decides: native, binfmt_misc, or ENOEXEC), else as
 * "interpreter FILE".  The file and dir are gone when this returns.
 * Returns 0 with the outcome in *res; -1 when it could not be tried. */
int exec_probe_run(const struct debian_arch *a, const char *interpreter, int exit_code,
		   struct exec_probe *res, struct mkfr_error *err);

/* Did it run and exit with exit_code? */
bool exec_probe_ok(const struct exec_probe *res, int exit_code);

/* The one answer to "does this kernel run a's programs itself, with no
 * binfmt_misc entry at all?" (i386 on x86-64 only while IA32 emulation is
 * on, amd64 always, a foreign architecture never).  Asked by executing a's
 * tiny program, never guessed from names.  Where each user namespace has a
 * binfmt_misc of its own (Linux >= 6.7) the program runs in one whose
 * instance is empty: the kernel's own answer, whatever the host has
 * registered.  On older kernels it runs on the host, and an enabled host
 * entry that matches it makes the answer unknown (an exec that works then
 * proves nothing). */
enum exec_native { EXEC_NATIVE_NO, EXEC_NATIVE_YES, EXEC_NATIVE_UNKNOWN };
enum exec_native exec_probe_native(const struct debian_arch *a);

#endif
