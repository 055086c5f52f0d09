/* SPDX-License-Identifier: MIT */
/* The arch table against shared/reference/binfmt.md's suggested assertions. */
#include "util/arch.h"
#include "tap.h"

/* A synthetic ELF header for (class, data, machine, type, osabi, mips flags). */
static void make_header(unsigned char *h, int cls, int data, int machine, int type, int osabi,
			unsigned flags)
{
	memset(h, 0, 128);
	memcpy(h, "\x7f" "ELF", 4);
	h[4] = (unsigned char)cls;
	h[5] = (unsigned char)data;
	h[6] = 1;
	h[7] = (unsigned char)osabi;
	if (data == 1) {
		h[16] = (unsigned char)type;
		h[18] = (unsigned char)(machine & 0xff);
		h[19] = (unsigned char)(machine >> 8);
		h[20] = 1;
		h[36] = (unsigned char)(flags & 0xff);
	} else {
		h[17] = (unsigned char)type;
		h[18] = (unsigned char)(machine >> 8);
		h[19] = (unsigned char)(machine & 0xff);
		h[23] = 1;
		h[39] = (unsigned char)(flags & 0xff);
	}
}

int main(void)
{
	size_t nt, na;
	const struct qemu_target *t = qemu_target_table(&nt);
	const struct debian_arch *a = arch_table(&na);

	for (size_t i = 0; i < nt; i++) {
		unsigned char m[256], k[256];
		int ml = binfmt_decode(t[i].magic, m, sizeof(m));
		int kl = binfmt_decode(t[i].mask, k, sizeof(k));
		ok(ml > 0 && ml == kl, "%s: magic and mask decode to the same length (%d)", t[i].name, ml);
		ok(ml >= 4 && memcmp(m, "\x7f" "ELF", 4) == 0, "%s: magic starts with \\x7fELF", t[i].name);
		ok(ml <= 128, "%s: magic within 128 bytes", t[i].name);
	}

	/* Every Debian arch with a qemu target: its own ELF header, as ET_EXEC
	 * and ET_DYN, OSABI 0 and 3, matches exactly one row, and the right one. */
	for (size_t i = 0; i < na; i++) {
		if (!a[i].qemu)
			continue;
		const struct qemu_target *own = qemu_target_lookup(a[i].qemu);
		ok(own != NULL, "%s maps to a known qemu target %s", a[i].name, a[i].qemu);
		int types[] = { 2, 3 }, abis[] = { 0, 3 };
		for (int ti = 0; ti < 2; ti++)
			for (int ai = 0; ai < 2; ai++) {
				unsigned char h[128];
				make_header(h, a[i].elf_class, a[i].elf_data, a[i].elf_machine, types[ti],
					    abis[ai], 0);
				int matches = 0;
				const char *which = "";
				for (size_t j = 0; j < nt; j++)
					if (qemu_target_matches(&t[j], h, sizeof(h))) {
						matches++;
						which = t[j].name;
					}
				ok(matches == 1 && own && strcmp(which, own->name) == 0,
				   "%s (e_type %d, osabi %d) matches only %s (got %d, last %s)", a[i].name,
				   types[ti], abis[ai], a[i].qemu, matches, which);
			}
	}

	/* mips o32 must not match mipsn32 rows and n32 must not match o32 rows:
	 * our table has no n32 rows, so an n32 header must match nothing. */
	unsigned char h[128];
	make_header(h, 1, 1, 8, 2, 0, 0x20); /* mipsel n32 (EF_MIPS_ABI2) */
	ok(!qemu_target_matches(qemu_target_lookup("mipsel"), h, sizeof(h)),
	   "an n32 little-endian binary does not match the o32 mipsel row");
	make_header(h, 1, 2, 8, 2, 0, 0x20);
	ok(!qemu_target_matches(qemu_target_lookup("mips"), h, sizeof(h)),
	   "an n32 big-endian binary does not match the o32 mips row");

	/* The host's own binaries must not match a row we would register. */
	FILE *f = fopen("/bin/true", "rb");
	unsigned char host[128] = { 0 };
	size_t n = f ? fread(host, 1, sizeof(host), f) : 0;
	if (f)
		fclose(f);
	ok(n >= 20, "read the host's /bin/true");
	const char *host_arch = arch_host();
	ok(host_arch != NULL, "the host architecture is known (%s)", host_arch ? host_arch : "?");
	const struct debian_arch *ha = host_arch ? arch_lookup(host_arch) : NULL;
	for (size_t j = 0; ha && j < nt; j++)
		if (qemu_target_matches(&t[j], host, n))
			ok(strcmp(t[j].name, ha->qemu) == 0,
			   "the host's /bin/true matches only its own row (%s)", t[j].name);

	is_str(arch_lookup("armel")->qemu, "arm", "armel -> arm");
	is_str(arch_lookup("armhf")->qemu, "arm", "armhf -> arm");
	is_str(arch_lookup("arm64")->qemu, "aarch64", "arm64 -> aarch64");
	is_str(arch_lookup("ppc64el")->qemu, "ppc64le", "ppc64el -> ppc64le");
	is_str(arch_lookup("loong64")->qemu, "loongarch64", "loong64 -> loongarch64");
	is_str(arch_lookup("armel")->triplet, "arm-linux-gnueabi", "armel triplet");
	ok(arch_lookup("x32") == NULL, "x32 has no qemu target and is not offered");

	unsigned char out[8];
	ok(binfmt_decode("\\x7fE\\q", out, sizeof(out)) < 0, "unknown escapes are rejected");
	ok(binfmt_decode("\\x7g", out, sizeof(out)) < 0, "bad hex is rejected");
	return tap_done();
}
