/* SPDX-License-Identifier: MIT */
/* How many CPUs this process may run on (its affinity mask: taskset and
 * cgroup cpusets count), at least 1. */
#ifndef MKFR_CPU_COUNT_H
#define MKFR_CPU_COUNT_H

unsigned cpu_count(void);

#endif
