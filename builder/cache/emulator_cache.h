/* SPDX-License-Identifier: MIT */
/* emulator_source=mirror: a static qemu-user emulator taken from the
 * host-architecture qemu-user-static .deb of the profile's own Debian
 * mirror, for hosts that do not have (or should not use) the package.
 * Nothing is installed on the host: the .deb is verified (signed Release
 * -> Packages -> .deb SHA256) and only usr/bin/qemu-TARGET-static is taken
 * out of it.  Everything goes through the cache as a build's own files do
 * (cache/layout.h):
 *
 *   - the Release and the host architecture's Packages index through
 *     cache/index_cache.h, so --offline (or an unreachable mirror) works
 *     from what an earlier run kept, and a mirror without InRelease works
 *     with Release + Release.gpg;
 *   - the .deb through cache/deb_cache.h and cache/fetch_debs.h: verified,
 *     per-file locked, marked used for `cache prune`;
 *   - the binary as CACHE/emulators/<.deb SHA256>/qemu-TARGET-static with
 *     its SHA256 beside it (checked on every reuse), made under a per-file
 *     lock by one process while the others wait.
 *
 * The caller holds the cache's in-use lock (cache/lock.h) or this takes it
 * for as long as it works. */
#ifndef MKFR_EMULATOR_CACHE_H
#define MKFR_EMULATOR_CACHE_H

#include "util/error.h"

#include <stdbool.h>

#define EMULATOR_PACKAGE "qemu-user-static"

struct emulator_request {
	const char *mirror;      /* e.g. http://mirror.example/debian */
	const char *suite;       /* e.g. bookworm */
	const char *keyring;     /* file or directory (see archive/openpgp_verify.h) */
	bool check_valid_until;
	bool offline;            /* only what the cache holds */
	const char *proxy;       /* NULL: the environment's http_proxy etc. */
	const char *host_arch;   /* Debian arch of the emulator we run; NULL: arch_host() */
	const char *qemu_target; /* e.g. "aarch64": we want qemu-aarch64-static */
	const char *cache_dir;   /* NULL: cache_default_dir() */
};

/* On success *path_out is a new string: the cached emulator's path. */
int emulator_cache_obtain(const struct emulator_request *req, char **path_out,
			  struct mkfr_error *err);

#endif
