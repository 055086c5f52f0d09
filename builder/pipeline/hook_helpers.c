/* SPDX-License-Identifier: MIT */
/* The built-in hooks (hook_helpers.h).  Every write inside the rootfs is
 * one of sys/rootfs_fs.h's: paths resolved with openat2(RESOLVE_IN_ROOT),
 * final components never followed, host trees walked by descriptor with
 * O_NOFOLLOW. */
#include "pipeline/hook_helpers.h"

#include "sys/atomic_file.h"
#include "sys/rootfs_fs.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/strv.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const helper_names[] = {
	[HOOK_HELPER_COPY_IN] = "copy-in",
	[HOOK_HELPER_COPY_OUT] = "copy-out",
	[HOOK_HELPER_APPEND] = "append",
	[HOOK_HELPER_ENABLE_UNIT] = "enable-unit",
};
#define N_HELPERS (sizeof(helper_names) / sizeof(helper_names[0]))

/* The first word of text as a new string; *rest points after it and the
 * blanks that follow. */
static char *first_word(const char *text, const char **rest)
{
	while (*text == ' ' || *text == '\t')
		text++;
	size_t n = strcspn(text, " \t");
	const char *r = text + n;
	while (*r == ' ' || *r == '\t')
		r++;
	*rest = r;
	return xstrndup(text, n);
}

static int helper_index(const char *text)
{
	const char *rest;
	autofree char *word = first_word(text, &rest);
	return str_index(word, helper_names, N_HELPERS);
}

bool hook_helper_named(const char *text)
{
	return helper_index(text) >= 0;
}

/* What systemd takes for a unit name (systemd.unit(5)): no slash, a
 * type suffix, at most 255 characters. */
static bool unit_name_valid(const char *name)
{
	static const char *const types[] = { ".service", ".socket", ".timer", ".path", ".target",
					     ".mount", ".automount", ".swap", ".slice" };
	size_t n = strlen(name);
	if (n == 0 || n > 255 || name[0] == '.' || name[0] == '@')
		return false;
	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr(":_.\\@-", *c))
			return false;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t t = strlen(types[i]);
		if (n > t && strcmp(name + n - t, types[i]) == 0)
			return true;
	}
	return false;
}

static char *host_path(const char *word, const char *base_dir)
{
	return word[0] == '/' || !base_dir ? xstrdup(word) : path_join(base_dir, word);
}

void hook_helper_free(struct hook_helper *h)
{
	free(h->args[0]);
	free(h->args[1]);
	h->args[0] = h->args[1] = NULL;
}

/* The words after the helper's name: exactly `want` of them, except that
 * append's last is the rest of the line. */
static int split_args(const char *name, const char *rest, char **words, size_t want, bool last_is_rest,
		      struct mkfr_error *err)
{
	static const char *const usage[] = {
		[HOOK_HELPER_COPY_IN] = "copy-in HOSTPATH PATH",
		[HOOK_HELPER_COPY_OUT] = "copy-out PATH HOSTPATH",
		[HOOK_HELPER_APPEND] = "append PATH LINE",
		[HOOK_HELPER_ENABLE_UNIT] = "enable-unit UNIT",
	};
	int kind = str_index(name, helper_names, N_HELPERS);
	for (size_t i = 0; i < want; i++) {
		if (!*rest)
			return mkfr_fail_usage(err, "too few words (%s)", usage[kind]);
		if (i + 1 == want && last_is_rest) {
			words[i] = xstrdup(rest);
			rest = "";
		} else {
			words[i] = first_word(rest, &rest);
		}
	}
	if (*rest)
		return mkfr_fail_usage(err, "'%s' is one word too many (%s; no quoting: paths are "
				       "single words)", rest, usage[kind]);
	return 0;
}

static int require_rootfs_path(const char *path, struct mkfr_error *err)
{
	if (path[0] != '/')
		return mkfr_fail_usage(err, "'%s' must be an absolute path inside the rootfs", path);
	return 0;
}

int hook_helper_parse(const char *text, const char *base_dir, struct hook_helper *out,
		      struct mkfr_error *err)
{
	*out = (struct hook_helper){ 0 };
	const char *rest;
	autofree char *name = first_word(text, &rest);
	int kind = str_index(name, helper_names, N_HELPERS);
	if (kind < 0)
		return mkfr_fail_usage(err, "'%s' is not one of copy-in, copy-out, append, enable-unit",
				       name);
	out->kind = (enum hook_helper_kind)kind;
	char *words[2] = { NULL, NULL };
	struct stat st;
	int r = 0;
	switch (out->kind) {
	case HOOK_HELPER_COPY_IN:
		if ((r = split_args(name, rest, words, 2, false, err)) < 0)
			break;
		out->args[0] = host_path(words[0], base_dir);
		out->args[1] = xstrdup(words[1]);
		if (stat(out->args[0], &st) < 0)
			r = mkfr_fail_usage(err, "cannot read %s: %s", out->args[0],
					    strerror(errno));
		else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			r = mkfr_fail_usage(err, "%s is neither a file nor a directory",
					    out->args[0]);
		else
			r = require_rootfs_path(out->args[1], err);
		break;
	case HOOK_HELPER_COPY_OUT: {
		if ((r = split_args(name, rest, words, 2, false, err)) < 0)
			break;
		out->args[0] = xstrdup(words[0]);
		out->args[1] = host_path(words[1], base_dir);
		autofree char *dir = xstrdup(out->args[1]);
		char *slash = strrchr(dir, '/');
		if (slash)
			*(slash == dir ? slash + 1 : slash) = '\0';
		if ((r = require_rootfs_path(out->args[0], err)) < 0)
			break;
		if (stat(slash ? dir : ".", &st) < 0 || !S_ISDIR(st.st_mode))
			r = mkfr_fail_usage(err, "%s: its directory does not exist",
					    out->args[1]);
		else if (lstat(out->args[1], &st) == 0 && !S_ISDIR(st.st_mode))
			r = mkfr_fail_usage(err, "%s exists, and copy-out never writes over a file: "
					    "remove it, or name a directory", out->args[1]);
		break;
	}
	case HOOK_HELPER_APPEND:
		if ((r = split_args(name, rest, words, 2, true, err)) < 0)
			break;
		out->args[0] = xstrdup(words[0]);
		out->args[1] = xstrdup(words[1]);
		r = require_rootfs_path(out->args[0], err);
		break;
	case HOOK_HELPER_ENABLE_UNIT:
		if ((r = split_args(name, rest, words, 1, false, err)) < 0)
			break;
		out->args[0] = xstrdup(words[0]);
		if (!unit_name_valid(out->args[0]))
			r = mkfr_fail_usage(err, "'%s' is not a unit name (NAME.service, .socket, .timer, "
					    ".path, .target, .mount ...; no slash)", out->args[0]);
		break;
	}
	free(words[0]);
	free(words[1]);
	if (r < 0)
		hook_helper_free(out);
	return r;
}

/* The last component of a path (which has one). */
static const char *last_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static int copy_in(int rootfd, const char *src, const char *dst, struct mkfr_error *err)
{
	struct stat st;
	if (stat(src, &st) < 0)
		return mkfr_fail(err, errno, "cannot read %s", src);
	autofree char *into = rootfs_resolve_dir(rootfd, dst);
	autofree char *target = into ? xasprintf("%s/%s", strcmp(dst, "/") ? dst : "", last_name(src))
				     : xstrdup(dst);
	if (S_ISDIR(st.st_mode))
		return rootfs_copy_tree_in(rootfd, src, target, err);
	return rootfs_copy_in(rootfd, src, target, st.st_mode & 07777, err);
}

static int copy_out(int rootfd, const char *src, const char *dst, char **made, struct mkfr_error *err)
{
	struct stat st;
	autofree char *target = stat(dst, &st) == 0 && S_ISDIR(st.st_mode)
					? path_join(dst, last_name(src)) : xstrdup(dst);
	if (lstat(target, &st) == 0)
		return mkfr_fail(err, EEXIST, "copy-out: %s", target);
	/* Whole or not at all: a failed copy leaves no half file on the host. */
	__attribute__((cleanup(cleanup_atomic_filep))) struct atomic_file af = ATOMIC_FILE_INIT;
	mode_t mode;
	if (atomic_file_open(&af, target, 0644, err) < 0 ||
	    rootfs_copy_out(rootfd, src, af.fd, &mode, err) < 0)
		return -1;
	af.mode = mode & 0777;
	if (atomic_file_commit(&af, err) < 0)
		return -1;
	*made = steal_pointer(&target);
	return 0;
}

static int append_line(int rootfd, const char *path, const char *line, struct mkfr_error *err)
{
	autofree char *text = xasprintf("%s\n", line);
	return rootfs_append(rootfd, path, text, strlen(text), err);
}

/* ---- enable-unit ------------------------------------------------------ */

/* Where `systemctl enable` looks for a unit, most local first. */
static const char *const unit_dirs[] = { "/etc/systemd/system", "/usr/lib/systemd/system",
					 "/lib/systemd/system" };
#define ENABLED_DIR "/etc/systemd/system"
/* Also= chains deeper than this are a loop systemd would refuse too. */
#define MAX_ALSO_DEPTH 16

struct unit_install {
	char **wanted_by, **required_by, **alias, **also;
	char *default_instance;
};

static void unit_install_free(struct unit_install *in)
{
	strv_free(in->wanted_by);
	strv_free(in->required_by);
	strv_free(in->alias);
	strv_free(in->also);
	free(in->default_instance);
}

/* systemd's rule for list settings: words are added, an empty
 * assignment empties the list. */
static void add_words(char ***list, const char *value)
{
	if (!*value) {
		strv_free(*list);
		*list = strv_new();
		return;
	}
	autostrv char **words = strv_split_list(value, ' ');
	for (size_t i = 0; words[i]; i++)
		strv_push(list, words[i]);
}

/* The [Install] section of the unit file `path` (inside the rootfs). */
static int read_install(int rootfd, const char *path, struct unit_install *in, struct mkfr_error *err)
{
	int fd = rootfs_open_read(rootfd, path);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot read the unit file %s", path);
	autofclose FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return mkfr_fail(err, errno, "cannot read the unit file %s", path);
	}
	fcntl(fd, F_SETFL, 0);
	in->wanted_by = strv_new();
	in->required_by = strv_new();
	in->alias = strv_new();
	in->also = strv_new();
	autofree char *line = NULL;
	size_t cap = 0;
	bool install = false;
	while (getline(&line, &cap, f) >= 0) {
		char *s = str_trim(line);
		if (*s == '#' || *s == ';' || *s == '\0')
			continue;
		if (*s == '[') {
			install = strcmp(s, "[Install]") == 0;
			continue;
		}
		char *eq = strchr(s, '=');
		if (!install || !eq)
			continue;
		*eq = '\0';
		char *key = str_trim(s), *value = str_trim(eq + 1);
		if (strcmp(key, "WantedBy") == 0)
			add_words(&in->wanted_by, value);
		else if (strcmp(key, "RequiredBy") == 0)
			add_words(&in->required_by, value);
		else if (strcmp(key, "Alias") == 0)
			add_words(&in->alias, value);
		else if (strcmp(key, "Also") == 0)
			add_words(&in->also, value);
		else if (strcmp(key, "DefaultInstance") == 0) {
			free(in->default_instance);
			in->default_instance = xstrdup(value);
		}
	}
	if (ferror(f))
		return mkfr_fail(err, errno, "cannot read the unit file %s", path);
	return 0;
}

/* "getty@tty1.service": prefix "getty", instance "tty1", type ".service";
 * a template "getty@.service" has an empty instance, a plain unit none. */
struct unit_name {
	char *prefix, *instance, *type;
};

static void unit_name_split(const char *unit, struct unit_name *n)
{
	const char *at = strchr(unit, '@');
	const char *dot = strrchr(unit, '.');
	n->type = xstrdup(dot);
	n->prefix = xstrndup(unit, (size_t)((at ? at : dot) - unit));
	n->instance = at && at < dot ? xstrndup(at + 1, (size_t)(dot - at - 1)) : NULL;
}

static void unit_name_free(struct unit_name *n)
{
	free(n->prefix);
	free(n->instance);
	free(n->type);
}

/* The unit file of `unit` inside the rootfs (a template's for an
 * instance), as a new path, or NULL. */
static char *find_unit_file(int rootfd, const char *unit, const struct unit_name *n)
{
	autofree char *templ = n->instance ? xasprintf("%s@%s", n->prefix, n->type) : NULL;
	for (size_t i = 0; i < sizeof(unit_dirs) / sizeof(unit_dirs[0]); i++) {
		const char *names[] = { unit, templ };
		for (size_t j = 0; j < 2 && names[j]; j++) {
			char *path = xasprintf("%s/%s", unit_dirs[i], names[j]);
			int fd = rootfs_open_read(rootfd, path);
			if (fd >= 0) {
				close(fd);
				return path;
			}
			free(path);
		}
	}
	return NULL;
}

static int link_into(int rootfd, const char *dir, const char *name, const char *unit_file,
		     struct mkfr_error *err)
{
	autofree char *link = xasprintf("%s/%s", dir, name);
	if (rootfs_mkdir_p(rootfd, dir, 0755, err) < 0)
		return -1;
	return rootfs_symlink(rootfd, unit_file, link, err);
}

/* WantedBy=T: T.wants/NAME; RequiredBy=T: T.requires/NAME. */
static int link_dependents(int rootfd, char *const *targets, const char *suffix, const char *name,
			   const char *unit_file, const char *unit, struct mkfr_error *err)
{
	for (size_t i = 0; targets[i]; i++) {
		if (!unit_name_valid(targets[i]))
			return mkfr_fail(err, 0, "enable-unit %s: its [Install] names '%s', which is not a "
					 "unit name", unit, targets[i]);
		autofree char *dir = xasprintf(ENABLED_DIR "/%s%s", targets[i], suffix);
		if (link_into(rootfd, dir, name, unit_file, err) < 0)
			return -1;
	}
	return 0;
}

static int enable_unit(int rootfd, const char *unit, char ***seen, struct mkfr_error *err);

/* The links for `unit`, whose unit file is `file` with [Install] `in`. */
static int enable_found(int rootfd, const char *unit, const struct unit_name *n, const char *file,
			const struct unit_install *in, char ***seen, struct mkfr_error *err)
{
	/* A template enabled by its own name takes its DefaultInstance. */
	const char *instance = n->instance && *n->instance ? n->instance
			       : n->instance ? in->default_instance : NULL;
	if (n->instance && (!instance || !*instance) && (in->wanted_by[0] || in->required_by[0]))
		return mkfr_fail(err, 0, "enable-unit %s: a template without DefaultInstance: name an "
				 "instance (%s@NAME%s)", unit, n->prefix, n->type);
	if (!in->wanted_by[0] && !in->required_by[0] && !in->alias[0] && !in->also[0])
		return mkfr_fail(err, 0, "enable-unit %s: %s has no WantedBy, RequiredBy, Alias or Also "
				 "in its [Install] section: there is nothing to enable", unit, file);
	autofree char *name = instance ? xasprintf("%s@%s%s", n->prefix, instance, n->type) : xstrdup(unit);
	if (link_dependents(rootfd, in->wanted_by, ".wants", name, file, unit, err) < 0 ||
	    link_dependents(rootfd, in->required_by, ".requires", name, file, unit, err) < 0)
		return -1;
	for (size_t i = 0; in->alias[i]; i++) {
		if (!unit_name_valid(in->alias[i]))
			return mkfr_fail(err, 0, "enable-unit %s: Alias '%s' is not a unit name", unit,
					 in->alias[i]);
		if (strcmp(in->alias[i], unit) != 0 &&
		    link_into(rootfd, ENABLED_DIR, in->alias[i], file, err) < 0)
			return -1;
	}
	for (size_t i = 0; in->also[i]; i++)
		if (enable_unit(rootfd, in->also[i], seen, err) < 0)
			return -1;
	return 0;
}

static int enable_unit(int rootfd, const char *unit, char ***seen, struct mkfr_error *err)
{
	if (strv_contains(*seen, unit))
		return 0;
	if (strv_length(*seen) >= MAX_ALSO_DEPTH)
		return mkfr_fail(err, 0, "enable-unit %s: Also= goes more than %d units deep", unit,
				 MAX_ALSO_DEPTH);
	strv_push(seen, unit);
	if (!unit_name_valid(unit))
		return mkfr_fail(err, 0, "enable-unit: '%s' is not a unit name", unit);
	struct unit_name n;
	unit_name_split(unit, &n);
	autofree char *file = find_unit_file(rootfd, unit, &n);
	struct unit_install in = { 0 };
	int r;
	if (!file)
		r = mkfr_fail(err, 0, "enable-unit %s: no unit file of that name in /etc/systemd/system, "
			      "/usr/lib/systemd/system or /lib/systemd/system of the rootfs", unit);
	else if ((r = read_install(rootfd, file, &in, err)) == 0)
		r = enable_found(rootfd, unit, &n, file, &in, seen, err);
	unit_install_free(&in);
	unit_name_free(&n);
	return r;
}

int hook_helper_run(const struct hook_helper *h, int rootfd, char **host_file, struct mkfr_error *err)
{
	*host_file = NULL;
	switch (h->kind) {
	case HOOK_HELPER_COPY_IN:
		return copy_in(rootfd, h->args[0], h->args[1], err);
	case HOOK_HELPER_COPY_OUT:
		return copy_out(rootfd, h->args[0], h->args[1], host_file, err);
	case HOOK_HELPER_APPEND:
		return append_line(rootfd, h->args[0], h->args[1], err);
	case HOOK_HELPER_ENABLE_UNIT: {
		autostrv char **seen = strv_new();
		return enable_unit(rootfd, h->args[0], &seen, err);
	}
	}
	return mkfr_fail(err, 0, "unknown hook helper");
}
