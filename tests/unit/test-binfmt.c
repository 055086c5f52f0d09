/* SPDX-License-Identifier: MIT */
/* The register-line builder, entry-name rules and reading entries; the
 * binfmt= and qemu= words (emu/emulation.h), both ways. */
#include "emu/emulation.h"
#include "sys/binfmt.h"
#include "tap.h"

#include <string.h>
#include <unistd.h>

int main(void)
{
	char line[BINFMT_MAX_LINE + 1];
	struct mkfr_error err;
	const struct qemu_target *arm = qemu_target_lookup("arm");

	int n = binfmt_build_line(line, sizeof(line), "mkforeignroot-arm-42", arm,
				  "/debootstrap/qemu/qemu-arm", "P", &err);
	ok(n > 11 && n < BINFMT_MAX_LINE, "a register line is built (%d bytes)", n);
	char want[1024];
	snprintf(want, sizeof(want), ":mkforeignroot-arm-42:M::%s:%s:/debootstrap/qemu/qemu-arm:P",
		 arm->magic, arm->mask);
	is_str(line, want, "the line has the kernel's :name:type:offset:magic:mask:interp:flags form");

	ok(binfmt_build_line(line, sizeof(line), "a/b", arm, "/x", "", &err) < 0, "a '/' in the name is refused");
	ok(binfmt_build_line(line, sizeof(line), ".", arm, "/x", "", &err) < 0, "'.' is refused");
	ok(binfmt_build_line(line, sizeof(line), "..", arm, "/x", "", &err) < 0, "'..' is refused");
	ok(binfmt_build_line(line, sizeof(line), "register", arm, "/x", "", &err) < 0, "'register' is refused");
	ok(binfmt_build_line(line, sizeof(line), "status", arm, "/x", "", &err) < 0, "'status' is refused");
	ok(binfmt_build_line(line, sizeof(line), "", arm, "/x", "", &err) < 0, "an empty name is refused");
	char longname[300];
	memset(longname, 'a', 299);
	longname[299] = '\0';
	ok(binfmt_build_line(line, sizeof(line), longname, arm, "/x", "", &err) < 0,
	   "a name over 255 characters is refused");
	char longinterp[200] = "/";
	memset(longinterp + 1, 'i', 150);
	longinterp[151] = '\0';
	ok(binfmt_build_line(line, sizeof(line), "n", arm, longinterp, "", &err) < 0,
	   "an interpreter over 127 characters is refused");
	ok(binfmt_build_line(line, sizeof(line), "n", arm, "relative/qemu", "", &err) < 0,
	   "a relative interpreter is refused");
	ok(binfmt_build_line(line, sizeof(line), "n", arm, "/x", "C", &err) < 0,
	   "the C flag is never used");
	contains(err.msg, "flag 'C'", "the refusal names the flag");
	ok(binfmt_build_line(line, sizeof(line), "n", arm, "/x", "POF", &err) > 0, "P, O, F are accepted");

	size_t nt;
	const struct qemu_target *t = qemu_target_table(&nt);
	for (size_t i = 0; i < nt; i++) {
		char name[64];
		binfmt_build_name(name, sizeof(name), t[i].name, 99999);
		ok(binfmt_build_line(line, sizeof(line), name, &t[i], "/debootstrap/qemu/qemu-x", "P", &err) > 0 &&
			   strlen(line) < BINFMT_MAX_LINE,
		   "%s: register line is valid and < 1920 bytes", t[i].name);
	}

	char name[64];
	pid_t pid = 0;
	binfmt_build_name(name, sizeof(name), "aarch64", 1234);
	is_str(name, "mkforeignroot-aarch64-1234", "build entry names carry target and pid");
	ok(binfmt_parse_build_name(name, &pid) && pid == 1234, "and parse back to the pid");
	ok(!binfmt_parse_build_name("qemu-arm", &pid), "foreign names are not ours");
	ok(!binfmt_parse_build_name("mkforeignroot-arm", &pid), "persistent names carry no pid");
	ok(!binfmt_parse_build_name("mkforeignroot-arm-12x", &pid), "a bad pid is not ours");

	struct binfmt_info info = { .enabled = true, .offset = 0, .len = 4 };
	memcpy(info.magic, "\x7f" "ELF", 4);
	memset(info.mask, 0xff, 4);
	unsigned char hdr[8] = { 0x7f, 'E', 'L', 'F', 1, 1, 1, 0 };
	ok(binfmt_info_matches(&info, hdr, sizeof(hdr)), "an enabled entry matches its magic");
	info.enabled = false;
	ok(!binfmt_info_matches(&info, hdr, sizeof(hdr)), "a disabled entry matches nothing");
	info.enabled = true;
	info.offset = 6;
	ok(!binfmt_info_matches(&info, hdr, sizeof(hdr)), "magic past the header's end does not match");

	/* Entries as binfmt_misc shows them, from a directory standing in for
	 * it.  An offset the kernel never shows is refused: atoi made one of
	 * many digits negative, and matching read before the header (found by
	 * tests/fuzz/fuzz_binfmt.c, corpus binfmt/08-offset-overflow). */
	char dir[] = "/tmp/mkfr-test-binfmt-XXXXXX";
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	tap_write_file(dir, "good", "enabled\ninterpreter /usr/bin/python3\nflags: \noffset 2\n"
				    "magic 0d0a\n");
	ok(binfmt_read(dir, "good", &info, &err) == 0 && info.enabled && info.offset == 2 &&
		   info.len == 2 && info.mask[0] == 0xff,
	   "an entry is read: enabled, offset, magic, mask 0xff when absent");
	static const char *const bad_offsets[] = { "-1", "66666666666666666666", "256", "x", "2x" };
	for (size_t i = 0; i < sizeof(bad_offsets) / sizeof(bad_offsets[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "enabled\noffset %s\nmagic 0d0a\n", bad_offsets[i]);
		tap_write_file(dir, "bad", text);
		ok(binfmt_read(dir, "bad", &info, &err) < 0, "offset '%s' is refused", bad_offsets[i]);
		contains(err.msg, "bad offset", "and said to be a bad offset");
	}
	ok(!binfmt_parse_build_name("mkforeignroot-arm-99999999999999999999", &pid),
	   "a pid beyond any pid is not ours");
	char path[64];
	snprintf(path, sizeof(path), "%s/good", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bad", dir);
	unlink(path);
	rmdir(dir);

	ok(binfmt_remove("/nonexistent", "qemu-arm", &err) < 0, "removing a foreign entry is refused");
	contains(err.msg, "not one of ours", "and says why");
	/* The binfmt= and qemu= words, both ways. */
	enum binfmt_mode bm = BINFMT_MODE_HOST;
	enum qemu_mode qm = QEMU_MODE_STATIC;
	ok(emulation_parse_binfmt("global", &bm) == 0 && bm == BINFMT_MODE_GLOBAL &&
		   emulation_parse_binfmt("private", &bm) == 0 && bm == BINFMT_MODE_PRIVATE,
	   "binfmt=private and global parse");
	ok(emulation_parse_binfmt("host", &bm) < 0 && emulation_parse_binfmt("Global", &bm) < 0,
	   "binfmt=host (found, never asked for) and a wrong case are refused");
	ok(strcmp(emulation_binfmt_name(BINFMT_MODE_HOST), "host") == 0 &&
		   strcmp(emulation_binfmt_name(BINFMT_MODE_GLOBAL), "global") == 0,
	   "binfmt modes are named");
	ok(emulation_parse_qemu("fix-binary", &qm) == 0 && qm == QEMU_MODE_FIX_BINARY &&
		   emulation_parse_qemu("dynamic", &qm) == 0 && qm == QEMU_MODE_DYNAMIC &&
		   emulation_parse_qemu("static", &qm) == 0 && qm == QEMU_MODE_STATIC,
	   "qemu=static, fix-binary and dynamic parse");
	ok(emulation_parse_qemu("", &qm) < 0 && emulation_parse_qemu("fix", &qm) < 0,
	   "an unknown qemu mode is refused");
	ok(strcmp(emulation_qemu_name(QEMU_MODE_FIX_BINARY), "fix-binary") == 0,
	   "qemu modes are named");
	return tap_done();
}
