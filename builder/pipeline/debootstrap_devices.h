/* SPDX-License-Identifier: MIT */
/* The device nodes debootstrap's first stage makes in /dev when it runs as
 * root (its functions' setup_devices_simple, debootstrap 1.0.128; the same
 * set as mmdebstrap's @devfiles): every one 0666, owned by root.
 *
 * A rootless build cannot make them (sys/rootless.h): its first stage
 * leaves /dev with the directories pts and shm, the links fd, stdin,
 * stdout, stderr, and ptmx as a link to pts/ptmx.  Its tarball and OCI
 * layer get these nodes instead (out/tar_writer.h), ptmx the node in place
 * of the link, so that extracted as root they hold what a root build's
 * do; a directory output keeps what debootstrap left (tests/e2e/rootless.sh
 * compares both with a root build). */
#ifndef MKFR_DEBOOTSTRAP_DEVICES_H
#define MKFR_DEBOOTSTRAP_DEVICES_H

#include "out/tar_writer.h"

#include <stddef.h>

extern const struct tar_node debootstrap_devices[];
extern const size_t debootstrap_device_count;

#endif
