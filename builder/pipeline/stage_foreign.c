/* SPDX-License-Identifier: MIT */
/* foreign: debootstrap's first stage, which unpacks the base packages
 * without running any target binary.  The fetch stage put the verified
 * .debs, apt lists and package lists in place, so it downloads nothing. */
#include "pipeline/debootstrap_progress.h"
#include "pipeline/stages.h"
#include "sys/spawn.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <stdlib.h>
#include <string.h>

static void push_list_option(char ***argv, const struct profile *p, const char *key,
			     const char *option)
{
	autostrv char **items = profile_get_list(p, key);
	if (!items[0])
		return;
	autofree char *joined = strv_join(items, ",");
	strv_pushf(argv, "%s=%s", option, joined);
}

char **stage_foreign_argv(const struct build *b)
{
	const struct profile *p = b->profile;
	char **argv = strv_new();
	const char *variant = profile_get(p, "variant");

	strv_push(&argv, b->debootstrap ? b->debootstrap : "debootstrap");
	strv_push(&argv, "--foreign");
	strv_pushf(&argv, "--arch=%s", b->arch->name);
	if (strcmp(variant, "standard") != 0)
		strv_pushf(&argv, "--variant=%s", variant);
	push_list_option(&argv, p, "components", "--components");
	push_list_option(&argv, p, "packages", "--include");
	push_list_option(&argv, p, "exclude", "--exclude");
	/* No --keyring: with --unpack-tarball debootstrap checks no signature
	 * (resolve verified everything), and the keyring's path is the user's,
	 * which a shell script of someone else's must not be handed. */
	/* The fetch stage seeded the target with verified indexes and .debs and
	 * debootstrap's own lists of what to install (stage_fetch.c); with an
	 * (empty) tarball to unpack, debootstrap goes straight to unpacking. */
	strv_pushf(&argv, "--unpack-tarball=%s", b->empty_tarball);
	strv_push(&argv, profile_get(p, "suite"));
	strv_push(&argv, b->target);
	strv_push(&argv, profile_get(p, "mirror"));
	return argv;
}

char **stage_foreign_env(const struct build *b)
{
	char **env = strv_new();
	/* Without root mknod fails, and debootstrap's first stage makes
	 * /dev's nodes and tests the target for nodev with one.  Told it runs
	 * in an LXC container (exactly a user namespace), it skips the test,
	 * makes the directories and links of /dev, and /dev/ptmx a link to
	 * pts/ptmx (functions: setup_devices_simple); the tarball gets the
	 * nodes a root build has (pipeline/debootstrap_devices.h). */
	if (b->rootless)
		strv_push(&env, "container=lxc");
	return env;
}

static int foreign_run(struct build *b, struct mkfr_error *err)
{
	if (b->base_hit) {
		log_info("foreign: nothing to do: the configured base came from the base cache");
		return 0;
	}
	autostrv char **argv = stage_foreign_argv(b);
	autostrv char **env = stage_foreign_env(b);
	struct debootstrap_progress progress;
	struct spawn_result res;

	debootstrap_progress_init(&progress, "foreign");
	struct spawn_opts o = {
		.argv = argv,
		.env_extra = env,
		.private_namespaces = true,
		.on_line = debootstrap_progress_line,
		.line_data = &progress,
		.log_fd = b->log_fd,
	};
	log_info("foreign: debootstrap --foreign --unpack-tarball (unpack what fetch put in place)");
	if (spawn_require_shell_safe(argv, env, err) < 0 || spawn_run(&o, &res, err) < 0)
		return -1;
	log_status_clear();
	if (res.status != 0)
		return stage_report_debootstrap_failure("debootstrap --foreign", &res, err);
	log_info("foreign: %d packages unpacked", progress.extracted);
	return 0;
}

const struct stage stage_foreign = { "foreign", foreign_run, NULL };
