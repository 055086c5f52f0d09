/* SPDX-License-Identifier: MIT */
/* Reading and resolving profiles: key=value lines, `inherit=`, `--set`. */
#include "profile/profile.h"

#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/strv.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Inheritance deeper than this is surely a mistake (loops are caught anyway). */
#define MAX_INHERIT_DEPTH 16
/* A profile is a few dozen lines; anything this large is not one (and is
 * never read into memory whole: /dev/zero as a profile must fail at once). */
#define PROFILE_MAX_BYTES (1024 * 1024)

static size_t key_count(void)
{
	size_t n = 0;
	for (const struct profile_key *k = profile_keys(); k->name; k++)
		n++;
	return n;
}

static size_t key_index(const struct profile_key *k)
{
	return (size_t)(k - profile_keys());
}

static void set_value(struct profile_value *v, const char *value, const char *origin,
		      const char *base_dir)
{
	free(v->value);
	free(v->origin);
	free(v->base_dir);
	v->value = xstrdup(value);
	v->origin = xstrdup(origin);
	v->base_dir = base_dir ? xstrdup(base_dir) : NULL;
}

/* The first control character (a newline, an escape, a NUL byte from a
 * file) in s, or NULL.  A value travels to sources.list, hook environments
 * and the manifest, where a newline would be a second line. */
static const char *control_char(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return s;
	return NULL;
}

/* Check one key=value; `where` is "FILE:LINE" for messages. */
static int check_assignment(const char *where, const char *key, const char *value,
			    const struct profile_key **out, struct mkfr_error *err)
{
	const struct profile_key *k = profile_key_find(key);
	const char *why = NULL, *bad;

	if ((bad = control_char(key)))
		return mkfr_fail_usage(err, "%s: a key contains the control character 0x%02x", where,
				       (unsigned char)*bad);
	if (!k) {
		const char *hint = profile_key_suggest(key);
		if (hint)
			return mkfr_fail_usage(err, "%s: key '%s': unknown key (did you mean '%s'?)",
					       where, key, hint);
		return mkfr_fail_usage(err, "%s: key '%s': unknown key (`mkforeignroot keys` lists them)",
				       where, key);
	}
	if ((bad = control_char(value)))
		return mkfr_fail_usage(err, "%s: key '%s': the value contains the control character "
				       "0x%02x (a value is one line of printable text)", where, key,
				       (unsigned char)*bad);
	if (!profile_value_valid(k, value, &why))
		return mkfr_fail_usage(err, "%s: key '%s': bad value '%s': %s", where, key, value, why);
	*out = k;
	return 0;
}

struct parsed_line {
	char *key;
	char *value;
	int line;
};

struct parsed_file {
	struct parsed_line *items;
	size_t count;
};

static void parsed_file_free(struct parsed_file *f)
{
	for (size_t i = 0; i < f->count; i++) {
		free(f->items[i].key);
		free(f->items[i].value);
	}
	free(f->items);
	f->items = NULL;
	f->count = 0;
}

/* Read FILE into key/value pairs; duplicate keys and syntax errors fail.
 * Only a regular file of at most PROFILE_MAX_BYTES is read (a FIFO or a
 * device named as a profile is refused, never waited on or read forever),
 * and a NUL byte in it is refused like any other control character. */
static int parse_file(const char *path, struct parsed_file *out, struct mkfr_error *err)
{
	autofree char *text = NULL;
	size_t len;
	struct mkfr_error rerr;
	*out = (struct parsed_file){ 0 };
	if (read_whole_file(path, PROFILE_MAX_BYTES, &text, &len, &rerr) < 0)
		return mkfr_fail_usage(err, "%s: cannot read profile: %s", path, rerr.msg);
	/* A profile decides what root runs (hooks, mirrors, keyrings). */
	if (require_trusted_path(path, "profile", err) < 0)
		return -1;
	if (strlen(text) != len) {
		int line = 1;
		for (const char *c = text; *c; c++)
			line += *c == '\n';
		return mkfr_fail_usage(err, "%s:%d: a NUL byte: not a text file", path, line);
	}

	int lineno = 0;
	for (char *line = text, *next; line; line = next) {
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		if (!nl && !*line)
			break;
		lineno++;
		char *s = str_trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			parsed_file_free(out);
			return mkfr_fail_usage(err, "%s:%d: expected key=value, got '%s'", path, lineno, s);
		}
		*eq = '\0';
		char *key = str_trim(s), *value = str_trim(eq + 1);
		if (*key == '\0') {
			parsed_file_free(out);
			return mkfr_fail_usage(err, "%s:%d: empty key before '='", path, lineno);
		}
		for (size_t i = 0; i < out->count; i++)
			if (strcmp(out->items[i].key, key) == 0) {
				int first = out->items[i].line;
				parsed_file_free(out);
				return mkfr_fail_usage(err, "%s:%d: key '%s': set twice in one file (first at line %d)",
						       path, lineno, key, first);
			}
		out->items = xreallocarray(out->items, out->count + 1, sizeof(*out->items));
		out->items[out->count++] = (struct parsed_line){
			.key = xstrdup(key), .value = xstrdup(value), .line = lineno,
		};
	}
	return 0;
}

/* Where `inherit=NAME` (or the top-level --profile NAME, from_dir NULL) is:
 * a relative path is relative to the inheriting profile's directory; a bare
 * name is looked for beside the inheriting profile first (profiles that
 * belong together sit together), then on the search path like --profile. */
static char *find_inherited(const char *name, const char *from_dir, struct mkfr_error *err)
{
	if (!from_dir || name[0] == '/' ||
	    strncmp(name, PROFILE_SHIPPED_PREFIX, strlen(PROFILE_SHIPPED_PREFIX)) == 0)
		return profile_find(name, err);
	if (strchr(name, '/'))
		return path_join(from_dir, name);
	char *path = xasprintf("%s/%s.profile", from_dir, name);
	if (access(path, R_OK) == 0)
		return path;
	free(path);
	return profile_find(name, err);
}

/* Apply PATH (after its parents) onto p.  `chain` holds the real paths
 * already being loaded, to detect inheritance loops. */
static int apply_file(struct profile *p, const char *name, const char *from_dir,
		      char ***chain, struct mkfr_error *err)
{
	autofree char *path = find_inherited(name, from_dir, err);
	if (!path)
		return -1;

	char real[PATH_MAX];
	if (!realpath(path, real))
		return mkfr_fail(err, errno, "%s: cannot read profile", path);
	if (strv_contains(*chain, real)) {
		autofree char *loop = strv_join(*chain, " -> ");
		/* A profile named like a shipped one that inherits its own name
		 * finds itself first (beside itself): say how to mean the
		 * shipped one. */
		autofree char *shipped = xasprintf(PROFILE_SHIPPED_PREFIX "%s", name);
		struct mkfr_error ignored;
		autofree char *shipped_path = strchr(name, '/') ? NULL : profile_find(shipped, &ignored);
		return mkfr_fail_usage(err, "%s: key 'inherit': inheritance loop: %s -> %s%s%s%s", path,
				       loop, real, shipped_path ? " (for the shipped profile of that name, "
								  "write inherit = " : "",
				       shipped_path ? shipped : "", shipped_path ? ")" : "");
	}
	if (strv_length(*chain) >= MAX_INHERIT_DEPTH)
		return mkfr_fail_usage(err, "%s: key 'inherit': more than %d levels of inheritance",
				       path, MAX_INHERIT_DEPTH);

	struct parsed_file file;
	if (parse_file(path, &file, err) < 0)
		return -1;
	strv_push(chain, real);

	autofree char *dircopy = xstrdup(real);
	const char *dir = dirname(dircopy);
	int r = 0;

	/* Validate every line first, so the first error in the file is the one
	 * reported, whatever its parents say. */
	for (size_t i = 0; i < file.count && r == 0; i++) {
		char where[PATH_MAX + 32];
		const struct profile_key *k;
		snprintf(where, sizeof(where), "%s:%d", path, file.items[i].line);
		r = check_assignment(where, file.items[i].key, file.items[i].value, &k, err);
	}
	/* Parents first, so this file's keys override theirs. */
	for (size_t i = 0; i < file.count && r == 0; i++)
		if (strcmp(file.items[i].key, "inherit") == 0) {
			r = apply_file(p, file.items[i].value, dir, chain, err);
			if (r < 0 && err->exit_code != MKFR_EXIT_USAGE) {
				/* e.g. parent not found: point at the line naming it */
				char where[PATH_MAX + 32];
				snprintf(where, sizeof(where), "%s:%d: key 'inherit'", path,
					 file.items[i].line);
				mkfr_error_prefix(err, "%s", where);
				err->exit_code = MKFR_EXIT_USAGE;
			}
		}
	for (size_t i = 0; i < file.count && r == 0; i++) {
		const struct profile_key *k = profile_key_find(file.items[i].key);
		char where[PATH_MAX + 32];
		snprintf(where, sizeof(where), "%s:%d", path, file.items[i].line);
		set_value(&p->values[key_index(k)], file.items[i].value, where, dir);
	}
	parsed_file_free(&file);
	size_t depth = strv_length(*chain);
	free((*chain)[depth - 1]);
	(*chain)[depth - 1] = NULL;
	return r;
}

static int load(const char *name, char *const *sets, bool require, struct profile **out,
		struct mkfr_error *err)
{
	struct profile *p = xcalloc(1, sizeof(*p));
	p->values = xcalloc(key_count(), sizeof(*p->values));
	p->name = xstrdup(name);
	p->path = profile_find(name, err);
	if (!p->path) {
		err->exit_code = MKFR_EXIT_USAGE;
		profile_free(p);
		return -1;
	}

	autostrv char **chain = strv_new();
	if (apply_file(p, name, NULL, &chain, err) < 0) {
		profile_free(p);
		return -1;
	}

	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	for (size_t i = 0; sets && sets[i]; i++) {
		char where[32];
		snprintf(where, sizeof(where), "--set:%zu", i + 1);
		autofree char *copy = xstrdup(sets[i]);
		char *eq = strchr(copy, '=');
		if (!eq) {
			profile_free(p);
			return mkfr_fail_usage(err, "%s: expected key=value, got '%s'", where, sets[i]);
		}
		*eq = '\0';
		const struct profile_key *k;
		char *key = str_trim(copy), *value = str_trim(eq + 1);
		if (check_assignment(where, key, value, &k, err) < 0 ||
		    (strcmp(key, "inherit") == 0 &&
		     mkfr_fail_usage(err, "%s: key 'inherit': only a profile file can inherit", where) < 0)) {
			profile_free(p);
			return -1;
		}
		set_value(&p->values[key_index(k)], value, "--set", cwd);
	}

	for (const struct profile_key *k = profile_keys(); k->name; k++) {
		struct profile_value *v = &p->values[key_index(k)];
		if (v->value)
			continue;
		if (k->required && require) {
			mkfr_fail_usage(err, "%s: key '%s': required, but neither this profile, "
				       "a profile it inherits nor --set gives it", p->path, k->name);
			profile_free(p);
			return -1;
		}
		if (k->default_value)
			set_value(v, k->default_value, "default", NULL);
	}
	*out = p;
	return 0;
}

int profile_load(const char *name, char *const *sets, struct profile **out,
		 struct mkfr_error *err)
{
	return load(name, sets, true, out, err);
}

int profile_inspect(const char *name, struct profile **out, struct mkfr_error *err)
{
	return load(name, NULL, false, out, err);
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	if (p->values)
		for (size_t i = 0; i < key_count(); i++) {
			free(p->values[i].value);
			free(p->values[i].origin);
			free(p->values[i].base_dir);
		}
	free(p->values);
	free(p->name);
	free(p->path);
	free(p);
}

static const struct profile_value *lookup(const struct profile *p, const char *key)
{
	const struct profile_key *k = profile_key_find(key);
	if (!k)
		abort(); /* a typo in our own code, never user input */
	return &p->values[key_index(k)];
}

const char *profile_get(const struct profile *p, const char *key)
{
	return lookup(p, key)->value;
}

const char *profile_origin(const struct profile *p, const char *key)
{
	const char *o = lookup(p, key)->origin;
	return o ? o : "unset";
}

const char *profile_base_dir(const struct profile *p, const char *key)
{
	return lookup(p, key)->base_dir;
}

bool profile_get_bool(const struct profile *p, const char *key)
{
	const char *v = profile_get(p, key);
	return v && strcmp(v, "yes") == 0;
}

char **profile_get_list(const struct profile *p, const char *key)
{
	const char *v = profile_get(p, key);
	return strv_split_list(v ? v : "", ',');
}

char *profile_resolve_path(const struct profile *p, const char *key, const char *item)
{
	const struct profile_value *v = lookup(p, key);
	char *out = NULL;
	if (item[0] == '/' || !v->base_dir)
		return xstrdup(item);
	out = xasprintf("%s/%s", v->base_dir, item);
	return out;
}

void profile_set_value(struct profile *p, const char *key, const char *value, const char *origin)
{
	const struct profile_key *k = profile_key_find(key);
	if (!k)
		abort();
	set_value(&p->values[key_index(k)], value, origin, NULL);
}
