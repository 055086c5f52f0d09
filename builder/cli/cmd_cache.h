/* `mkforeignroot cache list|prune`: what the cache (cache_dir) holds (the
 * base snapshots of base_cache.h, .debs, emulators, indexes) and trimming
 * it by last use.  Builds mark what they use; prune takes the cache's
 * in-use lock exclusively (cache_dirs.h), so it never removes a file a
 * running build is about to read. */
#ifndef MKFR_CMD_CACHE_H
#define MKFR_CMD_CACHE_H

/* argv[0] is "cache".  Returns the exit status: 0 done, 1 failed, 2 usage. */
int cmd_cache(int argc, char **argv);

#endif
