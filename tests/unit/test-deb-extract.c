/* SPDX-License-Identifier: MIT */
/* Taking one file out of a .deb built here with dpkg-deb: regular file,
 * symlinks (relative, absolute, dangling, chained), missing member, and a
 * truncated package. */
#include "archive/deb_extract.h"
#include "tap.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/mkfr-test-deb-XXXXXX";

static void clean(void)
{
	char cmd[600];
	/* our own mkdtemp directory, nothing else */
	snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

int main(void)
{
	struct mkfr_error err;
	char deb[600], out[600];
	struct stat st;

	if (!mkdtemp(dir))
		return 1;
	atexit(clean);
	if (system("command -v dpkg-deb >/dev/null") != 0) {
		tap_skip_all("dpkg-deb is not installed");
	}
	if (sh("set -e; cd %s; mkdir -p pkg/DEBIAN pkg/usr/bin pkg/usr/lib/x;"
	       "printf 'Package: mkfr-test\\nVersion: 1:1.0\\nArchitecture: all\\n"
	       "Maintainer: t <t@example.org>\\nDescription: test\\n' > pkg/DEBIAN/control;"
	       "printf 'I am the emulator\\n' > pkg/usr/lib/x/real;"
	       "ln -s ../lib/x/real pkg/usr/bin/relative;"
	       "ln -s /usr/lib/x/real pkg/usr/bin/absolute;"
	       "ln -s nowhere pkg/usr/bin/dangling;"
	       "ln -s relative pkg/usr/bin/chain;"
	       "ln -s ../../../../etc/passwd pkg/usr/bin/escape;"
	       "dpkg-deb -Zxz --root-owner-group --build pkg t.deb >/dev/null;"
	       "head -c 300 t.deb > truncated.deb",
	       dir) != 0) {
		printf("Bail out! cannot build the test .deb in %s\n", dir);
		return 1;
	}
	snprintf(deb, sizeof(deb), "%s/t.deb", dir);
	snprintf(out, sizeof(out), "%s/out", dir);

	ok(deb_extract_file(deb, "./usr/lib/x/real", out, 0755, &err) == 0, "a regular file is extracted");
	is_str(slurp(out), "I am the emulator\n", "with its content");
	ok(stat(out, &st) == 0 && (st.st_mode & 07777) == 0755, "mode 0755");
	unlink(out);

	ok(deb_extract_file(deb, "usr/bin/relative", out, 0755, &err) == 0,
	   "a relative symlink is followed");
	is_str(slurp(out), "I am the emulator\n", "to its target's content");
	ok(lstat(out, &st) == 0 && S_ISREG(st.st_mode), "and written as a regular file");
	unlink(out);
	ok(deb_extract_file(deb, "/usr/bin/absolute", out, 0755, &err) == 0,
	   "an absolute symlink is followed inside the package");
	is_str(slurp(out), "I am the emulator\n", "to its target's content");
	unlink(out);

	ok(deb_extract_file(deb, "usr/bin/dangling", out, 0755, &err) < 0, "a dangling symlink fails");
	contains(err.msg, "/usr/bin/dangling links to /usr/bin/nowhere, which is not in the package",
		 "naming link and target");
	ok(deb_extract_file(deb, "usr/bin/chain", out, 0755, &err) < 0, "a link to a link fails");
	contains(err.msg, "only one level", "saying only one level is followed");
	ok(deb_extract_file(deb, "usr/bin/escape", out, 0755, &err) < 0,
	   "a link climbing out of the package fails");
	ok(deb_extract_file(deb, "usr/bin/qemu-aarch64-static", out, 0755, &err) < 0,
	   "a missing member fails");
	contains(err.msg, "t.deb has no /usr/bin/qemu-aarch64-static", "naming the .deb and the path");
	ok(err.errnum == ENOENT, "with errnum ENOENT for callers");
	ok(access(out, F_OK) < 0, "no output is left after failures");

	snprintf(deb, sizeof(deb), "%s/truncated.deb", dir);
	ok(deb_extract_file(deb, "usr/lib/x/real", out, 0755, &err) < 0, "a truncated .deb fails");
	contains(err.msg, "truncated.deb", "naming it");
	ok(access(out, F_OK) < 0, "and leaves no output");
	snprintf(deb, sizeof(deb), "%s/pkg/DEBIAN/control", dir);
	ok(deb_extract_file(deb, "usr/lib/x/real", out, 0755, &err) < 0, "a text file is no .deb");
	sh("ls -A %s > %s/listing", dir, dir);
	snprintf(deb, sizeof(deb), "%s/listing", dir);
	is_str(slurp(deb), "listing\npkg\nt.deb\ntruncated.deb\n", "no temporary files were left");
	return tap_done();
}
