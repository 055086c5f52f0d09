/* SPDX-License-Identifier: MIT */
/* One build: everything the stages share.  Stages read the resolved
 * profile and fill in what later stages and the undo functions need; the
 * fields are grouped by the stage that fills them.  build_init() and
 * build_free() are the only places that set up and release it. */
#ifndef MKFR_BUILD_H
#define MKFR_BUILD_H

#include "archive/packages_index.h"
#include "archive/release_file.h"
#include "cache/base_cache.h"
#include "cache/emulator_cache.h"
#include "emu/emulation.h"
#include "out/output_format.h"
#include "profile/profile.h"
#include "sys/rootless.h"
#include "util/arch.h"
#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* The phases hooks run at (pipeline/hooks.h), in the order they run;
 * each is a stage of its own but cleanup, whose hooks run first thing in
 * the cleanup stage. */
enum hook_phase { HOOK_SETUP, HOOK_EXTRACT, HOOK_ESSENTIAL, HOOK_CUSTOMIZE, HOOK_CLEANUP, HOOK_PHASES };

struct build_options {
	const char *profile_name;
	char **sets;          /* --set key=value */
	const char *out;      /* OUT as given */
	const char *log_path; /* --log FILE, or NULL */
	bool dry_run;
	bool offline;         /* --offline: everything from cache_dir, no network */
	bool no_check_gpg;    /* --no-check-gpg: Release signatures not checked */
	/* --stop-after STAGE: run up to that stage, then undo everything, as
	 * for a failure (for benchmarks and debugging; nothing is kept). */
	const char *stop_after;
	char **hook_dirs;               /* --hook-dir DIR, in order */
	char **phase_hooks[HOOK_PHASES]; /* --PHASE-hook CMD, in order */
};

/* resolve: what the verified indexes say the rootfs is made of. */
struct build_resolved {
	struct release_file release; /* the suite's, verified */
	bool detached;               /* it came as Release + Release.gpg */
	bool offline;                /* read from the cache, not the mirror */
	char **components;           /* the profile's, in the Release's order */
	/* debootstrap's package set: its $required (unpacked by the first
	 * stage), then its $base; each record owns its strings. */
	struct deb_package *debs;
	size_t deb_count, required_count;
	uint64_t bytes;              /* the .debs' total size */
	uint64_t installed_kib;      /* what they unpack to (Installed-Size) */
};

struct installed_package; /* archive/dpkg_status.h */
struct hook;              /* pipeline/hooks.h */

struct build {
	const struct build_options *opts;
	struct profile *profile;
	const struct debian_arch *arch;
	const struct qemu_target *qemu;
	int log_fd;           /* --log, or -1 */

	/* plan */
	/* Not root: the build runs as root of a user namespace of its user's
	 * own (sys/rootless.h), entered at the end of plan; NULL as root. */
	struct rootless *rootless;
	char *out;            /* absolute OUT */
	char *work;           /* the rootfs while it is built: OUTDIR/.mkfr-<pid>-<base> */
	bool work_created;
	/* OUT exists, made by this build (output); it stays only if the whole
	 * pipeline completed, manifest included (pipeline.c sets completed):
	 * OUT is a whole result or nothing. */
	bool out_created;
	bool completed;
	int owner_fd;         /* holds WORK.lock: this run is alive (sys/stale.h), or -1 */
	/* The name every child (debootstrap, hooks, chroots) is given for the
	 * rootfs: WORK bind-mounted, in our private mount namespace only, at
	 * TARGET_DIR/root below /run.  OUT and its directory may be called
	 * anything (a CI job's name, `$(...)`); debootstrap evaluates the
	 * path it is given in a shell (CHROOT_CMD), so it must only ever see a
	 * path of our own naming (stage_plan.c). */
	char *target_dir;     /* /run/.mkfr-<pid>-target (rootless: /tmp/...) */
	char *target;         /* TARGET_DIR/root */
	char *empty_tarball;  /* TARGET_DIR/empty.tar, for debootstrap --unpack-tarball */
	bool target_dir_created, target_mounted;
	bool output_done;
	enum output_format format;
	/* Every format but dir: OUT while it is written, next to OUT (renamed
	 * to OUT when complete): OUTDIR/.mkfr-<pid>-<base>.part, a file or
	 * (format=oci) a directory. */
	char *out_part;
	bool out_part_created;
	/* format=oci.tar: the layout before it is packed, OUTDIR/.mkfr-<pid>-<base>.oci */
	char *oci_layout;
	bool oci_layout_created;
	/* Image formats: the host tool (plan found it). */
	char *image_tool;
	/* sbom=: which documents, and their paths next to OUT (NULL: none). */
	char *sbom_spdx_path, *sbom_cdx_path;
	bool sbom_written;
	/* Reproducible output: from SOURCE_DATE_EPOCH (plan), or with
	 * reproducible=yes from the suite's Release date (resolve). */
	bool reproducible;
	bool epoch_from_env;
	time_t source_date_epoch;
	char *debootstrap;    /* host debootstrap program */
	char *keyring_path;   /* absolute keyring for our own Release checks */
	char *cache_dir;      /* absolute cache_dir */
	/* Each phase's hooks in the order they run (pipeline/hooks.h). */
	struct hook *hooks[HOOK_PHASES];
	size_t hook_count[HOOK_PHASES];
	/* Host files copy-out hooks made: removed again unless the build
	 * completes, as OUT would be. */
	char **copied_out;
	bool base_cache_enabled;
	/* How target programs run: binfmt and qemu modes, the host emulator,
	 * and what setup_qemu staged and registered (emu/emulation.h). */
	struct emulation emu;
	struct emulator_request emu_mirror; /* emu.mirror points here, or is NULL */

	/* resolve */
	int cache_use_fd;     /* holds cache_dir's shared in-use lock, or -1 */
	/* Scratch space below cache_dir/tmp: the signed files and indexes as
	 * verified (signed_dir), the empty tarball debootstrap is given. */
	char *fetch_dir;
	char *signed_dir;
	bool fetch_dir_created;
	struct build_resolved resolved;

	/* base_restore and snapshot (cache/base_cache.h): the key of this
	 * build's base; a hit means foreign and second have nothing to do. */
	struct base_cache_key base_key;
	bool base_hit;
	bool base_stored;

	/* scratch (pipeline/stage_scratch.c): WORK is a tmpfs of ours */
	bool scratch_mounted;

	/* second, cleanup */
	bool policy_rc_added;
	/* unpack= (pipeline/native_unpack.h): decided, staged and removed
	 * again by the second stage. */
	bool unpack_decided, unpack_native, unpack_staged;
	char unpack_reason[256];
	/* native only: deb-systemd-helper runs with the host's perl, whose
	 * perl-base modules (unpack_perl_lib) are staged beside it */
	bool unpack_host_perl;
	char unpack_perl_lib[256];

	/* sysroot=yes: the toolchain files written next to OUT. */
	char *toolchain_cmake, *pkg_config_wrapper;
	bool sysroot_files_written;

	/* inventory and manifest: what the rootfs holds, read before output
	 * (a tarball output removes the tree), and the manifest's path (NULL:
	 * manifest=no). */
	struct installed_package *installed;
	size_t installed_count;
	char *emulator_version;
	char *manifest_path;
	/* "sha256:HEX" of the package list (name, version, architecture and
	 * .deb SHA-256 of each, one line each): in the manifest and as an OCI
	 * annotation, which cannot carry the manifest's own digest (the
	 * manifest records the image's). */
	char packages_digest[7 + 64 + 1];

	/* output: the OCI image's manifest digest; OUT's SHA-256 once taken
	 * (SBOM and manifest both want it). */
	char oci_manifest_digest[7 + 64 + 1];
	char out_sha256[65];
};

void build_init(struct build *b, const struct build_options *opts);
/* Everything the build owns (safe on a half-built state, and twice). */
void build_free(struct build *b);

/* The target alias (see `target` above): name it (plan, before --dry-run
 * prints the commands), make it (plan, in the private mount namespace),
 * drop it (cleanup, once no child needs it; plan's undo otherwise). */
void build_name_target(struct build *b);
int build_make_target(struct build *b, struct mkfr_error *err);
void build_drop_target(struct build *b);
/* The target aliases of runs that died (SIGKILL) before dropping theirs. */
void build_clean_stale_targets(const struct build *b);

/* Services must not start inside the rootfs while packages configure or
 * hooks run: /usr/sbin/policy-rc.d exiting 101, unless one is there;
 * cleanup removes it. */
int build_block_services(struct build *b, struct mkfr_error *err);

#endif
