/* Shared by several stages: blocking services in the target, and freeing
 * what the stages collected into struct build for later stages (the
 * manifest's inputs, the sysroot's file names). */
#include "pipeline/build.h"

#include "util/cleanup.h"
#include "archive/dpkg_status.h"
#include "sys/rootfs_fs.h"

#include <stdlib.h>

#define POLICY_RC_D "/usr/sbin/policy-rc.d"

int build_block_services(struct build *b, struct mkfr_error *err)
{
	static const char script[] = "#!/bin/sh\n# added by mkforeignroot for the build; removed after\nexit 101\n";
	autoclose int rootfd = rootfs_open(b->work, err);
	if (rootfd < 0)
		return -1;
	if (rootfs_exists(rootfd, POLICY_RC_D))
		return 0;
	if (rootfs_write_file(rootfd, POLICY_RC_D, script, sizeof(script) - 1, 0755, err) < 0)
		return -1;
	b->policy_rc_added = true;
	return 0;
}

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
	free(b->base_key_text);
	b->base_key_text = NULL;
	b->release_date_text = b->emulator_version = b->manifest_path = NULL;
	b->toolchain_cmake = b->pkg_config_wrapper = NULL;
	b->fetched = NULL;
	b->installed = NULL;
	b->fetched_count = b->installed_count = 0;
}
