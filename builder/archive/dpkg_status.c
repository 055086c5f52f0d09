/* SPDX-License-Identifier: MIT */
#include "archive/dpkg_status.h"

#include "sys/rootfs_fs.h"
#include "util/alloc.h"
#include "util/cleanup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define STATUS_PATH "/var/lib/dpkg/status"

struct stanza {
	char *package, *version, *architecture, *status, *source;
};

static void stanza_clear(struct stanza *s)
{
	free(s->package);
	free(s->version);
	free(s->architecture);
	free(s->status);
	free(s->source);
	*s = (struct stanza){ 0 };
}

/* Keep the stanza if dpkg calls it installed; its strings move to the list. */
static int stanza_end(struct stanza *s, struct installed_package **out, size_t *count,
		      size_t *cap)
{
	if (s->package && s->status && strcmp(s->status, "install ok installed") == 0) {
		if (*count == *cap) {
			size_t ncap = *cap ? *cap * 2 : 256;
			struct installed_package *n = xrealloc(*out, ncap * sizeof(*n));
			if (!n)
				return -1;
			*out = n;
			*cap = ncap;
		}
		struct installed_package *p = &(*out)[(*count)++];
		*p = (struct installed_package){
			.name = steal_pointer(&s->package),
			.version = steal_pointer(&s->version),
			.architecture = steal_pointer(&s->architecture),
		};
		/* "Source: NAME" or "Source: NAME (VERSION)" when the source
		 * version differs from the binary's (binNMUs); absent when
		 * the source is named like the binary. */
		if (s->source) {
			char *open = strchr(s->source, '(');
			char *close = open ? strchr(open, ')') : NULL;
			size_t n = strcspn(s->source, " (");
			p->source = xstrndup(s->source, n);
			if (open && close)
				p->source_version = xstrndup(open + 1, (size_t)(close - open - 1));
		}
	}
	stanza_clear(s);
	return 0;
}

int dpkg_status_parse(FILE *in, const char *origin, struct installed_package **out,
		      size_t *count, struct mkfr_error *err)
{
	struct installed_package *list = NULL;
	size_t n = 0, cap = 0, lineno = 0;
	struct stanza s = { 0 };
	autofree char *line = NULL;
	size_t linecap = 0;
	ssize_t len;
	int r = 0;
	while (r == 0 && (len = getline(&line, &linecap, in)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0) {
			r = stanza_end(&s, &list, &n, &cap);
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t')
			continue; /* continuation of a field we do not keep */
		char *colon = strchr(line, ':');
		if (!colon) {
			r = mkfr_fail(err, 0, "%s:%zu: not a 'Field: value' line", origin, lineno);
			break;
		}
		*colon = '\0';
		char *value = colon + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		char **field = strcasecmp(line, "Package") == 0 ? &s.package
			       : strcasecmp(line, "Version") == 0 ? &s.version
			       : strcasecmp(line, "Architecture") == 0 ? &s.architecture
			       : strcasecmp(line, "Status") == 0 ? &s.status
			       : strcasecmp(line, "Source") == 0 ? &s.source : NULL;
		if (field) {
			free(*field);
			*field = xstrdup(value);
		}
	}
	if (r == 0 && stanza_end(&s, &list, &n, &cap) < 0)
		r = mkfr_fail(err, ENOMEM, "%s", origin);
	stanza_clear(&s);
	if (r < 0) {
		dpkg_status_free(list, n);
		return -1;
	}
	*out = list;
	*count = n;
	return 0;
}

int dpkg_status_read(int rootfd, struct installed_package **out, size_t *count,
		     struct mkfr_error *err)
{
	int fd = rootfs_open_read(rootfd, STATUS_PATH);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot read the rootfs's %s", STATUS_PATH);
	autofclose FILE *f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return mkfr_fail(err, errno, "cannot read the rootfs's %s", STATUS_PATH);
	}
	return dpkg_status_parse(f, STATUS_PATH, out, count, err);
}

void dpkg_status_free(struct installed_package *pkgs, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(pkgs[i].name);
		free(pkgs[i].version);
		free(pkgs[i].architecture);
		free(pkgs[i].source);
		free(pkgs[i].source_version);
		free(pkgs[i].license);
	}
	free(pkgs);
}
