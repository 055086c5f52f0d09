/* SPDX-License-Identifier: MIT */
/* The tiny per-architecture programs: each header matches exactly one qemu
 * binfmt_misc row (the architecture's own), and each program really exits
 * with the status asked for when qemu-user runs it. */
#include "emu/exec_probe.h"
#include "emu/tiny_elf.h"
#include "tap.h"

#include <glob.h>
#include <unistd.h>

/* Which rows of the qemu table a header matches, comma-separated. */
static void matching_rows(const unsigned char *elf, size_t len, char *out, size_t outlen)
{
	size_t nt;
	const struct qemu_target *t = qemu_target_table(&nt);
	out[0] = '\0';
	for (size_t i = 0; i < nt; i++)
		if (qemu_target_matches(&t[i], elf, len))
			snprintf(out + strlen(out), outlen - strlen(out), "%s%s", out[0] ? "," : "",
				 t[i].name);
}

static void check_runs(const struct debian_arch *a, int status)
{
	char emulator[128];
	snprintf(emulator, sizeof(emulator), "/usr/bin/qemu-%s-static", a->qemu);
	if (access(emulator, X_OK) != 0) {
		if (tap_must_work())
			ok(0, "%s: %s is missing but MKFR_MUST_WORK=1", a->name, emulator);
		else
			printf("ok %d - %s: exits %d under qemu # SKIP %s not installed\n", ++tap_n,
			       a->name, status, emulator);
		return;
	}
	struct exec_probe res;
	struct mkfr_error err = { 0 };
	int r = exec_probe_run(a, emulator, status, &res, &err);
	ok(r == 0 && exec_probe_ok(&res, status), "%s: exits %d under %s", a->name, status, emulator);
	if (r < 0)
		printf("#   %s\n", err.msg);
	else if (!exec_probe_ok(&res, status))
		printf("#   exec errno %d, status %d\n", res.exec_errno, res.status);
}

int main(void)
{
	size_t n;
	const struct debian_arch *a = arch_table(&n);
	struct mkfr_error err = { 0 };
	unsigned char elf[TINY_ELF_MAX];

	/* Probes go to a temp dir of this test only, so other tests running
	 * at the same time cannot make the leftover check below fail. */
	char tmp[] = "/tmp/mkfr-test-tiny-elf.XXXXXX";
	if (!mkdtemp(tmp))
		return 1;
	setenv("TMPDIR", tmp, 1);

	for (size_t i = 0; i < n; i++) {
		if (!a[i].qemu)
			continue;
		ok(tiny_elf_supported(&a[i]), "%s: a test program is known", a[i].name);
		int len = tiny_elf_build(&a[i], EXEC_PROBE_STATUS, elf, sizeof(elf), &err);
		ok(len > 0 && len <= TINY_ELF_MAX, "%s: built (%d bytes)", a[i].name, len);
		if (len <= 0)
			continue;
		char rows[256];
		matching_rows(elf, (size_t)len, rows, sizeof(rows));
		is_str(rows, a[i].qemu, "%s: the header matches exactly the %s row", a[i].name,
		       a[i].qemu);
		check_runs(&a[i], EXEC_PROBE_STATUS);
		check_runs(&a[i], 7);
		/* sh4 and m68k load it as a signed byte: the kernel's & 0xff undoes that. */
		check_runs(&a[i], 200);
	}

	/* The host's own architecture runs without any emulator or entry. */
	const struct debian_arch *host = arch_host() ? arch_lookup(arch_host()) : NULL;
	if (host) {
		struct exec_probe res;
		ok(exec_probe_run(host, NULL, EXEC_PROBE_STATUS, &res, &err) == 0 &&
			   exec_probe_ok(&res, EXEC_PROBE_STATUS),
		   "%s (the host): the program runs natively and exits %d", host->name,
		   EXEC_PROBE_STATUS);
	}
	glob_t g;
	char pattern[64];
	snprintf(pattern, sizeof(pattern), "%s/mkfr-probe.*", tmp);
	int left = glob(pattern, 0, NULL, &g) == 0 ? (int)g.gl_pathc : 0;
	if (left)
		globfree(&g);
	ok(left == 0, "no probe directory is left behind (%d found)", left);
	ok(rmdir(tmp) == 0, "the test's temp dir is empty and removed");

	struct debian_arch x32 = { "x32", "x86_64-linux-gnux32", NULL, 1, 1, 62, NULL, NULL };
	ok(!tiny_elf_supported(&x32), "an architecture without a program is reported");
	ok(tiny_elf_build(&x32, 42, elf, sizeof(elf), &err) < 0, "building it fails");
	contains(err.msg, "x32", "and the error names the architecture");
	ok(tiny_elf_build(arch_lookup("arm64"), 256, elf, sizeof(elf), &err) < 0,
	   "an exit status over 255 is refused");
	ok(tiny_elf_build(arch_lookup("arm64"), 42, elf, 64, &err) < 0, "a short buffer is refused");
	return tap_done();
}
