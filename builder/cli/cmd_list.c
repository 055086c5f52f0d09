/* `profiles`, `keys`, `arches`: what a build can be asked for. */
#include "cache/layout.h"
#include "cli/commands.h"
#include "profile/profile.h"
#include "util/arch.h"
#include "util/error.h"

#include <stdio.h>
#include <string.h>

int cmd_profiles(int argc, char **argv)
{
	struct mkfr_error err;
	(void)argc;
	(void)argv;
	return profile_list(&err) < 0 ? MKFR_EXIT_FAILURE : 0;
}

/* The default `keys` shows: the table's, or for keys whose default is
 * decided at run time, the value it would take now. */
static const char *shown_default(const struct profile_key *k)
{
	if (strcmp(k->name, "cache_dir") == 0)
		return cache_default_dir();
	return k->default_value;
}

int cmd_keys(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (const struct profile_key *k = profile_keys(); k->name; k++) {
		const char *def = shown_default(k);
		bool show = def && *def;
		printf("%-18s %-10s %s%s%s%s\n", k->name, k->required ? "required" : "", k->doc,
		       show ? " [default: " : "", show ? def : "", show ? "]" : "");
	}
	return 0;
}

int cmd_arches(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	size_t n;
	const struct debian_arch *a = arch_table(&n);
	printf("%-10s %-26s %-24s %s\n", "# debian", "triplet", "emulator", "oci platform");
	for (size_t i = 0; i < n; i++) {
		char oci[64] = "-";
		if (a[i].oci_arch)
			snprintf(oci, sizeof(oci), "linux/%s%s%s", a[i].oci_arch, a[i].oci_variant ? "/" : "",
				 a[i].oci_variant ? a[i].oci_variant : "");
		char emu[64];
		snprintf(emu, sizeof(emu), "qemu-%s-static", a[i].qemu);
		printf("%-10s %-26s %-24s %s\n", a[i].name, a[i].triplet, emu, oci);
	}
	return 0;
}
