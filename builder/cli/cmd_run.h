/* `mkforeignroot run ROOTFS [--] [COMMAND [ARG...]]`: run a command (by
 * default a login shell) inside an existing foreign rootfs, ours or any
 * other Debian rootfs directory, and return its exit status. */
#ifndef MKFR_CMD_RUN_H
#define MKFR_CMD_RUN_H

/* argv[0] is "run".  Returns the process exit status. */
int cmd_run(int argc, char **argv);

#endif
