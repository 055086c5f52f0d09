/* SPDX-License-Identifier: MIT */
/* sbom: OUT.spdx.json and OUT.cdx.json (sbom=spdx,cyclonedx or --sbom),
 * from what the manifest records: the packages dpkg lists as installed,
 * each with its source package, the SHA-256 of the .deb the fetch stage
 * verified, its purl, the licence its machine-readable copyright file
 * declares (read by the inventory stage while the tree was there) and the
 * archive it came from; the image itself as the top component with its
 * digest.  Written atomically after output (they need OUT's digest) and
 * before the manifest; removed again if the build does not complete. */
#include "archive/dpkg_status.h"
#include "out/sbom.h"
#include "pipeline/stages.h"
#include "sys/atomic_file.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* "main" from "pool/main/b/bash/bash_5.2.15-2+b2_armel.deb". */
static char *component_of(const char *filename)
{
	if (!filename || strncmp(filename, "pool/", 5) != 0)
		return NULL;
	const char *c = filename + 5;
	return xstrndup(c, strcspn(c, "/"));
}

static int write_one(const char *path, const char *text, struct mkfr_error *err)
{
	if (atomic_file_write(path, text, strlen(text), 0644, err) < 0)
		return mkfr_error_prefix(err, "the SBOM %s is not written (so OUT is removed too)", path);
	return 0;
}

static int sbom_run(struct build *b, struct mkfr_error *err)
{
	if (!b->sbom_spdx_path && !b->sbom_cdx_path)
		return 0;
	const char *digest = NULL;
	if (b->format == OUTPUT_OCI)
		digest = b->oci_manifest_digest + 7; /* a layout directory: its image's identity */
	else if (output_format_is_written(b->format)) {
		if (stage_out_sha256(b, err) < 0)
			return -1;
		digest = b->out_sha256;
	}
	const char *mirror = profile_get(b->profile, "mirror");
	const char *suite = profile_get(b->profile, "suite");
	struct sbom_package *pkgs = xcalloc(b->installed_count ? b->installed_count : 1, sizeof(*pkgs));
	char **owned = xcalloc(2 * b->installed_count + 1, sizeof(char *));
	for (size_t i = 0; i < b->installed_count; i++) {
		const struct installed_package *p = &b->installed[i];
		const struct deb_package *d = stage_fetched_deb(b, p);
		autofree char *component = component_of(d ? d->filename : NULL);
		pkgs[i] = (struct sbom_package){
			.name = p->name,
			.version = p->version,
			.architecture = p->architecture,
			.source = p->source,
			.source_version = p->source_version,
			.deb_sha256 = d ? d->sha256 : NULL,
			.license = p->license,
		};
		if (d && d->filename)
			pkgs[i].download_url = owned[2 * i] = xasprintf("%s/%s", mirror, d->filename);
		if (component)
			pkgs[i].archive = owned[2 * i + 1] = xasprintf("%s %s %s", mirror, suite, component);
	}
	autofree char *out_copy = xstrdup(b->out);
	struct sbom_input in = {
		.tool_name = PACKAGE_NAME,
		.tool_version = PACKAGE_VERSION,
		.created = b->reproducible ? b->source_date_epoch : time(NULL),
		.image_name = basename(out_copy),
		.image_format = output_format_name(b->format),
		.image_sha256 = digest,
		.suite = suite,
		.codename = b->resolved.release.codename ? b->resolved.release.codename : suite,
		.arch = b->arch->name,
		.packages = pkgs,
		.count = b->installed_count,
	};
	int r = 0;
	b->sbom_written = true; /* from now on the undo removes what is there */
	if (b->sbom_spdx_path) {
		autofree char *text = sbom_spdx_json(&in);
		r = write_one(b->sbom_spdx_path, text, err);
	}
	if (r == 0 && b->sbom_cdx_path) {
		autofree char *text = sbom_cyclonedx_json(&in);
		r = write_one(b->sbom_cdx_path, text, err);
	}
	for (size_t i = 0; i < 2 * b->installed_count; i++)
		free(owned[i]);
	free(owned);
	free(pkgs);
	if (r == 0)
		log_info("sbom: %s%s%s (%zu packages)", b->sbom_spdx_path ? b->sbom_spdx_path : "",
			 b->sbom_spdx_path && b->sbom_cdx_path ? ", " : "",
			 b->sbom_cdx_path ? b->sbom_cdx_path : "", b->installed_count);
	return r;
}

static void sbom_undo(struct build *b)
{
	if (!b->sbom_written || b->completed)
		return;
	const char *paths[] = { b->sbom_spdx_path, b->sbom_cdx_path };
	for (size_t i = 0; i < 2; i++)
		if (paths[i] && unlink(paths[i]) < 0 && errno != ENOENT)
			log_warn("could not remove %s: %s", paths[i], strerror(errno));
	b->sbom_written = false;
}

const struct stage stage_sbom = { "sbom", sbom_run, sbom_undo };
