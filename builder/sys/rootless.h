/* SPDX-License-Identifier: MIT */
/* Rootless builds: an ordinary user becomes root of a user namespace of
 * its own, in which uid and gid 0 are the user itself and 1..65535 come
 * from its subordinate ranges (sys/subid.h), as in rootless podman and
 * mmdebstrap's unshare mode.  Every id a Debian base uses (0..65534,
 * nobody and nogroup included) is mapped, so chown works for all of them,
 * and files keep those owners on disk as the mapped host ids.
 *
 * Privilege phases:
 *
 *  1. As the user, in the host's namespaces: rootless_prepare() finds the
 *     ranges, newuidmap and newgidmap, and tries the whole of phase 2 in a
 *     child that exits at once, so that whatever would stop the build
 *     (no ranges, no uidmap package, user namespaces switched off, a
 *     newuidmap that refuses the ranges) is one line and a usage error
 *     (exit 2) before anything has started.
 *  2. rootless_enter(): a helper forked first stays in the host's user
 *     namespace; we unshare a user namespace and the helper runs
 *     newuidmap and newgidmap on our pid.  That is the one step with
 *     host privilege: both are setuid root (Debian's uidmap package) and
 *     write nothing but our maps, after checking them against
 *     /etc/subuid and /etc/subgid.  The helper exits; we take uid and gid
 *     0 of the namespace and drop the supplementary groups, which it does
 *     not map (they would show as 65534).
 *  3. From then on we are root only inside: every capability we hold is
 *     the namespace's and acts on files whose owners it maps.  The host's
 *     root, and every id outside our ranges, shows as 65534 and is out of
 *     reach; mknod, the host's binfmt_misc and whatever else the initial
 *     namespace guards are refused by the kernel.  Nothing is left to
 *     undo: the namespace ends with the process. */
#ifndef MKFR_ROOTLESS_H
#define MKFR_ROOTLESS_H

#include "sys/subid.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Ids 0..65535 inside: 0 is the user, 1..65535 its subordinate ids. */
#define ROOTLESS_IDS 65536UL

struct rootless {
	uid_t uid;
	gid_t gid;
	char *user; /* the login name (or the uid, written out), for messages */
	struct subid_range subuid, subgid; /* the 65535 ids mapped to 1..65535 */
	char *newuidmap, *newgidmap;
};

/* Does this process need a rootless build (it is not root)? */
bool rootless_needed(void);

/* Phase 1 (see above).  Fills *r; every failure is a usage error with the
 * fix in its one line. */
int rootless_prepare(struct rootless *r, struct mkfr_error *err);

/* Phase 2: this process becomes root of a new user namespace mapped as
 * described.  Must be called while the process is single-threaded. */
int rootless_enter(const struct rootless *r, struct mkfr_error *err);

/* "uids 0 -> 1001, 1-65535 -> 100000-165534; gids ..." */
void rootless_describe(const struct rootless *r, char *buf, size_t len);

void rootless_free(struct rootless *r);

#endif
