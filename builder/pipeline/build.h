/* One build: everything the stages share.  Stages read the resolved
 * profile and fill in what later stages and the undo functions need. */
#ifndef MKFR_BUILD_H
#define MKFR_BUILD_H

#include "util/arch.h"
#include "emu/emulation.h"
#include "util/error.h"
#include "out/output_format.h"
#include "profile/profile.h"

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

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
};

/* One .deb of the resolved set, as the fetch stage verified it. */
struct fetched_deb {
	char *name, *version, *architecture, *sha256;
};

struct installed_package; /* dpkg_status.h */

struct build {
	const struct build_options *opts;
	struct profile *profile;
	const struct debian_arch *arch;
	const struct qemu_target *qemu;

	char *out;            /* absolute OUT */
	char *work;           /* the rootfs while it is built: OUTDIR/.mkfr-<pid>-<base> */
	bool work_created;
	bool output_done;
	enum output_format format;
	/* Tar formats: the tarball while it is written, next to OUT (renamed
	 * to OUT when complete): OUTDIR/.mkfr-<pid>-<base>.part */
	char *out_part;
	bool out_part_created;

	/* Reproducible output: from SOURCE_DATE_EPOCH (plan), or with
	 * reproducible=yes from the suite's Release date (fetch). */
	bool reproducible;
	bool epoch_from_env;
	time_t source_date_epoch;
	time_t release_date;  /* fetch: the Release file's Date, 0 if it has none */

	char *debootstrap;    /* host debootstrap program */
	char *keyring_path;   /* absolute keyring for our own Release checks */
	char *cache_dir;      /* absolute cache_dir */
	int cache_use_fd;     /* holds cache_dir's shared in-use lock (fetch), or -1 */
	/* How target programs run: binfmt and qemu modes, the host emulator,
	 * and what setup_qemu staged and registered (emulation.h). */
	struct emulation emu;
	struct emulator_mirror_request emu_mirror; /* emu.mirror points here, or is NULL */

	/* fetch: its scratch directory below cache_dir/tmp (the indexes it
	 * verified, the empty tarball debootstrap --unpack-tarball is given). */
	char *fetch_dir;
	bool fetch_dir_created;

	/* fetch, for the manifest: the verified Release's Date and the .debs
	 * it resolved and checked (stage_manifest.c). */
	char *release_date_text;
	struct fetched_deb *fetched;
	size_t fetched_count;

	/* sysroot=yes: the toolchain files written next to OUT (stage_sysroot.c). */
	char *toolchain_cmake, *pkg_config_wrapper;
	bool sysroot_files_written;

	/* inventory and manifest (stage_manifest.c): what the rootfs holds,
	 * read before output (a tarball output removes the tree), and the
	 * manifest's path (NULL: manifest=no). */
	struct installed_package *installed;
	size_t installed_count;
	char *emulator_version;
	char *manifest_path;

	/* Base cache (base_cache.h): the key of this build's base, and whether
	 * fetch unpacked it from the cache (then foreign and second do
	 * nothing) or snapshot stored it. */
	bool base_cache_enabled;
	char *base_key_text;
	char base_key_id[65];
	bool base_hit;
	bool base_stored;

	bool policy_rc_added;
	char **hooks;         /* shipped, then profile hooks (absolute paths) */
	int log_fd;           /* --log, or -1 */
};

/* Free what the stages collected (fetched set, inventory, file names). */
void build_free_results(struct build *b);

/* Services must not start inside the rootfs while packages configure or
 * hooks run: /usr/sbin/policy-rc.d exiting 101, unless one is there;
 * cleanup removes it. */
int build_block_services(struct build *b, struct mkfr_error *err);

/* base cache (stage_snapshot.c), called by fetch once the package set is
 * known: compute the key and, on a hit, unpack the base into the work
 * directory and set b->base_hit.  A damaged entry is removed and the
 * work directory emptied again (a miss). */
int base_cache_try_restore(struct build *b, struct mkfr_error *err);

/* Argument vectors each stage runs; also printed by --dry-run. */
char **stage_foreign_argv(const struct build *b);
char **stage_second_argv(const struct build *b);
char **stage_second_env(const struct build *b);

#endif
