/* SPDX-License-Identifier: MIT */
/* The base cache on its own: what changes the key and what does not, and an
 * entry's life (store, lookup marks it used, list, remove) in a cache
 * directory of the test's.  Needs root (the snapshot keeps owners). */
#include "cache/base_cache.h"
#include "sys/signals.h"
#include "tap.h"

#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char base[] = "/tmp/mkfr-test-base-cache-XXXXXX";

#define DEB(n, v, a, h) { .package = n, .version = v, .architecture = a, .sha256 = h }
static struct deb_package debs[] = {
	DEB("libc6", "2.36-9+deb12u4", "armel", "1111111111111111111111111111111111111111111111111111111111111111"),
	DEB("bash", "5.2.15-2+b2", "armel", "2222222222222222222222222222222222222222222222222222222222222222"),
	DEB("dpkg", "1.21.22", "armel", "3333333333333333333333333333333333333333333333333333333333333333"),
};

static struct base_cache_inputs inputs(void)
{
	return (struct base_cache_inputs){
		.tool_version = "1.0",
		.debootstrap_version = "debootstrap 1.0.128+nmu2+deb12u1",
		.emulator_version = "qemu-arm version 7.2.13",
		.binfmt = "private",
		.unpack = "auto",
		.suite = "bookworm",
		.arch = "armel",
		.variant = "minbase",
		.components = "main",
		.mirror = "http://mirror.invalid/debian",
		.debs = debs,
		.deb_count = 3,
	};
}

/* The key id of `in`, into id. */
static void key_id(const struct base_cache_inputs *in, char id[65])
{
	struct base_cache_key k;
	struct mkfr_error err = { 0 };
	if (base_cache_key_make(in, &k, &err) < 0) {
		printf("Bail out! %s\n", err.msg);
		exit(1);
	}
	memcpy(id, k.id, 65);
	base_cache_key_free(&k);
}

static void test_key(void)
{
	struct base_cache_inputs in = inputs();
	char a[65], b[65];
	key_id(&in, a);
	key_id(&in, b);
	ok(strlen(a) == 64 && !strcmp(a, b), "the same inputs give the same key");

	struct deb_package reordered[] = { debs[2], debs[0], debs[1] };
	in.debs = reordered;
	key_id(&in, b);
	ok(!strcmp(a, b), "the order the set was resolved in does not matter");

	struct base_cache_key k;
	struct mkfr_error err = { 0 };
	in = inputs();
	ok(base_cache_key_make(&in, &k, &err) == 0, "key text made");
	contains(k.text, "\ndeb=bash 5.2.15-2+b2 armel 2222", "it lists each .deb with version and SHA256");
	contains(k.text, "\ndebootstrap=debootstrap 1.0.128", "and the debootstrap version");
	ok(strstr(k.text, "deb=bash") < strstr(k.text, "deb=dpkg") &&
	   strstr(k.text, "deb=dpkg") < strstr(k.text, "deb=libc6"), "the .debs sorted by name");
	base_cache_key_free(&k);

	/* Each input on its own changes the key. */
	struct deb_package newer[3];
	memcpy(newer, debs, sizeof(newer));
	newer[1].version = "5.2.15-2+b3";
	struct deb_package rebuilt[3];
	memcpy(rebuilt, debs, sizeof(rebuilt));
	rebuilt[2].sha256 = "4444444444444444444444444444444444444444444444444444444444444444";
	static const char *const what[] = {
		"a new package version", "a rebuilt .deb (SHA256)", "one package less", "the debootstrap version",
		"the emulator version", "our version", "the binfmt mode", "the variant", "the components",
		"an extra package", "an exclude", "the mirror", "SOURCE_DATE_EPOCH", "the suite",
		"the unpack mode asked for", "a build without root",
	};
	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		in = inputs();
		switch (i) {
		case 0: in.debs = newer; break;
		case 1: in.debs = rebuilt; break;
		case 2: in.deb_count = 2; break;
		case 3: in.debootstrap_version = "debootstrap 1.0.128+nmu2+deb12u2"; break;
		case 4: in.emulator_version = "qemu-arm version 7.2.15"; break;
		case 5: in.tool_version = "1.1"; break;
		case 6: in.binfmt = "global"; break;
		case 7: in.variant = "buildd"; break;
		case 8: in.components = "main,contrib"; break;
		case 9: in.packages = "iputils-ping"; break;
		case 10: in.exclude = "e2fsprogs"; break;
		case 11: in.mirror = "http://other.invalid/debian"; break;
		case 12: in.source_date_epoch = "1700000000"; break;
		case 13: in.suite = "trixie"; break;
		case 14: in.unpack = "emulated"; break;
		case 15: in.rootless = true; break;
		}
		key_id(&in, b);
		ok(strcmp(a, b) != 0, "%s changes the key", what[i]);
	}
}

static void test_entry(void)
{
	char cache[700], tree[700], path[900];
	snprintf(cache, sizeof(cache), "%s/cache", base);
	snprintf(tree, sizeof(tree), "%s/tree", base);
	mkdir(tree, 0755);
	snprintf(path, sizeof(path), "%s/etc", tree);
	mkdir(path, 0755);
	tap_write_file(tree, "etc/debian_version", "12.8\n");

	struct base_cache_inputs in = inputs();
	struct base_cache_key k;
	struct mkfr_error err = { 0 };
	ok(base_cache_key_make(&in, &k, &err) == 0, "a key");
	ok(base_cache_lookup(cache, &k) == NULL, "an empty cache has no entry");
	struct base_cache_entry *list;
	size_t n = 99;
	ok(base_cache_list(cache, &list, &n, &err) == 0 && n == 0, "and lists none (no base/ yet)");

	struct tar_options o = { .format = OUTPUT_TAR_ZST };
	struct tar_stats stats;
	ok(base_cache_store(cache, &k, tree, &o, &stats, &err) == 0, "stored (%s)", err.msg);
	ok(stats.entries == 3, "a snapshot of the tree (%llu entries)", (unsigned long long)stats.entries);
	snprintf(path, sizeof(path), "%s/tmp", cache);
	ok(tap_count_entries(path) == 0, "no temporary file left in tmp/");

	/* An old last use, then a lookup makes it now. */
	snprintf(path, sizeof(path), "%s/base/%s.key", cache, k.id);
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	ok(utimensat(AT_FDCWD, path, old, 0) == 0, "the entry was last used in 2001");
	char *snap = base_cache_lookup(cache, &k);
	ok(snap && strstr(snap, k.id) && access(snap, R_OK) == 0, "lookup finds the snapshot");
	free(snap);
	struct stat st;
	ok(stat(path, &st) == 0 && st.st_mtime > time(NULL) - 60, "lookup marks it used now");

	ok(base_cache_list(cache, &list, &n, &err) == 0 && n == 1, "list: one entry");
	if (n == 1) {
		ok(!strcmp(list[0].id, k.id) && list[0].packages == 3 && !strcmp(list[0].suite, "bookworm") &&
		   !strcmp(list[0].arch, "armel") && !strcmp(list[0].variant, "minbase") && list[0].bytes > 0,
		   "list: id, suite, arch, variant, 3 packages, its size");
		base_cache_entries_free(list, n);
	}

	ok(base_cache_remove(cache, k.id, &err) == 0, "remove");
	ok(base_cache_lookup(cache, &k) == NULL && access(path, F_OK) != 0, "gone: no snapshot, no key");
	ok(base_cache_remove(cache, k.id, &err) == 0, "removing it again is not an error");
	base_cache_key_free(&k);
}

/* Ctrl-C while the snapshot is written: no entry, no key, no temp file. */
static void test_interrupted_store(void)
{
	char cache[700], tree[700], path[900];
	snprintf(cache, sizeof(cache), "%s/cache-int", base);
	snprintf(tree, sizeof(tree), "%s/tree", base);
	struct base_cache_inputs in = inputs();
	struct base_cache_key k;
	struct mkfr_error err = { 0 };
	ok(base_cache_key_make(&in, &k, &err) == 0, "interrupted: a key");
	signals_install();
	raise(SIGINT); /* as Ctrl-C: the handler records it */
	struct tar_options o = { .format = OUTPUT_TAR_ZST };
	ok(base_cache_store(cache, &k, tree, &o, NULL, &err) < 0, "interrupted: the store fails");
	contains(err.msg, "interrupted", "interrupted: and says so");
	snprintf(path, sizeof(path), "%s/base", cache);
	int in_base = tap_count_entries(path);
	snprintf(path, sizeof(path), "%s/tmp", cache);
	ok(in_base == 0 && tap_count_entries(path) == 0, "interrupted: no snapshot, key or temp file");
	base_cache_key_free(&k);
}

int main(void)
{
	if (geteuid() != 0)
		tap_skip_all("needs root (snapshots keep owners)");
	if (!mkdtemp(base)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_key();
	test_entry();
	test_interrupted_store(); /* last: it leaves a SIGINT pending */
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", base);
	return tap_done();
}
