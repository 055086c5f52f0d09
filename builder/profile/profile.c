/* Reading and resolving profiles: key=value lines, `inherit=`, `--set`. */
#include "profile/profile.h"

#include "util/cleanup.h"
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

static int set_value(struct profile_value *v, const char *value, const char *origin,
		     const char *base_dir)
{
	char *nv = strdup(value), *no = strdup(origin), *nb = base_dir ? strdup(base_dir) : NULL;
	if (!nv || !no || (base_dir && !nb)) {
		free(nv);
		free(no);
		free(nb);
		return -1;
	}
	free(v->value);
	free(v->origin);
	free(v->base_dir);
	v->value = nv;
	v->origin = no;
	v->base_dir = nb;
	return 0;
}

/* Check one key=value; `where` is "FILE:LINE" for messages. */
static int check_assignment(const char *where, const char *key, const char *value,
			    const struct profile_key **out, struct mkfr_error *err)
{
	const struct profile_key *k = profile_key_find(key);
	const char *why = NULL;

	if (!k) {
		const char *hint = profile_key_suggest(key);
		if (hint)
			return mkfr_fail_usage(err, "%s: key '%s': unknown key (did you mean '%s'?)",
					       where, key, hint);
		return mkfr_fail_usage(err, "%s: key '%s': unknown key (`mkforeignroot keys` lists them)",
				       where, key);
	}
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

/* Read FILE into key/value pairs; duplicate keys and syntax errors fail. */
static int parse_file(const char *path, struct parsed_line **out, size_t *count,
		      struct mkfr_error *err)
{
	autofclose FILE *f = fopen(path, "re");
	if (!f)
		return mkfr_fail(err, errno, "%s: cannot read profile", path);

	autofree char *line = NULL;
	size_t cap = 0;
	int lineno = 0;
	struct parsed_line *items = NULL;
	size_t n = 0;

	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *s = str_trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			free(items);
			return mkfr_fail_usage(err, "%s:%d: expected key=value, got '%s'", path, lineno, s);
		}
		*eq = '\0';
		char *key = str_trim(s), *value = str_trim(eq + 1);
		if (*key == '\0') {
			free(items);
			return mkfr_fail_usage(err, "%s:%d: empty key before '='", path, lineno);
		}
		for (size_t i = 0; i < n; i++)
			if (strcmp(items[i].key, key) == 0) {
				int first = items[i].line;
				for (size_t j = 0; j < n; j++) {
					free(items[j].key);
					free(items[j].value);
				}
				free(items);
				return mkfr_fail_usage(err, "%s:%d: key '%s': set twice in one file (first at line %d)",
						       path, lineno, key, first);
			}
		struct parsed_line *ni = realloc(items, (n + 1) * sizeof(*items));
		if (!ni)
			return mkfr_fail(err, ENOMEM, "%s", path);
		items = ni;
		items[n].key = strdup(key);
		items[n].value = strdup(value);
		items[n].line = lineno;
		n++;
	}
	if (ferror(f))
		return mkfr_fail(err, errno, "%s: cannot read profile", path);
	*out = items;
	*count = n;
	return 0;
}

static void free_lines(struct parsed_line *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].key);
		free(items[i].value);
	}
	free(items);
}

/* Where `inherit=NAME` (or the top-level --profile NAME, from_dir NULL) is:
 * a relative path is relative to the inheriting profile's directory; a bare
 * name is looked for beside the inheriting profile first (profiles that
 * belong together sit together), then on the search path like --profile. */
static char *find_inherited(const char *name, const char *from_dir, struct mkfr_error *err)
{
	char *path = NULL;
	if (!from_dir || name[0] == '/')
		return profile_find(name, err);
	if (strchr(name, '/')) {
		if (asprintf(&path, "%s/%s", from_dir, name) < 0)
			mkfr_fail(err, ENOMEM, "inherit");
		return path;
	}
	if (asprintf(&path, "%s/%s.profile", from_dir, name) >= 0 && access(path, R_OK) == 0)
		return path;
	free(path);
	return profile_find(name, err);
}

/* Apply PATH (after its parents) onto p.  `chain` holds the real paths
 * already being loaded, to detect inheritance loops. */
static int apply_file(struct profile *p, const char *name, const char *from_dir,
		      char ***chain, struct mkfr_error *err)
{
	autofree char *path = NULL;

	path = find_inherited(name, from_dir, err);
	if (!path)
		return -1;

	char real[PATH_MAX];
	if (!realpath(path, real))
		return mkfr_fail(err, errno, "%s: cannot read profile", path);
	if (strv_contains(*chain, real)) {
		autofree char *loop = strv_join(*chain, " -> ");
		return mkfr_fail_usage(err, "%s: key 'inherit': inheritance loop: %s -> %s",
				       path, loop ? loop : "", real);
	}
	if (strv_length(*chain) >= MAX_INHERIT_DEPTH)
		return mkfr_fail_usage(err, "%s: key 'inherit': more than %d levels of inheritance",
				       path, MAX_INHERIT_DEPTH);
	if (strv_push(chain, real) < 0)
		return mkfr_fail(err, ENOMEM, "inherit");

	struct parsed_line *items = NULL;
	size_t n = 0;
	if (parse_file(path, &items, &n, err) < 0)
		return -1;

	autofree char *dircopy = strdup(real);
	const char *dir = dirname(dircopy);
	int r = 0;

	/* Validate every line first, so the first error in the file is the one
	 * reported, whatever its parents say. */
	for (size_t i = 0; i < n && r == 0; i++) {
		char where[PATH_MAX + 32];
		const struct profile_key *k;
		snprintf(where, sizeof(where), "%s:%d", path, items[i].line);
		r = check_assignment(where, items[i].key, items[i].value, &k, err);
	}
	/* Parents first, so this file's keys override theirs. */
	for (size_t i = 0; i < n && r == 0; i++)
		if (strcmp(items[i].key, "inherit") == 0) {
			r = apply_file(p, items[i].value, dir, chain, err);
			if (r < 0 && err->exit_code != MKFR_EXIT_USAGE) {
				/* e.g. parent not found: point at the line naming it */
				char where[PATH_MAX + 32];
				snprintf(where, sizeof(where), "%s:%d: key 'inherit'", path, items[i].line);
				mkfr_error_prefix(err, "%s", where);
				err->exit_code = MKFR_EXIT_USAGE;
			}
		}
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct profile_key *k = profile_key_find(items[i].key);
		char where[PATH_MAX + 32];
		snprintf(where, sizeof(where), "%s:%d", path, items[i].line);
		if (set_value(&p->values[key_index(k)], items[i].value, where, dir) < 0)
			r = mkfr_fail(err, ENOMEM, "%s", where);
	}
	free_lines(items, n);
	free((*chain)[strv_length(*chain) - 1]);
	(*chain)[strv_length(*chain) - 1] = NULL;
	return r;
}

int profile_load(const char *name, char *const *sets, struct profile **out,
		 struct mkfr_error *err)
{
	struct profile *p = calloc(1, sizeof(*p));
	if (!p)
		return mkfr_fail(err, ENOMEM, "profile");
	p->values = calloc(key_count(), sizeof(*p->values));
	p->name = strdup(name);
	p->path = profile_find(name, err);
	if (!p->path) {
		err->exit_code = MKFR_EXIT_USAGE;
		profile_free(p);
		return -1;
	}

	autostrv char **chain = calloc(1, sizeof(char *));
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
		autofree char *copy = strdup(sets[i]);
		char *eq = copy ? strchr(copy, '=') : NULL;
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
		if (set_value(&p->values[key_index(k)], value, "--set", cwd) < 0) {
			profile_free(p);
			return mkfr_fail(err, ENOMEM, "--set");
		}
	}

	for (const struct profile_key *k = profile_keys(); k->name; k++) {
		struct profile_value *v = &p->values[key_index(k)];
		if (v->value)
			continue;
		if (k->required) {
			mkfr_fail_usage(err, "%s: key '%s': required, but neither this profile, "
				       "a profile it inherits nor --set gives it", p->path, k->name);
			profile_free(p);
			return -1;
		}
		if (k->default_value && set_value(v, k->default_value, "default", NULL) < 0) {
			profile_free(p);
			return mkfr_fail(err, ENOMEM, "profile");
		}
	}
	*out = p;
	return 0;
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
		return strdup(item);
	if (asprintf(&out, "%s/%s", v->base_dir, item) < 0)
		return NULL;
	return out;
}

int profile_set_value(struct profile *p, const char *key, const char *value, const char *origin)
{
	const struct profile_key *k = profile_key_find(key);
	if (!k)
		abort();
	return set_value(&p->values[key_index(k)], value, origin, NULL);
}
