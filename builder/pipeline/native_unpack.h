/* SPDX-License-Identifier: MIT */
/* unpack=auto|native|emulated: who unpacks the packages of the second stage.
 *
 * In a minbase second stage about 43 of ~70 s went to dpkg decompressing and
 * writing 88 packages under qemu, work that does not need the target's CPU;
 * only the maintainer scripts must run as the target.  With unpack=native,
 * debootstrap's second stage runs as always, but its dpkg calls that unpack
 * (those with --force-depends: the core packages and the required set) are
 * served by the host's dpkg running inside the chroot, through a static
 * shim (emu/dpkg_shim.c) that is found before the target's dpkg on
 * debootstrap's PATH; dpkg-deb is always the host's.  The maintainer
 * scripts those runs start are the target's, under emulation, and every
 * other dpkg call (configuring, maintainer scripts asking dpkg) reaches the
 * target's own dpkg.  debootstrap's order and semantics stay exactly its
 * own, because it is still debootstrap that runs.
 *
 * auto picks native only where it is known to give the same rootfs: the
 * target needs emulation at all, the host has dpkg and dpkg-deb, the
 * target's dpkg is of the same major version and at most one minor
 * version away from the host's (1.21 builds 1.20, 1.21 and 1.22), the
 * target's database, if it has a format yet (info/format), has the host's,
 * and the host's dpkg-deb reads the target's dpkg .deb (its compression).  A
 * rejection is one line, and the build goes on emulated.
 * tests/e2e/unpack-equality.sh compares the two modes' trees. */
#ifndef MKFR_NATIVE_UNPACK_H
#define MKFR_NATIVE_UNPACK_H

#include "pipeline/build.h"
#include "util/error.h"

/* Decide once (later calls return the first answer): b->unpack_native and,
 * for the log, b->unpack_reason. */
int native_unpack_decide(struct build *b, struct mkfr_error *err);
/* Put the host's dpkg, dpkg-deb, loader, libraries and the shim into the
 * target (native mode only). */
int native_unpack_stage(struct build *b, struct mkfr_error *err);
/* Take the shims out again (the host's files go with /debootstrap). */
int native_unpack_unstage(struct build *b, struct mkfr_error *err);

#endif
