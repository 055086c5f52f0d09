/* SPDX-License-Identifier: MIT */
/* Reading this process's mount table and unmounting what lies below a
 * directory (deepest first). */
#ifndef MKFR_MOUNTS_H
#define MKFR_MOUNTS_H

/* Every mount point in /proc/self/mountinfo order (octal escapes decoded). */
char **mount_points(void);
/* Unmount (lazily) every mount at or below `dir`; returns how many. */
int umount_below(const char *dir);
/* The same, except what is mounted on dir itself. */
int umount_inside(const char *dir);

#endif
