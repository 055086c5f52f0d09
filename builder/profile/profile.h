/* SPDX-License-Identifier: MIT */
/* Profiles: plain key=value files, resolved into one table of values.
 *
 * Resolution order (later wins): the inherited profile chain (`inherit=`,
 * parent first), this file, then each `--set key=value` from the command
 * line.  Every key is declared in profile_keys.c with its type and default;
 * anything else is an error that names FILE:LINE and the nearest known key. */
#ifndef MKFR_PROFILE_H
#define MKFR_PROFILE_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

enum profile_key_type {
	KEY_TEXT,      /* free text (description) */
	KEY_NAME,      /* a profile name or path (inherit) */
	KEY_WORD,      /* [a-z0-9][a-z0-9.+_-]* (suite) */
	KEY_ARCH,      /* a Debian architecture from the arch table */
	KEY_URL,       /* http://, https:// or file:// */
	KEY_ENUM,      /* one of key->choices */
	KEY_BOOL,      /* yes|no */
	KEY_PACKAGES,  /* comma list of Debian package names */
	KEY_WORDS,     /* comma list of words (components) */
	KEY_PATH,      /* a file path, relative to the profile's directory */
	KEY_PATHS,     /* comma list of such paths */
	KEY_DIRS,      /* colon list of directories (search paths) */
	KEY_HOSTNAME,  /* RFC 1123 host name */
	KEY_COUNT,     /* a whole number 1..64 */
	KEY_SIZE,      /* auto, or a size: digits and K, M, G or T */
	KEY_HEADROOM,  /* N% (0..1000) of the content, or a size */
	KEY_CHOICES,   /* comma list of key->choices, or no */
};

struct profile_key {
	const char *name;
	enum profile_key_type type;
	const char *default_value; /* NULL: unset unless given */
	bool required;
	const char *const *choices; /* KEY_ENUM */
	const char *doc;            /* one line, for --help-keys and the man page */
};

const struct profile_key *profile_keys(void);     /* NULL-name terminated */
const struct profile_key *profile_key_find(const char *name);
/* Nearest known key within a small edit distance, or NULL. */
const char *profile_key_suggest(const char *unknown);
/* The type's name, for `keys --json` ("enum", "bool", "path", ...). */
const char *profile_key_type_name(enum profile_key_type type);
/* Every value the key takes, for a key with a fixed set (enum, bool,
 * choices, arch): a new vector; NULL for an open-ended key. */
char **profile_key_values(const struct profile_key *key);
/* Check a value for a key; on failure *why says what is wrong. */
bool profile_value_valid(const struct profile_key *key, const char *value, const char **why);

struct profile_value {
	char *value;       /* NULL if unset */
	char *origin;      /* "FILE:LINE" or "--set" or "default" */
	char *base_dir;    /* directory that relative paths are resolved against */
};

struct profile {
	char *name;   /* as asked for (shipped name or path) */
	char *path;   /* the file it was read from */
	struct profile_value *values; /* indexed like profile_keys() */
};

/* Load NAME (a name on the search path, "shipped:NAME", or a path), apply
 * `sets` ("key=value" strings), apply defaults and check required keys.
 * Errors exit with code 2. */
int profile_load(const char *name, char *const *sets, struct profile **out,
		 struct mkfr_error *err);
/* As profile_load without sets, except that a required key may be
 * missing (a base profile, made to be inherited): for `profiles`. */
int profile_inspect(const char *name, struct profile **out, struct mkfr_error *err);
void profile_free(struct profile *p);
const char *profile_get(const struct profile *p, const char *key);
bool profile_get_bool(const struct profile *p, const char *key);
/* Comma-separated list value as a vector (never NULL on success). */
char **profile_get_list(const struct profile *p, const char *key);
/* A KEY_PATH/KEY_PATHS item made absolute against its origin's directory. */
char *profile_resolve_path(const struct profile *p, const char *key, const char *item);
const char *profile_origin(const struct profile *p, const char *key);
/* The directory a key's relative paths are taken from (its profile's, or
 * the working directory for --set), or NULL. */
const char *profile_base_dir(const struct profile *p, const char *key);
/* Set a value after loading (e.g. a default discovered from the host). */
void profile_set_value(struct profile *p, const char *key, const char *value, const char *origin);

/* "shipped:NAME" (as --profile or inherit=) is the profile NAME of the
 * installed data directory, whatever the directories before it on the
 * search path hold: a user's ~/.config/mkforeignroot/profiles/X.profile
 * that refines the shipped X says `inherit = shipped:X`. */
#define PROFILE_SHIPPED_PREFIX "shipped:"

/* Profile search directories, in order (see profile_path.c); the last is
 * the shipped one. */
char **profile_search_dirs(void);
/* Find the file for a name on the search path, "shipped:NAME" or a path;
 * NULL with *err if not found (suggesting the nearest name). */
char *profile_find(const char *name, struct mkfr_error *err);

/* One profile of `mkforeignroot profiles`. */
struct profile_listing {
	char *name;         /* as --profile takes it */
	char *path;
	char *description;  /* its own description= line, or NULL */
	bool base;          /* no suite or arch even with what it inherits: only inherited */
	bool shadows_shipped; /* a shipped profile of this name is hidden (shipped:NAME) */
	char *error;        /* why it cannot be used (parse error, untrusted...), or NULL */
};
/* Every profile on the search path, by directory then name; an earlier
 * directory's hides a later one's of the same name.  Each is loaded (its
 * inheritance followed, every key checked) to tell a usable profile, a
 * base profile and a broken one apart. */
void profile_list(struct profile_listing **out, size_t *n);
void profile_listing_free(struct profile_listing *l, size_t n);

#endif
