/* SPDX-License-Identifier: MIT */
#include "out/sbom.h"

#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/sha256.h"

#include <ctype.h>
#include <stdbool.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* Debian's release numbers by code name (the purl spec's example is
 * distro=debian-12 for bookworm). */
static const struct {
	const char *codename, *version;
} releases[] = {
	{ "jessie", "8" }, { "stretch", "9" }, { "buster", "10" }, { "bullseye", "11" },
	{ "bookworm", "12" }, { "trixie", "13" }, { "forky", "14" }, { "duke", "15" },
};

const char *sbom_distro(const char *codename, char *buf, size_t size)
{
	for (size_t i = 0; i < sizeof(releases) / sizeof(releases[0]); i++)
		if (codename && strcmp(codename, releases[i].codename) == 0) {
			snprintf(buf, size, "debian-%s", releases[i].version);
			return buf;
		}
	snprintf(buf, size, "debian-%s", codename ? codename : "unknown");
	return buf;
}

/* The purl spec: everything but ASCII letters, digits and ". - _ ~" is
 * percent-encoded; `keep` names characters a part may hold as they are
 * (a version's ':', which separates a Debian epoch). */
static void purl_encode(FILE *f, const char *s, const char *keep)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr(".-_~", *p) || (keep && strchr(keep, *p)))
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
}

char *sbom_purl(const char *name, const char *version, const char *arch, const char *distro)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = xopen_memstream(&buf, &len);
	fputs("pkg:deb/debian/", f);
	purl_encode(f, name, NULL);
	if (version) {
		fputc('@', f);
		purl_encode(f, version, ":");
	}
	/* Qualifiers in the key order the spec asks for (sorted). */
	char sep = '?';
	if (arch) {
		fprintf(f, "%carch=", sep);
		purl_encode(f, arch, NULL);
		sep = '&';
	}
	if (distro) {
		fprintf(f, "%cdistro=", sep);
		purl_encode(f, distro, NULL);
	}
	xclose_memstream(f);
	return buf;
}

static void rfc3339(time_t t, char buf[32])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *or_noassertion(const char *s)
{
	return s ? s : "NOASSERTION";
}

/* What makes this document itself: the image and every package, so two
 * builds of the same content get the same identity. */
static void document_uuid(const struct sbom_input *in, char out[37])
{
	struct sha256 h;
	struct mkfr_error err;
	char hex[SHA256_HEX_SIZE];
	if (sha256_begin(&h, &err) < 0) {
		snprintf(out, 37, "00000000-0000-4000-8000-000000000000");
		return;
	}
	const char *head[] = { in->image_name, in->image_format, in->image_sha256, in->suite, in->arch };
	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) {
		const char *s = head[i] ? head[i] : "-";
		sha256_update(&h, s, strlen(s) + 1);
	}
	for (size_t i = 0; i < in->count; i++) {
		const struct sbom_package *p = &in->packages[i];
		const char *fields[] = { p->name, p->version, p->architecture, p->deb_sha256, p->license };
		for (size_t j = 0; j < sizeof(fields) / sizeof(fields[0]); j++) {
			const char *s = fields[j] ? fields[j] : "-";
			sha256_update(&h, s, strlen(s) + 1);
		}
	}
	sha256_finish_hex(&h, hex);
	sha256_hex_uuid(hex, out);
}

static bool is_container(const struct sbom_input *in)
{
	return in->image_format && strncmp(in->image_format, "oci", 3) == 0;
}

static char *to_text(json_object *root)
{
	const char *text = json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out = xasprintf("%s\n", text);
	json_object_put(root);
	return out;
}

static json_object *str(const char *s)
{
	return json_object_new_string(s);
}

/* ---- SPDX 2.3 ------------------------------------------------------------ */

/* SPDX identifiers are letters, digits, '.' and '-'. */
static char *spdx_id(size_t n, const struct sbom_package *p)
{
	char *id = xasprintf("SPDXRef-Package-%zu-%s-%s", n, p->name, p->architecture ? p->architecture : "none");
	for (char *c = id; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-')
			*c = '-';
	return id;
}

static json_object *spdx_relationship(const char *a, const char *type, const char *b)
{
	json_object *r = json_object_new_object();
	json_object_object_add(r, "spdxElementId", str(a));
	json_object_object_add(r, "relationshipType", str(type));
	json_object_object_add(r, "relatedSpdxElement", str(b));
	return r;
}

static json_object *spdx_sha256(const char *hex)
{
	json_object *a = json_object_new_array();
	json_object *c = json_object_new_object();
	json_object_object_add(c, "algorithm", str("SHA256"));
	json_object_object_add(c, "checksumValue", str(hex));
	json_object_array_add(a, c);
	return a;
}

char *sbom_spdx_json(const struct sbom_input *in)
{
	char created[32], uuid[37], distro[64];
	rfc3339(in->created, created);
	document_uuid(in, uuid);
	sbom_distro(in->codename, distro, sizeof(distro));

	json_object *root = json_object_new_object();
	json_object_object_add(root, "spdxVersion", str("SPDX-2.3"));
	json_object_object_add(root, "dataLicense", str("CC0-1.0"));
	json_object_object_add(root, "SPDXID", str("SPDXRef-DOCUMENT"));
	json_object_object_add(root, "name", str(in->image_name));
	/* A unique URI for this document; .invalid is reserved (RFC 2606):
	 * it names, it does not point anywhere. */
	autofree char *ns = xasprintf("https://mkforeignroot.invalid/spdx/%s-%s", in->image_name, uuid);
	json_object_object_add(root, "documentNamespace", str(ns));
	json_object *ci = json_object_new_object();
	json_object_object_add(ci, "created", str(created));
	json_object *creators = json_object_new_array();
	autofree char *tool = xasprintf("Tool: %s-%s", in->tool_name, in->tool_version);
	json_object_array_add(creators, str(tool));
	json_object_object_add(ci, "creators", creators);
	json_object_object_add(root, "creationInfo", ci);
	json_object *describes = json_object_new_array();
	json_object_array_add(describes, str("SPDXRef-Image"));
	json_object_object_add(root, "documentDescribes", describes);

	json_object *packages = json_object_new_array();
	json_object *image = json_object_new_object();
	json_object_object_add(image, "SPDXID", str("SPDXRef-Image"));
	json_object_object_add(image, "name", str(in->image_name));
	autofree char *image_version = xasprintf("%s-%s", in->suite, in->arch);
	json_object_object_add(image, "versionInfo", str(image_version));
	json_object_object_add(image, "downloadLocation", str("NOASSERTION"));
	json_object_object_add(image, "filesAnalyzed", json_object_new_boolean(0));
	if (in->image_sha256)
		json_object_object_add(image, "checksums", spdx_sha256(in->image_sha256));
	json_object_object_add(image, "licenseConcluded", str("NOASSERTION"));
	json_object_object_add(image, "licenseDeclared", str("NOASSERTION"));
	json_object_object_add(image, "copyrightText", str("NOASSERTION"));
	autofree char *image_comment = xasprintf("%s of Debian %s for %s, made by %s %s", in->image_format,
						 in->suite, in->arch, in->tool_name, in->tool_version);
	json_object_object_add(image, "comment", str(image_comment));
	json_object_object_add(image, "primaryPackagePurpose",
			       str(is_container(in) ? "CONTAINER" : "OPERATING-SYSTEM"));
	json_object_array_add(packages, image);

	json_object *rels = json_object_new_array();
	json_object_array_add(rels, spdx_relationship("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image"));
	for (size_t i = 0; i < in->count; i++) {
		const struct sbom_package *p = &in->packages[i];
		autofree char *id = spdx_id(i + 1, p);
		autofree char *purl = sbom_purl(p->name, p->version, p->architecture, distro);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "SPDXID", str(id));
		json_object_object_add(o, "name", str(p->name));
		if (p->version)
			json_object_object_add(o, "versionInfo", str(p->version));
		json_object_object_add(o, "downloadLocation", str(or_noassertion(p->download_url)));
		json_object_object_add(o, "filesAnalyzed", json_object_new_boolean(0));
		if (p->deb_sha256)
			json_object_object_add(o, "checksums", spdx_sha256(p->deb_sha256));
		autofree char *source = xasprintf("built from the Debian source package %s %s",
						  p->source ? p->source : p->name,
						  p->source_version ? p->source_version
								    : p->version ? p->version : "");
		json_object_object_add(o, "sourceInfo", str(source));
		/* Declared: what the package's machine-readable debian/copyright
		 * says; concluded: nothing, we did not look at the files. */
		json_object_object_add(o, "licenseConcluded", str("NOASSERTION"));
		json_object_object_add(o, "licenseDeclared", str(or_noassertion(p->license)));
		json_object_object_add(o, "copyrightText", str("NOASSERTION"));
		if (p->archive) {
			autofree char *comment = xasprintf("from the archive %s", p->archive);
			json_object_object_add(o, "comment", str(comment));
		}
		json_object *refs = json_object_new_array();
		json_object *ref = json_object_new_object();
		json_object_object_add(ref, "referenceCategory", str("PACKAGE-MANAGER"));
		json_object_object_add(ref, "referenceType", str("purl"));
		json_object_object_add(ref, "referenceLocator", str(purl));
		json_object_array_add(refs, ref);
		json_object_object_add(o, "externalRefs", refs);
		json_object_array_add(packages, o);
		json_object_array_add(rels, spdx_relationship("SPDXRef-Image", "CONTAINS", id));
	}
	json_object_object_add(root, "packages", packages);
	json_object_object_add(root, "relationships", rels);
	return to_text(root);
}

/* ---- CycloneDX 1.5 ------------------------------------------------------- */

static json_object *cdx_sha256(const char *hex)
{
	json_object *a = json_object_new_array();
	json_object *h = json_object_new_object();
	json_object_object_add(h, "alg", str("SHA-256"));
	json_object_object_add(h, "content", str(hex));
	json_object_array_add(a, h);
	return a;
}

static void cdx_property(json_object *props, const char *name, const char *value)
{
	if (!value)
		return;
	json_object *p = json_object_new_object();
	json_object_object_add(p, "name", str(name));
	json_object_object_add(p, "value", str(value));
	json_object_array_add(props, p);
}

char *sbom_cyclonedx_json(const struct sbom_input *in)
{
	char created[32], uuid[37], distro[64];
	rfc3339(in->created, created);
	document_uuid(in, uuid);
	sbom_distro(in->codename, distro, sizeof(distro));

	json_object *root = json_object_new_object();
	json_object_object_add(root, "bomFormat", str("CycloneDX"));
	json_object_object_add(root, "specVersion", str("1.5"));
	autofree char *serial = xasprintf("urn:uuid:%s", uuid);
	json_object_object_add(root, "serialNumber", str(serial));
	json_object_object_add(root, "version", json_object_new_int(1));

	json_object *meta = json_object_new_object();
	json_object_object_add(meta, "timestamp", str(created));
	json_object *tools = json_object_new_object();
	json_object *tool_list = json_object_new_array();
	json_object *tool = json_object_new_object();
	json_object_object_add(tool, "type", str("application"));
	json_object_object_add(tool, "name", str(in->tool_name));
	json_object_object_add(tool, "version", str(in->tool_version));
	json_object_array_add(tool_list, tool);
	json_object_object_add(tools, "components", tool_list);
	json_object_object_add(meta, "tools", tools);
	json_object *image = json_object_new_object();
	json_object_object_add(image, "type", str(is_container(in) ? "container" : "operating-system"));
	json_object_object_add(image, "bom-ref", str("image"));
	json_object_object_add(image, "name", str(in->image_name));
	autofree char *image_version = xasprintf("%s-%s", in->suite, in->arch);
	json_object_object_add(image, "version", str(image_version));
	if (in->image_sha256)
		json_object_object_add(image, "hashes", cdx_sha256(in->image_sha256));
	json_object *iprops = json_object_new_array();
	cdx_property(iprops, "mkforeignroot:format", in->image_format);
	cdx_property(iprops, "mkforeignroot:suite", in->suite);
	cdx_property(iprops, "mkforeignroot:arch", in->arch);
	json_object_object_add(image, "properties", iprops);
	json_object_object_add(meta, "component", image);
	json_object_object_add(root, "metadata", meta);

	json_object *components = json_object_new_array();
	json_object *depends = json_object_new_array();
	for (size_t i = 0; i < in->count; i++) {
		const struct sbom_package *p = &in->packages[i];
		autofree char *purl = sbom_purl(p->name, p->version, p->architecture, distro);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "type", str("library"));
		json_object_object_add(o, "bom-ref", str(purl));
		json_object_object_add(o, "name", str(p->name));
		if (p->version)
			json_object_object_add(o, "version", str(p->version));
		if (p->deb_sha256)
			json_object_object_add(o, "hashes", cdx_sha256(p->deb_sha256));
		if (p->license) {
			json_object *licenses = json_object_new_array();
			json_object *l = json_object_new_object();
			json_object_object_add(l, "expression", str(p->license));
			json_object_array_add(licenses, l);
			json_object_object_add(o, "licenses", licenses);
		}
		json_object_object_add(o, "purl", str(purl));
		if (p->download_url) {
			json_object *refs = json_object_new_array();
			json_object *r = json_object_new_object();
			json_object_object_add(r, "type", str("distribution"));
			json_object_object_add(r, "url", str(p->download_url));
			json_object_array_add(refs, r);
			json_object_object_add(o, "externalReferences", refs);
		}
		json_object *props = json_object_new_array();
		cdx_property(props, "mkforeignroot:debian:source", p->source ? p->source : p->name);
		cdx_property(props, "mkforeignroot:debian:source_version",
			     p->source_version ? p->source_version : p->version);
		cdx_property(props, "mkforeignroot:debian:architecture", p->architecture);
		cdx_property(props, "mkforeignroot:debian:archive", p->archive);
		json_object_object_add(o, "properties", props);
		json_object_array_add(components, o);
		json_object_array_add(depends, str(purl));
	}
	json_object_object_add(root, "components", components);
	json_object *deps = json_object_new_array();
	json_object *d = json_object_new_object();
	json_object_object_add(d, "ref", str("image"));
	json_object_object_add(d, "dependsOn", depends);
	json_object_array_add(deps, d);
	json_object_object_add(root, "dependencies", deps);
	return to_text(root);
}
