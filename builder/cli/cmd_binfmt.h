/* `mkforeignroot binfmt status|register|unregister [ARCH...]`: look at the
 * host's binfmt_misc entries, and add or remove persistent entries of our
 * own (named BINFMT_PREFIX<qemu target>) outside any build, for users who
 * want foreign binaries to keep running after mkforeignroot exits.
 * Entries of others are read, never written. */
#ifndef MKFR_CMD_BINFMT_H
#define MKFR_CMD_BINFMT_H

/* argv[0] is "binfmt".  Returns the exit status: 0 done, 1 failed, 2 usage. */
int cmd_binfmt(int argc, char **argv);

#endif
