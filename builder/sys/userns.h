/* SPDX-License-Identifier: MIT */
/* User namespaces with an identity mapping, for running emulated programs
 * with a binfmt_misc instance of their own (Linux >= 6.7).
 *
 * We are root, so the new namespace maps every uid and gid to itself: files
 * keep their real owners, chown works for any id, and file capabilities set
 * inside (setcap in a postinst) are stored exactly as on the host, because
 * the namespace's root is the host's uid 0.  In a rootless build
 * (sys/rootless.h) "every id" is every id of the build's own namespace,
 * 0..65535, each mapped to itself again.  What it cannot do is what only
 * the host's root may do: create device nodes (mknod: EPERM), mount sysfs
 * without a network namespace of its own, unmount what it inherited.
 *
 * A process cannot write its own full map (that needs CAP_SETUID in the
 * parent namespace, which it gave up), so the parent writes it: the child
 * unshares, says so on one pipe, and waits on another. */
#ifndef MKFR_USERNS_H
#define MKFR_USERNS_H

#include <stdbool.h>
#include <sys/types.h>

/* In the child: enter a new user + mount namespace, ask the parent for the
 * maps (ask_fd) and wait for them (go_fd).  0, or -1 with errno-based text
 * on stderr. */
int userns_enter(int ask_fd, int go_fd);

/* In the parent: wait for the child's request on ask_fd, write the identity
 * maps of `pid` (of every id our own namespace has), answer on go_fd.  0, or -1 (the child then fails too). */
int userns_map_child(pid_t pid, int ask_fd, int go_fd);

/* Does this kernel give each user namespace its own binfmt_misc (>= 6.7)? */
bool userns_has_private_binfmt(void);

#endif
