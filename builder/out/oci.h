/* SPDX-License-Identifier: MIT */
/* OCI image layouts (image-spec 1.0): a finished rootfs as a one-layer
 * container image, and several single-architecture layouts combined into
 * one multi-platform index.
 *
 * A layout is a directory: `oci-layout`, `index.json`, and every blob
 * (layer, config, manifest, nested index) in `blobs/sha256/HEX`, named by
 * the SHA-256 of its bytes.  The layer is the pax tarball tar_writer.h
 * writes, gzip-compressed as it is written; its uncompressed digest is
 * the config's diff_id, its compressed one the manifest's layer digest.
 * Every JSON document is written once, without spaces, in a fixed key
 * order, so a reproducible build gives the same digests. */
#ifndef MKFR_OCI_H
#define MKFR_OCI_H

#include "out/tar_writer.h"
#include "util/arch.h"
#include "util/error.h"

#include <stdint.h>
#include <time.h>

#define OCI_MEDIA_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_MEDIA_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_MEDIA_CONFIG "application/vnd.oci.image.config.v1+json"
#define OCI_MEDIA_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
/* The annotation skopeo, umoci and podman read as the tag. */
#define OCI_REF_NAME "org.opencontainers.image.ref.name"
#define OCI_DEFAULT_TAG "latest"

/* "sha256:" and 64 hex digits. */
#define OCI_DIGEST_SIZE (7 + 64 + 1)

struct oci_image_options {
	const struct debian_arch *arch; /* its oci_arch must be set */
	time_t created;                 /* the image's creation time (the epoch when reproducible) */
	bool clamp;                     /* reproducible: mtimes in the layer clamped to `created` */
	const char *cmd;                /* the default command, e.g. /bin/bash */
	const char *created_by;         /* the history entry: what made the layer */
	/* Annotations on the manifest (and labels in the config); NULL ones
	 * are left out. */
	const char *suite, *release_date, *packages_digest;
	/* Device nodes the layer holds that the tree cannot (tar_writer.h). */
	const struct tar_node *nodes;
	size_t n_nodes;
};

struct oci_image_result {
	char manifest_digest[OCI_DIGEST_SIZE];
	uint64_t manifest_size;
	char layer_digest[OCI_DIGEST_SIZE];
	uint64_t layer_size;
	char diff_id[OCI_DIGEST_SIZE];
	struct tar_stats tar;
};

/* The platform of an image of this architecture as the spec's
 * `os/architecture[/variant]` ("linux/arm/v5"); -1 if OCI has no name for
 * it (a usage error naming the architecture). */
int oci_platform_string(const struct debian_arch *arch, char *buf, size_t size,
			struct mkfr_error *err);

/* Write the layout of the tree `root` into the empty directory `dir`. */
int oci_write_layout(const char *root, const char *dir, const struct oci_image_options *o,
		     struct oci_image_result *res, struct mkfr_error *err);

/* Combine the single- or multi-platform layouts `images` into the empty
 * directory `dir`: every manifest of theirs (blobs copied and their
 * digests checked on the way), listed in one nested image index that
 * index.json tags OCI_DEFAULT_TAG.  Two images of one platform are a usage
 * error. */
int oci_index_write(const char *dir, char *const *images, char *index_digest,
		    struct mkfr_error *err);

#endif
