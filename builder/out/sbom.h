/* SPDX-License-Identifier: MIT */
/* Software bills of materials of a built image: SPDX 2.3 JSON and
 * CycloneDX 1.5 JSON, from what the manifest records (json-c writes them,
 * so every name and version is escaped correctly).
 *
 * Pure functions of their input: the same build gives the same bytes.  The
 * document's identity (SPDX documentNamespace, CycloneDX serialNumber) is
 * derived from the image and its package list, and its time is the input's
 * `created` (the epoch of a reproducible build). */
#ifndef MKFR_SBOM_H
#define MKFR_SBOM_H

#include <stddef.h>
#include <time.h>

struct sbom_package {
	const char *name, *version, *architecture;
	const char *source, *source_version; /* the Debian source package; NULL: as the binary */
	const char *deb_sha256;              /* the verified .deb's, or NULL */
	const char *license;                 /* an SPDX expression, or NULL: NOASSERTION */
	const char *download_url;            /* the .deb on the mirror, or NULL */
	const char *archive;                 /* "MIRROR SUITE COMPONENT", or NULL */
};

struct sbom_input {
	const char *tool_name, *tool_version;
	time_t created;
	/* The image: the top component. */
	const char *image_name;    /* OUT's file name */
	const char *image_format;  /* output format name */
	const char *image_sha256;  /* OUT's (a file) or its OCI manifest's hex digest; NULL: a directory */
	const char *suite, *codename, *arch;
	const struct sbom_package *packages;
	size_t count;
};

/* "debian-12" for bookworm (the purl distro qualifier); codenames it does
 * not know give "debian-CODENAME". */
const char *sbom_distro(const char *codename, char *buf, size_t size);
/* pkg:deb/debian/NAME@VERSION?arch=ARCH&distro=DISTRO, each part
 * percent-encoded as the purl spec says (a version's ':' stays). */
char *sbom_purl(const char *name, const char *version, const char *arch, const char *distro);

/* The documents, pretty-printed, ending in a newline. */
char *sbom_spdx_json(const struct sbom_input *in);
char *sbom_cyclonedx_json(const struct sbom_input *in);

#endif
