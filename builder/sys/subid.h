/* SPDX-License-Identifier: MIT */
/* Subordinate ids: the ranges of uids and gids an administrator has
 * delegated to a user in /etc/subuid and /etc/subgid (subuid(5)), which
 * newuidmap(1) and newgidmap(1) map into the user namespaces that user
 * makes.  Lines are `USER:START:COUNT`, USER a login name or a uid;
 * several lines may name one user.
 *
 * Only these files are read: ranges served through nsswitch (shadow's
 * `subid:` database, SSSD) are not seen. */
#ifndef MKFR_SUBID_H
#define MKFR_SUBID_H

#include "util/error.h"

#include <stdbool.h>
#include <sys/types.h>

#define SUBUID_FILE "/etc/subuid"
#define SUBGID_FILE "/etc/subgid"

struct subid_range {
	unsigned long start, count;
};

/* The first range in `file` for the user called `name` or numbered `id`
 * that holds at least `need` ids: 1 and *out filled; 0 when there is none
 * (a missing file has none; *largest: the most ids one of the user's
 * ranges holds, 0 if it has none); -1 when the file cannot be read.
 * Malformed lines are passed over, as shadow does. */
int subid_find(const char *file, const char *name, unsigned long id, unsigned long need,
	       struct subid_range *out, unsigned long *largest, struct mkfr_error *err);

/* The first id above every range of any user in either file, 100000
 * (login.defs' SUB_UID_MIN) at the least: where a range that overlaps
 * nobody's can start, for the refusal to suggest to an administrator.
 * Unreadable files count as empty. */
unsigned long subid_free_start(const char *uid_file, const char *gid_file);

#endif
