/* SPDX-License-Identifier: MIT */
#include "out/oci.h"

#include "sys/signals.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/log.h"
#include "util/sha256.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK (256 * 1024)
/* JSON documents we read from another layout: a manifest or an index is
 * a few KiB; anything larger is not one. */
#define MAX_JSON (4 * 1024 * 1024)

static void cleanup_jsonp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define autojson __attribute__((cleanup(cleanup_jsonp)))

int oci_platform_string(const struct debian_arch *arch, char *buf, size_t size,
			struct mkfr_error *err)
{
	if (!arch->oci_arch)
		return mkfr_fail_usage(err, "format=oci: OCI has no platform name for %s (see "
				       "`mkforeignroot arches`)", arch->name);
	snprintf(buf, size, "linux/%s%s%s", arch->oci_arch, arch->oci_variant ? "/" : "",
		 arch->oci_variant ? arch->oci_variant : "");
	return 0;
}

/* ---- blobs --------------------------------------------------------------- */

static char *blob_path(const char *dir, const char *digest)
{
	return xasprintf("%s/blobs/sha256/%s", dir, digest + 7);
}

/* A whole file, new (O_EXCL), synced. */
static int write_new_file(const char *path, const void *data, size_t len, struct mkfr_error *err)
{
	autoclose int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot create %s", path);
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0)
		return mkfr_fail(err, errno, "cannot write %s", path);
	return 0;
}

/* JSON as we write it everywhere: no spaces, "/" not escaped, keys in
 * the order they were added; the text is what the digest is taken of. */
static const char *json_text(json_object *o, size_t *len)
{
	return json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
						 len);
}

/* Store a JSON document as a blob; its digest and size for the descriptor. */
static int write_json_blob(const char *dir, json_object *o, char digest[OCI_DIGEST_SIZE],
			   uint64_t *size, struct mkfr_error *err)
{
	size_t len;
	const char *text = json_text(o, &len);
	char hex[SHA256_HEX_SIZE];
	if (sha256_buffer_hex(text, len, hex, err) < 0)
		return -1;
	snprintf(digest, OCI_DIGEST_SIZE, "sha256:%s", hex);
	*size = len;
	autofree char *path = blob_path(dir, digest);
	struct stat st;
	if (lstat(path, &st) == 0)
		return 0; /* the same bytes are there already */
	return write_new_file(path, text, len, err);
}

static json_object *descriptor(const char *media_type, const char *digest, uint64_t size)
{
	json_object *d = json_object_new_object();
	json_object_object_add(d, "mediaType", json_object_new_string(media_type));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	json_object_object_add(d, "size", json_object_new_int64((int64_t)size));
	return d;
}

static json_object *platform_json(const struct debian_arch *a)
{
	json_object *p = json_object_new_object();
	json_object_object_add(p, "architecture", json_object_new_string(a->oci_arch));
	json_object_object_add(p, "os", json_object_new_string("linux"));
	if (a->oci_variant)
		json_object_object_add(p, "variant", json_object_new_string(a->oci_variant));
	return p;
}

static int make_layout_dirs(const char *dir, struct mkfr_error *err)
{
	autofree char *blobs = path_join(dir, "blobs");
	autofree char *sha = path_join(blobs, "sha256");
	if ((mkdir(blobs, 0755) < 0 && errno != EEXIST) || (mkdir(sha, 0755) < 0 && errno != EEXIST))
		return mkfr_fail(err, errno, "cannot create %s", sha);
	autofree char *layout = path_join(dir, "oci-layout");
	static const char text[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	return write_new_file(layout, text, sizeof(text) - 1, err);
}

static int write_index_json(const char *dir, json_object *manifests, struct mkfr_error *err)
{
	autojson json_object *index = json_object_new_object();
	json_object_object_add(index, "schemaVersion", json_object_new_int(2));
	json_object_object_add(index, "mediaType", json_object_new_string(OCI_MEDIA_INDEX));
	json_object_object_add(index, "manifests", manifests);
	size_t len;
	const char *text = json_text(index, &len);
	autofree char *path = path_join(dir, "index.json");
	return write_new_file(path, text, len, err);
}

static json_object *ref_name_annotations(void)
{
	json_object *a = json_object_new_object();
	json_object_object_add(a, OCI_REF_NAME, json_object_new_string(OCI_DEFAULT_TAG));
	return a;
}

/* ---- the layer: tar -> sha256 (diff_id), gzip -> sha256 (digest), file -- */

struct layer {
	int fd;
	z_stream z;
	struct sha256 plain, packed;
	unsigned char *out;
	uint64_t size;
	const char *path;
};

static int layer_drain(struct layer *l, int flush, struct mkfr_error *err)
{
	int zr;
	do {
		l->z.next_out = l->out;
		l->z.avail_out = CHUNK;
		zr = deflate(&l->z, flush);
		if (zr == Z_STREAM_ERROR)
			return mkfr_fail(err, 0, "zlib: cannot compress the layer");
		size_t n = CHUNK - l->z.avail_out;
		if (n && write_all(l->fd, l->out, n) < 0)
			return mkfr_fail(err, errno, "cannot write %s", l->path);
		sha256_update(&l->packed, l->out, n);
		l->size += n;
	} while (l->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

static int layer_sink(const void *buf, size_t len, void *data, struct mkfr_error *err)
{
	struct layer *l = data;
	sha256_update(&l->plain, buf, len);
	l->z.next_in = (Bytef *)buf;
	l->z.avail_in = (uInt)len;
	return layer_drain(l, Z_NO_FLUSH, err);
}

static int write_layer(const char *root, const char *dir, const struct oci_image_options *o,
		       struct oci_image_result *res, struct mkfr_error *err)
{
	autofree char *tmp = xasprintf("%s/blobs/sha256/.layer.part", dir);
	autoclose int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot create %s", tmp);
	autofree unsigned char *out = xmalloc(CHUNK);
	struct layer l = { .fd = fd, .out = out, .path = tmp };
	/* gzip (windowBits 15 + 16), zlib's default level: what every
	 * runtime and registry reads.  zlib writes no time and no name in
	 * the gzip header, so the same tarball gives the same blob. */
	if (deflateInit2(&l.z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return mkfr_fail(err, 0, "zlib: cannot start compressing");
	if (sha256_begin(&l.plain, err) < 0 || sha256_begin(&l.packed, err) < 0) {
		sha256_abort(&l.plain);
		deflateEnd(&l.z);
		return -1;
	}
	struct tar_options to = { .format = OUTPUT_TAR, .clamp = o->clamp, .clamp_mtime = o->created,
				  .nodes = o->nodes, .n_nodes = o->n_nodes };
	int r = tar_write_tree_to(root, layer_sink, &l, &to, &res->tar, err);
	if (r == 0)
		r = layer_drain(&l, Z_FINISH, err);
	deflateEnd(&l.z);
	char plain[SHA256_HEX_SIZE], packed[SHA256_HEX_SIZE];
	sha256_finish_hex(&l.plain, plain);
	sha256_finish_hex(&l.packed, packed);
	if (r < 0)
		return -1;
	if (fsync(fd) < 0)
		return mkfr_fail(err, errno, "cannot write %s", tmp);
	snprintf(res->diff_id, OCI_DIGEST_SIZE, "sha256:%s", plain);
	snprintf(res->layer_digest, OCI_DIGEST_SIZE, "sha256:%s", packed);
	res->layer_size = l.size;
	autofree char *path = blob_path(dir, res->layer_digest);
	if (rename(tmp, path) < 0)
		return mkfr_fail(err, errno, "cannot rename %s", tmp);
	return 0;
}

/* ---- one image ------------------------------------------------------------- */

static void rfc3339(time_t t, char buf[32])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_object *annotations_json(const struct oci_image_options *o, const char *created)
{
	json_object *a = json_object_new_object();
	json_object_object_add(a, "org.opencontainers.image.created", json_object_new_string(created));
	if (o->suite)
		json_object_object_add(a, "org.mkforeignroot.suite", json_object_new_string(o->suite));
	if (o->release_date)
		json_object_object_add(a, "org.mkforeignroot.release-date",
				       json_object_new_string(o->release_date));
	if (o->packages_digest)
		json_object_object_add(a, "org.mkforeignroot.packages-digest",
				       json_object_new_string(o->packages_digest));
	return a;
}

int oci_write_layout(const char *root, const char *dir, const struct oci_image_options *o,
		     struct oci_image_result *res, struct mkfr_error *err)
{
	*res = (struct oci_image_result){ 0 };
	char platform[64];
	if (oci_platform_string(o->arch, platform, sizeof(platform), err) < 0 ||
	    make_layout_dirs(dir, err) < 0 || write_layer(root, dir, o, res, err) < 0)
		return -1;
	char created[32];
	rfc3339(o->created, created);

	autojson json_object *config = json_object_new_object();
	json_object_object_add(config, "created", json_object_new_string(created));
	json_object_object_add(config, "architecture", json_object_new_string(o->arch->oci_arch));
	if (o->arch->oci_variant)
		json_object_object_add(config, "variant", json_object_new_string(o->arch->oci_variant));
	json_object_object_add(config, "os", json_object_new_string("linux"));
	json_object *cfg = json_object_new_object();
	json_object *env = json_object_new_array();
	/* Debian's own default PATH (login.defs, root's): the image has no
	 * shell profile that would set one. */
	json_object_array_add(env, json_object_new_string(
					   "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	json_object_object_add(cfg, "Env", env);
	json_object *cmd = json_object_new_array();
	json_object_array_add(cmd, json_object_new_string(o->cmd));
	json_object_object_add(cfg, "Cmd", cmd);
	json_object_object_add(cfg, "Labels", annotations_json(o, created));
	json_object_object_add(config, "config", cfg);
	json_object *rootfs = json_object_new_object();
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object *diff_ids = json_object_new_array();
	json_object_array_add(diff_ids, json_object_new_string(res->diff_id));
	json_object_object_add(rootfs, "diff_ids", diff_ids);
	json_object_object_add(config, "rootfs", rootfs);
	json_object *history = json_object_new_array();
	json_object *h = json_object_new_object();
	json_object_object_add(h, "created", json_object_new_string(created));
	json_object_object_add(h, "created_by", json_object_new_string(o->created_by));
	json_object_array_add(history, h);
	json_object_object_add(config, "history", history);
	char config_digest[OCI_DIGEST_SIZE];
	uint64_t config_size;
	if (write_json_blob(dir, config, config_digest, &config_size, err) < 0)
		return -1;

	autojson json_object *manifest = json_object_new_object();
	json_object_object_add(manifest, "schemaVersion", json_object_new_int(2));
	json_object_object_add(manifest, "mediaType", json_object_new_string(OCI_MEDIA_MANIFEST));
	json_object_object_add(manifest, "config", descriptor(OCI_MEDIA_CONFIG, config_digest, config_size));
	json_object *layers = json_object_new_array();
	json_object_array_add(layers, descriptor(OCI_MEDIA_LAYER_GZIP, res->layer_digest, res->layer_size));
	json_object_object_add(manifest, "layers", layers);
	json_object_object_add(manifest, "annotations", annotations_json(o, created));
	if (write_json_blob(dir, manifest, res->manifest_digest, &res->manifest_size, err) < 0)
		return -1;

	json_object *d = descriptor(OCI_MEDIA_MANIFEST, res->manifest_digest, res->manifest_size);
	json_object_object_add(d, "platform", platform_json(o->arch));
	json_object_object_add(d, "annotations", ref_name_annotations());
	json_object *manifests = json_object_new_array();
	json_object_array_add(manifests, d);
	return write_index_json(dir, manifests, err);
}

/* ---- combining layouts --------------------------------------------------- */

static int read_json(const char *path, json_object **out, struct mkfr_error *err)
{
	autofree char *text = NULL;
	size_t len;
	if (read_whole_file(path, MAX_JSON, &text, &len, err) < 0)
		return -1;
	enum json_tokener_error je;
	*out = json_tokener_parse_verbose(text, &je);
	if (!*out || !json_object_is_type(*out, json_type_object)) {
		if (*out)
			json_object_put(*out);
		*out = NULL;
		return mkfr_fail(err, 0, "%s: not a JSON object (%s)", path, json_tokener_error_desc(je));
	}
	return 0;
}

static const char *get_string(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static bool digest_valid(const char *d)
{
	return d && strncmp(d, "sha256:", 7) == 0 && strlen(d) == 71 && sha256_hex_valid(d + 7);
}

/* Copy one blob of `image` into `dir`, checking on the way that its bytes
 * are what its name says (and its size what the descriptor says). */
static int copy_blob(const char *image, const char *dir, const char *digest, int64_t size,
		     struct mkfr_error *err)
{
	if (!digest_valid(digest))
		return mkfr_fail(err, 0, "%s: a descriptor's digest '%s' is not sha256:HEX", image,
				 digest ? digest : "(none)");
	autofree char *src = blob_path(image, digest);
	autofree char *dst = blob_path(dir, digest);
	struct stat st;
	if (lstat(dst, &st) == 0)
		return 0; /* another image had it (and it was checked then) */
	autoclose int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
		return mkfr_fail(err, in < 0 ? errno : EINVAL, "%s: cannot read the blob %s", image, digest);
	if (size >= 0 && st.st_size != size)
		return mkfr_fail(err, 0, "%s: blob %s is %lld bytes, its descriptor says %lld", image,
				 digest, (long long)st.st_size, (long long)size);
	autofree char *tmp = xasprintf("%s/blobs/sha256/.copy.part", dir);
	autoclose int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (out < 0)
		return mkfr_fail(err, errno, "cannot create %s", tmp);
	struct sha256 h;
	if (sha256_begin(&h, err) < 0)
		return -1;
	autofree char *buf = xmalloc(CHUNK);
	for (;;) {
		if (signals_pending()) {
			sha256_abort(&h);
			unlink(tmp);
			return mkfr_fail(err, 0, "interrupted by %s", strsignal(signals_pending()));
		}
		ssize_t n = read(in, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0) {
				sha256_abort(&h);
				unlink(tmp);
				return mkfr_fail(err, errno, "%s: cannot read the blob %s", image, digest);
			}
			break;
		}
		sha256_update(&h, buf, (size_t)n);
		if (write_all(out, buf, (size_t)n) < 0) {
			sha256_abort(&h);
			unlink(tmp);
			return mkfr_fail(err, errno, "cannot write %s", tmp);
		}
	}
	char hex[SHA256_HEX_SIZE];
	sha256_finish_hex(&h, hex);
	if (strcmp(hex, digest + 7) != 0) {
		unlink(tmp);
		return mkfr_fail(err, EBADMSG, "%s: blob %s holds bytes whose SHA-256 is %s: the layout "
				 "is damaged", image, digest, hex);
	}
	if (fsync(out) < 0 || rename(tmp, dst) < 0) {
		unlink(tmp);
		return mkfr_fail(err, errno, "cannot write %s", dst);
	}
	return 0;
}

static int64_t get_size(json_object *o)
{
	json_object *v;
	return json_object_object_get_ex(o, "size", &v) && json_object_is_type(v, json_type_int)
		       ? json_object_get_int64(v)
		       : -1;
}

/* One image manifest of `image` (its descriptor `d`): the manifest, its
 * config and its layers copied; the descriptor, with its platform, added
 * to `out`.  `seen` holds the platforms so far. */
static int add_manifest(const char *image, const char *dir, json_object *d, json_object *out,
			char ***seen, struct mkfr_error *err)
{
	const char *digest = get_string(d, "digest");
	json_object *platform;
	if (!json_object_object_get_ex(d, "platform", &platform) || !get_string(platform, "architecture"))
		return mkfr_fail_usage(err, "%s: manifest %s names no platform: only images that say "
				       "their architecture can share an index", image, digest ? digest : "?");
	const char *variant = get_string(platform, "variant");
	autofree char *name = xasprintf("%s/%s%s%s", get_string(platform, "os") ? get_string(platform, "os") : "?",
					 get_string(platform, "architecture"), variant ? "/" : "",
					 variant ? variant : "");
	if (strv_contains(*seen, name))
		return mkfr_fail_usage(err, "%s: a second image for %s: one index holds one image a "
				       "platform", image, name);
	strv_push(seen, name);
	if (copy_blob(image, dir, digest, get_size(d), err) < 0)
		return -1;
	autofree char *mpath = blob_path(image, digest);
	autojson json_object *manifest = NULL;
	if (read_json(mpath, &manifest, err) < 0)
		return -1;
	json_object *config, *layers;
	if (!json_object_object_get_ex(manifest, "config", &config) ||
	    !json_object_object_get_ex(manifest, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array))
		return mkfr_fail(err, 0, "%s: manifest %s has no config or layers", image, digest);
	if (copy_blob(image, dir, get_string(config, "digest"), get_size(config), err) < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(layers); i++) {
		json_object *l = json_object_array_get_idx(layers, i);
		if (copy_blob(image, dir, get_string(l, "digest"), get_size(l), err) < 0)
			return -1;
	}
	json_object *copy = descriptor(get_string(d, "mediaType") ? get_string(d, "mediaType") : OCI_MEDIA_MANIFEST,
				       digest, (uint64_t)get_size(d));
	json_object *p = NULL;
	json_object_deep_copy(platform, &p, NULL);
	json_object_object_add(copy, "platform", p);
	json_object_array_add(out, copy);
	log_info("oci-index: %s from %s", name, image);
	return 0;
}

/* Every image manifest listed by `index` (index.json, or a nested index
 * blob, whose own manifests are taken in turn). */
static int add_index(const char *image, const char *dir, json_object *index, json_object *out,
		     char ***seen, int depth, struct mkfr_error *err)
{
	json_object *manifests;
	if (!json_object_object_get_ex(index, "manifests", &manifests) ||
	    !json_object_is_type(manifests, json_type_array) || !json_object_array_length(manifests))
		return mkfr_fail_usage(err, "%s: its index lists no manifest", image);
	for (size_t i = 0; i < json_object_array_length(manifests); i++) {
		json_object *d = json_object_array_get_idx(manifests, i);
		const char *mt = get_string(d, "mediaType");
		if (mt && strcmp(mt, OCI_MEDIA_INDEX) == 0) {
			const char *digest = get_string(d, "digest");
			if (depth > 4)
				return mkfr_fail(err, 0, "%s: indexes nested too deep", image);
			if (copy_blob(image, dir, digest, get_size(d), err) < 0)
				return -1;
			autofree char *path = blob_path(image, digest);
			autojson json_object *nested = NULL;
			if (read_json(path, &nested, err) < 0 ||
			    add_index(image, dir, nested, out, seen, depth + 1, err) < 0)
				return -1;
		} else if (add_manifest(image, dir, d, out, seen, err) < 0) {
			return -1;
		}
	}
	return 0;
}

int oci_index_write(const char *dir, char *const *images, char *index_digest,
		    struct mkfr_error *err)
{
	if (make_layout_dirs(dir, err) < 0)
		return -1;
	autojson json_object *list = json_object_new_array();
	autostrv char **seen = strv_new();
	for (size_t i = 0; images[i]; i++) {
		autofree char *layout = path_join(images[i], "oci-layout");
		autofree char *index_path = path_join(images[i], "index.json");
		autojson json_object *lo = NULL, *index = NULL;
		if (read_json(layout, &lo, err) < 0 || read_json(index_path, &index, err) < 0)
			return mkfr_error_prefix(err, "IMAGE %s is not an OCI image layout", images[i]);
		if (!get_string(lo, "imageLayoutVersion") || strcmp(get_string(lo, "imageLayoutVersion"), "1.0.0"))
			return mkfr_fail_usage(err, "%s: imageLayoutVersion is not 1.0.0", layout);
		if (add_index(images[i], dir, index, list, &seen, 0, err) < 0)
			return -1;
	}
	autojson json_object *nested = json_object_new_object();
	json_object_object_add(nested, "schemaVersion", json_object_new_int(2));
	json_object_object_add(nested, "mediaType", json_object_new_string(OCI_MEDIA_INDEX));
	json_object_object_add(nested, "manifests", json_object_get(list));
	uint64_t size;
	if (write_json_blob(dir, nested, index_digest, &size, err) < 0)
		return -1;
	json_object *d = descriptor(OCI_MEDIA_INDEX, index_digest, size);
	json_object_object_add(d, "annotations", ref_name_annotations());
	json_object *top = json_object_new_array();
	json_object_array_add(top, d);
	return write_index_json(dir, top, err);
}
