/* SPDX-License-Identifier: MIT */
#include "emu/tiny_elf.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* The whole file is one PT_LOAD segment mapped from offset 0 at this
 * address: aligned for every page size in use (4 KiB to 64 KiB) and above
 * vm.mmap_min_addr. */
#define LOAD_ADDRESS 0x400000u
#define SEGMENT_ALIGN 0x10000u

enum { ELFCLASS32_ = 1, ELFCLASS64_ = 2, ELFDATA2MSB_ = 2 };
enum { ET_EXEC_ = 2, EV_CURRENT_ = 1, PT_LOAD_ = 1, PF_X_ = 1, PF_R_ = 4 };

/* e_flags, as the architecture's toolchain marks Debian's programs (values
 * from binutils' include/elf/<arch>.h). */
#define EF_ARM_EABI_VER5 0x05000000u
#define EF_ARM_ABI_FLOAT_SOFT 0x00000200u /* armel */
#define EF_ARM_ABI_FLOAT_HARD 0x00000400u /* armhf */
#define EF_MIPS_NOREORDER 0x00000001u
#define EF_MIPS_ABI_O32 0x00001000u
#define EF_MIPS_ARCH_32R2 0x70000000u /* Debian's mips/mipsel baseline */
#define EF_MIPS_ARCH_64R2 0x80000000u /* Debian's mips64el baseline */
#define EF_PPC64_ABI_V1 1u /* big-endian ppc64: entry is a function descriptor */
#define EF_PPC64_ABI_V2 2u /* ppc64el */
#define EF_RISCV_RVC 0x1u
#define EF_RISCV_FLOAT_ABI_DOUBLE 0x4u
#define EF_LARCH_ABI_DOUBLE_FLOAT 0x3u
#define EF_LARCH_OBJABI_V1 0x40u
#define EFA_PARISC_1_1 0x0210u
#define EF_SH4 0x9u
#define EF_SPARCV9_RMO 0x2u /* what gas marks 64-bit SPARC code with */

/* Machine code that puts `status` in the first argument register and the
 * exit system call's number where the kernel wants it, then traps.  Written
 * as instruction units (bytes for x86, halfwords for m68k/sh4, words for the
 * rest) stored in the architecture's byte order.  Every immediate field
 * holds 0..255; sh4 and m68k sign-extend 8 bits, which the kernel's "status
 * & 0xff" undoes.  Returns the number of units. */
typedef size_t emit_fn(uint32_t *u, uint32_t status);

static size_t emit_x86_64(uint32_t *u, uint32_t s)
{
	static const uint8_t code[] = {
		0xbf, 0, 0, 0, 0,             /* mov edi, status */
		0xb8, 60, 0, 0, 0,            /* mov eax, 60 (exit) */
		0x0f, 0x05,                   /* syscall */
	};
	for (size_t i = 0; i < sizeof(code); i++)
		u[i] = code[i];
	u[1] = s;
	return sizeof(code);
}

static size_t emit_i386(uint32_t *u, uint32_t s)
{
	static const uint8_t code[] = {
		0xbb, 0, 0, 0, 0,             /* mov ebx, status */
		0xb8, 1, 0, 0, 0,             /* mov eax, 1 (exit) */
		0xcd, 0x80,                   /* int 0x80 */
	};
	for (size_t i = 0; i < sizeof(code); i++)
		u[i] = code[i];
	u[1] = s;
	return sizeof(code);
}

static size_t emit_aarch64(uint32_t *u, uint32_t s)
{
	u[0] = 0xd2800000u | s << 5;          /* movz x0, #status */
	u[1] = 0xd2800ba8u;                   /* movz x8, #93 (exit) */
	u[2] = 0xd4000001u;                   /* svc #0 */
	return 3;
}

/* ARM state (entry address even), EABI: number in r7. */
static size_t emit_arm(uint32_t *u, uint32_t s)
{
	u[0] = 0xe3a00000u | s;               /* mov r0, #status */
	u[1] = 0xe3a07001u;                   /* mov r7, #1 (exit) */
	u[2] = 0xef000000u;                   /* svc #0 */
	return 3;
}

static size_t emit_ppc(uint32_t *u, uint32_t s)
{
	u[0] = 0x38000001u;                   /* li r0, 1 (exit) */
	u[1] = 0x38600000u | s;               /* li r3, status */
	u[2] = 0x44000002u;                   /* sc */
	return 3;
}

static size_t emit_s390x(uint32_t *u, uint32_t s)
{
	u[0] = 0xa7290000u | s;               /* lghi %r2, status */
	u[1] = 0x0a010000u;                   /* svc 1 (exit), then 2 bytes of padding */
	return 2;
}

static size_t emit_mips_o32(uint32_t *u, uint32_t s)
{
	u[0] = 0x24040000u | s;               /* addiu $a0, $zero, status */
	u[1] = 0x24020fa1u;                   /* addiu $v0, $zero, 4001 (o32 exit) */
	u[2] = 0x0000000cu;                   /* syscall */
	return 3;
}

static size_t emit_mips_n64(uint32_t *u, uint32_t s)
{
	u[0] = 0x24040000u | s;               /* addiu $a0, $zero, status */
	u[1] = 0x240213c2u;                   /* addiu $v0, $zero, 5058 (n64 exit) */
	u[2] = 0x0000000cu;                   /* syscall */
	return 3;
}

static size_t emit_riscv64(uint32_t *u, uint32_t s)
{
	u[0] = 0x00000513u | s << 20;         /* addi a0, zero, status */
	u[1] = 0x05d00893u;                   /* addi a7, zero, 93 (exit) */
	u[2] = 0x00000073u;                   /* ecall */
	return 3;
}

static size_t emit_loongarch64(uint32_t *u, uint32_t s)
{
	u[0] = 0x03800004u | s << 10;         /* ori $a0, $zero, status */
	u[1] = 0x0381740bu;                   /* ori $a7, $zero, 93 (exit) */
	u[2] = 0x002b0000u;                   /* syscall 0 */
	return 3;
}

static size_t emit_alpha(uint32_t *u, uint32_t s)
{
	u[0] = 0x221f0000u | s;               /* lda $16, status($31) */
	u[1] = 0x201f0001u;                   /* lda $0, 1($31) (exit) */
	u[2] = 0x00000083u;                   /* call_pal callsys */
	return 3;
}

/* The gateway page branch; the number is set in its delay slot. */
static size_t emit_hppa(uint32_t *u, uint32_t s)
{
	u[0] = 0x341a0000u | s << 1;          /* ldi status, %r26 (im14: value << 1, sign bit 0) */
	u[1] = 0xe4008200u;                   /* ble 0x100(%sr2, %r0) */
	u[2] = 0x34140002u;                   /* ldi 1, %r20 (exit), in the delay slot */
	return 3;
}

static size_t emit_m68k(uint32_t *u, uint32_t s)
{
	u[0] = 0x7200u | s;                   /* moveq #status, %d1 */
	u[1] = 0x7001u;                       /* moveq #1, %d0 (exit) */
	u[2] = 0x4e40u;                       /* trap #0 */
	return 3;
}

static size_t emit_sh4(uint32_t *u, uint32_t s)
{
	u[0] = 0xe400u | s;                   /* mov #status, r4 */
	u[1] = 0xe301u;                       /* mov #1, r3 (exit) */
	u[2] = 0xc311u;                       /* trapa #0x11 (one argument) */
	return 3;
}

static size_t emit_sparc64(uint32_t *u, uint32_t s)
{
	u[0] = 0x90102000u | s;               /* mov status, %o0 */
	u[1] = 0x82102001u;                   /* mov 1, %g1 (exit) */
	u[2] = 0x91d0206du;                   /* ta 0x6d (64-bit system call trap) */
	return 3;
}

struct program {
	const char *arch;       /* Debian name */
	uint32_t e_flags;
	int unit;               /* bytes per instruction unit */
	bool function_descriptor; /* e_entry points at {code, toc, env} (ppc64 ELFv1) */
	emit_fn *emit;
};

static const struct program programs[] = {
	{ "amd64", 0, 1, false, emit_x86_64 },
	{ "i386", 0, 1, false, emit_i386 },
	{ "arm64", 0, 4, false, emit_aarch64 },
	{ "armhf", EF_ARM_EABI_VER5 | EF_ARM_ABI_FLOAT_HARD, 4, false, emit_arm },
	{ "armel", EF_ARM_EABI_VER5 | EF_ARM_ABI_FLOAT_SOFT, 4, false, emit_arm },
	{ "ppc64el", EF_PPC64_ABI_V2, 4, false, emit_ppc },
	{ "ppc64", EF_PPC64_ABI_V1, 4, true, emit_ppc },
	{ "powerpc", 0, 4, false, emit_ppc },
	{ "s390x", 0, 4, false, emit_s390x },
	/* n64 has no EF_MIPS_ABI bits and no EF_MIPS_ABI2 (that is n32). */
	{ "mips64el", EF_MIPS_ARCH_64R2 | EF_MIPS_NOREORDER, 4, false, emit_mips_n64 },
	{ "mipsel", EF_MIPS_ARCH_32R2 | EF_MIPS_ABI_O32 | EF_MIPS_NOREORDER, 4, false, emit_mips_o32 },
	{ "mips", EF_MIPS_ARCH_32R2 | EF_MIPS_ABI_O32 | EF_MIPS_NOREORDER, 4, false, emit_mips_o32 },
	{ "riscv64", EF_RISCV_RVC | EF_RISCV_FLOAT_ABI_DOUBLE, 4, false, emit_riscv64 },
	{ "loong64", EF_LARCH_OBJABI_V1 | EF_LARCH_ABI_DOUBLE_FLOAT, 4, false, emit_loongarch64 },
	{ "alpha", 0, 4, false, emit_alpha },
	{ "hppa", EFA_PARISC_1_1, 4, false, emit_hppa },
	{ "m68k", 0, 2, false, emit_m68k },
	{ "sh4", EF_SH4, 2, false, emit_sh4 },
	{ "sparc64", EF_SPARCV9_RMO, 4, false, emit_sparc64 },
};

static const struct program *program_for(const struct debian_arch *a)
{
	for (size_t i = 0; a && i < sizeof(programs) / sizeof(programs[0]); i++)
		if (strcmp(programs[i].arch, a->name) == 0)
			return &programs[i];
	return NULL;
}

bool tiny_elf_supported(const struct debian_arch *a)
{
	return program_for(a) != NULL;
}

/* Appends fields in the target's byte order and word size. */
struct writer {
	unsigned char *p;
	size_t n;
	bool big_endian;
	bool is64;
};

static void put(struct writer *w, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++) {
		int shift = 8 * (w->big_endian ? bytes - 1 - i : i);
		w->p[w->n++] = (unsigned char)(v >> shift);
	}
}

/* Addresses and offsets: 4 or 8 bytes by class. */
static void put_addr(struct writer *w, uint64_t v)
{
	put(w, v, w->is64 ? 8 : 4);
}

int tiny_elf_build(const struct debian_arch *a, int exit_code, unsigned char *buf, size_t cap,
		   struct mkfr_error *err)
{
	const struct program *prog = program_for(a);
	if (!prog)
		return mkfr_fail(err, 0, "no test program is known for architecture %s",
				 a ? a->name : "(none)");
	if (exit_code < 0 || exit_code > 255)
		return mkfr_fail(err, EINVAL, "exit status %d is outside 0..255", exit_code);
	if (cap < TINY_ELF_MAX)
		return mkfr_fail(err, ENOBUFS, "test program buffer too small");

	uint32_t units[32];
	size_t nunits = prog->emit(units, (uint32_t)exit_code);
	bool is64 = a->elf_class == ELFCLASS64_;
	size_t ehsize = is64 ? 64 : 52, phentsize = is64 ? 56 : 32;
	size_t descriptor = prog->function_descriptor ? 24 : 0;
	size_t code_off = ehsize + phentsize + descriptor;
	size_t size = code_off + nunits * (size_t)prog->unit;
	uint64_t entry = LOAD_ADDRESS + ehsize + phentsize;

	memset(buf, 0, cap);
	struct writer w = { buf, 0, a->elf_data == ELFDATA2MSB_, is64 };
	memcpy(w.p, "\x7f" "ELF", 4);
	w.p[4] = (unsigned char)a->elf_class;
	w.p[5] = (unsigned char)a->elf_data;
	w.p[6] = EV_CURRENT_; /* EI_OSABI 0 (System V), EI_ABIVERSION 0 */
	w.n = 16;
	put(&w, ET_EXEC_, 2);
	put(&w, (uint64_t)a->elf_machine, 2);
	put(&w, EV_CURRENT_, 4);
	put_addr(&w, entry); /* the code, or the ppc64 descriptor before it */
	put_addr(&w, ehsize); /* e_phoff: right after this header */
	put_addr(&w, 0);      /* e_shoff: no sections */
	put(&w, prog->e_flags, 4);
	put(&w, ehsize, 2);
	put(&w, phentsize, 2);
	put(&w, 1, 2); /* e_phnum */
	put(&w, 0, 2); /* e_shentsize */
	put(&w, 0, 2); /* e_shnum */
	put(&w, 0, 2); /* e_shstrndx */

	/* The one PT_LOAD: the whole file, readable and executable. */
	put(&w, PT_LOAD_, 4);
	if (is64)
		put(&w, PF_R_ | PF_X_, 4);
	put_addr(&w, 0);            /* p_offset */
	put_addr(&w, LOAD_ADDRESS); /* p_vaddr */
	put_addr(&w, LOAD_ADDRESS); /* p_paddr */
	put_addr(&w, size);         /* p_filesz */
	put_addr(&w, size);         /* p_memsz */
	if (!is64)
		put(&w, PF_R_ | PF_X_, 4);
	put_addr(&w, SEGMENT_ALIGN);

	if (prog->function_descriptor) {
		put(&w, LOAD_ADDRESS + code_off, 8); /* code address */
		put(&w, 0, 8);                       /* TOC: the code uses none */
		put(&w, 0, 8);                       /* environment */
	}
	for (size_t i = 0; i < nunits; i++)
		put(&w, units[i], prog->unit);
	return (int)w.n;
}
