/* SPDX-License-Identifier: MIT */
/* The SBOM building blocks, without a build: purl encoding, the DEP-5 ->
 * SPDX licence table (and what it refuses to guess), a copyright file's
 * expression, and the shape of both documents made from a hand-written
 * package list (the fields a compliance tool reads, identical bytes for the
 * same input).  No root, no network. */
#include "archive/debian_copyright.h"
#include "archive/dpkg_status.h"
#include "out/sbom.h"
#include "tap.h"
#include "tap-json.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define jstr tap_json_str

static char *copyright_expr(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	char *expr = NULL;
	struct mkfr_error err;
	if (debian_copyright_parse(f, &expr, &err) < 0)
		expr = strdup("(error)");
	fclose(f);
	return expr;
}

int main(void)
{
	char *p = sbom_purl("libstdc++6", "1:12.2.0-14", "armel", "debian-12");
	is_str(p, "pkg:deb/debian/libstdc%2B%2B6@1:12.2.0-14?arch=armel&distro=debian-12",
	       "purl: '+' percent-encoded, the epoch's ':' kept, qualifiers sorted");
	free(p);
	p = sbom_purl("bash", "5.2.15-2+b2", "armel", "debian-12");
	is_str(p, "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=armel&distro=debian-12", "purl: a binNMU version");
	free(p);
	p = sbom_purl("tzdata", "2024a-0+deb12u1~x", "all", "debian-12");
	is_str(p, "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1~x?arch=all&distro=debian-12", "purl: '~' stays");
	free(p);
	char d[32];
	is_str(sbom_distro("bookworm", d, sizeof(d)), "debian-12", "bookworm is debian-12");
	is_str(sbom_distro("trixie", d, sizeof(d)), "debian-13", "trixie is debian-13");
	is_str(sbom_distro("sid", d, sizeof(d)), "debian-sid", "an unknown code name stays a name");

	struct {
		const char *dep5, *spdx;
	} cases[] = {
		{ "GPL-2+", "GPL-2.0-or-later" },
		{ "LGPL-2.1+", "LGPL-2.1-or-later" },
		{ "Expat", "MIT" },
		{ "bsd-3-clause", "BSD-3-Clause" },
		{ "GPL-2+ or Artistic-2.0", "GPL-2.0-or-later OR Artistic-2.0" },
		{ "GPL-2+ or Artistic-2.0, and BSD-3-clause", "(GPL-2.0-or-later OR Artistic-2.0) AND BSD-3-Clause" },
		{ "GPL-3+ and LGPL-3+", "GPL-3.0-or-later AND LGPL-3.0-or-later" },
		{ "public-domain", NULL },
		{ "Artistic", NULL },
		{ "MIT", NULL },
		{ "GPL-2+ with OpenSSL exception", NULL },
		{ "GPL-2+ or", NULL },
		{ "GPL-2+ GPL-3+", NULL },
		{ "GPL-2+, BSD-3-clause", NULL },
		{ "(GPL-2+)", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *e = debian_license_to_spdx(cases[i].dep5);
		if (cases[i].spdx)
			is_str(e, cases[i].spdx, "DEP-5 '%s' is SPDX '%s'", cases[i].dep5, cases[i].spdx);
		else
			ok(e == NULL, "DEP-5 '%s' is not guessed (got %s)", cases[i].dep5, e ? e : "nothing");
		free(e);
	}

	const char *dep5 =
		"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
		"Upstream-Name: demo\n"
		"\n"
		"Files: *\n"
		"Copyright: 2000 Someone\n"
		"License: GPL-2+\n"
		"\n"
		"Files: lib/*\n"
		"Copyright: 2001 Else\n"
		"License: LGPL-2.1+ or GPL-3+\n"
		"\n"
		"Files: debian/*\n"
		"License: GPL-2+\n"
		"\n"
		"License: GPL-2+\n"
		" The text of the licence, which names MIT and public-domain\n"
		" and must not count.\n";
	char *e = copyright_expr(dep5);
	is_str(e, "GPL-2.0-or-later AND (LGPL-2.1-or-later OR GPL-3.0-or-later)",
	       "a DEP-5 file: the distinct Files licences joined with AND, stand-alone License paragraphs ignored");
	free(e);
	e = copyright_expr("This package was debianized by someone.\n\nLicense: GPL-2+\n");
	ok(e == NULL, "a file that is not machine-readable gives no licence");
	free(e);
	e = copyright_expr("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
			   "Files: *\nLicense: GPL-2+\n\nFiles: x\nLicense: public-domain\n");
	ok(e == NULL, "one unmappable Files licence makes the whole package NOASSERTION");
	free(e);

	/* dpkg's Source field, with and without a version. */
	const char *status = "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: armel\n"
			     "Source: glibc\n\nPackage: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\n"
			     "Architecture: armel\nSource: bash (5.2.15-2)\n\nPackage: dash\nStatus: install ok installed\n"
			     "Version: 0.5.12-2\nArchitecture: armel\n\n";
	FILE *sf = fmemopen((void *)status, strlen(status), "r");
	struct installed_package *ip = NULL;
	size_t n = 0;
	struct mkfr_error err;
	ok(dpkg_status_parse(sf, "status", &ip, &n, &err) == 0 && n == 3, "dpkg status with Source fields");
	fclose(sf);
	is_str(ip[0].source, "glibc", "Source: glibc");
	ok(ip[0].source_version == NULL, "no source version when the Source field has none");
	is_str(ip[1].source, "bash", "Source: bash (5.2.15-2): the name");
	is_str(ip[1].source_version, "5.2.15-2", "and the version");
	ok(ip[2].source == NULL, "no Source field: none");
	dpkg_status_free(ip, n);

	struct sbom_package pkgs[] = {
		{ "base-files", "12.4+deb12u5", "armel", NULL, NULL,
		  "1111111111111111111111111111111111111111111111111111111111111111", "GPL-2.0-or-later",
		  "http://deb.example/debian/pool/main/b/base-files/base-files_12.4+deb12u5_armel.deb",
		  "http://deb.example/debian bookworm main" },
		{ "libstdc++6", "12.2.0-14", "armel", "gcc-12", NULL, NULL, NULL, NULL, NULL },
	};
	struct sbom_input in = {
		.tool_name = "mkforeignroot", .tool_version = "0.1.0", .created = 1700000000,
		.image_name = "rootfs.squashfs", .image_format = "squashfs",
		.image_sha256 = "2222222222222222222222222222222222222222222222222222222222222222",
		.suite = "bookworm", .codename = "bookworm", .arch = "armel", .packages = pkgs, .count = 2,
	};
	char *spdx = sbom_spdx_json(&in);
	char *again = sbom_spdx_json(&in);
	is_str(again, spdx, "SPDX: the same input gives the same bytes");
	json_object *s = json_tokener_parse(spdx);
	ok(s != NULL, "SPDX: valid JSON");
	is_str(jstr(s, "spdxVersion"), "SPDX-2.3", "SPDX: version 2.3");
	is_str(jstr(s, "dataLicense"), "CC0-1.0", "SPDX: data licence CC0-1.0");
	is_str(jstr(s, "creationInfo.created"), "2023-11-14T22:13:20Z", "SPDX: created is the input's time");
	contains(jstr(s, "documentNamespace"), "https://mkforeignroot.invalid/spdx/rootfs.squashfs-",
		 "SPDX: a namespace of the image's name");
	is_str(jstr(s, "packages.0.SPDXID"), "SPDXRef-Image", "SPDX: the image is the first package");
	is_str(jstr(s, "packages.0.checksums.0.checksumValue"), in.image_sha256, "SPDX: with its digest");
	is_str(jstr(s, "packages.1.checksums.0.checksumValue"), pkgs[0].deb_sha256, "SPDX: the .deb's SHA-256");
	is_str(jstr(s, "packages.1.licenseDeclared"), "GPL-2.0-or-later", "SPDX: the declared licence");
	is_str(jstr(s, "packages.2.licenseDeclared"), "NOASSERTION", "SPDX: no licence: NOASSERTION");
	is_str(jstr(s, "packages.2.SPDXID"), "SPDXRef-Package-2-libstdc--6-armel", "SPDX: ids made of allowed characters");
	is_str(jstr(s, "packages.2.externalRefs.0.referenceLocator"),
	       "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14?arch=armel&distro=debian-12", "SPDX: the purl");
	contains(jstr(s, "packages.2.sourceInfo"), "gcc-12", "SPDX: the source package");
	is_str(jstr(s, "packages.1.downloadLocation"), pkgs[0].download_url, "SPDX: where the .deb came from");
	is_str(jstr(s, "packages.2.downloadLocation"), "NOASSERTION", "SPDX: unknown origin: NOASSERTION");
	is_str(jstr(s, "relationships.0.relationshipType"), "DESCRIBES", "SPDX: the document describes the image");
	is_str(jstr(s, "relationships.2.relatedSpdxElement"), "SPDXRef-Package-2-libstdc--6-armel",
	       "SPDX: the image contains each package");
	json_object_put(s);

	char *cdx = sbom_cyclonedx_json(&in);
	json_object *c = json_tokener_parse(cdx);
	ok(c != NULL, "CycloneDX: valid JSON");
	is_str(jstr(c, "bomFormat"), "CycloneDX", "CycloneDX: bomFormat");
	is_str(jstr(c, "specVersion"), "1.5", "CycloneDX: 1.5");
	contains(jstr(c, "serialNumber"), "urn:uuid:", "CycloneDX: a urn:uuid serial number");
	is_str(jstr(c, "metadata.component.type"), "operating-system", "CycloneDX: a filesystem image is an operating system");
	is_str(jstr(c, "metadata.component.hashes.0.content"), in.image_sha256, "CycloneDX: the image's digest");
	is_str(jstr(c, "components.0.purl"), "pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=armel&distro=debian-12",
	       "CycloneDX: the purl");
	is_str(jstr(c, "components.0.licenses.0.expression"), "GPL-2.0-or-later", "CycloneDX: the licence expression");
	json_object *l1;
	ok(!json_object_object_get_ex(json_object_array_get_idx(json_object_object_get(c, "components"), 1),
				      "licenses", &l1),
	   "CycloneDX: no licence, no licenses field");
	is_str(jstr(c, "components.1.properties.0.value"), "gcc-12", "CycloneDX: the source package as a property");
	is_str(jstr(c, "dependencies.0.dependsOn.1"), jstr(c, "components.1.bom-ref"),
	       "CycloneDX: the image depends on each component");
	json_object_put(c);

	/* A container image and a different package set: another identity. */
	in.image_format = "oci";
	char *cdx2 = sbom_cyclonedx_json(&in);
	c = json_tokener_parse(cdx2);
	is_str(jstr(c, "metadata.component.type"), "container", "CycloneDX: an OCI image is a container");
	json_object_put(c);
	in.count = 1;
	char *spdx2 = sbom_spdx_json(&in);
	ok(strcmp(spdx, spdx2) != 0, "SPDX: another package list, another document");
	free(spdx);
	free(again);
	free(spdx2);
	free(cdx);
	free(cdx2);
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
