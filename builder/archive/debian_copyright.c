/* SPDX-License-Identifier: MIT */
#include "archive/debian_copyright.h"

#include "sys/rootfs_fs.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A copyright file longer than this is read no further (the largest in
 * Debian 12 are a few MiB of licence texts; the Files paragraphs come
 * first). */
#define MAX_BYTES (16 * 1024 * 1024)

/* DEP-5 short names (compared without regard to case, as DEP-5 says) and
 * the SPDX identifier that means exactly the same licence.  Names that
 * DEP-5 leaves ambiguous are deliberately absent: "Artistic" without a
 * version, "MIT" (DEP-5 says Expat for that text; packages that write MIT
 * mean one of several), "BSD" alone, public-domain. */
static const struct {
	const char *dep5, *spdx;
} names[] = {
	{ "GPL-1", "GPL-1.0-only" },     { "GPL-1+", "GPL-1.0-or-later" },
	{ "GPL-2", "GPL-2.0-only" },     { "GPL-2+", "GPL-2.0-or-later" },
	{ "GPL-2.0", "GPL-2.0-only" },   { "GPL-2.0+", "GPL-2.0-or-later" },
	{ "GPL-3", "GPL-3.0-only" },     { "GPL-3+", "GPL-3.0-or-later" },
	{ "GPL-3.0", "GPL-3.0-only" },   { "GPL-3.0+", "GPL-3.0-or-later" },
	{ "LGPL-2", "LGPL-2.0-only" },   { "LGPL-2+", "LGPL-2.0-or-later" },
	{ "LGPL-2.0", "LGPL-2.0-only" }, { "LGPL-2.0+", "LGPL-2.0-or-later" },
	{ "LGPL-2.1", "LGPL-2.1-only" }, { "LGPL-2.1+", "LGPL-2.1-or-later" },
	{ "LGPL-3", "LGPL-3.0-only" },   { "LGPL-3+", "LGPL-3.0-or-later" },
	{ "LGPL-3.0", "LGPL-3.0-only" }, { "LGPL-3.0+", "LGPL-3.0-or-later" },
	{ "AGPL-3", "AGPL-3.0-only" },   { "AGPL-3+", "AGPL-3.0-or-later" },
	{ "GFDL-1.2", "GFDL-1.2-only" }, { "GFDL-1.2+", "GFDL-1.2-or-later" },
	{ "GFDL-1.3", "GFDL-1.3-only" }, { "GFDL-1.3+", "GFDL-1.3-or-later" },
	{ "Apache-2.0", "Apache-2.0" },  { "Apache-2", "Apache-2.0" },
	{ "Apache-1.1", "Apache-1.1" },  { "Artistic-2.0", "Artistic-2.0" },
	{ "BSD-2-clause", "BSD-2-Clause" }, { "BSD-3-clause", "BSD-3-Clause" },
	{ "BSD-4-clause", "BSD-4-Clause" }, { "Expat", "MIT" },
	{ "ISC", "ISC" },                { "Zlib", "Zlib" },
	{ "CC0-1.0", "CC0-1.0" },        { "MPL-1.1", "MPL-1.1" },
	{ "MPL-2.0", "MPL-2.0" },        { "CDDL-1.0", "CDDL-1.0" },
	{ "Python-2.0", "Python-2.0" },  { "OpenSSL", "OpenSSL" },
	{ "X11", "X11" },                { "curl", "curl" },
	{ "BSL-1.0", "BSL-1.0" },        { "0BSD", "0BSD" },
	{ "Unicode-DFS-2016", "Unicode-DFS-2016" }, { "bzip2-1.0.6", "bzip2-1.0.6" },
	{ "FSFAP", "FSFAP" },            { "FSFUL", "FSFUL" },
	{ "FSFULLR", "FSFULLR" },        { "Unlicense", "Unlicense" },
};

static const char *spdx_name(const char *dep5)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(names[i].dep5, dep5) == 0)
			return names[i].spdx;
	return NULL;
}

/* One comma-free part: names joined by "or"/"and".  Appends to f; says
 * whether it held an operator (then it needs parentheses among others). */
static bool map_part(FILE *f, const char *part, bool *compound, const char **leading_op)
{
	autofree char *copy = xstrdup(part);
	char *save = NULL;
	bool want_name = true, first = true;
	*compound = false;
	*leading_op = NULL;
	for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		bool is_or = strcasecmp(tok, "or") == 0, is_and = strcasecmp(tok, "and") == 0;
		if (is_or || is_and) {
			/* A part after a comma starts with its operator:
			 * ", and BSD-3-clause". */
			if (first && leading_op) {
				*leading_op = is_or ? "OR" : "AND";
				first = false;
				continue;
			}
			if (want_name)
				return false;
			fputs(is_or ? " OR " : " AND ", f);
			*compound = true;
			want_name = true;
			continue;
		}
		first = false;
		const char *id = want_name ? spdx_name(tok) : NULL;
		if (!id)
			return false; /* unknown name, "with ... exception", two names in a row */
		fputs(id, f);
		want_name = false;
	}
	return !want_name;
}

char *debian_license_to_spdx(const char *dep5)
{
	if (!dep5 || strpbrk(dep5, "()"))
		return NULL;
	autostrv char **parts = strv_split_list(dep5, ',');
	if (!parts || !parts[0])
		return NULL;
	autofree char *text = NULL;
	size_t len = 0;
	FILE *f = xopen_memstream(&text, &len);
	bool ok = true;
	size_t n = strv_length(parts);
	for (size_t i = 0; ok && parts[i]; i++) {
		char *buf = NULL;
		size_t blen = 0;
		FILE *pf = xopen_memstream(&buf, &blen);
		bool compound;
		const char *op = NULL;
		ok = map_part(pf, parts[i], &compound, &op);
		xclose_memstream(pf);
		if (ok && i > 0 && !op)
			ok = false; /* "A, B": DEP-5 wants the operator spelled */
		if (ok && i == 0 && op)
			ok = false;
		if (ok) {
			if (op)
				fprintf(f, " %s ", op);
			fprintf(f, n > 1 && compound ? "(%s)" : "%s", buf);
		}
		free(buf);
	}
	xclose_memstream(f);
	return ok ? steal_pointer(&text) : NULL;
}

/* ---- the file ------------------------------------------------------------ */

struct paragraph {
	bool has_files, has_format;
	char *license; /* the first line of its License field */
	char *format;
};

static void paragraph_clear(struct paragraph *p)
{
	free(p->license);
	free(p->format);
	*p = (struct paragraph){ 0 };
}

/* Join the licences found so far; NULL when one of them did not map. */
struct licences {
	char **spdx;  /* distinct expressions, in order */
	bool unknown;
};

static void paragraph_end(struct paragraph *p, size_t index, bool *machine_readable,
			  struct licences *l)
{
	if (index == 0)
		*machine_readable = p->has_format && p->format &&
				    strstr(p->format, "copyright-format/1.0") != NULL;
	else if (p->has_files) {
		autofree char *expr = p->license ? debian_license_to_spdx(p->license) : NULL;
		if (!expr)
			l->unknown = true;
		else if (!strv_contains(l->spdx, expr))
			strv_push(&l->spdx, expr);
	}
	paragraph_clear(p);
}

int debian_copyright_parse(FILE *in, char **spdx, struct mkfr_error *err)
{
	*spdx = NULL;
	autofree char *line = NULL;
	size_t cap = 0, total = 0, index = 0;
	ssize_t len;
	bool machine_readable = false, in_paragraph = false;
	struct paragraph p = { 0 };
	struct licences l = { .spdx = strv_new() };
	errno = 0;
	while ((len = getline(&line, &cap, in)) >= 0) {
		total += (size_t)len;
		if (total > MAX_BYTES)
			break;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		bool blank = true;
		for (char *c = line; *c; c++)
			if (!isspace((unsigned char)*c))
				blank = false;
		if (blank) {
			if (in_paragraph) {
				paragraph_end(&p, index++, &machine_readable, &l);
				in_paragraph = false;
				if (index == 1 && !machine_readable)
					break; /* not DEP-5: nothing to read */
			}
			continue;
		}
		in_paragraph = true;
		if (line[0] == ' ' || line[0] == '\t' || line[0] == '#')
			continue;
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		char *value = colon + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		if (strcasecmp(line, "Format") == 0 || strcasecmp(line, "Format-Specification") == 0) {
			p.has_format = true;
			free(p.format);
			p.format = xstrdup(value);
		} else if (strcasecmp(line, "Files") == 0) {
			p.has_files = true;
		} else if (strcasecmp(line, "License") == 0) {
			free(p.license);
			p.license = *value ? xstrdup(str_trim(value)) : NULL;
		}
	}
	bool read_error = ferror(in);
	if (in_paragraph)
		paragraph_end(&p, index++, &machine_readable, &l);
	paragraph_clear(&p);
	if (read_error) {
		strv_free(l.spdx);
		return mkfr_fail(err, errno ? errno : EIO, "cannot read a copyright file");
	}
	if (machine_readable && !l.unknown && l.spdx[0]) {
		size_t n = strv_length(l.spdx);
		char *joined = NULL;
		size_t jlen = 0;
		FILE *f = xopen_memstream(&joined, &jlen);
		for (size_t i = 0; i < n; i++) {
			bool compound = strstr(l.spdx[i], " OR ") || strstr(l.spdx[i], " AND ");
			fprintf(f, "%s%s%s%s", i ? " AND " : "", n > 1 && compound ? "(" : "", l.spdx[i],
				n > 1 && compound ? ")" : "");
		}
		xclose_memstream(f);
		*spdx = joined;
	}
	strv_free(l.spdx);
	return 0;
}

int debian_copyright_read(int rootfd, const char *package, char **spdx, struct mkfr_error *err)
{
	*spdx = NULL;
	autofree char *path = xasprintf("/usr/share/doc/%s/copyright", package);
	int fd = rootfs_open_read(rootfd, path);
	if (fd < 0)
		return 0; /* none, or not a regular file: nothing to declare */
	autofclose FILE *f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return mkfr_fail(err, errno, "cannot read the rootfs's %s", path);
	}
	if (debian_copyright_parse(f, spdx, err) < 0)
		return mkfr_error_prefix(err, "%s", path);
	return 0;
}
