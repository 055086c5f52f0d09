/* SPDX-License-Identifier: MIT */
#include "pipeline/debootstrap_devices.h"

#include <sys/stat.h>

const struct tar_node debootstrap_devices[] = {
	{ "./dev/null", S_IFCHR | 0666, 1, 3 },
	{ "./dev/zero", S_IFCHR | 0666, 1, 5 },
	{ "./dev/full", S_IFCHR | 0666, 1, 7 },
	{ "./dev/random", S_IFCHR | 0666, 1, 8 },
	{ "./dev/urandom", S_IFCHR | 0666, 1, 9 },
	{ "./dev/tty", S_IFCHR | 0666, 5, 0 },
	{ "./dev/console", S_IFCHR | 0666, 5, 1 },
	{ "./dev/ptmx", S_IFCHR | 0666, 5, 2 },
};

const size_t debootstrap_device_count = sizeof(debootstrap_devices) / sizeof(debootstrap_devices[0]);
