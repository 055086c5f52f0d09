/* SPDX-License-Identifier: MIT */
#include "emu/emulation.h"

#include "emu/dynamic_emulator.h"
#include "emu/exec_probe.h"
#include "emu/host_entry.h"
#include "emu/target_exec.h"
#include "sys/binfmt.h"
#include "sys/chroot_mounts.h"
#include "sys/rootfs_fs.h"
#include "sys/userns.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *const binfmt_names[] = {
	[BINFMT_MODE_PRIVATE] = "private",
	[BINFMT_MODE_GLOBAL] = "global",
	[BINFMT_MODE_HOST] = "host",
};
static const char *const qemu_names[] = {
	[QEMU_MODE_STATIC] = "static",
	[QEMU_MODE_FIX_BINARY] = "fix-binary",
	[QEMU_MODE_DYNAMIC] = "dynamic",
};

int emulation_parse_binfmt(const char *value, enum binfmt_mode *out)
{
	if (strcmp(value, "auto") == 0) {
		*out = userns_has_private_binfmt() ? BINFMT_MODE_PRIVATE : BINFMT_MODE_GLOBAL;
		return 0;
	}
	/* "host" is what a rootless build may find, not a mode to ask for. */
	int i = str_index(value, binfmt_names, BINFMT_MODE_HOST);
	if (i < 0)
		return -1;
	*out = (enum binfmt_mode)i;
	return 0;
}

int emulation_parse_qemu(const char *value, enum qemu_mode *out)
{
	int i = str_index(value, qemu_names, sizeof(qemu_names) / sizeof(qemu_names[0]));
	if (i < 0)
		return -1;
	*out = (enum qemu_mode)i;
	return 0;
}

int emulation_choose_rootless_binfmt(struct emulation *e, const char *requested,
				     struct mkfr_error *err)
{
	if (strcmp(requested, "global") == 0)
		return mkfr_fail_usage(err, "global registers an entry in the host's binfmt_misc, which "
				       "only root may do: without root, use private (Linux 6.7 or later) "
				       "or auto");
	if (userns_has_private_binfmt()) {
		e->binfmt = BINFMT_MODE_PRIVATE;
		return 0;
	}
	if (exec_probe_native(e->arch) == EXEC_NATIVE_YES)
		return 0;
	struct utsname u;
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	if (strcmp(requested, "private") == 0)
		return mkfr_fail_usage(err, "private needs Linux 6.7 or later, where a user namespace "
				       "has a binfmt_misc of its own (this kernel is %s); with auto, a "
				       "build without root uses the host's own binfmt_misc entry with the F "
				       "flag instead, where there is one", u.release);
	struct host_entry entry;
	if (!host_entry_find_fixed(e->arch, &entry))
		return mkfr_fail_usage(err, "a build without root needs Linux 6.7 or later (this kernel "
				       "is %s), where it mounts a binfmt_misc of its own, or a working "
				       "binfmt_misc entry with the F flag for %s programs on the host "
				       "(as root: apt-get install qemu-user-static binfmt-support)",
				       u.release, e->arch->name);
	e->binfmt = BINFMT_MODE_HOST;
	snprintf(e->binfmt_name, sizeof(e->binfmt_name), "%s", entry.name);
	free(e->emulator);
	e->emulator = xstrdup(entry.interpreter);
	return 0;
}

const char *emulation_binfmt_name(enum binfmt_mode m)
{
	return binfmt_names[m];
}

const char *emulation_qemu_name(enum qemu_mode m)
{
	return qemu_names[m];
}

char *emulation_emulator_program(const struct qemu_target *t, enum qemu_mode m)
{
	return xasprintf("qemu-%s%s", t->name, m == QEMU_MODE_DYNAMIC ? "" : "-static");
}

/* P: keep argv[0], so multi-call programs (busybox) see their name.  F for
 * fix-binary: the kernel opens the host's emulator now, so nothing needs to
 * be inside the rootfs.  Never C (credentials from the binary: a privilege
 * escalation with a foreign setuid program). */
static const char *entry_flags(const struct emulation *e)
{
	return e->mode == QEMU_MODE_FIX_BINARY ? "FP" : "P";
}

static int build_entry(const struct emulation *e, char *line, size_t len, struct mkfr_error *err)
{
	return binfmt_build_line(line, len, e->binfmt_name, e->qemu, e->interpreter, entry_flags(e), err);
}

/* spawn userns_setup for private mode: a fresh binfmt_misc instance for
 * this user namespace, holding only our entry (none while we test whether
 * the target runs natively). */
static int private_binfmt_setup(void *data)
{
	struct emulation *e = data;
	struct mkfr_error err;
	if (mount("binfmt_misc", BINFMT_DIR, "binfmt_misc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		fprintf(stderr, "cannot mount a private binfmt_misc instance on %s: %s (it needs "
			"Linux 6.7 or later; use binfmt=global on older kernels)\n", BINFMT_DIR,
			strerror(errno));
		return -1;
	}
	if (!e->interpreter)
		return 0;
	char line[BINFMT_MAX_LINE + 1];
	if (build_entry(e, line, sizeof(line), &err) < 0 || binfmt_register(BINFMT_DIR, line, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

void emulation_spawn_opts(struct emulation *e, struct spawn_opts *o)
{
	o->private_namespaces = true;
	if (e->binfmt == BINFMT_MODE_PRIVATE && !e->native) {
		o->user_namespace = true;
		o->userns_setup = private_binfmt_setup;
		o->userns_data = e;
	}
}

/* Run the probe in the rootfs the way emulated steps will run.  Returns 0
 * if it exited 0; otherwise -1 with the child's own explanation. */
static int run_probe(struct emulation *e, const char *probe, struct mkfr_error *err)
{
	char *argv[] = { (char *)probe, NULL };
	struct chroot_mounts mounts = { .root = e->root };
	struct spawn_opts o = {
		.argv = argv,
		.chroot_dir = e->root,
		.setup = chroot_mounts_setup,
		.setup_data = &mounts,
		.log_fd = -1,
	};
	struct spawn_result res;
	emulation_spawn_opts(e, &o);
	if (spawn_run(&o, &res, err) < 0)
		return -1;
	if (res.status == 0)
		return 0;
	return mkfr_fail(err, 0, "%s", res.tail_count ? res.tail[res.tail_count - 1]
						     : "the probe failed without a word");
}

/* With the kernel's own answer unknown (an older kernel whose host entries
 * match the target), the target is taken to need emulation. */
static bool runs_natively(const struct emulation *e)
{
	return exec_probe_native(e->arch) == EXEC_NATIVE_YES;
}

static int register_global(struct emulation *e, struct mkfr_error *err)
{
	char line[BINFMT_MAX_LINE + 1];
	if (binfmt_ensure_mounted(BINFMT_DIR, &e->global_mounted_by_us, err) < 0 ||
	    build_entry(e, line, sizeof(line), err) < 0 || binfmt_register(BINFMT_DIR, line, err) < 0)
		return -1;
	e->global_registered = true;
	return 0;
}

static int stage_emulator(struct emulation *e, struct mkfr_error *err)
{
	autoclose int rootfd = rootfs_open(e->root, err);
	if (rootfd < 0)
		return -1;
	if (e->mode == QEMU_MODE_FIX_BINARY) {
		e->interpreter = xstrdup(e->emulator);
		return 0;
	}
	e->interpreter = xasprintf("%s/qemu-%s", e->stage_dir, e->qemu->name);
	if (rootfs_mkdir_p(rootfd, e->stage_dir, 0755, err) < 0)
		return -1;
	if (e->mode == QEMU_MODE_STATIC)
		return rootfs_copy_in(rootfd, e->emulator, e->interpreter, 0755, err);
	return dynamic_emulator_stage(rootfd, e->emulator, e->stage_dir, e->interpreter, err);
}

int emulation_obtain_emulator(struct emulation *e, struct mkfr_error *err)
{
	if (e->emulator || !e->qemu || !e->mirror || e->mode == QEMU_MODE_DYNAMIC)
		return 0;
	struct emulator_request req = *e->mirror;
	req.qemu_target = e->qemu->name;
	if (emulator_cache_obtain(&req, &e->emulator, err) < 0)
		return mkfr_error_prefix(err, "emulator from the mirror");
	return 0;
}

int emulation_emulator_version(const struct emulation *e, int log_fd, char **out,
			       struct mkfr_error *err)
{
	if (!e->emulator) {
		*out = xstrdup("none");
		return 0;
	}
	char *argv[] = { e->emulator, "--version", NULL };
	return spawn_first_line(argv, log_fd, out, err);
}

int emulation_setup(struct emulation *e, const char *probe, struct mkfr_error *err)
{
	if (e->binfmt != BINFMT_MODE_HOST)
		binfmt_build_name(e->binfmt_name, sizeof(e->binfmt_name),
				  e->qemu ? e->qemu->name : "none", getpid());
	if (runs_natively(e)) {
		e->native = true;
		return 0;
	}
	if (!e->qemu)
		return mkfr_fail(err, 0, "no qemu-user emulator can run %s programs", e->arch->name);
	if (e->binfmt == BINFMT_MODE_HOST) {
		/* The host's entry has its interpreter open: nothing to stage. */
		e->interpreter = xstrdup(e->emulator);
		if (run_probe(e, probe, err) < 0)
			return mkfr_error_prefix(err, "emulation does not work (the host's binfmt_misc "
						 "entry %s)", e->binfmt_name);
		return 0;
	}
	if (emulation_obtain_emulator(e, err) < 0)
		return -1;
	if (!e->emulator) {
		autofree char *prog = emulation_emulator_program(e->qemu, e->mode);
		return mkfr_fail(err, ENOENT, "%s programs need an emulator, and no %s was found: install "
				 "the Debian package %s, or let emulator_source=auto|mirror take it from "
				 "the mirror", e->arch->name, prog,
				 e->mode == QEMU_MODE_DYNAMIC ? "qemu-user" : "qemu-user-static");
	}
	if (stage_emulator(e, err) < 0)
		return -1;
	if (e->binfmt == BINFMT_MODE_GLOBAL && register_global(e, err) < 0)
		return -1;
	if (run_probe(e, probe, err) < 0)
		return mkfr_error_prefix(err, "emulation does not work (%s binfmt_misc, qemu=%s)",
					 emulation_binfmt_name(e->binfmt), emulation_qemu_name(e->mode));
	return 0;
}

int emulation_recheck(struct emulation *e, struct mkfr_error *err)
{
	if (e->native || e->binfmt != BINFMT_MODE_GLOBAL || binfmt_exists(BINFMT_DIR, e->binfmt_name))
		return 0;
	log_warn("binfmt_misc entry %s disappeared (a host service removed it); registering it again",
		 e->binfmt_name);
	e->global_registered = false;
	return register_global(e, err);
}

void emulation_unregister(struct emulation *e)
{
	if (e->global_registered) {
		struct mkfr_error err;
		if (binfmt_remove(BINFMT_DIR, e->binfmt_name, &err) < 0)
			log_warn("%s", err.msg);
		else
			e->global_registered = false;
	}
	if (e->global_mounted_by_us) {
		/* Only in our private mount namespace; tidy, not required. */
		umount2(BINFMT_DIR, MNT_DETACH);
		e->global_mounted_by_us = false;
	}
}

void emulation_free(struct emulation *e)
{
	free(e->root);
	free(e->stage_dir);
	free(e->emulator);
	free(e->interpreter);
	e->root = e->stage_dir = e->emulator = e->interpreter = NULL;
}

void emulation_describe(const struct emulation *e, char *buf, size_t len)
{
	if (e->native) {
		snprintf(buf, len, "none needed: the kernel runs %s programs natively", e->arch->name);
		return;
	}
	if (e->binfmt == BINFMT_MODE_HOST) {
		snprintf(buf, len, "%s through the host's binfmt_misc entry %s (flag F: opened by the "
			 "kernel when it was registered; nothing staged or registered)", e->emulator,
			 e->binfmt_name);
		return;
	}
	const char *how = e->mode == QEMU_MODE_FIX_BINARY ? "opened by the kernel from the host"
			  : e->mode == QEMU_MODE_DYNAMIC ? "staged with its libraries at"
							 : "staged at";
	snprintf(buf, len, "%s %s%s%s, %s binfmt_misc entry %s", e->emulator, how,
		 e->mode == QEMU_MODE_FIX_BINARY ? "" : " ",
		 e->mode == QEMU_MODE_FIX_BINARY ? "" : e->stage_dir, emulation_binfmt_name(e->binfmt),
		 e->binfmt_name);
}
