#include "cache/layout.h"

#include "util/alloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SYSTEM_CACHE_DIR "/var/cache/mkforeignroot"
#define BASE_SNAPSHOT_SUFFIX ".tar.zst"
#define BASE_KEY_SUFFIX ".key"

static const char *const part_names[CACHE_PART_COUNT] = {
	[CACHE_DEBS] = "debs",
	[CACHE_INDEXES] = "indexes",
	[CACHE_BASE] = "base",
	[CACHE_EMULATORS] = "emulators",
	[CACHE_TMP] = "tmp",
};

const char *cache_default_dir(void)
{
	/* CI jobs and tests point every build at a cache of their own. */
	const char *env = getenv("MKFR_CACHE_DIR");
	return env && *env ? env : SYSTEM_CACHE_DIR;
}

const char *cache_part_name(enum cache_part part)
{
	return part_names[part];
}

char *cache_part_dir(const char *cache_dir, enum cache_part part)
{
	return xasprintf("%s/%s", cache_dir, part_names[part]);
}

char *cache_in_use_path(const char *cache_dir)
{
	return xasprintf("%s/.in-use", cache_dir);
}

char *cache_file_locks_path(const char *cache_dir)
{
	return xasprintf("%s/%s/.lock", cache_dir, part_names[CACHE_DEBS]);
}

char *cache_deb_path(const char *cache_dir, const char *file_name)
{
	return xasprintf("%s/%s/%s", cache_dir, part_names[CACHE_DEBS], file_name);
}

char *cache_index_dir(const char *cache_dir, const char *mirror, const char *suite)
{
	/* By suite alone, as since the first offline builds: a second mirror
	 * of the same suite replaces the first one's copy. */
	(void)mirror;
	return xasprintf("%s/%s/%s", cache_dir, part_names[CACHE_INDEXES], suite);
}

char *cache_base_snapshot_path(const char *cache_dir, const char *id)
{
	return xasprintf("%s/%s/%s%s", cache_dir, part_names[CACHE_BASE], id, BASE_SNAPSHOT_SUFFIX);
}

char *cache_base_key_path(const char *cache_dir, const char *id)
{
	return xasprintf("%s/%s/%s%s", cache_dir, part_names[CACHE_BASE], id, BASE_KEY_SUFFIX);
}

bool cache_base_snapshot_name(const char *name, char id_out[65])
{
	size_t len = strlen(name), sl = strlen(BASE_SNAPSHOT_SUFFIX);
	if (len != 64 + sl || strcmp(name + 64, BASE_SNAPSHOT_SUFFIX) != 0)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", name[i]))
			return false;
	memcpy(id_out, name, 64);
	id_out[64] = '\0';
	return true;
}

char *cache_emulator_dir(const char *cache_dir, const char *deb_sha256)
{
	return xasprintf("%s/%s/%s", cache_dir, part_names[CACHE_EMULATORS], deb_sha256);
}

char *cache_tmp_path(const char *cache_dir, const char *name)
{
	return xasprintf("%s/%s/%s", cache_dir, part_names[CACHE_TMP], name);
}
