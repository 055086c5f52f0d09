/* The subcommands, one file each (cmd_NAME.c); main.c's table lists them.
 * Each takes the command line from its own name on (argv[0] is "run",
 * "binfmt", ...) and returns the exit status: only main() exits.
 *
 * Exit statuses: 0 done; 1 the work failed (the last line says why); 2 bad
 * command line or profile, nothing was started; 128+N interrupted by
 * signal N.  `run` has its own (its command's status; 125: run failed). */
#ifndef MKFR_COMMANDS_H
#define MKFR_COMMANDS_H

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
