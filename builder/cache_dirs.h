/* Directories of the download cache (cache_dir), which lives on the host:
 * plain paths, not a rootfs (see rootfs_fs.h for those). */
#ifndef MKFR_CACHE_DIRS_H
#define MKFR_CACHE_DIRS_H

#include "error.h"

/* mkdir -p, mode 0755. */
int cache_mkdir_p(const char *path, struct mkfr_error *err);
/* mkdir -p of the directory that will hold `file`. */
int cache_mkdir_parents(const char *file, struct mkfr_error *err);

#endif
