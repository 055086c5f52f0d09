/* SPDX-License-Identifier: MIT */
/* inventory and manifest: OUT.manifest.json (or the `manifest` key's path;
 * manifest=no: none) records what was built from what, for audits and
 * reproducibility checks: the tool, the resolved profile with where each
 * value came from, the signed Release's Date, the emulator, every package
 * dpkg says is installed (with the SHA256 of the .deb we verified, where it
 * came from the fetched set), and the SHA256 of OUT when OUT is a file.
 *
 * Two stages because the output decides the order: what the rootfs holds
 * is read before output (a tarball or image output removes the tree), the
 * hash of OUT only exists after it.  The inventory also serves the SBOMs
 * (stage_sbom.c: licences, read here while the tree is there) and the OCI
 * formats (the packages digest they are annotated with).  The manifest is written last, atomically
 * (atomic_file.h): it is whole or absent, never half written. */
#include "archive/debian_copyright.h"
#include "archive/dpkg_status.h"
#include "out/oci.h"
#include "pipeline/stages.h"
#include "sys/atomic_file.h"
#include "sys/rootfs_fs.h"
#include "sys/spawn.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/sha256.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int resolve_manifest_path(struct build *b, struct mkfr_error *err)
{
	const char *v = profile_get(b->profile, "manifest");
	if (v && strcmp(v, "no") == 0)
		return 0;
	b->manifest_path = v ? profile_resolve_path(b->profile, "manifest", v) : NULL;
	if (!v)
		b->manifest_path = xasprintf("%s.manifest.json", b->out);
	return 0;
}

/* The emulator's version (the base cache may have asked it already). */
static int emulator_version(struct build *b, struct mkfr_error *err)
{
	if (b->emu.native) {
		free(b->emulator_version);
		b->emulator_version = xstrdup("native");
		return 0;
	}
	if (b->emulator_version)
		return 0;
	return emulation_emulator_version(&b->emu, b->log_fd, &b->emulator_version, err);
}

const struct deb_package *stage_fetched_deb(const struct build *b, const struct installed_package *p)
{
	for (size_t i = 0; i < b->resolved.deb_count; i++) {
		const struct deb_package *d = &b->resolved.debs[i];
		if (strcmp(d->package, p->name) == 0 && p->version && d->version &&
		    strcmp(d->version, p->version) == 0 &&
		    (!p->architecture || (d->architecture && strcmp(d->architecture, p->architecture) == 0)))
			return d;
	}
	return NULL;
}

/* One line a package, "NAME VERSION ARCH DEB_SHA256" ("-" for what is
 * unknown), hashed: a digest of what the image holds that the image itself
 * can carry (an OCI annotation) without a cycle. */
static int packages_digest(struct build *b, struct mkfr_error *err)
{
	struct sha256 h;
	if (sha256_begin(&h, err) < 0)
		return -1;
	for (size_t i = 0; i < b->installed_count; i++) {
		const struct installed_package *p = &b->installed[i];
		const struct deb_package *d = stage_fetched_deb(b, p);
		autofree char *line = xasprintf("%s %s %s %s\n", p->name, p->version ? p->version : "-",
						p->architecture ? p->architecture : "-",
						d && d->sha256 ? d->sha256 : "-");
		sha256_update(&h, line, strlen(line));
	}
	char hex[SHA256_HEX_SIZE];
	sha256_finish_hex(&h, hex);
	snprintf(b->packages_digest, sizeof(b->packages_digest), "sha256:%s", hex);
	return 0;
}

/* Licences for the SBOMs, from each package's copyright file in the tree
 * (before output: a tarball or image output removes it). */
static int read_licences(struct build *b, int rootfd, struct mkfr_error *err)
{
	size_t known = 0;
	for (size_t i = 0; i < b->installed_count; i++) {
		struct installed_package *p = &b->installed[i];
		if (debian_copyright_read(rootfd, p->name, &p->license, err) < 0)
			return -1;
		known += p->license != NULL;
	}
	log_info("inventory: machine-readable licences for %zu of %zu packages", known, b->installed_count);
	return 0;
}

static int inventory_run(struct build *b, struct mkfr_error *err)
{
	if (resolve_manifest_path(b, err) < 0)
		return -1;
	bool sbom = b->sbom_spdx_path || b->sbom_cdx_path;
	if (!b->manifest_path && !sbom && !output_format_is_oci(b->format))
		return 0;
	autoclose int rootfd = rootfs_open(b->work, err);
	if (rootfd < 0)
		return -1;
	if (dpkg_status_read(rootfd, &b->installed, &b->installed_count, err) < 0 ||
	    emulator_version(b, err) < 0 || packages_digest(b, err) < 0)
		return -1;
	if (sbom && read_licences(b, rootfd, err) < 0)
		return -1;
	return 0;
}

const struct stage stage_inventory = { "inventory", inventory_run, NULL };

/* json-c: a NULL string is JSON null. */
static json_object *string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *profile_json(const struct build *b)
{
	json_object *keys = json_object_new_object();
	for (const struct profile_key *k = profile_keys(); k->name; k++) {
		json_object *kv = json_object_new_object();
		json_object_object_add(kv, "value", string_or_null(profile_get(b->profile, k->name)));
		json_object_object_add(kv, "origin",
				       json_object_new_string(profile_origin(b->profile, k->name)));
		json_object_object_add(keys, k->name, kv);
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(b->opts->profile_name));
	json_object_object_add(o, "path", string_or_null(b->profile->path));
	json_object_object_add(o, "keys", keys);
	return o;
}

static json_object *emulator_json(const struct build *b)
{
	bool native = b->emu.native || !b->emu.emulator;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "native", json_object_new_boolean(native));
	json_object_object_add(o, "path", native ? NULL : string_or_null(b->emu.emulator));
	json_object_object_add(o, "version", string_or_null(b->emulator_version));
	json_object_object_add(o, "qemu", json_object_new_string(emulation_qemu_name(b->emu.mode)));
	json_object_object_add(o, "binfmt", json_object_new_string(emulation_binfmt_name(b->emu.binfmt)));
	/* Who unpacked the second stage's packages; null when no second stage
	 * ran (a base cache hit: the base's own build decided). */
	json_object_object_add(o, "unpack", b->unpack_decided && !b->base_hit
						    ? json_object_new_string(b->unpack_native ? "native" : "emulated")
						    : NULL);
	return o;
}

/* A build without root (sys/rootless.h): whose namespace, and how its ids
 * map to the host's, in /proc's uid_map form ("INSIDE OUTSIDE COUNT"): a
 * directory OUT keeps the outside ids on disk.  null for a root build. */
static json_object *rootless_json(const struct build *b)
{
	const struct rootless *r = b->rootless;
	if (!r)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "user", json_object_new_string(r->user));
	const struct { const char *key; unsigned long own, start; } maps[] = {
		{ "uid_map", (unsigned long)r->uid, r->subuid.start },
		{ "gid_map", (unsigned long)r->gid, r->subgid.start },
	};
	for (size_t i = 0; i < 2; i++) {
		json_object *a = json_object_new_array();
		char line[64];
		snprintf(line, sizeof(line), "0 %lu 1", maps[i].own);
		json_object_array_add(a, json_object_new_string(line));
		snprintf(line, sizeof(line), "1 %lu %lu", maps[i].start, ROOTLESS_IDS - 1);
		json_object_array_add(a, json_object_new_string(line));
		json_object_object_add(o, maps[i].key, a);
	}
	return o;
}

/* Which configured base this rootfs started from (base_cache.h). */
static json_object *base_cache_json(const struct build *b)
{
	if (!b->base_cache_enabled || !b->base_key.id[0])
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "key", json_object_new_string(b->base_key.id));
	json_object_object_add(o, "use", json_object_new_string(b->base_hit ? "hit" : b->base_stored ? "stored"
											      : "miss"));
	return o;
}

static json_object *packages_json(const struct build *b, size_t *with_sha)
{
	json_object *a = json_object_new_array();
	*with_sha = 0;
	for (size_t i = 0; i < b->installed_count; i++) {
		const struct installed_package *p = &b->installed[i];
		const struct deb_package *d = stage_fetched_deb(b, p);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(p->name));
		json_object_object_add(o, "version", string_or_null(p->version));
		json_object_object_add(o, "architecture", string_or_null(p->architecture));
		json_object_object_add(o, "deb_sha256", d && d->sha256 ? json_object_new_string(d->sha256)
									: NULL);
		json_object_array_add(a, o);
		*with_sha += d && d->sha256;
	}
	return a;
}

/* OUT's own SHA256 when it is a file (a tarball, an image); a directory
 * has none (an OCI layout directory: its manifest digest). */
static int output_json(struct build *b, json_object **out, struct mkfr_error *err)
{
	struct stat st;
	if (lstat(b->out, &st) < 0)
		return mkfr_fail(err, errno, "manifest: cannot stat %s", b->out);
	bool file = S_ISREG(st.st_mode);
	if (file && stage_out_sha256(b, err) < 0)
		return -1;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(b->out));
	json_object_object_add(o, "type", json_object_new_string(file ? "file" : "directory"));
	json_object_object_add(o, "format", json_object_new_string(output_format_name(b->format)));
	json_object_object_add(o, "sha256", file ? json_object_new_string(b->out_sha256) : NULL);
	if (output_format_is_oci(b->format)) {
		json_object *oci = json_object_new_object();
		char platform[64];
		struct mkfr_error ignored;
		oci_platform_string(b->arch, platform, sizeof(platform), &ignored);
		json_object_object_add(oci, "platform", json_object_new_string(platform));
		json_object_object_add(oci, "manifest_digest", json_object_new_string(b->oci_manifest_digest));
		json_object_object_add(o, "oci", oci);
	}
	*out = o;
	return 0;
}

int stage_out_sha256(struct build *b, struct mkfr_error *err)
{
	if (b->out_sha256[0])
		return 0;
	return sha256_file_hex(b->out, b->out_sha256, NULL, err);
}

static int manifest_run(struct build *b, struct mkfr_error *err)
{
	if (!b->manifest_path)
		return 0;
	json_object *output = NULL;
	if (output_json(b, &output, err) < 0)
		return -1;
	json_object *root = json_object_new_object();
	json_object *tool = json_object_new_object();
	json_object_object_add(tool, "name", json_object_new_string(PACKAGE_NAME));
	json_object_object_add(tool, "version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(root, "tool", tool);
	json_object_object_add(root, "profile", profile_json(b));
	json_object_object_add(root, "suite", json_object_new_string(profile_get(b->profile, "suite")));
	json_object_object_add(root, "arch", json_object_new_string(b->arch->name));
	json_object_object_add(root, "mirror", string_or_null(profile_get(b->profile, "mirror")));
	json_object_object_add(root, "release_date", string_or_null(b->resolved.release.date_text));
	json_object_object_add(root, "emulator", emulator_json(b));
	json_object_object_add(root, "base_cache", base_cache_json(b));
	json_object_object_add(root, "rootless", rootless_json(b));
	json_object_object_add(root, "output", output);
	json_object *sysroot = NULL;
	if (b->sysroot_files_written) {
		sysroot = json_object_new_object();
		json_object_object_add(sysroot, "cmake_toolchain", json_object_new_string(b->toolchain_cmake));
		json_object_object_add(sysroot, "pkg_config", json_object_new_string(b->pkg_config_wrapper));
	}
	json_object_object_add(root, "sysroot", sysroot);
	json_object *sboms = json_object_new_object();
	json_object_object_add(sboms, "spdx", string_or_null(b->sbom_spdx_path));
	json_object_object_add(sboms, "cyclonedx", string_or_null(b->sbom_cdx_path));
	json_object_object_add(root, "sbom", sboms);
	json_object_object_add(root, "packages_digest", json_object_new_string(b->packages_digest));
	size_t with_sha = 0;
	json_object_object_add(root, "packages", packages_json(b, &with_sha));

	size_t len = 0;
	const char *text = json_object_to_json_string_length(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE,
		&len);
	int r;
	if (!text) {
		r = mkfr_fail(err, ENOMEM, "manifest");
	} else {
		autofree char *with_newline = xasprintf("%s\n", text);
		r = atomic_file_write(b->manifest_path, with_newline, len + 1, 0644, err);
	}
	json_object_put(root);
	if (r < 0)
		return mkfr_error_prefix(err, "the manifest of %s is not written (so OUT is removed too)",
					 b->out);
	log_info("manifest: %s (%zu packages, %zu with the .deb's SHA256)", b->manifest_path,
		 b->installed_count, with_sha);
	return 0;
}

const struct stage stage_manifest = { "manifest", manifest_run, NULL };
