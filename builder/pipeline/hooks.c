/* SPDX-License-Identifier: MIT */
/* Hooks at every phase (hooks.h): where each phase's come from, checking
 * them before anything is built, running them, and listing them. */
#include "pipeline/hooks.h"

#include "sys/chroot_mounts.h"
#include "sys/rootfs_fs.h"
#include "sys/spawn.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/datadirs.h"
#include "util/file_io.h"
#include "util/log.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const phase_names[HOOK_PHASES] = {
	[HOOK_SETUP] = "setup",
	[HOOK_EXTRACT] = "extract",
	[HOOK_ESSENTIAL] = "essential",
	[HOOK_CUSTOMIZE] = "customize",
	[HOOK_CLEANUP] = "cleanup",
};

/* The profile keys of each phase; cleanup's older name `hooks` first. */
static const char *const phase_keys[HOOK_PHASES][2] = {
	[HOOK_SETUP] = { "setup_hooks", NULL },
	[HOOK_EXTRACT] = { "extract_hooks", NULL },
	[HOOK_ESSENTIAL] = { "essential_hooks", NULL },
	[HOOK_CUSTOMIZE] = { "customize_hooks", NULL },
	[HOOK_CLEANUP] = { "hooks", "cleanup_hooks" },
};

const char *hook_phase_name(enum hook_phase phase)
{
	return phase_names[phase];
}

static void add_hook(struct build *b, enum hook_phase phase, struct hook h)
{
	b->hooks[phase] = xreallocarray(b->hooks[phase], b->hook_count[phase] + 1, sizeof(struct hook));
	b->hooks[phase][b->hook_count[phase]++] = h;
}

/* A hook runs as root: it, and the directory it sits in (whoever may
 * write there may replace it), must be ours or root's and writable by
 * nobody else. */
static int check_program(const char *path, const char *where, struct mkfr_error *err)
{
	autofree char *copy = xstrdup(path);
	if (access(path, X_OK) != 0)
		return mkfr_fail_usage(err, "%s: '%s' is not an executable file", where, path);
	if (require_trusted_path(path, "hook", err) < 0 ||
	    require_trusted_path(dirname(copy), "the hook directory", err) < 0)
		return mkfr_error_prefix(err, "%s", where);
	return 0;
}

/* `where` names the hook's source in messages ("FILE:LINE: key 'hooks'",
 * "--hook-dir DIR"); `origin` in --dry-run's list. */
static int add_program(struct build *b, enum hook_phase phase, const char *path, const char *origin,
		       const char *where, struct mkfr_error *err)
{
	if (check_program(path, where, err) < 0)
		return -1;
	add_hook(b, phase, (struct hook){ .kind = HOOK_PROGRAM, .text = xstrdup(path),
					  .origin = xstrdup(origin) });
	return 0;
}

static int add_helper(struct build *b, enum hook_phase phase, const char *text, const char *base_dir,
		      const char *origin, struct mkfr_error *err)
{
	struct hook h = { .kind = HOOK_HELPER };
	if (hook_helper_parse(text, base_dir, &h.helper, err) < 0)
		return mkfr_error_prefix(err, "%s: %s hook '%s'", origin, phase_names[phase], text);
	h.text = xstrdup(text);
	h.origin = xstrdup(origin);
	add_hook(b, phase, h);
	return 0;
}

/* The files of `dir` to run at `phase`, sorted: with `prefix` "" every
 * file (the shipped directory of the phase), else those whose names
 * start with it (a hook directory, as mmdebstrap's --hook-dir).  A
 * missing directory is an error only when `must_exist`. */
static int add_directory(struct build *b, enum hook_phase phase, const char *dir, const char *prefix,
			 const char *origin, const char *where, bool must_exist, struct mkfr_error *err)
{
	autoclosedir DIR *d = opendir(dir);
	if (!d && errno == ENOENT && !must_exist)
		return 0;
	if (!d)
		return mkfr_fail_usage(err, "%s: cannot read the hook directory %s: %s", where, dir,
				       strerror(errno));
	if (*prefix && require_trusted_path(dir, "the hook directory", err) < 0)
		return mkfr_error_prefix(err, "%s", where);
	autostrv char **names = strv_new();
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			strv_push(&names, de->d_name);
	strv_sort(names);
	for (size_t i = 0; names[i]; i++) {
		autofree char *path = path_join(dir, names[i]);
		struct stat st;
		/* A hook directory holds what runs: a symlink or a directory
		 * named like a hook is refused, not guessed about. */
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
			return mkfr_fail_usage(err, "%s: %s is not a regular file", where, path);
		if (add_program(b, phase, path, origin, where, err) < 0)
			return -1;
	}
	return 0;
}

/* PHASE_hooks: programs (paths relative to the profile) and helpers. */
static int add_key(struct build *b, enum hook_phase phase, const char *key, struct mkfr_error *err)
{
	autostrv char **items = profile_get_list(b->profile, key);
	const char *origin = profile_origin(b->profile, key);
	autofree char *where = xasprintf("%s: key '%s'", origin, key);
	for (size_t i = 0; items[i]; i++) {
		if (hook_helper_named(items[i])) {
			if (add_helper(b, phase, items[i], profile_base_dir(b->profile, key), origin, err) < 0)
				return -1;
			continue;
		}
		autofree char *path = profile_resolve_path(b->profile, key, items[i]);
		if (add_program(b, phase, path, origin, where, err) < 0)
			return -1;
	}
	return 0;
}

static int resolve_phase(struct build *b, enum hook_phase phase, struct mkfr_error *err)
{
	const char *name = phase_names[phase];
	/* Shipped: only cleanup has some, and its directory must be there. */
	autofree char *shipped_sub = xasprintf("hooks/%s", name);
	autofree char *shipped = datadir_path(shipped_sub);
	if (add_directory(b, phase, shipped, "", "shipped", "shipped: key 'hooks'", phase == HOOK_CLEANUP,
			  err) < 0)
		return -1;
	const char *dir_key = profile_get(b->profile, "hook_dir");
	if (dir_key && *dir_key) {
		autofree char *dir = profile_resolve_path(b->profile, "hook_dir", dir_key);
		const char *key_origin = profile_origin(b->profile, "hook_dir");
		autofree char *origin = xasprintf("hook_dir (%s)", key_origin);
		autofree char *where = xasprintf("%s: key 'hook_dir'", key_origin);
		if (add_directory(b, phase, dir, name, origin, where, true, err) < 0)
			return -1;
	}
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return mkfr_fail(err, errno, "cannot tell the working directory");
	for (size_t i = 0; b->opts->hook_dirs && b->opts->hook_dirs[i]; i++) {
		const char *given = b->opts->hook_dirs[i];
		autofree char *dir = given[0] == '/' ? xstrdup(given) : path_join(cwd, given);
		autofree char *where = xasprintf("--hook-dir %s", given);
		if (add_directory(b, phase, dir, name, "--hook-dir", where, true, err) < 0)
			return -1;
	}
	for (size_t k = 0; k < 2 && phase_keys[phase][k]; k++)
		if (add_key(b, phase, phase_keys[phase][k], err) < 0)
			return -1;
	autofree char *option = xasprintf("--%s-hook", name);
	char *const *cli = b->opts->phase_hooks[phase];
	for (size_t i = 0; cli && cli[i]; i++) {
		if (hook_helper_named(cli[i])) {
			if (add_helper(b, phase, cli[i], cwd, option, err) < 0)
				return -1;
			continue;
		}
		add_hook(b, phase, (struct hook){ .kind = HOOK_SHELL, .text = xstrdup(cli[i]),
						  .origin = xstrdup(option) });
	}
	return 0;
}

int hooks_resolve(struct build *b, struct mkfr_error *err)
{
	for (int p = 0; p < HOOK_PHASES; p++)
		if (resolve_phase(b, (enum hook_phase)p, err) < 0)
			return -1;
	return 0;
}

bool hooks_change_base(const struct build *b)
{
	return b->hook_count[HOOK_SETUP] || b->hook_count[HOOK_EXTRACT] || b->hook_count[HOOK_ESSENTIAL];
}

static char **hook_environment(const struct build *b, enum hook_phase phase)
{
	char **env = strv_new();
	strv_pushf(&env, "MKFR_TARGET=%s", b->target);
	strv_pushf(&env, "MKFR_PHASE=%s", phase_names[phase]);
	strv_pushf(&env, "MKFR_PROFILE=%s", b->opts->profile_name);
	strv_pushf(&env, "MKFR_ARCH=%s", b->arch->name);
	strv_pushf(&env, "MKFR_SUITE=%s", profile_get(b->profile, "suite"));
	strv_pushf(&env, "MKFR_MIRROR=%s", profile_get(b->profile, "mirror"));
	strv_pushf(&env, "MKFR_HOSTNAME=%s", profile_get(b->profile, "hostname"));
	strv_pushf(&env, "MKFR_CHECK_VALID_UNTIL=%s", profile_get(b->profile, "check_valid_until"));
	/* binfmt=global only: the host entry this build registered. */
	strv_pushf(&env, "MKFR_BINFMT_ENTRY=%s", b->emu.global_registered ? b->emu.binfmt_name : "");
	/* The normalising hooks (logs, caches, machine-id) act only when the
	 * output is to be reproducible: otherwise those files are the user's. */
	strv_pushf(&env, "MKFR_REPRODUCIBLE=%s", b->reproducible ? "yes" : "no");
	if (b->reproducible && !b->epoch_from_env)
		strv_pushf(&env, "SOURCE_DATE_EPOCH=%lld", (long long)b->source_date_epoch);
	return env;
}

struct hook_output {
	const char *label;
};

static void hook_line(const char *line, void *data)
{
	log_info("  %s: %s", ((const struct hook_output *)data)->label, line);
}

/* What a hook is called in messages: a program by its path, the others
 * by their text and where they came from. */
static char *hook_display(const struct hook *h)
{
	if (h->kind == HOOK_PROGRAM)
		return xstrdup(h->text);
	return xasprintf("'%s' (%s)", h->text, h->origin);
}

static int run_helper(struct build *b, const struct hook *h, struct mkfr_error *err)
{
	autoclose int rootfd = rootfs_open(b->work, err);
	autofree char *made = NULL;
	if (rootfd < 0 || hook_helper_run(&h->helper, rootfd, &made, err) < 0) {
		autofree char *shown = hook_display(h);
		return mkfr_error_prefix(err, "hook %s", shown);
	}
	if (made)
		strv_push(&b->copied_out, made);
	return 0;
}

static int run_child(struct build *b, enum hook_phase phase, const struct hook *h, char **env,
		     struct mkfr_error *err)
{
	/* Emulation is set up for the phases after setup_qemu only. */
	bool emulated = phase >= HOOK_ESSENTIAL;
	autofree char *copy = xstrdup(h->text);
	struct hook_output out = { .label = h->kind == HOOK_PROGRAM ? basename(copy) : h->origin };
	char *program_argv[] = { h->text, b->target, NULL };
	char *shell_argv[] = { "/bin/sh", "-c", h->text, "sh", b->target, NULL };
	/* A rootless build's rootfs has no device nodes (stage_foreign.c):
	 * its hooks get a /dev of the host's below $1 (where it has a /dev),
	 * as its second stage does, so that `chroot "$1" cmd >/dev/null`
	 * finds /dev/null there. */
	struct chroot_mounts dev = { .root = b->target, .dev = true };
	struct spawn_opts o = {
		.argv = h->kind == HOOK_PROGRAM ? program_argv : shell_argv,
		.env_extra = env,
		.on_line = hook_line,
		.line_data = &out,
		.log_fd = b->log_fd,
		.private_namespaces = true,
		.setup = b->rootless ? chroot_mounts_setup : NULL,
		.setup_data = &dev,
	};
	/* From essential on hooks chroot into the target: they run as
	 * emulated steps do. */
	if (emulated) {
		emulation_spawn_opts(&b->emu, &o);
		if (emulation_recheck(&b->emu, err) < 0)
			return -1;
	}
	autofree char *shown = hook_display(h);
	struct spawn_result res;
	if (spawn_run(&o, &res, err) < 0)
		return mkfr_error_prefix(err, "hook %s", shown);
	if (res.status != 0)
		return mkfr_fail(err, 0, "hook %s failed (exit %d)%s%s", shown, res.status,
				 res.tail_count ? ": " : "", res.tail_count ? res.tail[res.tail_count - 1] : "");
	return 0;
}

int hooks_run(struct build *b, enum hook_phase phase, struct mkfr_error *err)
{
	size_t n = b->hook_count[phase];
	if (n == 0)
		return 0;
	/* Hooks that install packages must not start services either. */
	if (phase >= HOOK_ESSENTIAL && build_block_services(b, err) < 0)
		return -1;
	autostrv char **env = hook_environment(b, phase);
	for (size_t i = 0; i < n; i++) {
		const struct hook *h = &b->hooks[phase][i];
		log_verbose("%s hook %s (%s)", phase_names[phase], h->text, h->origin);
		if ((h->kind == HOOK_HELPER ? run_helper(b, h, err) : run_child(b, phase, h, env, err)) < 0)
			return -1;
	}
	if (phase != HOOK_CLEANUP)
		log_info("%s: %zu hook(s) run", phase_names[phase], n);
	return 0;
}

void hooks_print(const struct build *b)
{
	printf("hooks (in order, with where each comes from)\n");
	for (int p = 0; p < HOOK_PHASES; p++) {
		if (b->hook_count[p] == 0)
			printf("  %-11s none\n", phase_names[p]);
		for (size_t i = 0; i < b->hook_count[p]; i++) {
			const struct hook *h = &b->hooks[p][i];
			autofree char *cmd = h->kind == HOOK_PROGRAM ? xasprintf("%s %s", h->text, b->target)
					     : h->kind == HOOK_SHELL ? xasprintf("/bin/sh -c '%s' sh %s", h->text, b->target)
								     : xstrdup(h->text);
			printf("  %-11s %s  # %s%s\n", phase_names[p], cmd, h->origin,
			       h->kind == HOOK_HELPER ? ", built in" : "");
		}
	}
}

void hooks_undo_copied_out(struct build *b)
{
	if (b->completed)
		return;
	for (size_t i = 0; b->copied_out && b->copied_out[i]; i++)
		if (unlink(b->copied_out[i]) < 0 && errno != ENOENT)
			log_warn("could not remove %s (copy-out): %s", b->copied_out[i], strerror(errno));
	strv_free(b->copied_out);
	b->copied_out = NULL;
}

void hooks_free(struct build *b)
{
	for (int p = 0; p < HOOK_PHASES; p++) {
		for (size_t i = 0; i < b->hook_count[p]; i++) {
			free(b->hooks[p][i].text);
			free(b->hooks[p][i].origin);
			hook_helper_free(&b->hooks[p][i].helper);
		}
		free(b->hooks[p]);
		b->hooks[p] = NULL;
		b->hook_count[p] = 0;
	}
}
