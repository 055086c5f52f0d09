/* SPDX-License-Identifier: MIT */
/* OCI layouts without a build: the platform of each Debian architecture,
 * a layout written from a small tree (every blob named by its SHA-256, the
 * config's diff_id the digest of the uncompressed layer, the same bytes
 * twice), and oci_index_write combining two of them, refusing a second image
 * of one platform and a damaged blob.  No root, no network. */
#include "out/oci.h"
#include "sys/rootfs_fs.h"
#include "util/sha256.h"
#include "tap.h"
#include "tap-json.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char base[] = "/tmp/mkfr-test-oci-XXXXXX";

static json_object *read_json(const char *dir, const char *rel)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return json_object_from_file(path);
}

#define jget tap_json_str

/* An annotation (its key holds dots) of the object at `path`. */
static const char *annotation(json_object *o, const char *path, const char *key)
{
	json_object *a = tap_json_at(o, path), *v;
	return a && json_object_object_get_ex(a, "annotations", &a) && json_object_object_get_ex(a, key, &v)
		       ? json_object_get_string(v)
		       : NULL;
}

static char *blob(const char *dir, const char *digest)
{
	static char path[1024];
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, digest ? digest + 7 : "none");
	return path;
}

static bool blob_matches(const char *dir, const char *digest)
{
	char hex[SHA256_HEX_SIZE];
	struct mkfr_error err;
	return digest && sha256_file_hex(blob(dir, digest), hex, NULL, &err) == 0 && strcmp(hex, digest + 7) == 0;
}

/* sha256 of the gunzipped file. */
static bool gunzip_sha(const char *path, char hex[SHA256_HEX_SIZE])
{
	gzFile g = gzopen(path, "rb");
	struct sha256 h;
	struct mkfr_error err;
	char buf[65536];
	int n;
	if (!g || sha256_begin(&h, &err) < 0)
		return false;
	while ((n = gzread(g, buf, sizeof(buf))) > 0)
		sha256_update(&h, buf, (size_t)n);
	gzclose(g);
	sha256_finish_hex(&h, hex);
	return n == 0;
}

static int write_layout(const char *root, const char *name, const char *arch, struct oci_image_result *res,
			struct mkfr_error *err)
{
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	mkdir(dir, 0755);
	struct oci_image_options o = {
		.arch = arch_lookup(arch), .created = 1700000000, .clamp = true, .cmd = "/bin/sh",
		.created_by = "test", .suite = "bookworm", .release_date = "Sat, 10 Jun 2023 08:55:19 UTC",
		.packages_digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000",
	};
	return oci_write_layout(root, dir, &o, res, err);
}

int main(void)
{
	struct {
		const char *debian, *platform;
	} platforms[] = {
		{ "armel", "linux/arm/v5" }, { "armhf", "linux/arm/v7" }, { "arm64", "linux/arm64/v8" },
		{ "i386", "linux/386" }, { "amd64", "linux/amd64" }, { "ppc64el", "linux/ppc64le" },
		{ "s390x", "linux/s390x" }, { "mips64el", "linux/mips64le" }, { "riscv64", "linux/riscv64" },
	};
	struct mkfr_error err;
	char buf[64];
	for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++) {
		int r = oci_platform_string(arch_lookup(platforms[i].debian), buf, sizeof(buf), &err);
		ok(r == 0 && strcmp(buf, platforms[i].platform) == 0, "%s is %s (got %s)", platforms[i].debian,
		   platforms[i].platform, r == 0 ? buf : err.msg);
	}
	ok(oci_platform_string(arch_lookup("alpha"), buf, sizeof(buf), &err) < 0 && err.exit_code == 2 &&
		   strstr(err.msg, "alpha"),
	   "alpha has no OCI platform: a usage error naming it");

	if (!mkdtemp(base)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	char root[700];
	snprintf(root, sizeof(root), "%s/root", base);
	mkdir(root, 0755);
	tap_write_file(root, "hello", "hello world\n");
	char sub[800];
	snprintf(sub, sizeof(sub), "%s/etc", root);
	mkdir(sub, 0755);
	tap_write_file(sub, "hostname", "localhost\n");

	struct oci_image_result a, a2, b;
	ok(write_layout(root, "armel", "armel", &a, &err) == 0, "a layout of the tree (%s)", err.msg);
	char dir[800];
	snprintf(dir, sizeof(dir), "%s/armel", base);
	json_object *index = read_json(dir, "index.json");
	json_object *layout = read_json(dir, "oci-layout");
	is_str(jget(layout, "imageLayoutVersion"), "1.0.0", "oci-layout says 1.0.0");
	is_str(jget(index, "mediaType"), OCI_MEDIA_INDEX, "index.json is an image index");
	is_str(jget(index, "manifests.0.digest"), a.manifest_digest, "listing the manifest");
	is_str(jget(index, "manifests.0.platform.architecture"), "arm", "for architecture arm");
	is_str(jget(index, "manifests.0.platform.variant"), "v5", "variant v5");
	is_str(annotation(index, "manifests.0", OCI_REF_NAME), "latest", "tagged latest");
	ok(blob_matches(dir, a.manifest_digest), "the manifest blob is named by its SHA-256");
	json_object *manifest = json_object_from_file(blob(dir, a.manifest_digest));
	const char *config_digest = jget(manifest, "config.digest");
	ok(blob_matches(dir, config_digest), "so is the config");
	ok(blob_matches(dir, a.layer_digest), "and the layer");
	is_str(jget(manifest, "layers.0.mediaType"), OCI_MEDIA_LAYER_GZIP, "the layer is a gzip tarball");
	json_object *ann = json_object_object_get(manifest, "annotations");
	is_str(json_object_get_string(json_object_object_get(ann, "org.mkforeignroot.suite")), "bookworm",
	       "annotated with the suite");
	is_str(json_object_get_string(json_object_object_get(ann, "org.mkforeignroot.release-date")),
	       "Sat, 10 Jun 2023 08:55:19 UTC", "the Release date");
	ok(json_object_object_get(ann, "org.mkforeignroot.packages-digest") != NULL, "and the packages digest");
	is_str(json_object_get_string(json_object_object_get(ann, "org.opencontainers.image.created")),
	       "2023-11-14T22:13:20Z", "created at the epoch");
	json_object *config = json_object_from_file(blob(dir, config_digest));
	char hex[SHA256_HEX_SIZE];
	char want[80];
	ok(gunzip_sha(blob(dir, a.layer_digest), hex), "the layer gunzips");
	snprintf(want, sizeof(want), "sha256:%s", hex);
	is_str(jget(config, "rootfs.diff_ids.0"), want, "the config's diff_id is the uncompressed layer's digest");
	is_str(a.diff_id, want, "as reported");
	is_str(jget(config, "architecture"), "arm", "config: architecture arm");
	is_str(jget(config, "variant"), "v5", "config: variant v5");
	is_str(jget(config, "os"), "linux", "config: os linux");
	is_str(jget(config, "config.Cmd.0"), "/bin/sh", "config: the default command");
	contains(jget(config, "config.Env.0"), "PATH=/usr/local/sbin:", "config: a PATH");
	json_object_put(config);
	json_object_put(manifest);
	json_object_put(index);
	json_object_put(layout);

	sleep(1); /* a second later: nothing in the bytes may depend on it */
	ok(write_layout(root, "armel-again", "armel", &a2, &err) == 0, "the same tree again");
	is_str(a2.manifest_digest, a.manifest_digest, "gives the same manifest digest (reproducible)");
	ok(write_layout(root, "arm64", "arm64", &b, &err) == 0, "an arm64 layout of it");

	char combined[800], arm64[800], again[800];
	snprintf(combined, sizeof(combined), "%s/combined", base);
	snprintf(arm64, sizeof(arm64), "%s/arm64", base);
	snprintf(again, sizeof(again), "%s/armel-again", base);
	mkdir(combined, 0755);
	char *images[] = { dir, arm64, NULL };
	char digest[OCI_DIGEST_SIZE];
	ok(oci_index_write(combined, images, digest, &err) == 0, "oci_index_write of armel and arm64 (%s)", err.msg);
	json_object *top = read_json(combined, "index.json");
	is_str(jget(top, "manifests.0.digest"), digest, "index.json names one nested index");
	is_str(jget(top, "manifests.0.mediaType"), OCI_MEDIA_INDEX, "of the index media type");
	is_str(annotation(top, "manifests.0", OCI_REF_NAME), "latest", "tagged latest");
	ok(blob_matches(combined, digest), "its blob is named by its digest");
	json_object *nested = json_object_from_file(blob(combined, digest));
	ok(json_object_array_length(json_object_object_get(nested, "manifests")) == 2, "listing two images");
	is_str(jget(nested, "manifests.0.platform.variant"), "v5", "arm/v5");
	is_str(jget(nested, "manifests.1.platform.architecture"), "arm64", "and arm64");
	ok(blob_matches(combined, jget(nested, "manifests.1.digest")) && blob_matches(combined, b.layer_digest),
	   "every blob of both was copied");
	json_object_put(nested);
	json_object_put(top);

	char dup[800];
	snprintf(dup, sizeof(dup), "%s/dup", base);
	mkdir(dup, 0755);
	char *twice[] = { dir, again, NULL };
	ok(oci_index_write(dup, twice, digest, &err) < 0 && err.exit_code == 2 && strstr(err.msg, "linux/arm/v5"),
	   "two images of one platform are refused (%s)", err.msg);

	/* One byte of arm64's layer changed. */
	FILE *f = fopen(blob(arm64, b.layer_digest), "r+b");
	fseek(f, 100, SEEK_SET);
	int ch = fgetc(f);
	fseek(f, 100, SEEK_SET);
	fputc(ch ^ 1, f);
	fclose(f);
	char bad[800];
	snprintf(bad, sizeof(bad), "%s/bad", base);
	mkdir(bad, 0755);
	char *damaged[] = { arm64, NULL };
	ok(oci_index_write(bad, damaged, digest, &err) < 0 && err.errnum == EBADMSG, "a damaged blob is refused (%s)",
	   err.msg);
	char copyleft[900];
	snprintf(copyleft, sizeof(copyleft), "%s/blobs/sha256/.copy.part", bad);
	ok(access(copyleft, F_OK) != 0, "and its partial copy is gone");

	ok(remove_tree(base, &err) == 0, "cleaned up");
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
