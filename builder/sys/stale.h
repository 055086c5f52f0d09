/* SPDX-License-Identifier: MIT */
/* Cleaning up after a run that was SIGKILLed (or lost power).
 *
 * Everything a run leaves on disk carries its pid in its name:
 * `.mkfr-<pid>-<name>` (the work directory and tarball part next to OUT,
 * scratch space in cache_dir/tmp, the target alias in /run), and its
 * binfmt_misc entry is `mkforeignroot-<target>-<pid>`.  Next to OUT a run
 * also holds `.mkfr-<pid>-<name>.lock` flocked for its whole life: that is
 * the marker that tells a dead run's leftovers from a live run's, whatever
 * happened to the pid since.  Where there is no marker (cache_dir/tmp,
 * /run, binfmt entries) a pid that is no longer a running mkforeignroot
 * marks them dead.  Only what belongs to the user running the cleanup is
 * touched: a rootless build's leftovers (in /tmp, say) are its user's. */
#ifndef MKFR_STALE_H
#define MKFR_STALE_H

#include "util/error.h"

#include <stdbool.h>
#include <sys/types.h>

/* Is pid a running mkforeignroot process? */
bool stale_pid_alive(pid_t pid);
/* ".mkfr-<pid>-<base>", a name the cleanup below recognises. */
char *stale_work_name(const char *base, pid_t pid);

/* Create and lock `WORK.lock` for this run's work directory WORK (a
 * `.mkfr-<pid>-<name>` path): returns the fd that holds it (keep it open
 * until the run ends, then stale_release removes the file).  Refuses a
 * name that exists. */
int stale_claim(const char *work, struct mkfr_error *err);
void stale_release(const char *work, int fd);

/* In out_dir: the work directories, tarball parts and locks of dead runs,
 * and mounts of the host below such a work directory (there should be
 * none: a run mounts only in its own namespaces); host-wide: binfmt_misc
 * entries of dead runs.  Says what it removed; never fails the build. */
void stale_cleanup(const char *out_dir);

/* Only the `.mkfr-<pid>-*` entries of dead runs in dir (cache_dir/tmp,
 * the target aliases in /run), judged by the pid. */
void stale_cleanup_dir(const char *dir);

#endif
