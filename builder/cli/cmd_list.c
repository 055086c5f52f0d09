/* SPDX-License-Identifier: MIT */
/* `profiles`, `keys`, `arches`: what a build can be asked for, as text for
 * people or (--json) one JSON document for scripts. */
#include "cache/layout.h"
#include "cli/commands.h"
#include "cli/json_output.h"
#include "out/oci.h"
#include "profile/profile.h"
#include "util/arch.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strv.h"

#include <stdio.h>
#include <string.h>

/* The one option these take: --json.  Anything else is a usage error. */
static int parse_list_args(int argc, char **argv, bool *json)
{
	*json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			*json = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("Usage: mkforeignroot %s [--json]\n", argv[0]);
			return 0;
		} else {
			log_error("%s: unexpected argument '%s' (it takes only --json)", argv[0], argv[i]);
			return MKFR_EXIT_USAGE;
		}
	}
	return -1; /* go on */
}

/* A profile others inherit is a "base-profile": the bare word is the name
 * of a cache_dir part, which only cache/layout.c spells (check-layers.sh). */
static const char *profile_kind(const struct profile_listing *l)
{
	return l->error ? "broken" : l->base ? "base-profile" : "profile";
}

static int profiles_json(const struct profile_listing *l, size_t n)
{
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_output_string(l[i].name));
		json_object_object_add(o, "path", json_output_string(l[i].path));
		json_object_object_add(o, "kind", json_output_string(profile_kind(&l[i])));
		json_object_object_add(o, "description", json_output_string(l[i].description));
		json_object_object_add(o, "shadows_shipped", json_object_new_boolean(l[i].shadows_shipped));
		json_object_object_add(o, "error", json_output_string(l[i].error));
		json_object_array_add(list, o);
	}
	json_object *root = json_object_new_object();
	json_object_object_add(root, "profiles", list);
	return json_output_print(root);
}

int cmd_profiles(int argc, char **argv)
{
	bool json;
	int r = parse_list_args(argc, argv, &json);
	if (r >= 0)
		return r;
	struct profile_listing *l;
	size_t n;
	profile_list(&l, &n);
	if (json) {
		r = profiles_json(l, n);
		profile_listing_free(l, n);
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		if (l[i].error) {
			printf("%-20s (cannot be used: %s)\n", l[i].name, l[i].error);
			continue;
		}
		printf("%-20s %s%s%s%s%s\n", l[i].name, l[i].description ? l[i].description : "",
		       l[i].base ? " (base profile, inherited by others)" : "",
		       l[i].shadows_shipped ? " (hides the shipped one: " PROFILE_SHIPPED_PREFIX : "",
		       l[i].shadows_shipped ? l[i].name : "", l[i].shadows_shipped ? ")" : "");
	}
	profile_listing_free(l, n);
	return 0;
}

/* The default `keys` shows: the table's, or for keys whose default is
 * decided at run time, the value it would take now. */
static const char *shown_default(const struct profile_key *k)
{
	if (strcmp(k->name, "cache_dir") == 0)
		return cache_default_dir();
	return k->default_value;
}

static int keys_json(void)
{
	json_object *list = json_object_new_array();
	for (const struct profile_key *k = profile_keys(); k->name; k++) {
		json_object *o = json_object_new_object();
		const char *def = shown_default(k);
		json_object_object_add(o, "name", json_output_string(k->name));
		json_object_object_add(o, "type", json_output_string(profile_key_type_name(k->type)));
		json_object_object_add(o, "required", json_object_new_boolean(k->required));
		json_object_object_add(o, "default", json_output_string(def && *def ? def : NULL));
		autostrv char **values = profile_key_values(k);
		json_object *vals = NULL;
		if (values) {
			vals = json_object_new_array();
			for (size_t i = 0; values[i]; i++)
				json_object_array_add(vals, json_object_new_string(values[i]));
		}
		json_object_object_add(o, "values", vals);
		json_object_object_add(o, "doc", json_output_string(k->doc));
		json_object_array_add(list, o);
	}
	json_object *root = json_object_new_object();
	json_object_object_add(root, "keys", list);
	return json_output_print(root);
}

int cmd_keys(int argc, char **argv)
{
	bool json;
	int r = parse_list_args(argc, argv, &json);
	if (r >= 0)
		return r;
	if (json)
		return keys_json();
	for (const struct profile_key *k = profile_keys(); k->name; k++) {
		const char *def = shown_default(k);
		bool show = def && *def;
		autostrv char **values = profile_key_values(k);
		autofree char *joined = values ? strv_join(values, " ") : NULL;
		printf("%-18s %-10s %s%s%s%s%s%s%s\n", k->name, k->required ? "required" : "", k->doc,
		       show ? " [default: " : "", show ? def : "", show ? "]" : "",
		       joined ? " [values: " : "", joined ? joined : "", joined ? "]" : "");
	}
	return 0;
}

int cmd_arches(int argc, char **argv)
{
	bool json;
	int r = parse_list_args(argc, argv, &json);
	if (r >= 0)
		return r;
	size_t n;
	const struct debian_arch *a = arch_table(&n);
	json_object *list = json ? json_object_new_array() : NULL;
	if (!json)
		printf("%-10s %-26s %-24s %s\n", "# debian", "triplet", "emulator", "oci platform");
	for (size_t i = 0; i < n; i++) {
		char oci[64] = "", emu[64] = "";
		struct mkfr_error no_platform;
		if (oci_platform_string(&a[i], oci, sizeof(oci), &no_platform) < 0)
			oci[0] = '\0';
		if (a[i].qemu)
			snprintf(emu, sizeof(emu), "qemu-%s-static", a[i].qemu);
		if (!json) {
			printf("%-10s %-26s %-24s %s\n", a[i].name, a[i].triplet, emu[0] ? emu : "-",
			       oci[0] ? oci : "-");
			continue;
		}
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_output_string(a[i].name));
		json_object_object_add(o, "triplet", json_output_string(a[i].triplet));
		json_object_object_add(o, "qemu_target", json_output_string(a[i].qemu));
		json_object_object_add(o, "emulator", json_output_string(emu[0] ? emu : NULL));
		json_object_object_add(o, "oci_platform", json_output_string(oci[0] ? oci : NULL));
		json_object_array_add(list, o);
	}
	if (!json)
		return 0;
	json_object *root = json_object_new_object();
	json_object_object_add(root, "arches", list);
	return json_output_print(root);
}
