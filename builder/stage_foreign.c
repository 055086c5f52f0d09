/* foreign: debootstrap's first stage, which verifies and unpacks the base
 * packages without running any target binary.  It reads the local mirror
 * the fetch stage prepared, so it downloads nothing itself. */
#include "cleanup.h"
#include "debootstrap_progress.h"
#include "log.h"
#include "pipeline.h"
#include "rootfs_fs.h"
#include "spawn.h"
#include "strv.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int push_list_option(char ***argv, const struct profile *p, const char *key,
			    const char *option)
{
	autostrv char **items = profile_get_list(p, key);
	if (!items || !items[0])
		return 0;
	autofree char *joined = strv_join(items, ",");
	return strv_pushf(argv, "%s=%s", option, joined);
}

char **stage_foreign_argv(const struct build *b)
{
	const struct profile *p = b->profile;
	char **argv = calloc(1, sizeof(char *));
	const char *variant = profile_get(p, "variant");

	strv_push(&argv, b->debootstrap ? b->debootstrap : "debootstrap");
	strv_push(&argv, "--foreign");
	strv_pushf(&argv, "--arch=%s", b->arch->name);
	if (strcmp(variant, "standard") != 0)
		strv_pushf(&argv, "--variant=%s", variant);
	push_list_option(&argv, p, "components", "--components");
	push_list_option(&argv, p, "packages", "--include");
	push_list_option(&argv, p, "exclude", "--exclude");
	const char *keyring = profile_get(p, "keyring");
	if (keyring) {
		autofree char *abs = profile_resolve_path(p, "keyring", keyring);
		strv_pushf(&argv, "--keyring=%s", abs);
	}
	if (b->opts->no_check_gpg)
		strv_push(&argv, "--no-check-gpg");
	strv_push(&argv, profile_get(p, "suite"));
	strv_push(&argv, b->work);
	/* The fetch stage's local mirror. */
	strv_pushf(&argv, "file://%s", b->local_mirror);
	return argv;
}

/* apt's and debootstrap's name for files of a mirror: scheme dropped,
 * every '/' a '_' (debootstrap's apt_dest). */
static char *lists_prefix(const char *mirror)
{
	const char *s = strstr(mirror, "://");
	char *out = NULL;
	if (asprintf(&out, "%s_", s ? s + 3 : mirror) < 0)
		return NULL;
	for (char *p = out; *p; p++)
		if (*p == '/')
			*p = '_';
	return out;
}

/* debootstrap read our local mirror; the rootfs must name the real one:
 * sources.list (debootstrap writes its default mirror, with no component,
 * for a file:// one), /debootstrap/mirror for the second stage, and the
 * apt lists, which are named after the mirror they came from. */
static int retarget_to_mirror(struct build *b, struct mkfr_error *err)
{
	const char *mirror = profile_get(b->profile, "mirror");
	autostrv char **components = profile_get_list(b->profile, "components");
	autofree char *comps = strv_join(components, " ");
	autofree char *sources = NULL, *mirror_line = NULL, *local = NULL;
	if (asprintf(&sources, "deb %s %s %s\n", mirror, profile_get(b->profile, "suite"), comps) < 0 ||
	    asprintf(&mirror_line, "%s\n", mirror) < 0 || asprintf(&local, "file://%s", b->local_mirror) < 0)
		return mkfr_fail(err, ENOMEM, "foreign");
	autoclose int rootfd = rootfs_open(b->work, err);
	if (rootfd < 0 ||
	    rootfs_write_file(rootfd, "/etc/apt/sources.list", sources, strlen(sources), 0644, err) < 0 ||
	    rootfs_write_file(rootfd, "/debootstrap/mirror", mirror_line, strlen(mirror_line), 0644, err) < 0)
		return -1;

	autofree char *from = lists_prefix(local), *to = lists_prefix(mirror);
	autoclose int lists = rootfs_open_read(rootfd, "/var/lib/apt/lists");
	autoclosedir DIR *d = lists >= 0 ? fdopendir(dup(lists)) : NULL;
	struct dirent *de;
	while (d && from && to && (de = readdir(d))) {
		if (strncmp(de->d_name, from, strlen(from)) != 0)
			continue;
		autofree char *name = NULL;
		if (asprintf(&name, "%s%s", to, de->d_name + strlen(from)) < 0 ||
		    renameat(lists, de->d_name, lists, name) < 0)
			return mkfr_fail(err, errno, "cannot rename the apt list %s", de->d_name);
	}
	return 0;
}

static int foreign_run(struct build *b, struct mkfr_error *err)
{
	autostrv char **argv = stage_foreign_argv(b);
	struct debootstrap_progress progress;
	struct spawn_result res;

	debootstrap_progress_init(&progress, "foreign");
	struct spawn_opts o = {
		.argv = argv,
		.private_namespaces = true,
		.on_line = debootstrap_progress_line,
		.line_data = &progress,
		.log_fd = b->log_fd,
	};
	log_info("foreign: debootstrap --foreign (unpack from the local mirror)");
	if (spawn_run(&o, &res, err) < 0)
		return -1;
	log_status_clear();
	if (res.status != 0)
		return stage_report_debootstrap_failure("debootstrap --foreign", &res, err);
	log_info("foreign: %d packages unpacked", progress.extracted);
	return retarget_to_mirror(b, err);
}

const struct stage stage_foreign = { "foreign", foreign_run, NULL };
