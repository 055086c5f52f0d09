/* SPDX-License-Identifier: MIT */
/* Fuzzes profile_load with an inheritance chain and --set values.
 *
 * The input is split at lines "%%" into a parent profile, a child profile
 * and up to four --set strings.  The child is what is loaded; unless its
 * text names a parent itself, "inherit=parent" is put in front of it, so a
 * chain of two files is always read (parent.profile sits beside it, where
 * a bare name is looked for first).  The parent may inherit the child (a
 * loop), itself, a shipped profile or any path.
 *
 * Asserts: a failure is a bad-input failure (exit code 2) with a message;
 * a success has every required key, every value accepted by its key's type
 * and free of control characters, an origin for every value, and lists
 * and paths that can be read back.  Leaks are caught by ASan. */
#include "fuzz_util.h"

#include "profile/profile.h"
#include "util/strv.h"

#include <stddef.h>
#include <stdint.h>

static char *parent_path, *child_path;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_scratch();
	parent_path = fuzz_path("parent.profile");
	child_path = fuzz_path("child.profile");
	return 0;
}

static void check_loaded(const struct profile *p)
{
	for (const struct profile_key *k = profile_keys(); k->name; k++) {
		const char *v = profile_get(p, k->name);
		const char *why = NULL;
		if (k->required)
			fuzz_assert(v, "required key %s unset", k->name);
		if (!v)
			continue;
		for (const char *c = v; *c; c++)
			fuzz_assert((unsigned char)*c >= 0x20 && *c != 0x7f,
				    "key %s: control character in '%s'", k->name, v);
		fuzz_assert(profile_value_valid(k, v, &why), "key %s: invalid value '%s' kept",
			    k->name, v);
		fuzz_assert(strcmp(profile_origin(p, k->name), "unset") != 0, "key %s: no origin",
			    k->name);
		if (k->type == KEY_PACKAGES || k->type == KEY_WORDS || k->type == KEY_PATHS) {
			char **items = profile_get_list(p, k->name);
			fuzz_assert(items, "key %s: no list", k->name);
			for (size_t i = 0; items[i]; i++) {
				fuzz_assert(items[i][0], "key %s: empty list item", k->name);
				if (k->type == KEY_PATHS) {
					char *abs = profile_resolve_path(p, k->name, items[i]);
					free(abs);
				}
			}
			strv_free(items);
		}
		if (k->type == KEY_PATH) {
			char *abs = profile_resolve_path(p, k->name, v);
			free(abs);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *parts[6];
	size_t lens[6];
	size_t n = fuzz_split(data, size, "\n%%\n", parts, lens, 6);

	fuzz_write_file(parent_path, parts[0], lens[0]);
	if (n > 1 && memmem(parts[1], lens[1], "inherit", 7)) {
		fuzz_write_file(child_path, parts[1], lens[1]);
	} else {
		static const char inherit[] = "inherit=parent\n";
		const char *text = n > 1 ? parts[1] : "";
		size_t len = n > 1 ? lens[1] : 0;
		char *child = malloc(sizeof(inherit) + len);
		if (!child)
			abort();
		memcpy(child, inherit, sizeof(inherit) - 1);
		memcpy(child + sizeof(inherit) - 1, text, len);
		fuzz_write_file(child_path, child, sizeof(inherit) - 1 + len);
		free(child);
	}

	/* --set strings are C strings (argv): each ends at its first NUL. */
	char *sets[5] = { NULL };
	for (size_t i = 2; i < n; i++)
		sets[i - 2] = parts[i];

	struct profile *p = NULL;
	struct mkfr_error err = { 0 };
	if (profile_load(child_path, sets, &p, &err) == 0) {
		check_loaded(p);
		profile_free(p);
	} else {
		fuzz_assert(err.exit_code == MKFR_EXIT_USAGE, "exit code %d for: %s", err.exit_code,
			    err.msg);
		fuzz_assert(err.msg[0], "failure without a message");
	}
	free(parts[0]);
	return 0;
}
