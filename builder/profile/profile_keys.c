/* SPDX-License-Identifier: MIT */
/* The one table of profile keys: type, default, whether required, and the
 * line of documentation shown by `mkforeignroot keys` and in the man page. */
#include "profile/profile.h"
#include "util/arch.h"
#include "util/hostname.h"
#include "util/number.h"
#include "util/strv.h"
#include "util/suggest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const variant_choices[] = { "minbase", "buildd", "standard", NULL };
static const char *const binfmt_choices[] = { "auto", "private", "global", NULL };
static const char *const qemu_choices[] = { "static", "fix-binary", "dynamic", NULL };
static const char *const emulator_source_choices[] = { "auto", "host", "mirror", NULL };
static const char *const unpack_choices[] = { "auto", "native", "emulated", NULL };
static const char *const scratch_choices[] = { "auto", "memory", "disk", NULL };
static const char *const format_choices[] = { "dir", "tar", "tar.gz", "tar.xz", "tar.zst", "ext4",
					      "squashfs", "erofs", "oci", "oci.tar", NULL };
/* What squashfs-tools 4.5 and erofs-utils 1.5 (Debian 12) can write. */
static const char *const squashfs_choices[] = { "gzip", "xz", "zstd", "lz4", "lzo", NULL };
static const char *const erofs_choices[] = { "none", "lz4", "lz4hc", NULL };
static const char *const sbom_choices[] = { "spdx", "cyclonedx", NULL };

static const struct profile_key keys[] = {
	{ "description", KEY_TEXT, "", false, NULL,
	  "One line shown by `mkforeignroot profiles`." },
	{ "inherit", KEY_NAME, NULL, false, NULL,
	  "Profile (name or path) whose keys this one starts from." },
	{ "suite", KEY_WORD, NULL, true, NULL,
	  "Debian suite or code name, e.g. bookworm." },
	{ "arch", KEY_ARCH, NULL, true, NULL,
	  "Debian architecture of the rootfs, e.g. armel, arm64, riscv64." },
	{ "mirror", KEY_URL, NULL, false, NULL,
	  "Archive URL; default: the Debian mirror in the host's apt sources." },
	{ "components", KEY_WORDS, "main", false, NULL,
	  "Archive components, comma-separated." },
	{ "variant", KEY_ENUM, "minbase", false, variant_choices,
	  "debootstrap variant: minbase (essential + apt), buildd, or standard." },
	{ "packages", KEY_PACKAGES, "", false, NULL,
	  "Extra packages to install, comma-separated." },
	{ "exclude", KEY_PACKAGES, "", false, NULL,
	  "Packages to leave out of the base set, comma-separated." },
	{ "keyring", KEY_PATH, NULL, false, NULL,
	  "Keyring that signs the suite's Release file; default: debootstrap's." },
	{ "hooks", KEY_PATHS, "", false, NULL,
	  "Extra cleanup hooks, comma-separated, run after the shipped ones and hook_dir's (the older "
	  "name of cleanup_hooks, run before it)." },
	{ "hook_dir", KEY_PATH, NULL, false, NULL,
	  "A directory of hooks: at each phase its executables whose names start with the phase's "
	  "name (setup01, customize-motd.sh ...), sorted, as mmdebstrap's --hook-dir." },
	{ "setup_hooks", KEY_PATHS, "", false, NULL,
	  "Hooks run on the host before fetch, on an empty rootfs: executables, or built-in helpers "
	  "(copy-in HOSTPATH PATH, copy-out PATH HOSTPATH, append PATH LINE, enable-unit UNIT), "
	  "comma-separated.  Turns the base cache off." },
	{ "extract_hooks", KEY_PATHS, "", false, NULL,
	  "Hooks run after the first stage, before emulation (unpacked, not configured), as "
	  "setup_hooks.  Turns the base cache off." },
	{ "essential_hooks", KEY_PATHS, "", false, NULL,
	  "Hooks run after the second stage, under emulation (configured), as setup_hooks.  Turns "
	  "the base cache off." },
	{ "customize_hooks", KEY_PATHS, "", false, NULL,
	  "Hooks run after the extra packages and the base snapshot, under emulation, as "
	  "setup_hooks; they run on base cache hits too." },
	{ "cleanup_hooks", KEY_PATHS, "", false, NULL,
	  "Hooks run in the cleanup stage after the shipped ones and `hooks`, as setup_hooks." },
	{ "hostname", KEY_HOSTNAME, "localhost", false, NULL,
	  "Written to /etc/hostname of the rootfs (instead of the build host's name)." },
	{ "check_valid_until", KEY_BOOL, "yes", false, NULL,
	  "no: apt in the rootfs accepts an expired Release (old releases such as jessie)." },
	{ "binfmt", KEY_ENUM, "auto", false, binfmt_choices,
	  "private: binfmt_misc entry only in a user namespace of the build (Linux >= 6.7); "
	  "global: a temporary entry in the host's; auto: private where possible." },
	{ "qemu", KEY_ENUM, "static", false, qemu_choices,
	  "static: copy qemu-<t>-static into the rootfs; fix-binary: F flag, nothing copied; "
	  "dynamic: the shared qemu-<t> with its libraries and a static launcher." },
	{ "scratch", KEY_ENUM, "auto", false, scratch_choices,
	  "Where a rootfs that is not OUT itself (OUT a tarball or an image) is built: memory (a "
	  "tmpfs of this run), disk (next to OUT), or auto (memory when it fits in half the memory "
	  "available)." },
	{ "unpack", KEY_ENUM, "auto", false, unpack_choices,
	  "Who unpacks the second stage's packages: native (the host's dpkg; maintainer scripts "
	  "still run under emulation), emulated (the target's dpkg), or auto (native where the "
	  "host's dpkg fits the target's)." },
	{ "emulator_source", KEY_ENUM, "auto", false, emulator_source_choices,
	  "host: the host's emulator only; mirror: qemu-user-static from the profile's mirror "
	  "(verified, cached, not installed); auto: the host's, else the mirror's." },
	{ "cache_dir", KEY_PATH, NULL, false, NULL,
	  "Where downloads are kept between builds: .debs, indexes, emulators from the mirror, "
	  "base snapshots; default: $MKFR_CACHE_DIR, else the system cache directory." },
	{ "base_cache", KEY_BOOL, "yes", false, NULL,
	  "yes: keep the configured base (after the second stage) in cache_dir/base and reuse it "
	  "while suite, packages and versions are unchanged; no: always run both stages." },
	{ "connections", KEY_COUNT, "8", false, NULL,
	  "Parallel downloads from the mirror." },
	{ "proxy", KEY_URL, NULL, false, NULL,
	  "HTTP proxy for every download (e.g. an apt-cacher-ng); default: http_proxy etc." },
	{ "format", KEY_ENUM, NULL, false, format_choices,
	  "What OUT becomes: the rootfs directory, a pax tarball (gzip, xz or zstd compressed), an "
	  "ext4, squashfs or erofs image, or an OCI image layout (a directory, or oci.tar); default: "
	  "from OUT's name (*.tar, *.tar.gz, *.tgz, *.tar.xz, *.tar.zst, *.ext4, *.squashfs, *.sqfs, "
	  "*.erofs, *.oci, *.oci.tar), else dir." },
	{ "image_size", KEY_SIZE, "auto", false, NULL,
	  "format=ext4: the image's size (e.g. 2G, 512M); auto: the content plus image_headroom." },
	{ "image_headroom", KEY_HEADROOM, "20%", false, NULL,
	  "format=ext4 with image_size=auto: free space left in the filesystem, as a percentage of "
	  "the content (20%) or a size (256M)." },
	{ "squashfs_compression", KEY_ENUM, "zstd", false, squashfs_choices,
	  "format=squashfs: the compressor mksquashfs uses." },
	{ "erofs_compression", KEY_ENUM, "lz4hc", false, erofs_choices,
	  "format=erofs: the compressor mkfs.erofs uses (none: uncompressed)." },
	{ "sbom", KEY_CHOICES, "no", false, sbom_choices,
	  "SBOMs written next to OUT: spdx (OUT.spdx.json, SPDX 2.3), cyclonedx (OUT.cdx.json, "
	  "CycloneDX 1.5), both comma-separated, or no." },
	{ "reproducible", KEY_BOOL, "no", false, NULL,
	  "yes: same inputs, same bytes: mtimes clamped to SOURCE_DATE_EPOCH or else the suite's "
	  "Release date, logs, caches and machine-id removed (SOURCE_DATE_EPOCH set implies yes)." },
	{ "emulator_path", KEY_DIRS, EMULATOR_PATH_DEFAULT, false, NULL,
	  "Host directories searched for the emulator (qemu-<t>-static, or qemu-<t> for qemu=dynamic)." },
	{ "sysroot", KEY_BOOL, "no", false, NULL,
	  "yes: make the rootfs a cross-compilation sysroot (absolute symlinks made relative) and "
	  "write OUT.toolchain.cmake and OUT.pkg-config next to it." },
	{ "manifest", KEY_PATH, NULL, false, NULL,
	  "Where the JSON manifest of the build goes (default: OUT.manifest.json); no: none." },
	{ NULL, 0, NULL, false, NULL, NULL },
};

const struct profile_key *profile_keys(void)
{
	return keys;
}

const struct profile_key *profile_key_find(const char *name)
{
	for (const struct profile_key *k = keys; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

const char *profile_key_suggest(const char *unknown)
{
	const char *names[sizeof(keys) / sizeof(keys[0])];
	size_t n = 0;
	for (const struct profile_key *k = keys; k->name; k++)
		names[n++] = k->name;
	names[n] = NULL;
	return suggest_nearest(unknown, names);
}

const char *profile_key_type_name(enum profile_key_type type)
{
	static const char *const names[] = {
		[KEY_TEXT] = "text",	   [KEY_NAME] = "profile",   [KEY_WORD] = "word",
		[KEY_ARCH] = "arch",	   [KEY_URL] = "url",	     [KEY_ENUM] = "enum",
		[KEY_BOOL] = "bool",	   [KEY_PACKAGES] = "packages", [KEY_WORDS] = "words",
		[KEY_PATH] = "path",	   [KEY_PATHS] = "paths",    [KEY_DIRS] = "dirs",
		[KEY_HOSTNAME] = "hostname", [KEY_COUNT] = "count",  [KEY_SIZE] = "size",
		[KEY_HEADROOM] = "headroom", [KEY_CHOICES] = "choices",
	};
	return (size_t)type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type] : "?";
}

char **profile_key_values(const struct profile_key *key)
{
	char **v = NULL;
	switch (key->type) {
	case KEY_CHOICES:
		strv_push(&v, "no"); /* and each choice: */
		__attribute__((fallthrough));
	case KEY_ENUM:
		for (const char *const *c = key->choices; *c; c++)
			strv_push(&v, *c);
		return v;
	case KEY_BOOL:
		strv_push(&v, "yes");
		strv_push(&v, "no");
		return v;
	case KEY_ARCH: {
		size_t n;
		const struct debian_arch *a = arch_table(&n);
		for (size_t i = 0; i < n; i++)
			strv_push(&v, a[i].name);
		return v;
	}
	default:
		return NULL;
	}
}

static bool is_word(const char *s, const char *extra)
{
	if (!*s || !isalnum((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || strchr(extra, *s)))
			return false;
	return true;
}

static bool each_item(const char *value, char sep, bool (*ok)(const char *item),
		      bool allow_empty)
{
	char buf[4096];
	size_t len = strlen(value);
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, value, len + 1);
	bool any = false;
	char *save = NULL;
	char sepstr[2] = { sep, '\0' };
	for (char *tok = strtok_r(buf, sepstr, &save); tok; tok = strtok_r(NULL, sepstr, &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		size_t n = strlen(tok);
		while (n && isspace((unsigned char)tok[n - 1]))
			tok[--n] = '\0';
		if (!n)
			continue;
		if (!ok(tok))
			return false;
		any = true;
	}
	return any || allow_empty;
}

/* Debian policy 5.6.1: lower case letters, digits, + - . ; at least two
 * characters, starting with an alphanumeric. */
static bool is_package(const char *s)
{
	return strlen(s) >= 2 && is_word(s, "+-.");
}

static bool is_component(const char *s)
{
	return is_word(s, "-/");
}

static bool is_path(const char *s)
{
	return *s && !strchr(s, '\n');
}

/* A mirror URL reaches debootstrap, a shell script: nothing in it may be
 * a character a shell acts on (the same set sys/spawn.h lets through). */
static bool is_url_text(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("/._-+=:,@%~", *s))
			return false;
	return true;
}

static bool is_dir(const char *s)
{
	return *s == '/';
}

bool profile_value_valid(const struct profile_key *key, const char *v, const char **why)
{
	switch (key->type) {
	case KEY_TEXT:
		return true;
	case KEY_NAME:
		*why = "must name a profile";
		return *v != '\0';
	case KEY_WORD:
		*why = "must be a lower-case word (letters, digits, . + _ -)";
		return is_word(v, ".+_-");
	case KEY_ARCH:
		*why = "unknown Debian architecture (see `mkforeignroot arches`)";
		return arch_lookup(v) != NULL;
	case KEY_URL:
		*why = "must be an http://, https:// or file:// URL of letters, digits and "
		       "/ . _ - + = : , @ % ~ (percent-encode anything else)";
		return ((strncmp(v, "http://", 7) == 0 && v[7]) ||
			(strncmp(v, "https://", 8) == 0 && v[8]) ||
			(strncmp(v, "file:///", 8) == 0)) &&
		       is_url_text(v);
	case KEY_ENUM: {
		for (const char *const *c = key->choices; *c; c++)
			if (strcmp(*c, v) == 0)
				return true;
		static char buf[256];
		size_t n = (size_t)snprintf(buf, sizeof(buf), "must be one of:");
		for (const char *const *c = key->choices; *c && n < sizeof(buf); c++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %s", *c);
		*why = buf;
		return false;
	}
	case KEY_BOOL:
		*why = "must be yes or no";
		return strcmp(v, "yes") == 0 || strcmp(v, "no") == 0;
	case KEY_PACKAGES:
		*why = "must be comma-separated Debian package names";
		return each_item(v, ',', is_package, true);
	case KEY_WORDS:
		*why = "must be comma-separated words";
		return each_item(v, ',', is_component, false);
	case KEY_PATH:
		*why = "must be a file path";
		return is_path(v);
	case KEY_PATHS:
		*why = "must be comma-separated file paths";
		return each_item(v, ',', is_path, true);
	case KEY_DIRS:
		*why = "must be colon-separated absolute directories";
		return each_item(v, ':', is_dir, false);
	case KEY_HOSTNAME:
		*why = "must be a host name label (letters, digits, -; at most 63)";
		return hostname_label_valid(v);
	case KEY_COUNT: {
		*why = "must be a whole number from 1 to 64";
		uint64_t n;
		return parse_u64(v, 64, &n) && n >= 1;
	}
	case KEY_SIZE: {
		*why = "must be auto or a size: digits with K, M, G or T (e.g. 2G), at most 16T";
		uint64_t n;
		return strcmp(v, "auto") == 0 || parse_size(v, &n);
	}
	case KEY_HEADROOM: {
		*why = "must be a percentage of the content (0% to 1000%) or a size (e.g. 256M)";
		uint64_t n;
		size_t len = strlen(v);
		if (len > 1 && v[len - 1] == '%')
			return parse_u64_n(v, len - 1, 1000, &n);
		return parse_size(v, &n);
	}
	case KEY_CHOICES: {
		static char buf[256];
		size_t n = (size_t)snprintf(buf, sizeof(buf), "must be no, or comma-separated:");
		for (const char *const *c = key->choices; *c && n < sizeof(buf); c++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %s", *c);
		*why = buf;
		if (strcmp(v, "no") == 0)
			return true;
		char copy[256];
		snprintf(copy, sizeof(copy), "%s", v);
		bool any = false;
		char *save = NULL;
		for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			while (isspace((unsigned char)*tok))
				tok++;
			size_t tl = strlen(tok);
			while (tl && isspace((unsigned char)tok[tl - 1]))
				tok[--tl] = '\0';
			bool known = false;
			for (const char *const *c = key->choices; *c; c++)
				known |= strcmp(*c, tok) == 0;
			if (!known)
				return false;
			any = true;
		}
		return any && strlen(v) < sizeof(copy);
	}
	}
	*why = "unknown key type";
	return false;
}
