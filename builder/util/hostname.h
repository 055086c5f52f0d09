/* SPDX-License-Identifier: MIT */
/* Host names, checked once for every place that takes one: the profile's
 * `hostname` key (written to the image's /etc/hostname) and the name a
 * `run` gives its UTS namespace (the image's /etc/hostname, or
 * --hostname).  RFC 1123: labels of letters, digits and '-', neither
 * starting nor ending with '-', at most 63 characters each. */
#ifndef MKFR_HOSTNAME_H
#define MKFR_HOSTNAME_H

#include <stdbool.h>

/* One label: "armel-board". */
bool hostname_label_valid(const char *s);

/* Labels joined by dots ("board.lab.example"), at most 64 characters in
 * all: what sethostname(2) takes (HOST_NAME_MAX). */
bool hostname_valid(const char *s);

#endif
