/* Freeing what the stages collected into struct build for later stages
 * (the manifest's inputs, the sysroot's file names). */
#include "build.h"

#include "dpkg_status.h"

#include <stdlib.h>

void build_free_results(struct build *b)
{
	free(b->release_date_text);
	for (size_t i = 0; i < b->fetched_count; i++) {
		free(b->fetched[i].name);
		free(b->fetched[i].version);
		free(b->fetched[i].architecture);
		free(b->fetched[i].sha256);
	}
	free(b->fetched);
	dpkg_status_free(b->installed, b->installed_count);
	free(b->emulator_version);
	free(b->manifest_path);
	free(b->toolchain_cmake);
	free(b->pkg_config_wrapper);
	b->release_date_text = b->emulator_version = b->manifest_path = NULL;
	b->toolchain_cmake = b->pkg_config_wrapper = NULL;
	b->fetched = NULL;
	b->installed = NULL;
	b->fetched_count = b->installed_count = 0;
}
