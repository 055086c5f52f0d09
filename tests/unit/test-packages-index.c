/* SPDX-License-Identifier: MIT */
/* deb822 stanza parsing of a Packages index, and .deb file names. */
#include "archive/packages_index.h"
#include "tap.h"

static const char PACKAGES[] =
	"Package: qemu-user-static\n"
	"Source: qemu (1:7.2+dfsg-7+deb12u18)\n"
	"Version: 1:7.2+dfsg-7+deb12u18+b3\n"
	"Installed-Size: 291713\n"
	"Maintainer: Debian QEMU Team <pkg-qemu-devel@lists.alioth.debian.org>\n"
	"Architecture: amd64\n"
	"Depends: libc6 (>= 2.34),\n"
	" libglib2.0-0 (>= 2.56)\n"
	"Recommends: binfmt-support (>= 2.1.1)\n"
	"Suggests: sudo\n"
	"Provides: qemu-user-binfmt\n"
	"Description: QEMU user mode emulation binaries (static version)\n"
	" QEMU is a fast processor emulator.\n"
	" .\n"
	" This package provides the user mode emulation binaries.\n"
	"Multi-Arch: foreign\n"
	"Section: otherosfs\n"
	"Priority: optional\n"
	"Filename: pool/main/q/qemu/qemu-user-static_7.2+dfsg-7+deb12u18+b3_amd64.deb\n"
	"Size: 62603724\n"
	"MD5sum: 0ed6d4c8891eb86358b94bb35d9e4da4\n"
	"SHA256: c3e3ba2bd87f8c5b9a5da5ef21b5a3b82d7c63b89dd448d9ddaa4eabc5b6e402\n"
	"\n"
	"\n"
	"Package: base-files\n"
	"Version: 12.4+deb12u10\n"
	"Architecture: amd64\n"
	"Essential: yes\n"
	"Pre-Depends: awk\n"
	"Priority: required\n"
	"Filename: pool/main/b/base-files/base-files_12.4+deb12u10_amd64.deb\n"
	"Size: 70812\n"
	"SHA256: 1111111111111111111111111111111111111111111111111111111111111111\n";

int main(void)
{
	struct mkfr_error err;
	struct packages_index idx;

	ok(packages_index_parse(PACKAGES, "Packages", &idx, &err) == 0, "an index parses");
	ok(idx.count == 2, "two stanzas, however many blank lines between (%zu)", idx.count);
	const struct deb_package *q = packages_index_find(&idx, "qemu-user-static");
	ok(q != NULL, "qemu-user-static is found");
	is_str(q->version, "1:7.2+dfsg-7+deb12u18+b3", "Version");
	is_str(q->architecture, "amd64", "Architecture");
	is_str(q->source, "qemu (1:7.2+dfsg-7+deb12u18)", "Source");
	is_str(q->filename, "pool/main/q/qemu/qemu-user-static_7.2+dfsg-7+deb12u18+b3_amd64.deb",
	       "Filename");
	ok(q->size == 62603724, "Size");
	is_str(q->sha256, "c3e3ba2bd87f8c5b9a5da5ef21b5a3b82d7c63b89dd448d9ddaa4eabc5b6e402", "SHA256");
	is_str(q->depends, "libc6 (>= 2.34), libglib2.0-0 (>= 2.56)", "a folded Depends is joined");
	is_str(q->provides, "qemu-user-binfmt", "Provides");
	is_str(q->multi_arch, "foreign", "Multi-Arch");
	is_str(q->priority, "optional", "Priority");
	ok(!q->essential && q->pre_depends == NULL, "absent fields stay empty");

	const struct deb_package *b = packages_index_find(&idx, "base-files");
	ok(b && b->essential, "Essential: yes");
	is_str(b ? b->pre_depends : NULL, "awk", "Pre-Depends");
	ok(packages_index_find(&idx, "qemu-user") == NULL, "an absent package is not found");

	char *name = deb_package_file_name(q);
	is_str(name, "qemu-user-static_1%3a7.2+dfsg-7+deb12u18+b3_amd64.deb",
	       "the .deb's cache name escapes the epoch colon as debootstrap does");
	free(name);
	struct deb_package evil = { .package = "x", .version = "1/../../etc", .architecture = "all" };
	ok(deb_package_file_name(&evil) == NULL, "a '/' in a version gives no file name");
	packages_index_free(&idx);

	ok(packages_index_parse("", "P", &idx, &err) == 0 && idx.count == 0, "an empty index is empty");
	ok(packages_index_parse("Version: 1\nSize: 3\n", "P", &idx, &err) < 0,
	   "a stanza without Package is refused");
	contains(err.msg, "P:1: stanza without a Package field", "naming where it starts");
	/* An empty name is no name: it became a package "" of the set (found by
	 * tests/fuzz/fuzz_packages.c, corpus packages/03-empty-package). */
	ok(packages_index_parse("Package: a\n\nPackage:\nPriority: required\n", "P", &idx, &err) < 0,
	   "a stanza with an empty Package is refused");
	contains(err.msg, "P:3: stanza without a Package field", "like one without");
	ok(packages_index_parse("Package: a\nSize: lots\n", "P", &idx, &err) < 0,
	   "a bad Size is refused");
	contains(err.msg, "P:2: Size: 'lots' is not a number of bytes", "naming line and value");
	/* strtoull took "-1" as UINT64_MAX, which switched the size check off. */
	ok(packages_index_parse("Package: a\nSize: -1\n", "P", &idx, &err) < 0,
	   "a negative Size is refused, not read as the largest number");
	contains(err.msg, "P:2: Size: '-1'", "naming it");
	ok(packages_index_parse("Package: a\nSize: 18446744073709551616\n", "P", &idx, &err) < 0,
	   "a Size beyond 64 bits is refused");
	ok(packages_index_parse("Package: a\nSize: 68719476737\n", "P", &idx, &err) < 0,
	   "a Size beyond any archive file (64 GiB) is refused");
	ok(packages_index_parse("Package: a\nSize: +7\n", "P", &idx, &err) < 0,
	   "a signed Size is refused");
	ok(packages_index_parse("Package: a\nno colon here\n", "P", &idx, &err) < 0,
	   "a line without a colon is refused");
	contains(err.msg, "P:2:", "with its line");
	return tap_done();
}
