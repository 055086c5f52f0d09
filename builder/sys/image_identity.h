/* SPDX-License-Identifier: MIT */
/* Who and where a session inside an image is: the image's own host name
 * (/etc/hostname) and its users (/etc/passwd, /etc/group), as `run` needs
 * them for its UTS namespace and for --user.
 *
 * An image is untrusted data, so these files are read only through
 * rootfs_fs.h (a symlinked /etc/passwd resolves inside the image, never to
 * the host's, and a FIFO is never waited on), and nothing read here is
 * ever handed to a shell. */
#ifndef MKFR_IMAGE_IDENTITY_H
#define MKFR_IMAGE_IDENTITY_H

#include "util/error.h"

#include <stddef.h>
#include <sys/types.h>

struct image_user {
	char *name;
	uid_t uid;
	gid_t gid;
	gid_t *groups;    /* the primary group and every group listing the user */
	size_t n_groups;
	char *home;       /* "" when passwd gives none */
	char *shell;      /* "" when passwd gives none */
};

/* The user `spec` (a name, or a decimal uid) of the image at rootfd.  A
 * user the image's /etc/passwd does not list is an error naming it. */
int image_user_lookup(int rootfd, const char *spec, struct image_user *u, struct mkfr_error *err);
void image_user_free(struct image_user *u);

/* The first line of the image's /etc/hostname, blanks trimmed, as a new
 * string; NULL when it has none (no file, empty, unreadable).  Not
 * validated: see util/hostname.h. */
char *image_hostname(int rootfd);

#endif
