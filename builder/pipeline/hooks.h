/* SPDX-License-Identifier: MIT */
/* Hooks at every phase of a build (README, "Hooks"; mkforeignroot(1) HOOKS).
 *
 *   setup      on the host, before fetch: the rootfs is an empty directory
 *   extract    after the first stage, before emulation: unpacked, nothing
 *              configured, no target program runs
 *   essential  after the second stage: configured, under emulation
 *   customize  after the extra packages (which debootstrap's --include
 *              installs in the second stage), after the base snapshot
 *   cleanup    first thing in the cleanup stage, as hooks always ran
 *
 * A phase's hooks, in the order they run: the shipped ones (DATADIR/
 * hooks/PHASE, sorted), the executables of the hook_dir key's directory
 * and of each --hook-dir whose names start with the phase's name (as
 * mmdebstrap's --hook-dir: customize01.sh), the PHASE_hooks key (for
 * cleanup `hooks`, its older name, then `cleanup_hooks`), then each
 * --PHASE-hook of the command line.
 *
 * Three kinds: a program (argv PROGRAM ROOTFS, owned by us or root and
 * writable by nobody else, as every hook always was), a shell command
 * (command line only: /bin/sh -c CMD sh ROOTFS, the user's explicit
 * choice of a shell), and the built-in helpers of hook_helpers.h, known by
 * their first word in a key's item or an option's value.  Programs and
 * commands run on the host in a private mount and PID namespace, with
 * ROOTFS our own name for the rootfs; from essential on, under the build's
 * emulation, so `chroot "$1" CMD` runs the target's CMD. */
#ifndef MKFR_HOOKS_H
#define MKFR_HOOKS_H

#include "pipeline/build.h"
#include "pipeline/hook_helpers.h"
#include "util/error.h"

#include <stdbool.h>

enum hook_kind { HOOK_PROGRAM, HOOK_SHELL, HOOK_HELPER };

struct hook {
	enum hook_kind kind;
	char *text;   /* program: its absolute path; shell and helper: as written */
	char *origin; /* shipped, hook_dir, --hook-dir, FILE:LINE of a key, --PHASE-hook */
	struct hook_helper helper; /* HOOK_HELPER */
};

/* "setup" ... "cleanup". */
const char *hook_phase_name(enum hook_phase phase);

/* Every phase's hooks from the shipped ones, the profile and the command
 * line, each checked (trusted, executable, a helper's arguments): a usage
 * error otherwise, before anything is built. */
int hooks_resolve(struct build *b, struct mkfr_error *err);
/* Does the build have hooks that change what the base is made of
 * (setup, extract, essential)?  The base cache is then off. */
bool hooks_change_base(const struct build *b);
/* Run a phase's hooks in order; the first that fails fails the build. */
int hooks_run(struct build *b, enum hook_phase phase, struct mkfr_error *err);
/* For --dry-run: each phase's hooks in order, with their origin. */
void hooks_print(const struct build *b);
/* The host files of copy-out hooks, removed when the build did not
 * complete (the hook stages' undo). */
void hooks_undo_copied_out(struct build *b);
void hooks_free(struct build *b);

#endif
