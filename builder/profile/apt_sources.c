/* SPDX-License-Identifier: MIT */
#include "profile/apt_sources.h"

#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Which archive a scan looks for. */
enum archive_kind { ARCHIVE_MAIN, ARCHIVE_SECURITY };

static bool ends_with_path(const char *uri, const char *tail)
{
	size_t n = strlen(uri), t = strlen(tail);
	while (n > 0 && uri[n - 1] == '/')
		n--;
	return n >= t && strncmp(uri + n - t, tail, t) == 0;
}

/* The main Debian archive: its URI path ends in /debian (/debian-security,
 * /debian-ports and others end differently) and its suite is not a
 * -security one.  The security archive: a URI ending in /debian-security.
 * Checked on URI and suite only: mirrors and proxies use many host
 * names. */
static bool is_debian_archive(enum archive_kind kind, const char *uri, const char *suite)
{
	if (kind == ARCHIVE_MAIN &&
	    (!ends_with_path(uri, "/debian") || (suite && strstr(suite, "-security"))))
		return false;
	if (kind == ARCHIVE_SECURITY && !ends_with_path(uri, "/debian-security"))
		return false;
	return strncmp(uri, "http://", 7) == 0 || strncmp(uri, "https://", 8) == 0 ||
	       strncmp(uri, "file:///", 8) == 0;
}

static char *strip_slashes(const char *uri)
{
	char *s = xstrdup(uri);
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

/* One-line format: deb [ options ] uri suite [component...] */
static char *scan_list_file(enum archive_kind kind, const char *path)
{
	autofclose FILE *f = fopen(path, "re");
	autofree char *line = NULL;
	size_t cap = 0;
	if (!f)
		return NULL;
	while (getline(&line, &cap, f) >= 0) {
		char *s = str_trim(line);
		if (strncmp(s, "deb", 3) != 0 || (s[3] != ' ' && s[3] != '\t'))
			continue;
		s += 3;
		s += strspn(s, " \t");
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (!close)
				continue;
			s = close + 1;
			s += strspn(s, " \t");
		}
		char *uri = strsep(&s, " \t");
		if (s)
			s += strspn(s, " \t");
		char *suite = s ? strsep(&s, " \t") : NULL;
		if (uri && *uri && is_debian_archive(kind, uri, suite))
			return strip_slashes(uri);
	}
	return NULL;
}

/* deb822 format: stanzas separated by blank lines, fields Types/URIs/Suites. */
static char *scan_sources_file(enum archive_kind kind, const char *path)
{
	autofclose FILE *f = fopen(path, "re");
	autofree char *line = NULL;
	size_t cap = 0;
	autostrv char **uris = NULL;
	autofree char *suites = NULL;
	bool is_deb = false, enabled = true;
	char *found = NULL;

	if (!f)
		return NULL;
	for (;;) {
		ssize_t r = getline(&line, &cap, f);
		char *s = r >= 0 ? str_trim(line) : NULL;
		if (!s || *s == '\0') {
			/* end of a stanza */
			for (size_t i = 0; is_deb && enabled && uris && uris[i] && !found; i++)
				if (is_debian_archive(kind, uris[i], suites))
					found = strip_slashes(uris[i]);
			strv_free(uris);
			uris = NULL;
			free(suites);
			suites = NULL;
			is_deb = false;
			enabled = true;
			if (!s || found)
				break;
			continue;
		}
		if (*s == '#')
			continue;
		char *colon = strchr(s, ':');
		if (!colon)
			continue;
		*colon = '\0';
		char *value = str_trim(colon + 1);
		if (strcasecmp(s, "Types") == 0) {
			autostrv char **types = strv_split_list(value, ' ');
			is_deb = strv_contains(types, "deb");
		} else if (strcasecmp(s, "URIs") == 0) {
			strv_free(uris);
			uris = strv_split_list(value, ' ');
		} else if (strcasecmp(s, "Suites") == 0) {
			free(suites);
			suites = xstrdup(value);
		} else if (strcasecmp(s, "Enabled") == 0) {
			enabled = strcasecmp(value, "no") != 0;
		}
	}
	return found;
}

static char *scan_sources(enum archive_kind kind, const char *etc_apt)
{
	autofree char *main_list = path_join(etc_apt, "sources.list");
	autofree char *dir = path_join(etc_apt, "sources.list.d");
	char *found;

	found = scan_list_file(kind, main_list);
	if (found)
		return found;

	/* apt reads sources.list.d in alphabetical order. */
	autostrv char **files = strv_new();
	autoclosedir DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if ((n > 5 && strcmp(de->d_name + n - 5, ".list") == 0) ||
		    (n > 8 && strcmp(de->d_name + n - 8, ".sources") == 0))
			strv_push(&files, de->d_name);
	}
	strv_sort(files);
	for (size_t i = 0; files[i]; i++) {
		autofree char *path = path_join(dir, files[i]);
		size_t n = strlen(files[i]);
		found = strcmp(files[i] + n - 5, ".list") == 0 ? scan_list_file(kind, path)
							       : scan_sources_file(kind, path);
		if (found)
			return found;
	}
	return NULL;
}

char *apt_sources_debian_mirror(const char *etc_apt, struct mkfr_error *err)
{
	char *found = scan_sources(ARCHIVE_MAIN, etc_apt);
	if (found)
		return found;
	autofree char *dir = path_join(etc_apt, "sources.list.d");
	mkfr_fail_usage(err, "no Debian mirror found in the host's apt sources (%s/sources.list, %s/*.list, "
			"%s/*.sources): set mirror= in the profile or pass --set mirror=URL",
			etc_apt, dir, dir);
	return NULL;
}

char *apt_sources_debian_security(const char *etc_apt, const char *mirror)
{
	char *found = scan_sources(ARCHIVE_SECURITY, etc_apt);
	if (found || !mirror || !ends_with_path(mirror, "/debian"))
		return found;
	autofree char *base = strip_slashes(mirror);
	return xasprintf("%s-security", base);
}
