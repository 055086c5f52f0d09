/* SPDX-License-Identifier: MIT */
/* scratch: where the rootfs is built, decided once the package set is
 * known (after resolve, before anything is written into WORK).
 *
 * When OUT is not the rootfs directory itself (a tarball, an image, an OCI
 * layout), the tree is scratch: written, read once by the output stage,
 * thrown away.  On disk that costs a filesystem's file creation for every
 * file, several times over (debootstrap's extraction, dpkg's unpack and
 * rename, the removal): on the project's machine 0.55 ms a file on ext4,
 * 6 s of kernel time to unpack a minbase tree that tmpfs takes 0.4 s for.
 * So scratch=auto builds such a tree in a tmpfs of this run's own, mounted
 * on WORK in the run's private mount namespace (plan): it vanishes with
 * the run, even a SIGKILLed one, and unmounting it is the removal.
 *
 *   scratch=auto    memory when OUT is not a directory and the estimate fits
 *                   (below); else disk
 *   scratch=memory  memory, or a usage error when OUT is a directory (it is
 *                   the work tree renamed) or the estimate does not fit
 *   scratch=disk    WORK next to OUT, as always
 *
 * The estimate: the resolved packages' Installed-Size, doubled (hooks,
 * apt lists, dpkg's database, a margin) plus 256 MiB, must fit in half the
 * memory available now (MemAvailable); the tmpfs is capped at that half,
 * so a tree that outgrows it fails the build with ENOSPC instead of
 * pushing the host into swap. */
#include "pipeline/stages.h"
#include "sys/mounts.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#define MIB (1024 * 1024)
#define MARGIN_MIB 256

/* MemAvailable from /proc/meminfo, in bytes; 0 if unknown. */
static uint64_t memory_available(void)
{
	autofclose FILE *f = fopen("/proc/meminfo", "re");
	char line[256];
	uint64_t kib = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %" SCNu64 " kB", &kib) == 1)
			break;
	return kib * 1024;
}

static uint64_t estimate_bytes(const struct build *b)
{
	return b->resolved.installed_kib * 1024 * 2 + (uint64_t)MARGIN_MIB * MIB;
}

/* WORK becomes a tmpfs of `cap` bytes; the target alias, a bind mount of
 * WORK made by plan, is made again on top of it. */
static int mount_scratch(struct build *b, uint64_t cap, struct mkfr_error *err)
{
	char options[64];
	snprintf(options, sizeof(options), "mode=0755,size=%" PRIu64 "k", cap / 1024);
	if (umount2(b->target, UMOUNT_NOFOLLOW) < 0)
		return mkfr_fail(err, errno, "scratch: cannot unmount %s", b->target);
	b->target_mounted = false;
	/* Device nodes, set-id programs and executables must work in the
	 * rootfs: no nodev, nosuid or noexec. */
	if (mount("mkforeignroot-scratch", b->work, "tmpfs", 0, options) < 0)
		return mkfr_fail(err, errno, "scratch: cannot mount a tmpfs on %s", b->work);
	b->scratch_mounted = true;
	if (mount(b->work, b->target, NULL, MS_BIND, NULL) < 0)
		return mkfr_fail(err, errno, "scratch: cannot bind %s to %s", b->work, b->target);
	b->target_mounted = true;
	return 0;
}

static int scratch_run(struct build *b, struct mkfr_error *err)
{
	const char *mode = profile_get(b->profile, "scratch");
	if (strcmp(mode, "disk") == 0)
		return 0;
	bool forced = strcmp(mode, "memory") == 0;
	if (b->format == OUTPUT_DIR) /* memory with a dir OUT: refused by plan */
		return 0;
	uint64_t need = estimate_bytes(b), half = memory_available() / 2;
	if (need > half) {
		if (forced)
			return mkfr_fail_usage(err, "%s: key 'scratch': the rootfs needs about %" PRIu64
					       " MiB, more than half the memory available (%" PRIu64 " MiB)",
					       profile_origin(b->profile, "scratch"), need / MIB, half / MIB);
		log_info("scratch: on disk: the rootfs needs about %" PRIu64 " MiB, more than half the "
			 "memory available (%" PRIu64 " MiB)", need / MIB, half / MIB);
		return 0;
	}
	if (mount_scratch(b, half, err) < 0)
		return -1;
	log_info("scratch: the rootfs is built in memory (a tmpfs of up to %" PRIu64 " MiB; it needs "
		 "about %" PRIu64 " MiB)", half / MIB, need / MIB);
	return 0;
}

int stage_scratch_release(struct build *b, struct mkfr_error *err)
{
	if (!b->scratch_mounted)
		return 0;
	build_drop_target(b);
	if (umount2(b->work, UMOUNT_NOFOLLOW) < 0)
		return mkfr_fail(err, errno, "scratch: cannot unmount %s", b->work);
	b->scratch_mounted = false;
	return 0;
}

/* plan's undo unmounts everything at and below WORK, this tmpfs with it. */
const struct stage stage_scratch = { "scratch", scratch_run, NULL };
