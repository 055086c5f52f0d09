/* Cleaning up after a run that was SIGKILLed (or lost power): its binfmt_misc
 * entry, mounts and work directory carry its pid in their names; when that
 * pid is no longer a running mkforeignroot, they are removed. */
#ifndef MKFR_STALE_H
#define MKFR_STALE_H

#include <stdbool.h>
#include <sys/types.h>

/* Is pid a running mkforeignroot process? */
bool stale_pid_alive(pid_t pid);
/* Work directory name for OUT's basename: ".mkfr-<pid>-<base>". */
char *stale_work_name(const char *base, pid_t pid);
/* Remove stale entries and mounts host-wide, and stale work directories in
 * `out_dir`; says what it removed.  Never fails the build. */
void stale_cleanup(const char *out_dir);

/* Only the work directories ".mkfr-PID-*" of dead runs in dir (the local
 * mirrors in cache_dir/tmp). */
void stale_cleanup_dir(const char *dir);

#endif
