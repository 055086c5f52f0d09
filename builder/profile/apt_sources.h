/* SPDX-License-Identifier: MIT */
/* The Debian mirror the host's apt already uses: the default for `mirror`,
 * so shipped profiles name no mirror host. */
#ifndef MKFR_APT_SOURCES_H
#define MKFR_APT_SOURCES_H

#include "util/error.h"

/* Scan `etc_apt` (normally "/etc/apt") sources.list and sources.list.d/
 * (*.list one-line and *.sources deb822 files) for the first `deb` source
 * that is a Debian archive (not the security archive).  Returns a new URL
 * or NULL with *err set. */
char *apt_sources_debian_mirror(const char *etc_apt, struct mkfr_error *err);

/* The Debian security archive for `mirror`'s suites: the first `deb`
 * source of the host's whose URI ends in /debian-security, else MIRROR's
 * own /debian with -security appended (the path every Debian mirror that
 * carries it uses), else NULL (MIRROR is not a Debian archive).  New URL. */
char *apt_sources_debian_security(const char *etc_apt, const char *mirror);

#endif
