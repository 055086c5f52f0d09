/* SPDX-License-Identifier: MIT */
#include "util/arch.h"

#include <string.h>
#include <sys/utsname.h>

/* Rows as in QEMU's qemu-binfmt-conf.sh (post-2022 mips rows), restricted to
 * the targets a Debian architecture maps to. */
static const struct qemu_target targets[] = {
	{ "i386", "i386",
	  "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x03\\x00",
	  "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
	{ "x86_64", "i386",
	  "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x3e\\x00",
	  "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
	{ "alpha", "alpha",
	  "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x26\\x90",
	  "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
	{ "arm", "arm",
	  "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28\\x00",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
	{ "sparc", "sparc",
	  "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x02",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
	{ "sparc64", "sparc",
	  "\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x2b",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
	{ "ppc", "ppc",
	  "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x14",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
	{ "ppc64", "ppc",
	  "\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x15",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
	{ "ppc64le", "ppcle",
	  "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x15\\x00",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\x00" },
	{ "m68k", "m68k",
	  "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x04",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
	{ "mips", "mips",
	  "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20" },
	{ "mipsel", "mips",
	  "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20\\x00\\x00\\x00" },
	{ "mips64", "mips",
	  "\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
	{ "mips64el", "mips",
	  "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
	{ "sh4", "sh4",
	  "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x2a\\x00",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
	{ "s390x", "s390x",
	  "\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x16",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
	{ "aarch64", "arm",
	  "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
	{ "hppa", "hppa",
	  "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x0f",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
	{ "riscv64", "riscv",
	  "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xf3\\x00",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
	{ "loongarch64", "loongarch",
	  "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x02\\x01",
	  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
};

/* e_machine values (elf.h) */
enum {
	EM_386_ = 3, EM_68K_ = 4, EM_MIPS_ = 8, EM_PARISC_ = 15, EM_SPARC_ = 2,
	EM_PPC_ = 20, EM_PPC64_ = 21, EM_S390_ = 22, EM_ARM_ = 40, EM_SH_ = 42,
	EM_SPARCV9_ = 43, EM_X86_64_ = 62, EM_AARCH64_ = 183, EM_RISCV_ = 243,
	EM_LOONGARCH_ = 258, EM_ALPHA_ = 0x9026,
};

/* OCI names: armel is ARMv5 (Debian's baseline for it), armhf ARMv7, arm64
 * ARMv8, as the image-index spec's "variant" and Docker's platform
 * strings (linux/arm/v5, linux/arm/v7, linux/arm64/v8) say. */
static const struct debian_arch arches[] = {
	{ "amd64", "x86_64-linux-gnu", "x86_64", 2, 1, EM_X86_64_, "amd64", NULL },
	{ "i386", "i386-linux-gnu", "i386", 1, 1, EM_386_, "386", NULL },
	{ "arm64", "aarch64-linux-gnu", "aarch64", 2, 1, EM_AARCH64_, "arm64", "v8" },
	{ "armhf", "arm-linux-gnueabihf", "arm", 1, 1, EM_ARM_, "arm", "v7" },
	{ "armel", "arm-linux-gnueabi", "arm", 1, 1, EM_ARM_, "arm", "v5" },
	{ "ppc64el", "powerpc64le-linux-gnu", "ppc64le", 2, 1, EM_PPC64_, "ppc64le", NULL },
	{ "s390x", "s390x-linux-gnu", "s390x", 2, 2, EM_S390_, "s390x", NULL },
	{ "mips64el", "mips64el-linux-gnuabi64", "mips64el", 2, 1, EM_MIPS_, "mips64le", NULL },
	{ "mipsel", "mipsel-linux-gnu", "mipsel", 1, 1, EM_MIPS_, "mipsle", NULL },
	{ "mips", "mips-linux-gnu", "mips", 1, 2, EM_MIPS_, "mips", NULL },
	{ "riscv64", "riscv64-linux-gnu", "riscv64", 2, 1, EM_RISCV_, "riscv64", NULL },
	{ "loong64", "loongarch64-linux-gnu", "loongarch64", 2, 1, EM_LOONGARCH_, "loong64", NULL },
	{ "alpha", "alpha-linux-gnu", "alpha", 2, 1, EM_ALPHA_, NULL, NULL },
	{ "hppa", "hppa-linux-gnu", "hppa", 1, 2, EM_PARISC_, NULL, NULL },
	{ "m68k", "m68k-linux-gnu", "m68k", 1, 2, EM_68K_, NULL, NULL },
	{ "powerpc", "powerpc-linux-gnu", "ppc", 1, 2, EM_PPC_, NULL, NULL },
	{ "ppc64", "powerpc64-linux-gnu", "ppc64", 2, 2, EM_PPC64_, "ppc64", NULL },
	{ "sh4", "sh4-linux-gnu", "sh4", 1, 1, EM_SH_, NULL, NULL },
	{ "sparc64", "sparc64-linux-gnu", "sparc64", 2, 2, EM_SPARCV9_, "sparc64", NULL },
};

const struct debian_arch *arch_table(size_t *count)
{
	*count = sizeof(arches) / sizeof(arches[0]);
	return arches;
}

const struct qemu_target *qemu_target_table(size_t *count)
{
	*count = sizeof(targets) / sizeof(targets[0]);
	return targets;
}

const struct debian_arch *arch_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (strcmp(arches[i].name, name) == 0)
			return &arches[i];
	return NULL;
}

const struct qemu_target *qemu_target_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (strcmp(targets[i].name, name) == 0)
			return &targets[i];
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int binfmt_decode(const char *s, unsigned char *out, size_t outlen)
{
	size_t n = 0;
	while (*s) {
		if (n >= outlen)
			return -1;
		if (s[0] == '\\' && s[1] == 'x') {
			int hi = hexval(s[2]), lo = hi < 0 ? -1 : hexval(s[3]);
			if (hi < 0 || lo < 0)
				return -1;
			out[n++] = (unsigned char)(hi << 4 | lo);
			s += 4;
		} else if (s[0] == '\\') {
			return -1; /* the kernel knows no other escape */
		} else {
			out[n++] = (unsigned char)*s++;
		}
	}
	return (int)n;
}

bool qemu_target_matches(const struct qemu_target *t, const unsigned char *hdr, size_t len)
{
	unsigned char magic[128], mask[128];
	int m = binfmt_decode(t->magic, magic, sizeof(magic));
	int k = binfmt_decode(t->mask, mask, sizeof(mask));
	if (m < 0 || k != m || (size_t)m > len)
		return false;
	for (int i = 0; i < m; i++)
		if ((hdr[i] & mask[i]) != (magic[i] & mask[i]))
			return false;
	return true;
}

/* armel and armhf programs share one ELF signature (and one qemu target);
 * the hard-float flag in e_flags tells them apart. */
#define EF_ARM_ABI_FLOAT_HARD_ 0x400u

const struct debian_arch *arch_from_elf_header(const unsigned char *hdr, size_t len)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		const struct qemu_target *t = arches[i].qemu ? qemu_target_lookup(arches[i].qemu) : NULL;
		if (!t || !qemu_target_matches(t, hdr, len))
			continue;
		if (strcmp(t->name, "arm") == 0 && len >= 40) {
			unsigned flags = (unsigned)hdr[36] | (unsigned)hdr[37] << 8 |
					 (unsigned)hdr[38] << 16 | (unsigned)hdr[39] << 24;
			return arch_lookup(flags & EF_ARM_ABI_FLOAT_HARD_ ? "armhf" : "armel");
		}
		return &arches[i];
	}
	return NULL;
}

const char *arch_host(void)
{
	struct utsname u;
	if (uname(&u) < 0)
		return NULL;
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	if (strcmp(u.machine, "ppc64le") == 0)
		return "ppc64el";
	if (strcmp(u.machine, "s390x") == 0)
		return "s390x";
	if (strcmp(u.machine, "riscv64") == 0)
		return "riscv64";
	return NULL;
}
