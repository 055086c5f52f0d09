/* emulator_source=mirror: a static qemu-user emulator taken from the
 * host-architecture qemu-user-static .deb of the profile's own Debian
 * mirror, for hosts that do not have (or should not use) the package.
 * Nothing is installed on the host: the .deb is verified (signed Release ->
 * Packages -> .deb SHA256) and only usr/bin/qemu-TARGET-static is taken out
 * of it, into a cache shared by concurrent builds:
 *
 *     CACHE/lock                                  flock: one user at a time
 *     CACHE/debs/qemu-user-static_1%3a7.2+..._amd64.deb   (debootstrap's naming)
 *     CACHE/emulators/<.deb SHA256>/qemu-TARGET-static
 *     CACHE/emulators/<.deb SHA256>/qemu-TARGET-static.sha256
 *
 * The binary is reused while the mirror's index still lists the same .deb;
 * its recorded SHA256 is checked on every reuse, and a damaged binary or
 * .deb is replaced rather than used. */
#ifndef MKFR_EMULATOR_MIRROR_H
#define MKFR_EMULATOR_MIRROR_H

#include "util/error.h"

#include <stdbool.h>

#define EMULATOR_MIRROR_DEFAULT_CACHE_DIR "/var/cache/mkforeignroot"
#define EMULATOR_MIRROR_PACKAGE "qemu-user-static"

struct emulator_mirror_request {
	const char *mirror;      /* e.g. http://mirror.example/debian */
	const char *suite;       /* e.g. bookworm */
	const char *keyring;     /* file or directory (see openpgp_verify.h) */
	bool check_valid_until;
	const char *proxy;       /* NULL: the environment's http_proxy etc. */
	const char *host_arch;   /* Debian arch of the emulator we run; NULL: arch_host() */
	const char *qemu_target; /* e.g. "aarch64": we want qemu-aarch64-static */
	const char *cache_dir;   /* NULL: EMULATOR_MIRROR_DEFAULT_CACHE_DIR */
};

/* On success *path_out is a new string: the cached emulator's path. */
int emulator_from_mirror(const struct emulator_mirror_request *req, char **path_out,
			 struct mkfr_error *err);

#endif
