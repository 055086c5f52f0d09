/* The build state: its one setup and its one release, and what several
 * stages share (blocking services in the target). */
#include "pipeline/build.h"

#include "archive/dpkg_status.h"
#include "sys/rootfs_fs.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POLICY_RC_D "/usr/sbin/policy-rc.d"

void build_init(struct build *b, const struct build_options *opts)
{
	*b = (struct build){
		.opts = opts,
		.log_fd = -1,
		.cache_use_fd = -1,
	};
}

static void resolved_free(struct build_resolved *r)
{
	release_file_free(&r->release);
	strv_free(r->components);
	for (size_t i = 0; i < r->deb_count; i++)
		deb_package_free(&r->debs[i]);
	free(r->debs);
	*r = (struct build_resolved){ 0 };
}

void build_free(struct build *b)
{
	profile_free(b->profile);
	free(b->out);
	free(b->work);
	free(b->out_part);
	free(b->debootstrap);
	free(b->keyring_path);
	free(b->cache_dir);
	strv_free(b->hooks);
	emulation_free(&b->emu);
	free(b->fetch_dir);
	free(b->signed_dir);
	resolved_free(&b->resolved);
	base_cache_key_free(&b->base_key);
	free(b->toolchain_cmake);
	free(b->pkg_config_wrapper);
	dpkg_status_free(b->installed, b->installed_count);
	free(b->emulator_version);
	free(b->manifest_path);
	if (b->log_fd >= 0)
		close(b->log_fd);
	if (b->cache_use_fd >= 0)
		close(b->cache_use_fd);
	build_init(b, b->opts);
}

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
