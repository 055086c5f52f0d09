/* SPDX-License-Identifier: MIT */
/* A binfmt_misc entry of the host's own that already runs a foreign
 * architecture's programs inside any chroot: flag F, so the kernel opened
 * its interpreter when it was registered and needs nothing in the rootfs.
 *
 * A rootless build on a kernel before 6.7 can register an entry nowhere
 * (the host's binfmt_misc is root's, and no user namespace has one of its
 * own yet), so it uses such an entry, as mmdebstrap's unshare mode does:
 * Debian's qemu-user-static with binfmt-support registers them. */
#ifndef MKFR_HOST_ENTRY_H
#define MKFR_HOST_ENTRY_H

#include "util/arch.h"

#include <stdbool.h>

struct host_entry {
	char name[256];
	char interpreter[256];
};

/* Is there one for a's programs that works now?  Every enabled entry that
 * would take them must have F (the kernel picks the newest, and /proc
 * does not say which that is), and a's tiny program must really run
 * through them (emu/exec_probe.h). */
bool host_entry_find_fixed(const struct debian_arch *a, struct host_entry *out);

#endif
