/* SPDX-License-Identifier: MIT */
/* Debian architecture -> qemu-user target, with the binfmt_misc magic/mask
 * that selects that target's ELF binaries.  Data from QEMU's
 * scripts/qemu-binfmt-conf.sh and mmdebstrap's deb2qemu table (see
 * shared/reference/binfmt.md). */
#ifndef MKFR_ARCH_H
#define MKFR_ARCH_H

#include <stdbool.h>
#include <stddef.h>

/* Where a host's emulators (qemu-<t>-static, qemu-<t>) are looked for
 * unless the profile's emulator_path or run's --emulator-path says. */
#define EMULATOR_PATH_DEFAULT "/usr/bin:/usr/local/bin"

struct qemu_target {
	const char *name;   /* qemu target, e.g. "arm"; emulator is qemu-<name> */
	const char *family; /* host-family rule of qemu-binfmt-conf.sh */
	const char *magic;  /* kernel-escaped (\xHH) form */
	const char *mask;
};

struct debian_arch {
	const char *name;     /* dpkg --print-architecture */
	const char *triplet;  /* GNU multiarch triplet */
	const char *qemu;     /* qemu target name, NULL if none can run it */
	int elf_class;        /* 1 = 32-bit, 2 = 64-bit */
	int elf_data;         /* 1 = little endian, 2 = big endian */
	int elf_machine;      /* e_machine */
	/* The OCI platform (image-index spec: Go's GOARCH and GOARM names)
	 * of an image of this architecture; NULL where Go has no name for
	 * it, so no registry or runtime would pick the image. */
	const char *oci_arch;
	const char *oci_variant; /* NULL: none */
};

const struct debian_arch *arch_lookup(const char *debian_name);
const struct qemu_target *qemu_target_lookup(const char *qemu_name);
/* All known Debian architectures, NULL-terminated by name. */
const struct debian_arch *arch_table(size_t *count);
const struct qemu_target *qemu_target_table(size_t *count);

/* Decode the kernel's \xHH escape form into bytes; returns length or -1. */
int binfmt_decode(const char *escaped, unsigned char *out, size_t outlen);

/* Does the header (first `len` bytes of a file) match magic/mask at offset? */
bool qemu_target_matches(const struct qemu_target *t, const unsigned char *hdr, size_t len);

/* The Debian architecture an ELF header belongs to (first bytes of a
 * program; at least 40 bytes for ARM's float ABI), or NULL. */
const struct debian_arch *arch_from_elf_header(const unsigned char *hdr, size_t len);

/* Debian architecture of the machine we run on ("amd64" on x86-64). */
const char *arch_host(void);

#endif
