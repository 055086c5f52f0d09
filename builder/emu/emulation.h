/* SPDX-License-Identifier: MIT */
/* Making a foreign rootfs's programs runnable: for a build's emulated steps
 * (second stage, hooks) and for `mkforeignroot run`.
 *
 * Two independent choices (README, "Emulation modes"):
 *
 *  binfmt   private  every emulated process runs in a user namespace with
 *                    its own binfmt_misc instance (Linux >= 6.7); the host's
 *                    binfmt_misc is never written.
 *           global   one entry of ours in the host's binfmt_misc, named
 *                    mkforeignroot-<target>-<pid>, removed afterwards.
 *           host     (rootless builds on kernels before 6.7 only: never
 *                    a profile's choice) the host's own entry with flag F
 *                    (emu/host_entry.h) runs them; nothing is staged or
 *                    registered.
 *
 *  qemu     static      qemu-<t>-static copied into the rootfs, entry
 *                       without F: the kernel finds it inside the chroot.
 *           fix-binary  entry with F: the kernel opens the host's static
 *                       emulator when registering; nothing is copied.
 *           dynamic     the host's shared qemu-<t>, its ELF loader and its
 *                       libraries copied into the rootfs, started by our
 *                       static launcher (mkforeignroot-qemu-launcher).
 *
 * All files go below one staging directory inside the rootfs, which the
 * caller chooses and removes. */
#ifndef MKFR_EMULATION_H
#define MKFR_EMULATION_H

#include "cache/emulator_cache.h"
#include "sys/spawn.h"
#include "util/arch.h"
#include "util/error.h"

#include <stdbool.h>

enum binfmt_mode { BINFMT_MODE_PRIVATE, BINFMT_MODE_GLOBAL, BINFMT_MODE_HOST };
enum qemu_mode { QEMU_MODE_STATIC, QEMU_MODE_FIX_BINARY, QEMU_MODE_DYNAMIC };

struct emulation {
	/* Set by the caller. */
	const struct debian_arch *arch;
	const struct qemu_target *qemu; /* NULL: no qemu target (native only) */
	enum binfmt_mode binfmt;
	enum qemu_mode mode;
	char *root;        /* absolute path of the rootfs */
	char *stage_dir;   /* inside the rootfs, e.g. "/debootstrap/qemu" */
	char *emulator;    /* host emulator: qemu-<t>-static, or qemu-<t> for dynamic;
			      NULL if none was found (fine if the target runs natively);
			      binfmt host: the host entry's interpreter */
	/* No emulator, target not native: take qemu-user-static from this
	 * mirror (emulator_source=mirror|auto).  NULL: fail instead. */
	const struct emulator_request *mirror;

	/* Filled in by emulation_setup. */
	bool native;       /* the kernel runs the target's programs itself */
	char *interpreter; /* what our entry names (inside the rootfs, or host path with F) */
	char binfmt_name[256]; /* ours; binfmt host: the host's entry (set by the caller) */
	bool global_registered;
	bool global_mounted_by_us;
};

/* "auto|private|global" and "static|fix-binary|dynamic".  auto = private
 * where the kernel has per-user-namespace binfmt_misc, else global. */
int emulation_parse_binfmt(const char *value, enum binfmt_mode *out);
int emulation_parse_qemu(const char *value, enum qemu_mode *out);
const char *emulation_binfmt_name(enum binfmt_mode m);
const char *emulation_qemu_name(enum qemu_mode m);

/* Without root (sys/rootless.h) the choice is narrower: `requested` (auto,
 * private or global, as parsed above) becomes private where each user
 * namespace has a binfmt_misc of its own (Linux >= 6.7), else host, when
 * the host has a working F entry for the target (fills binfmt_name and
 * emulator from it).  global, private on an older kernel, and auto there
 * without such an entry are refused: a usage error saying what would
 * work.  A target the kernel runs itself needs none of it. */
int emulation_choose_rootless_binfmt(struct emulation *e, const char *requested,
				     struct mkfr_error *err);

/* The host program each qemu mode needs: "qemu-<t>-static" or "qemu-<t>". */
char *emulation_emulator_program(const struct qemu_target *t, enum qemu_mode m);

/* Make sure e->emulator names the host emulator when there is one: with
 * none on the host, take it from the mirror where e->mirror allows (not
 * for qemu=dynamic).  Still NULL afterwards: there is none (fine for a
 * target that runs natively).  Called by emulation_setup; earlier by the
 * base cache, whose key holds the emulator's version. */
int emulation_obtain_emulator(struct emulation *e, struct mkfr_error *err);

/* `EMULATOR --version`'s first line ("qemu-arm version 7.2.x (Debian ...)"),
 * or "none" without an emulator.  A new string in *out. */
int emulation_emulator_version(const struct emulation *e, int log_fd, char **out,
			       struct mkfr_error *err);

/* Find out whether the target runs natively; otherwise stage what the mode
 * needs, register (global mode) and prove it works by running the rootfs's
 * /usr/bin/true.  probe: a program inside the rootfs that exits 0. */
int emulation_setup(struct emulation *e, const char *probe, struct mkfr_error *err);

/* Before each emulated step in global mode: is our entry still there?  A
 * host service (systemd-binfmt) may have wiped it: register it again. */
int emulation_recheck(struct emulation *e, struct mkfr_error *err);

/* Make a spawn run under this emulation: private namespaces, and in private
 * mode the user namespace whose own binfmt_misc holds our entry.  Keeps an
 * existing o->setup (privileged mounts). */
void emulation_spawn_opts(struct emulation *e, struct spawn_opts *o);

/* Remove our global entry (and the binfmt_misc mount if we made it).  The
 * staged files are the caller's: they live in its staging directory. */
void emulation_unregister(struct emulation *e);

void emulation_free(struct emulation *e);

/* Human-readable: "qemu-aarch64-static staged at /debootstrap/qemu, private binfmt_misc". */
void emulation_describe(const struct emulation *e, char *buf, size_t len);

#endif
