/* SPDX-License-Identifier: MIT */
/* The subcommands, one file each (cmd_NAME.c); main.c's table lists them.
 * Each takes the command line from its own name on (argv[0] is "run",
 * "binfmt", ...) and returns the exit status: only main() exits.
 *
 * Exit statuses: 0 done; 1 the work failed (the last line says why); 2
 * refused before anything was built (a bad command line or profile, or
 * what a build's plan checks: root, tools, OUT); 128+N interrupted by
 * signal N.  `run` has its own (its command's status; 125: run failed). */
#ifndef MKFR_COMMANDS_H
#define MKFR_COMMANDS_H

#include <stdbool.h>

/* Is WORD a command of main.c's table?  (A build without the word
 * `build` refuses an OUT spelt like one: `mkforeignroot -v profiles`.) */
bool command_is_known(const char *word);

/* `mkforeignroot [build] --profile NAME [options] OUT` (cmd_build.c) */
int cmd_build(int argc, char **argv);
/* `profiles`, `keys`, `arches`: what there is to choose from (cmd_list.c) */
int cmd_profiles(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_arches(int argc, char **argv);
/* `run ROOTFS [--] [COMMAND...]`: a command inside a foreign rootfs (cmd_run.c) */
int cmd_run(int argc, char **argv);
/* `binfmt status|register|unregister`: binfmt_misc outside a build (cmd_binfmt.c) */
int cmd_binfmt(int argc, char **argv);
/* `cache list|prune`: what the cache holds, trimming it (cmd_cache.c) */
int cmd_cache(int argc, char **argv);
/* `oci-index OUT IMAGE...`: one multi-platform OCI layout (cmd_oci_index.c) */
int cmd_oci_index(int argc, char **argv);

#endif
