/* SPDX-License-Identifier: MIT */
#include "emu/host_entry.h"

#include "emu/exec_probe.h"
#include "emu/tiny_elf.h"
#include "sys/binfmt.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <stdio.h>
#include <string.h>

bool host_entry_find_fixed(const struct debian_arch *a, struct host_entry *out)
{
	unsigned char elf[TINY_ELF_MAX];
	struct mkfr_error err;
	int n = tiny_elf_supported(a) ? tiny_elf_build(a, EXEC_PROBE_STATUS, elf, sizeof(elf), &err) : -1;
	if (n < 0 || !binfmt_is_mounted(BINFMT_DIR))
		return false;
	autostrv char **names = binfmt_list(BINFMT_DIR);
	bool found = false;
	for (size_t i = 0; names && names[i]; i++) {
		struct binfmt_info info;
		if (binfmt_read(BINFMT_DIR, names[i], &info, &err) < 0 ||
		    !binfmt_info_matches(&info, elf, (size_t)n))
			continue;
		if (!strchr(info.flags, 'F'))
			return false; /* it may be the one the kernel picks */
		if (!found) {
			snprintf(out->name, sizeof(out->name), "%s", names[i]);
			snprintf(out->interpreter, sizeof(out->interpreter), "%s", info.interpreter);
			found = true;
		}
	}
	struct exec_probe res;
	return found && exec_probe_run(a, NULL, EXEC_PROBE_STATUS, &res, &err) == 0 &&
	       exec_probe_ok(&res, EXEC_PROBE_STATUS);
}
