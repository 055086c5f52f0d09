/* Test driver for emulator_from_mirror(): the e2e test's way in, until the
 * main program grows emulator_source=mirror.  Prints the emulator's path.
 *
 *   fetch-emulator MIRROR SUITE KEYRING QEMU_TARGET CACHE_DIR [--no-check-valid-until]
 */
#include "cache/emulator_mirror.h"
#include "util/log.h"
#include "sys/signals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct mkfr_error err;
	char *path;

	if (argc < 6 || argc > 7 || (argc == 7 && strcmp(argv[6], "--no-check-valid-until") != 0)) {
		fprintf(stderr, "usage: %s MIRROR SUITE KEYRING QEMU_TARGET CACHE_DIR "
			"[--no-check-valid-until]\n", argv[0]);
		return 2;
	}
	signals_install();
	struct emulator_mirror_request req = {
		.mirror = argv[1],
		.suite = argv[2],
		.keyring = argv[3],
		.qemu_target = argv[4],
		.cache_dir = argv[5],
		.check_valid_until = argc < 7,
		.proxy = getenv("MKFR_TEST_PROXY"),
	};
	if (emulator_from_mirror(&req, &path, &err) < 0) {
		log_error("%s", err.msg);
		return err.exit_code ? err.exit_code : 1;
	}
	printf("%s\n", path);
	free(path);
	return 0;
}
