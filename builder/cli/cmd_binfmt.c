/* SPDX-License-Identifier: MIT */
#include "cli/commands.h"
#include "cli/json_output.h"
#include "emu/exec_probe.h"
#include "emu/tiny_elf.h"
#include "sys/binfmt.h"
#include "sys/spawn.h"
#include "sys/stale.h"
#include "util/alloc.h"
#include "util/arch.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* F: the kernel opens the interpreter now, so the entry works inside any
 * chroot or container without copying the emulator in.  P: keep argv[0]
 * for multi-call binaries.  Never C (credentials from the binary). */
#define PERSISTENT_FLAGS "FP"

static void usage(FILE *f)
{
	fputs("Usage: mkforeignroot binfmt status [--json] [ARCH...]\n"
	      "       mkforeignroot binfmt register [--emulator-path DIRS] ARCH...|--all\n"
	      "       mkforeignroot binfmt unregister [ARCH...]\n"
	      "\n"
	      "status      list every binfmt_misc entry on the host and whether it works,\n"
	      "            and how each architecture's programs run (native, which entry)\n"
	      "register    add persistent entries " BINFMT_PREFIX "<qemu target> (flags "
	      PERSISTENT_FLAGS ")\n"
	      "            using the host's qemu-<target>-static, and check they work\n"
	      "unregister  remove our entries (all of them without ARCH); never others'\n"
	      "\n"
	      "  -e, --emulator-path DIRS  where to look for qemu-*-static [" EMULATOR_PATH_DEFAULT
	      "]\n"
	      "  -a, --all                 register every architecture whose emulator is found\n"
	      "  -j, --json                status: one JSON document, for scripts\n"
	      "  -h, --help                this text\n",
	      f);
}

/* ---- what an entry serves, and whether it works ------------------------ */

/* The tiny program's header of `a` (enough bytes for every qemu mask). */
static int arch_header(const struct debian_arch *a, unsigned char *hdr, size_t len)
{
	struct mkfr_error err;
	return a->qemu && tiny_elf_supported(a) ? tiny_elf_build(a, EXEC_PROBE_STATUS, hdr, len, &err)
						: -1;
}

/* Would this entry handle a's programs if it were enabled? */
static bool entry_serves(const struct binfmt_info *info, const struct debian_arch *a)
{
	unsigned char hdr[TINY_ELF_MAX];
	int n = arch_header(a, hdr, sizeof(hdr));
	struct binfmt_info as_enabled = *info;
	as_enabled.enabled = true;
	return n > 0 && binfmt_info_matches(&as_enabled, hdr, (size_t)n);
}

/* Debian architectures the entry serves, "armhf,armel" or "-". */
static void entry_arches(const struct binfmt_info *info, char *out, size_t len,
			 const struct debian_arch **first)
{
	size_t n;
	const struct debian_arch *a = arch_table(&n);
	out[0] = '\0';
	*first = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!entry_serves(info, &a[i]))
			continue;
		if (!*first)
			*first = &a[i];
		snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? "," : "", a[i].name);
	}
	if (!out[0])
		snprintf(out, len, "-");
}

/* "works", or "broken: why" for one probe run through the kernel.
 * interpreter: the entry's, when one handled it (NULL: native). */
static void describe_probe(const struct exec_probe *res, const char *interpreter, char *out,
			   size_t len)
{
	int e = res->exec_errno;
	if (exec_probe_ok(res, EXEC_PROBE_STATUS))
		snprintf(out, len, "works");
	else if (e == ENOENT && interpreter && access(interpreter, F_OK) != 0)
		snprintf(out, len, "broken: interpreter %s missing (ENOENT)", interpreter);
	else if (e == ENOENT && interpreter)
		snprintf(out, len, "broken: the ELF loader or libraries of interpreter %s are "
			 "missing (ENOENT)", interpreter);
	else if (e == ENOENT)
		snprintf(out, len, "broken: the interpreter or its ELF loader is missing (ENOENT)");
	else if (e == ELOOP)
		snprintf(out, len, "broken: it matches the host's own programs and loops (ELOOP)");
	else if (e == ENOEXEC)
		snprintf(out, len, "broken: no enabled entry matched (ENOEXEC)");
	else if (e)
		snprintf(out, len, "broken: exec failed: %s (%s)", strerror(e), strerrorname_np(e));
	else if (res->status == 128 + SIGALRM)
		snprintf(out, len, "broken: hung, killed after %d s", EXEC_PROBE_TIMEOUT_S);
	else if (res->status > 128)
		snprintf(out, len, "broken: killed by signal %d (%s)", res->status - 128,
			 sigabbrev_np(res->status - 128) ? sigabbrev_np(res->status - 128) : "?");
	else
		snprintf(out, len, "broken: exited %d, not %d", res->status, EXEC_PROBE_STATUS);
}

/* Run a's tiny program through the kernel, as it would run in a rootfs. */
static int probe(const struct debian_arch *a, struct exec_probe *res, struct mkfr_error *err)
{
	return exec_probe_run(a, NULL, EXEC_PROBE_STATUS, res, err);
}

/* Names of the enabled entries that would handle a's programs. */
static char **enabled_entries_for(const struct debian_arch *a, char *const *names)
{
	char **found = strv_new();
	for (size_t i = 0; found && names && names[i]; i++) {
		struct binfmt_info info;
		struct mkfr_error err;
		if (binfmt_read(BINFMT_DIR, names[i], &info, &err) == 0 && info.enabled &&
		    entry_serves(&info, a))
			strv_push(&found, names[i]);
	}
	return found;
}

/* ---- arguments ---------------------------------------------------------- */

/* ARCH names to table rows; an unknown one is a usage error (exit 2). */
static int parse_arches(char **names, int count, const struct debian_arch ***out,
			struct mkfr_error *err)
{
	*out = xcalloc((size_t)count + 1, sizeof(**out));
	for (int i = 0; i < count; i++) {
		const struct debian_arch *a = arch_lookup(names[i]);
		if (!a)
			return mkfr_fail_usage(err, "unknown architecture '%s' "
					       "(`mkforeignroot arches` lists them)", names[i]);
		if (!a->qemu || !tiny_elf_supported(a))
			return mkfr_fail_usage(err, "architecture '%s' has no qemu-user emulator",
					       names[i]);
		(*out)[i] = a;
	}
	return 0;
}

/* ---- status --------------------------------------------------------------- */

/* Where status goes: text for people, or (json) the arrays of one JSON
 * document.  Each row is made once and handed to row_entry/row_arch, so the
 * two outputs cannot say different things. */
struct status_out {
	json_object *entries, *arches; /* NULL: text */
};

/* "a,b" (or "-") as a JSON array of names. */
static json_object *json_names(const char *list)
{
	json_object *a = json_object_new_array();
	autostrv char **v = strcmp(list, "-") == 0 ? NULL : strv_split_list(list, ',');
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* check: "-" when nothing was checked; error: the entry could not be read. */
static void row_entry(struct status_out *o, const char *name, const struct binfmt_info *info,
		      const char *arches, const char *check, const char *error)
{
	if (!o->entries) {
		if (error)
			printf("%-26s %s\n", name, error);
		else
			printf("%-26s %-9s %-14s %-36s %-6s %s\n", name,
			       info->enabled ? "enabled" : "disabled", arches,
			       info->interpreter[0] ? info->interpreter : "-",
			       info->flags[0] ? info->flags : "-", check);
		return;
	}
	json_object *r = json_object_new_object();
	json_object_object_add(r, "name", json_object_new_string(name));
	json_object_object_add(r, "error", json_output_string(error));
	if (!error) {
		json_object_object_add(r, "enabled", json_object_new_boolean(info->enabled));
		json_object_object_add(r, "arches", json_names(arches));
		json_object_object_add(r, "interpreter",
				       json_output_string(info->interpreter[0] ? info->interpreter : NULL));
		json_object_object_add(r, "flags", json_object_new_string(info->flags));
		json_object_object_add(r, "check", json_output_string(strcmp(check, "-") ? check : NULL));
	}
	json_object_array_add(o->entries, r);
}

/* via: the enabled entries that serve it ("a,b"), or NULL: native (when
 * check is "works") or none. */
static void row_arch(struct status_out *o, const struct debian_arch *a, const char *via,
		     const char *check)
{
	bool native = !via && strcmp(check, "works") == 0;
	if (!o->arches) {
		printf("%-10s %-12s %-26s %s\n", a->name, a->qemu,
		       via ? via : native ? "native" : "no entry", check);
		return;
	}
	json_object *r = json_object_new_object();
	json_object_object_add(r, "name", json_object_new_string(a->name));
	json_object_object_add(r, "qemu_target", json_object_new_string(a->qemu));
	json_object_object_add(r, "runs_via", json_object_new_string(via ? "entry" : native ? "native" : "none"));
	json_object_object_add(r, "entries", json_names(via ? via : "-"));
	json_object_object_add(r, "works", json_object_new_boolean(strcmp(check, "works") == 0));
	json_object_object_add(r, "check", json_output_string(strcmp(check, "-") ? check : NULL));
	json_object_array_add(o->arches, r);
}

static int binfmt_status(const struct debian_arch **requested, bool json)
{
	struct status_out o = { NULL, NULL };
	json_object *doc = NULL;
	bool mounted = binfmt_is_mounted(BINFMT_DIR);
	if (json) {
		doc = json_object_new_object();
		o.entries = json_object_new_array();
		o.arches = json_object_new_array();
		json_object_object_add(doc, "binfmt_misc", json_object_new_string(BINFMT_DIR));
		json_object_object_add(doc, "mounted", json_object_new_boolean(mounted));
		json_object_object_add(doc, "entries", o.entries);
		json_object_object_add(doc, "arches", o.arches);
	}
	if (!mounted) {
		if (json)
			return json_output_print(doc);
		printf("binfmt_misc is not mounted at %s: there are no entries "
		       "(`mkforeignroot binfmt register` mounts it)\n", BINFMT_DIR);
		return 0;
	}
	autostrv char **names = binfmt_list(BINFMT_DIR);
	if (!json) {
		printf("%-26s %-9s %-14s %-36s %-6s %s\n", "ENTRY", "STATE", "ARCHES", "INTERPRETER",
		       "FLAGS", "CHECK");
		if (!names || !names[0])
			printf("(no entries)\n");
	}
	for (size_t i = 0; names && names[i]; i++) {
		struct binfmt_info info;
		struct mkfr_error err;
		char arches[256], check[512] = "-";
		const struct debian_arch *first;
		if (binfmt_read(BINFMT_DIR, names[i], &info, &err) < 0) {
			row_entry(&o, names[i], NULL, NULL, NULL, err.msg);
			continue;
		}
		entry_arches(&info, arches, sizeof(arches), &first);
		if (first && !info.enabled) {
			snprintf(check, sizeof(check), "not used while disabled");
		} else if (first) {
			/* Several enabled entries for one architecture: the kernel
			 * uses the one registered last, and /proc does not say
			 * which that is, so the result is not this entry's alone. */
			autostrv char **rivals = enabled_entries_for(first, names);
			size_t nr = strv_length(rivals);
			struct exec_probe res;
			if (probe(first, &res, &err) < 0)
				snprintf(check, sizeof(check), "not checked: %s", err.msg);
			else
				describe_probe(&res, nr > 1 ? NULL : info.interpreter, check,
					       sizeof(check));
			if (nr > 1)
				snprintf(check + strlen(check), sizeof(check) - strlen(check),
					 " (through whichever of the %zu entries for %s was "
					 "registered last)", nr, first->name);
		}
		row_entry(&o, names[i], &info, arches, check, NULL);
	}

	/* Each architecture: how its programs run here, and whether they do. */
	size_t n;
	const struct debian_arch *table = arch_table(&n);
	if (!json)
		printf("\n%-10s %-12s %-26s %s\n", "ARCH", "QEMU", "RUNS VIA", "CHECK");
	for (size_t i = 0; requested[0] ? requested[i] != NULL : i < n; i++) {
		const struct debian_arch *a = requested[0] ? requested[i] : &table[i];
		if (!a->qemu || !tiny_elf_supported(a))
			continue;
		autostrv char **via = enabled_entries_for(a, names);
		autofree char *via_text = strv_join(via, ",");
		struct exec_probe res;
		struct mkfr_error err;
		char check[512];
		if (probe(a, &res, &err) < 0) {
			snprintf(check, sizeof(check), "not checked: %s", err.msg);
		} else if (via && via[0]) {
			struct binfmt_info info;
			bool read_ok = binfmt_read(BINFMT_DIR, via[0], &info, &err) == 0;
			describe_probe(&res, read_ok && !via[1] ? info.interpreter : NULL, check,
				       sizeof(check));
		} else {
			describe_probe(&res, NULL, check, sizeof(check));
			if (res.exec_errno == ENOEXEC)
				snprintf(check, sizeof(check), "-");
		}
		row_arch(&o, a, via_text && via_text[0] ? via_text : NULL, check);
	}
	return json ? json_output_print(doc) : 0;
}

/* ---- register -------------------------------------------------------------- */

/* Does this row match the header of a program the host runs itself?
 * Registering it would send every native exec to the emulator (ELOOP). */
static const char *matches_host_program(const struct qemu_target *t)
{
	static const char *const programs[] = { "/bin/true", "/usr/bin/true", "/proc/self/exe" };
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		unsigned char hdr[128];
		autoclose int fd = open(programs[i], O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, hdr, sizeof(hdr));
		if (n > 0 && qemu_target_matches(t, hdr, (size_t)n))
			return programs[i];
	}
	return NULL;
}

/* Does the kernel run a's programs itself (emu/exec_probe.h)?  Where
 * that cannot be told (an older kernel with host entries that match), the
 * old way: `ours`, our entry for it, was registered because it did not;
 * another entry serving it means "assume yes". */
static bool runs_natively(const struct debian_arch *a, const char *ours)
{
	enum exec_native answer = exec_probe_native(a);
	if (answer != EXEC_NATIVE_UNKNOWN)
		return answer == EXEC_NATIVE_YES;
	autostrv char **names = binfmt_is_mounted(BINFMT_DIR) ? binfmt_list(BINFMT_DIR) : NULL;
	autostrv char **serving = enabled_entries_for(a, names);
	for (size_t i = 0; serving[i]; i++)
		if (strcmp(serving[i], ours) != 0)
			return true;
	return false;
}

/* Why a's target must not be registered on this host; NULL if it may.
 * *in_host_family: it may, although it is in the host's family. */
static const char *refusal(const struct debian_arch *a, const struct qemu_target *t,
			   const char *ours, char *buf, size_t len, bool *in_host_family)
{
	*in_host_family = false;
	const char *host = arch_host();
	const struct debian_arch *ha = host ? arch_lookup(host) : NULL;
	const struct qemu_target *ht = ha && ha->qemu ? qemu_target_lookup(ha->qemu) : NULL;
	if (ht && strcmp(ht->name, t->name) == 0) {
		snprintf(buf, len, "%s is the host's own architecture: the kernel runs its "
			 "programs itself", a->name);
		return buf;
	}
	if (ht && strcmp(ht->family, t->family) == 0) {
		if (!runs_natively(a, ours)) {
			*in_host_family = true;
		} else {
			snprintf(buf, len, "qemu-%s is in the host's own family (%s), whose "
				 "programs this kernel runs itself (as qemu-binfmt-conf.sh assumes)",
				 t->name, t->family);
			return buf;
		}
	}
	const char *own = matches_host_program(t);
	if (own) {
		snprintf(buf, len, "its magic matches the host's own %s: every native program "
			 "would be sent to the emulator (ELOOP)", own);
		return buf;
	}
	return NULL;
}

/* The entry's flags as the kernel shows them ("PF"), compared as sets. */
static bool same_flags(const char *shown, const char *wanted)
{
	for (const char *f = wanted; *f; f++)
		if (!strchr(shown, *f))
			return false;
	for (const char *f = shown; *f; f++)
		if (!strchr(wanted, *f))
			return false;
	return true;
}

static void note_other_entries(const struct debian_arch *a, const char *ours)
{
	autostrv char **names = binfmt_list(BINFMT_DIR);
	autostrv char **serving = enabled_entries_for(a, names);
	for (size_t i = 0; serving && serving[i]; i++)
		if (strcmp(serving[i], ours) != 0)
			log_info("note: %s also serves %s; %s, registered last, is the one used",
				 serving[i], a->name, ours);
}

/* Register (or keep) the entry for `a`'s qemu target.  Returns 0, or -1
 * with *err filled. */
static int register_one(const struct debian_arch *a, const char *emulator_path,
			struct mkfr_error *err)
{
	const struct qemu_target *t = qemu_target_lookup(a->qemu);
	char why[512], name[BINFMT_MAX_NAME + 1];
	if (!t)
		return mkfr_fail(err, 0, "%s: no binfmt_misc row for qemu target %s", a->name, a->qemu);
	snprintf(name, sizeof(name), "%s%s", BINFMT_PREFIX, t->name);
	bool in_host_family;
	if (refusal(a, t, name, why, sizeof(why), &in_host_family))
		return mkfr_fail(err, 0, "refusing to register %s: %s", a->name, why);

	char program[64];
	snprintf(program, sizeof(program), "qemu-%s-static", t->name);
	autofree char *found = spawn_find_program(program, emulator_path);
	if (!found)
		return mkfr_fail(err, 0, "%s: %s not found in %s: install the Debian package "
				 "qemu-user-static (or give --emulator-path DIRS)",
				 a->name, program, emulator_path);
	char interpreter[PATH_MAX];
	if (found[0] == '/')
		snprintf(interpreter, sizeof(interpreter), "%s", found);
	else if (!realpath(found, interpreter))
		return mkfr_fail(err, errno, "%s: cannot resolve %s", a->name, found);

	if (binfmt_exists(BINFMT_DIR, name)) {
		struct binfmt_info info;
		if (binfmt_read(BINFMT_DIR, name, &info, err) < 0)
			return -1;
		if (strcmp(info.interpreter, interpreter) == 0 &&
		    same_flags(info.flags, PERSISTENT_FLAGS) && info.enabled) {
			log_info("%s is already registered for %s (%s)", name, a->name, interpreter);
			return 0;
		}
		log_info("replacing %s (%s, flags %s, %s) with %s, flags %s", name, info.interpreter,
			 info.flags, info.enabled ? "enabled" : "disabled", interpreter,
			 PERSISTENT_FLAGS);
		if (binfmt_remove(BINFMT_DIR, name, err) < 0)
			return -1;
	}

	if (in_host_family)
		log_info("%s programs do not run natively on this kernel (32-bit emulation off?): "
			 "emulating them although qemu-%s is in the host's family", a->name, t->name);
	char line[BINFMT_MAX_LINE + 1];
	if (binfmt_build_line(line, sizeof(line), name, t, interpreter, PERSISTENT_FLAGS, err) < 0 ||
	    binfmt_register(BINFMT_DIR, line, err) < 0)
		return mkfr_error_prefix(err, "%s", name);

	struct exec_probe res;
	char check[512];
	if (probe(a, &res, err) < 0) {
		struct mkfr_error ignored;
		binfmt_remove(BINFMT_DIR, name, &ignored);
		return mkfr_error_prefix(err, "%s: cannot check it, removed it again", name);
	}
	if (!exec_probe_ok(&res, EXEC_PROBE_STATUS)) {
		struct mkfr_error ignored;
		describe_probe(&res, interpreter, check, sizeof(check));
		binfmt_remove(BINFMT_DIR, name, &ignored);
		return mkfr_fail(err, 0, "%s registered, but %s programs do not run through it (%s): "
				 "removed it again", name, a->name, check);
	}
	log_info("registered %s: %s programs run through %s (flags %s): works", name, a->name,
		 interpreter, PERSISTENT_FLAGS);
	note_other_entries(a, name);
	return 0;
}

static int binfmt_register_cmd(const struct debian_arch **requested, bool all,
			       const char *emulator_path)
{
	size_t n;
	const struct debian_arch *table = arch_table(&n);
	/* One entry per qemu target: armel and armhf share the "arm" row. */
	const char *done[64];
	size_t ndone = 0;
	int failed = 0;

	struct mkfr_error err = { 0 };
	bool mounted;
	if (binfmt_ensure_mounted(BINFMT_DIR, &mounted, &err) < 0) {
		log_error("%s", err.msg);
		return MKFR_EXIT_FAILURE;
	}
	if (mounted)
		log_info("mounted binfmt_misc on %s (entries live only while it stays mounted)",
			 BINFMT_DIR);

	for (size_t i = 0; all ? i < n : requested[i] != NULL; i++) {
		const struct debian_arch *a = all ? &table[i] : requested[i];
		if (!a->qemu || !tiny_elf_supported(a))
			continue;
		bool seen = false;
		for (size_t k = 0; k < ndone; k++)
			seen = seen || strcmp(done[k], a->qemu) == 0;
		if (seen) {
			log_info("%s shares the qemu-%s entry registered above", a->name, a->qemu);
			continue;
		}
		if (ndone < sizeof(done) / sizeof(done[0]))
			done[ndone++] = a->qemu;

		const struct qemu_target *t = qemu_target_lookup(a->qemu);
		char why[512], name[BINFMT_MAX_NAME + 1];
		snprintf(name, sizeof(name), "%s%s", BINFMT_PREFIX, a->qemu);
		bool in_host_family;
		if (all && t && refusal(a, t, name, why, sizeof(why), &in_host_family)) {
			log_info("skipped %s: %s", a->name, why);
			continue;
		}
		char program[64];
		snprintf(program, sizeof(program), "qemu-%s-static", a->qemu);
		autofree char *found = all ? spawn_find_program(program, emulator_path) : NULL;
		if (all && !found) {
			log_info("skipped %s: %s not found in %s", a->name, program, emulator_path);
			continue;
		}
		mkfr_error_clear(&err);
		if (register_one(a, emulator_path, &err) < 0) {
			log_error("%s", err.msg);
			failed = 1;
		}
	}
	return failed ? MKFR_EXIT_FAILURE : 0;
}

/* ---- unregister ---------------------------------------------------------- */

/* "mkforeignroot-<target>" or "mkforeignroot-<target>-<pid>": is <target>
 * one of the selected architectures' (all when none are selected)? */
static bool name_selected(const char *name, bool is_build, const struct debian_arch **requested)
{
	if (!requested[0])
		return true;
	const char *target = name + strlen(BINFMT_PREFIX);
	size_t tlen = is_build ? (size_t)(strrchr(target, '-') - target) : strlen(target);
	for (size_t i = 0; requested[i]; i++)
		if (strlen(requested[i]->qemu) == tlen && strncmp(requested[i]->qemu, target, tlen) == 0)
			return true;
	return false;
}

static int binfmt_unregister_cmd(const struct debian_arch **requested)
{
	if (!binfmt_is_mounted(BINFMT_DIR)) {
		log_info("binfmt_misc is not mounted at %s: no entries to remove", BINFMT_DIR);
		return 0;
	}
	autostrv char **names = binfmt_list(BINFMT_DIR);
	int removed = 0, failed = 0;
	for (size_t i = 0; names && names[i]; i++) {
		if (strncmp(names[i], BINFMT_PREFIX, strlen(BINFMT_PREFIX)) != 0)
			continue; /* not ours: never touched */
		pid_t pid = 0;
		bool is_build = binfmt_parse_build_name(names[i], &pid);
		if (!name_selected(names[i], is_build, requested))
			continue;
		if (is_build && stale_pid_alive(pid)) {
			log_info("kept %s: it belongs to the running build (pid %ld)", names[i],
				 (long)pid);
			continue;
		}
		struct mkfr_error err = { 0 };
		if (binfmt_remove(BINFMT_DIR, names[i], &err) < 0) {
			log_error("%s", err.msg);
			failed = 1;
			continue;
		}
		removed++;
		if (is_build)
			log_info("removed %s, left by a build that is no longer running (pid %ld)",
				 names[i], (long)pid);
		else
			log_info("removed %s", names[i]);
	}
	if (!removed && !failed)
		log_info("no entries of ours to remove");
	return failed ? MKFR_EXIT_FAILURE : 0;
}

/* ---- command line -------------------------------------------------------- */

int cmd_binfmt(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "emulator-path", required_argument, NULL, 'e' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc < 2) {
		usage(stderr);
		return MKFR_EXIT_USAGE;
	}
	const char *action = argv[1];
	if (strcmp(action, "-h") == 0 || strcmp(action, "--help") == 0) {
		usage(stdout);
		return 0;
	}
	bool is_status = strcmp(action, "status") == 0;
	bool is_register = strcmp(action, "register") == 0;
	bool is_unregister = strcmp(action, "unregister") == 0;
	if (!is_status && !is_register && !is_unregister) {
		log_error("binfmt: unknown action '%s' (status, register or unregister)", action);
		return MKFR_EXIT_USAGE;
	}

	const char *emulator_path = EMULATOR_PATH_DEFAULT;
	bool all = false, path_given = false, json = false;
	int c;
	optind = 1;
	/* argv + 1: the action is getopt's argv[0]. */
	while ((c = getopt_long(argc - 1, argv + 1, "e:ajh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			emulator_path = optarg;
			path_given = true;
			break;
		case 'a':
			all = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return MKFR_EXIT_USAGE;
		}
	}
	if (!is_register && (all || path_given)) {
		log_error("binfmt %s: --all and --emulator-path belong to register", action);
		return MKFR_EXIT_USAGE;
	}
	if (!is_status && json) {
		log_error("binfmt %s: --json belongs to status", action);
		return MKFR_EXIT_USAGE;
	}
	int nargs = argc - 1 - optind;
	char **args = argv + 1 + optind;
	if (is_register && all == (nargs > 0)) {
		log_error(all ? "binfmt register: give either ARCH... or --all, not both"
			      : "binfmt register: name the architectures (or --all)");
		return MKFR_EXIT_USAGE;
	}

	autofree const struct debian_arch **requested = NULL;
	struct mkfr_error err = { 0 };
	if (parse_arches(args, nargs, &requested, &err) < 0) {
		log_error("binfmt %s: %s", action, err.msg);
		return err.exit_code;
	}
	if (is_status)
		return binfmt_status(requested, json);
	if (is_register)
		return binfmt_register_cmd(requested, all, emulator_path);
	return binfmt_unregister_cmd(requested);
}
