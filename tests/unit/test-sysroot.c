/* SPDX-License-Identifier: MIT */
/* sysroot=yes building blocks: relative link targets, the in-place rewrite
 * (which must never follow a link out of the tree), the dpkg status reader
 * the manifest uses, and the toolchain files' quoting. */
#include "util/arch.h"
#include "archive/dpkg_status.h"
#include "out/sysroot.h"
#include "tap.h"
#include "out/toolchain_files.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[] = "/tmp/mkfr-test-sysroot-XXXXXX";

static void rel_is(const char *dir, const char *target, const char *want)
{
	char *got = sysroot_relative_target(dir, target);
	is_str(got, want, "link in '%s' to %s -> %s", dir, target, want);
	free(got);
}

static char *link_of(const char *rel)
{
	static char buf[PATH_MAX];
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/* Run a fixture command; every %s is the test's base directory. */
static void sh(const char *cmd_template)
{
	char cmd[2048];
	size_t n = 0;
	for (const char *t = cmd_template; *t && n < sizeof(cmd) - 700; t++) {
		if (t[0] == '%' && t[1] == 's') {
			n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, "%s", base);
			t++;
		} else {
			cmd[n++] = *t;
		}
	}
	cmd[n] = '\0';
	if (system(cmd) != 0) {
		printf("Bail out! %s\n", cmd);
		exit(1);
	}
}

int main(void)
{
	rel_is("usr/lib/arm-linux-gnueabi", "/lib/arm-linux-gnueabi/libz.so.1.2.13",
	       "../../../lib/arm-linux-gnueabi/libz.so.1.2.13");
	rel_is("usr/lib/arm-linux-gnueabi", "/usr/lib/arm-linux-gnueabi/libz.so.1",
	       "libz.so.1");
	rel_is("etc", "/usr/share/zoneinfo/Etc/UTC", "../usr/share/zoneinfo/Etc/UTC");
	rel_is("", "/usr/bin/x", "usr/bin/x");
	rel_is("", "/", ".");
	rel_is("usr/bin", "/", "../..");
	rel_is("usr/bin", "//usr/./bin//x", "x");
	rel_is("usr/bin", "/usr/bin", "."); /* its own directory */
	rel_is("usr/lib", "/usr/share/", "../share/");
	/* ".." is kept for the kernel to resolve, after the shared real "a". */
	rel_is("a/b", "/a/../a/b/x", "../../a/b/x");
	/* ".." above the top stays at the top, as in a chroot: never out. */
	rel_is("usr/lib", "/../../etc/hostname", "../../etc/hostname");
	rel_is("", "/../../etc/hostname", "etc/hostname");
	rel_is("usr", "/usr/../../../etc", "../etc");
	/* A ".." that would climb above the top is dropped: at "/" the kernel
	 * stays there, and kept it would leave the sysroot (found by
	 * tests/fuzz/fuzz_sysroot.c, corpus sysroot/03-dotdot). */
	rel_is("usr/lib", "/../etc/x", "../../etc/x");
	rel_is("a/b", "/a/../../outside", "../../outside");
	rel_is("", "/..", ".");
	rel_is("a", "/../", "..");

	if (!mkdtemp(base)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	/* A host directory the tree points at: nothing may change there. */
	sh("mkdir -p %s/root/usr/lib/t %s/root/lib/t %s/host && touch %s/host/keep");
	sh("ln -s /lib/t/libz.so.1 %s/root/usr/lib/t/libz.so && ln -s libz.so.1 %s/root/lib/t/rel");
	sh("ln -s %s/host %s/root/escape && ln -s /etc %s/root/etc-abs");
	sh("ln -s /lib/t/x %s/host/abs-outside");
	sh("touch -h -d @1000000000 %s/root/usr/lib/t/libz.so");
	/* Links that climb: above the top, and out of a symlinked directory. */
	sh("mkdir -p %s/root/x/y/z %s/root/etc && touch %s/root/etc/hostname %s/root/etc/passwd");
	sh("ln -s /x/y/z %s/root/a && ln -s /../../etc/hostname %s/root/climb");
	sh("ln -s /a/../../../../etc/passwd %s/root/usr/lib/t/up");
	/* A link to "/" alone has no component at all (found by
	 * tests/fuzz/fuzz_sysroot.c, corpus sysroot/05-link-to-root). */
	sh("ln -s / %s/root/usr/lib/t/top");

	char root[600];
	snprintf(root, sizeof(root), "%s/root", base);
	struct mkfr_error err = { 0 };
	size_t changed = 0;
	char p[900];
	ok(sysroot_relativize_links(root, &changed, &err) == 0, "relativize: %s", err.msg);
	ok(changed == 7, "seven absolute links rewritten (got %zu)", changed);
	is_str(link_of("root/usr/lib/t/top"), "../../..", "a link to / is the way up to the root");
	is_str(link_of("root/usr/lib/t/libz.so"), "../../../lib/t/libz.so.1", "the library link");
	is_str(link_of("root/lib/t/rel"), "libz.so.1", "a relative link is left alone");
	is_str(link_of("root/etc-abs"), "etc", "a link at the top");
	is_str(link_of("host/abs-outside"), "/lib/t/x", "nothing outside the tree changed");
	is_str(link_of("root/climb"), "etc/hostname", "a link climbing above / stays inside");
	is_str(link_of("root/usr/lib/t/up"), "../../../etc/passwd",
	       "a link climbing out of a symlinked directory: resolved inside the root first");
	char real[PATH_MAX], want[PATH_MAX];
	snprintf(p, sizeof(p), "%s/root/usr/lib/t/up", base);
	snprintf(want, sizeof(want), "%s/root/etc/passwd", base);
	ok(realpath(p, real) && strcmp(real, want) == 0, "and it names the root's file outside a chroot too");
	snprintf(p, sizeof(p), "%s/root/climb", base);
	snprintf(want, sizeof(want), "%s/root/etc/hostname", base);
	ok(realpath(p, real) && strcmp(real, want) == 0, "as does the one that climbed above /");
	struct stat st;
	snprintf(p, sizeof(p), "%s/root/usr/lib/t/libz.so", base);
	ok(lstat(p, &st) == 0 && st.st_mtime == 1000000000, "the link's mtime is kept");
	snprintf(p, sizeof(p), "%s/root/usr/lib/t/.mkfr-relink.tmp", base);
	ok(lstat(p, &st) < 0, "no temporary link left");
	sh("rm -rf %s");

	const char *status =
		"Package: zlib1g\nStatus: install ok installed\nPriority: optional\n"
		"Architecture: armel\nMulti-Arch: same\nVersion: 1:1.2.13.dfsg-1\n"
		"Description: compression library\n long description\n .\n\n"
		"Package: gone\nStatus: deinstall ok config-files\nVersion: 1\nArchitecture: armel\n\n"
		"Package: base-files\nStatus: install ok installed\nVersion: 12.4\nArchitecture: armel\n";
	FILE *f = fmemopen((void *)status, strlen(status), "r");
	struct installed_package *pkgs = NULL;
	size_t n = 0;
	ok(dpkg_status_parse(f, "status", &pkgs, &n, &err) == 0, "status parses: %s", err.msg);
	fclose(f);
	ok(n == 2, "two installed packages (config-files only is not installed): %zu", n);
	if (n == 2) {
		is_str(pkgs[0].name, "zlib1g", "first package");
		is_str(pkgs[0].version, "1:1.2.13.dfsg-1", "its version, epoch kept");
		is_str(pkgs[0].architecture, "armel", "its architecture");
		is_str(pkgs[1].name, "base-files", "the last stanza without a blank line after it");
	}
	dpkg_status_free(pkgs, n);
	f = fmemopen((void *)"Package: x\nno colon here\n", 25, "r");
	ok(dpkg_status_parse(f, "status", &pkgs, &n, &err) < 0, "a broken line is an error");
	contains(err.msg, "status:2:", "naming FILE:LINE");
	fclose(f);

	const struct debian_arch *armel = arch_lookup("armel");
	char *cm = toolchain_cmake_text(armel, "/srv/it's \"$x\"", "/srv/pc");
	contains(cm, "set(CMAKE_SYSROOT \"/srv/it's \\\"\\$x\\\"\")", "CMake quoting");
	contains(cm, "set(CMAKE_C_COMPILER arm-linux-gnueabi-gcc)", "the cross compiler");
	contains(cm, "set(CMAKE_SYSTEM_PROCESSOR arm)", "the processor");
	free(cm);
	char *pc = toolchain_pkg_config_text(armel, "/srv/it's");
	contains(pc, "sysroot='/srv/it'\\''s'", "shell quoting");
	contains(pc, "$sysroot/usr/lib/arm-linux-gnueabi/pkgconfig", "the multiarch pkgconfig dir");
	free(pc);
	is_str(toolchain_compiler_prefix(arch_lookup("i386")), "i686-linux-gnu", "i386's compiler");
	is_str(toolchain_cmake_processor(arch_lookup("arm64")), "aarch64", "arm64's processor");
	return tap_done();
}
