/* SPDX-License-Identifier: MIT */
/* Fuzzes the Packages index parser and debootstrap's package-set resolver.
 *
 * The input is split at lines "%%" into: the first component's Packages
 * index, a second component's index, --include names, --exclude names
 * (blank or comma separated) and the Release's Codename.  Each index is
 * parsed (packages_index_parse); when both parse, package_set_resolve runs
 * over them with every variant, for an http or an https mirror (by the
 * input's length: both, across inputs, at half the cost).
 *
 * Asserts: every parsed stanza has a Package, its .deb file name has no
 * '/', a copy of it compares equal; the set's required part and its base
 * part are each sorted and without duplicates and share no name; an item's
 * stanza has the item's name and comes from the first index that has the
 * name (NULL only when no index has it); every --include name that is not
 * also excluded is in the set.  Leaks are caught by ASan. */
#include "fuzz_util.h"

#include "archive/package_set.h"
#include "archive/packages_index.h"
#include "util/strv.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_index(const struct packages_index *idx)
{
	for (size_t i = 0; i < idx->count; i++) {
		const struct deb_package *p = &idx->packages[i];
		fuzz_assert(p->package, "stanza %zu without Package", i);
		char *file = deb_package_file_name(p);
		if (file) {
			fuzz_assert(!strchr(file, '/'), "file name '%s'", file);
			free(file);
		}
		struct deb_package copy;
		deb_package_copy(&copy, p);
		fuzz_assert(strcmp(copy.package, p->package) == 0 && copy.size == p->size &&
				    copy.essential == p->essential,
			    "copy of %s differs", p->package);
		deb_package_free(&copy);
		fuzz_assert(packages_index_find(idx, p->package), "%s not found", p->package);
	}
}

static char **names_from(const char *text)
{
	char **names = strv_new();
	char *copy = strdup(text);
	char *save = NULL;
	if (!copy)
		abort();
	for (char *w = strtok_r(copy, " \t\n,", &save); w; w = strtok_r(NULL, " \t\n,", &save))
		if (strv_length(names) < 16)
			strv_push(&names, w);
	free(copy);
	return names;
}

/* The index (0 or 1) of the first of `idx` that has `name`, or -1. */
static int first_index_with(const struct packages_index *idx, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (packages_index_find(&idx[i], name))
			return (int)i;
	return -1;
}

static bool set_has(const struct package_set *set, const char *name)
{
	for (size_t i = 0; i < set->count; i++)
		if (strcmp(set->items[i].name, name) == 0)
			return true;
	return false;
}

static void check_set(const struct package_set *set, const struct package_set_request *req)
{
	fuzz_assert(set->required_count <= set->count, "%zu required of %zu", set->required_count,
		    set->count);
	for (size_t i = 0; i < set->count; i++) {
		const struct package_set_item *it = &set->items[i];
		fuzz_assert(it->name && it->name[0], "item %zu without a name", i);
		if (i > 0 && i != set->required_count)
			fuzz_assert(strcmp(set->items[i - 1].name, it->name) < 0,
				    "'%s' before '%s'", set->items[i - 1].name, it->name);
		if (i < set->required_count)
			for (size_t j = set->required_count; j < set->count; j++)
				fuzz_assert(strcmp(set->items[j].name, it->name) != 0,
					    "%s both required and base", it->name);
		int first = first_index_with(req->indexes, req->index_count, it->name);
		if (!it->package) {
			fuzz_assert(first < 0, "%s has a stanza but none was chosen", it->name);
			continue;
		}
		fuzz_assert(strcmp(it->package->package, it->name) == 0, "%s has the stanza of %s",
			    it->name, it->package->package);
		const struct packages_index *from = &req->indexes[first];
		fuzz_assert(it->package >= from->packages && it->package < from->packages + from->count,
			    "%s: the stanza is not from the first index that has it", it->name);
	}
	for (char *const *inc = req->include; inc && *inc; inc++)
		if (!strv_contains(req->exclude, *inc))
			fuzz_assert(set_has(set, *inc), "--include %s missing", *inc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *parts[5];
	size_t lens[5];
	size_t n = fuzz_split(data, size, "\n%%\n", parts, lens, 5);

	struct packages_index idx[2] = { { 0 }, { 0 } };
	struct mkfr_error err = { 0 };
	size_t parsed = 0;
	for (size_t i = 0; i < 2; i++) {
		if (packages_index_parse(i < n ? parts[i] : "", "fuzz", &idx[i], &err) < 0) {
			fuzz_assert(err.msg[0], "failure without a message");
			fuzz_assert(idx[i].count == 0 && !idx[i].packages, "failure left stanzas");
			break;
		}
		check_index(&idx[i]);
		parsed++;
	}

	if (parsed == 2) {
		char **include = names_from(n > 2 ? parts[2] : "");
		char **exclude = names_from(n > 3 ? parts[3] : "");
		char *codename = n > 4 ? strndup(parts[4], strcspn(parts[4], "\n")) : NULL;
		const enum package_set_variant variants[] = { PACKAGE_SET_MINBASE, PACKAGE_SET_BUILDD,
							      PACKAGE_SET_STANDARD };
		for (size_t v = 0; v < 3; v++) {
			struct package_set_request req = {
				.indexes = idx,
				.index_count = 2,
				.codename = codename,
				.variant = variants[v],
				.include = include,
				.exclude = exclude,
				.https_mirror = (size + v) % 2,
			};
			struct package_set set;
			fuzz_assert(package_set_resolve(&req, &set, &err) == 0, "%s", err.msg);
			check_set(&set, &req);
			package_set_free(&set);
		}
		free(codename);
		strv_free(include);
		strv_free(exclude);
	}
	packages_index_free(&idx[0]);
	packages_index_free(&idx[1]);
	free(parts[0]);
	return 0;
}
