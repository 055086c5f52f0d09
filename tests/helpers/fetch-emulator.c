/* SPDX-License-Identifier: MIT */
/* Test driver for emulator_cache_obtain(): the e2e test's way in to
 * emulator_source=mirror without a whole build.  Prints the emulator's path.
 *
 *   fetch-emulator MIRROR SUITE KEYRING QEMU_TARGET CACHE_DIR [--no-check-valid-until] [--offline]
 */
#include "cache/emulator_cache.h"
#include "sys/signals.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct mkfr_error err;
	char *path;
	bool check_valid_until = true, offline = false;

	for (int i = 6; i < argc; i++) {
		if (strcmp(argv[i], "--no-check-valid-until") == 0)
			check_valid_until = false;
		else if (strcmp(argv[i], "--offline") == 0)
			offline = true;
		else
			argc = 0;
	}
	if (argc < 6) {
		fprintf(stderr, "usage: fetch-emulator MIRROR SUITE KEYRING QEMU_TARGET CACHE_DIR "
			"[--no-check-valid-until] [--offline]\n");
		return 2;
	}
	signals_install();
	struct emulator_request req = {
		.mirror = argv[1],
		.suite = argv[2],
		.keyring = argv[3],
		.qemu_target = argv[4],
		.cache_dir = argv[5],
		.check_valid_until = check_valid_until,
		.offline = offline,
		.proxy = getenv("MKFR_TEST_PROXY"),
	};
	if (emulator_cache_obtain(&req, &path, &err) < 0) {
		log_error("%s", err.msg);
		return err.exit_code ? err.exit_code : 1;
	}
	printf("%s\n", path);
	free(path);
	return 0;
}
