/* SPDX-License-Identifier: MIT */
/* tiny-elf ARCH STATUS FILE: write ARCH's smallest program (it exits with
 * STATUS) to FILE, mode 0755.  For the e2e tests, which need a foreign
 * binary on the host before any rootfs exists. */
#include "util/arch.h"
#include "emu/tiny_elf.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: tiny-elf ARCH STATUS FILE\n");
		return 2;
	}
	const struct debian_arch *a = arch_lookup(argv[1]);
	if (!a) {
		fprintf(stderr, "tiny-elf: unknown architecture %s\n", argv[1]);
		return 2;
	}
	unsigned char buf[TINY_ELF_MAX];
	struct mkfr_error err;
	int n = tiny_elf_build(a, atoi(argv[2]), buf, sizeof(buf), &err);
	if (n < 0) {
		fprintf(stderr, "tiny-elf: %s\n", err.msg);
		return 1;
	}
	int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0 || write(fd, buf, (size_t)n) != n || close(fd) < 0) {
		perror(argv[3]);
		return 1;
	}
	return 0;
}
