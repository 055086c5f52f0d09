/* One build: everything the stages share.  Stages read the resolved
 * profile and fill in what later stages and the undo functions need. */
#ifndef MKFR_BUILD_H
#define MKFR_BUILD_H

#include "arch.h"
#include "error.h"
#include "profile.h"

#include <stdbool.h>
#include <sys/types.h>

struct build_options {
	const char *profile_name;
	char **sets;          /* --set key=value */
	const char *out;      /* OUT as given */
	const char *log_path; /* --log FILE, or NULL */
	bool dry_run;
};

struct build {
	const struct build_options *opts;
	struct profile *profile;
	const struct debian_arch *arch;
	const struct qemu_target *qemu;

	char *out;            /* absolute OUT */
	char *work;           /* the rootfs while it is built: OUTDIR/.mkfr-<pid>-<base> */
	bool work_created;
	bool output_done;

	char *debootstrap;    /* host debootstrap program */
	char *emulator;       /* host path of qemu-<target>-static (NULL: none found) */
	char *emulator_in_target; /* "/debootstrap/qemu/qemu-<target>" */
	bool native;          /* target binaries run without emulation */

	char binfmt_name[256];
	bool binfmt_registered;
	bool binfmt_mounted_by_us;

	bool policy_rc_added;
	char **hooks;         /* shipped, then profile hooks (absolute paths) */
	int log_fd;           /* --log, or -1 */
};

/* Argument vectors each stage runs; also printed by --dry-run. */
char **stage_foreign_argv(const struct build *b);
char **stage_second_argv(const struct build *b);
char **stage_second_env(const struct build *b);

/* Shared between stages: (re-)register and remove our binfmt_misc entry. */
int setup_qemu_register(struct build *b, struct mkfr_error *err);
void setup_qemu_unregister(struct build *b);

#endif
