/* SPDX-License-Identifier: MIT */
/* Finding the host's Debian mirror in one-line and deb822 apt sources. */
#include "profile/apt_sources.h"
#include "tap.h"

#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/mkfr-test-apt-XXXXXX";

static void put(const char *rel, const char *text)
{
	tap_write_file(root, rel, text);
}

static void clean(void)
{
	const char *files[] = { "sources.list", "sources.list.d/a.sources", "sources.list.d/b.list",
				"sources.list.d/z.sources", NULL };
	char path[512];
	for (int i = 0; files[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/sources.list.d", root);
	rmdir(path);
	rmdir(root);
}

int main(void)
{
	struct mkfr_error err;
	char *m;
	char d[512];

	if (!mkdtemp(root))
		return 1;
	atexit(clean);
	snprintf(d, sizeof(d), "%s/sources.list.d", root);
	mkdir(d, 0755);

	m = apt_sources_debian_mirror(root, &err);
	ok(m == NULL, "no sources: no mirror");
	contains(err.msg, "--set mirror=URL", "and the error says how to give one");

	put("sources.list.d/a.sources",
	    "Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n"
	    "Components: main\n\n"
	    "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\n"
	    "Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nEnabled: no\n\n"
	    "# comment\nTypes: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\n"
	    "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n");
	m = apt_sources_debian_mirror(root, &err);
	is_str(m, "http://mirror.example/debian",
	       "deb822: skips security, deb-src and disabled stanzas; trailing slash dropped");
	free(m);

	put("sources.list",
	    "# deb http://commented.example/debian bookworm main\n"
	    "deb http://security.example/debian-security bookworm-security main\n"
	    "deb [arch=amd64 signed-by=/x.gpg] https://one.example/debian bookworm main\n");
	m = apt_sources_debian_mirror(root, &err);
	is_str(m, "https://one.example/debian", "sources.list comes first; options in [] skipped");
	free(m);

	put("sources.list", "deb https://packages.example.com/apt cloud-sdk main\n");
	put("sources.list.d/b.list", "deb http://ports.example/debian-ports sid main\n");
	m = apt_sources_debian_mirror(root, &err);
	is_str(m, "http://mirror.example/debian", "non-Debian and ports archives are not taken");
	free(m);

	/* The security archive: the host's, else the standard path beside
	 * the main archive, else none. */
	m = apt_sources_debian_security(root, "http://mirror.example/debian");
	is_str(m, "http://security.example/debian-security", "security: the one the deb822 file names");
	free(m);
	snprintf(d, sizeof(d), "%s/sources.list.d/a.sources", root);
	unlink(d);
	put("sources.list", "deb http://mirror.example/debian bookworm main\n");
	m = apt_sources_debian_security(root, "http://mirror.example/debian/");
	is_str(m, "http://mirror.example/debian-security",
	       "security: none in the sources: /debian-security beside the main archive");
	free(m);
	m = apt_sources_debian_security(root, "http://vendor.example/repo");
	ok(m == NULL, "security: none, and a mirror not ending in /debian: none");
	put("sources.list", "deb [signed-by=/k.gpg] http://sec.example/debian-security/ bookworm-security main\n");
	m = apt_sources_debian_security(root, NULL);
	is_str(m, "http://sec.example/debian-security", "security: one-line sources, slash dropped");
	free(m);
	return tap_done();
}
