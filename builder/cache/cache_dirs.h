/* Directories of the download cache (cache_dir), which lives on the host:
 * plain paths, not a rootfs (see rootfs_fs.h for those).
 *
 * CACHE/.in-use is flocked: shared by every build while it runs, exclusive
 * by `mkforeignroot cache prune`, so prune never removes a .deb or an entry
 * between a build's check and its use. */
#ifndef MKFR_CACHE_DIRS_H
#define MKFR_CACHE_DIRS_H

#include "util/error.h"

#include <stdbool.h>

/* mkdir -p, mode 0755. */
int cache_mkdir_p(const char *path, struct mkfr_error *err);
/* mkdir -p of the directory that will hold `file`. */
int cache_mkdir_parents(const char *file, struct mkfr_error *err);

/* Take CACHE/.in-use, shared (a build) or exclusive (prune), waiting and
 * saying so if the other kind holds it.  Returns the fd that holds the
 * lock (close it to release), or -1 (also when interrupted). */
int cache_use_lock(const char *cache_dir, bool exclusive, struct mkfr_error *err);

#endif
