/* SPDX-License-Identifier: MIT */
/* Every stage of the pipeline, one file each (stage_NAME.c), in the order
 * pipeline.c runs them; and what --dry-run prints of them. */
#ifndef MKFR_STAGES_H
#define MKFR_STAGES_H

#include "pipeline/pipeline.h"

extern const struct stage stage_plan;         /* stage_plan.c */
extern const struct stage stage_resolve;      /* stage_resolve.c */
extern const struct stage stage_scratch;      /* stage_scratch.c */
extern const struct stage stage_base_restore; /* stage_base_restore.c */
extern const struct stage stage_setup;        /* stage_hooks.c */
extern const struct stage stage_fetch;        /* stage_fetch.c */
extern const struct stage stage_foreign;      /* stage_foreign.c */
extern const struct stage stage_extract;      /* stage_hooks.c */
extern const struct stage stage_setup_qemu;   /* stage_setup_qemu.c */
extern const struct stage stage_second;       /* stage_second.c */
extern const struct stage stage_essential;    /* stage_hooks.c */
extern const struct stage stage_snapshot;     /* stage_snapshot.c */
extern const struct stage stage_customize;    /* stage_hooks.c */
extern const struct stage stage_cleanup;      /* stage_cleanup.c */
extern const struct stage stage_sysroot;      /* stage_sysroot.c */
extern const struct stage stage_inventory;    /* stage_manifest.c */
extern const struct stage stage_output;       /* stage_output.c */
extern const struct stage stage_sbom;         /* stage_sbom.c */
extern const struct stage stage_manifest;     /* stage_manifest.c */

/* The resolved .deb an installed package came from (the fetch stage
 * verified it), or NULL: one a hook installed, say (stage_manifest.c). */
const struct deb_package *stage_fetched_deb(const struct build *b, const struct installed_package *p);
/* Unmount the in-memory work tree (the target alias first): its
 * contents are gone.  Nothing to do when the tree is on disk. */
int stage_scratch_release(struct build *b, struct mkfr_error *err);
/* OUT's SHA-256 into b->out_sha256, taken once (OUT is a file). */
int stage_out_sha256(struct build *b, struct mkfr_error *err);

/* The argument vectors and environment the debootstrap stages run with;
 * also printed by --dry-run. */
char **stage_foreign_argv(const struct build *b);
char **stage_foreign_env(const struct build *b);
char **stage_second_argv(const struct build *b);
char **stage_second_env(const struct build *b);

#endif
