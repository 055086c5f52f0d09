/* SPDX-License-Identifier: MIT */
/* run: everything happens in a private mount namespace of this process, so
 * every mount (the tmpfs holding the staged emulator, /proc, /sys, /dev,
 * resolv.conf, --bind directories) disappears when we exit, however we
 * exit.  The rootfs itself is not written (but for a missing --bind mount
 * point, made when asked for): the emulator is staged on a tmpfs mounted
 * over its /run (empty at run time on Debian, as under systemd), and a
 * global binfmt entry, if that mode is chosen, is removed before we return.
 *
 * The session inside looks like a login on the image: its own host name
 * (a UTS namespace named from the image's /etc/hostname), a user of the
 * image (--user: ids, groups, HOME, USER, LOGNAME, SHELL from its
 * /etc/passwd and /etc/group), and at a terminal a terminal of its own
 * (sys/pty_relay.h).  Off a terminal stdio is the command's, byte for
 * byte, as before.
 *
 * Not root, run enters a rootfs a rootless build of the same user made
 * (sys/rootless.h) with that build's mapping, so inside it looks
 * root-owned as it did to the build; any other rootfs is refused.
 *
 * Exit status, as chroot(1) and env(1) do it: the command's own status;
 * 125 if run itself failed; 126/127 if the command could not be started. */
#include "cache/layout.h"
#include "cli/commands.h"
#include "emu/emulation.h"
#include "emu/target_exec.h"
#include "pipeline/host_check.h"
#include "profile/apt_sources.h"
#include "sys/chroot_mounts.h"
#include "sys/image_identity.h"
#include "sys/rootfs_fs.h"
#include "sys/rootless.h"
#include "sys/signals.h"
#include "sys/spawn.h"
#include "util/alloc.h"
#include "util/arch.h"
#include "util/cleanup.h"
#include "util/hostname.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define RUN_FAILED 125
#define RUN_STAGE_DIR "/run/mkforeignroot"
/* The host name of an image that names none (no or an empty /etc/hostname). */
#define RUN_DEFAULT_HOSTNAME "localhost"

static void run_usage(FILE *f)
{
	fputs("Usage: mkforeignroot run [options] ROOTFS [--] [COMMAND [ARG...]]\n"
	      "\n"
	      "Run COMMAND (default: a login shell) inside the foreign rootfs ROOTFS under\n"
	      "emulation, with /proc, /sys, /dev and the host's resolv.conf; everything is\n"
	      "torn down afterwards.  Exits with COMMAND's status (125: run itself failed).\n"
	      "\n"
	      "Options:\n"
	      "  --qemu MODE            static (default), fix-binary or dynamic\n"
	      "  --binfmt MODE          auto (default), private or global\n"
	      "  --emulator-path DIRS   where to look for the emulator [" EMULATOR_PATH_DEFAULT "]\n"
	      "  --emulator-source SRC  auto (default: the host's, else the mirror's), host or mirror\n"
	      "  --mirror URL           Debian mirror for the emulator [the host's apt sources]\n"
	      "  --suite SUITE          suite whose qemu-user-static is taken [the host's release]\n"
	      "  --cache-dir DIR        where the fetched emulator is kept [$MKFR_CACHE_DIR, else the\n"
	      "                         system cache directory]\n"
	      "  --arch ARCH            the rootfs's Debian architecture (default: detected)\n"
	      "  --bind HOST[:GUEST[:ro]]  bind the host directory HOST at GUEST (default: the\n"
	      "                         same path; made if missing; ro: read-only); repeatable\n"
	      "  --user NAME|UID        run as this user of the image (its /etc/passwd, /etc/group)\n"
	      "  --hostname NAME        the host name inside [the image's /etc/hostname]\n"
	      "  --setenv KEY=VALUE     set a variable for COMMAND; repeatable\n"
	      "  --chdir DIR            start COMMAND in DIR [/, or the --user's home]\n"
	      "  -q, --quiet            only errors\n"
	      "  -v, --verbose          say how the emulator is provided\n"
	      "  -h, --help             this text\n",
	      f);
}

struct run_options {
	const char *qemu, *binfmt, *emulator_path, *arch;
	const char *emulator_source, *mirror, *suite, *cache_dir;
	const char *user, *hostname, *chdir;
	char **binds, **setenv; /* as given, in order */
	const char *root;
	char **command;
};

static int parse_run_args(int argc, char **argv, struct run_options *ro)
{
	static const struct option longopts[] = {
		{ "qemu", required_argument, NULL, 'Q' },
		{ "binfmt", required_argument, NULL, 'B' },
		{ "emulator-path", required_argument, NULL, 'E' },
		{ "arch", required_argument, NULL, 'A' },
		{ "emulator-source", required_argument, NULL, 'S' },
		{ "mirror", required_argument, NULL, 'M' },
		{ "suite", required_argument, NULL, 'U' },
		{ "cache-dir", required_argument, NULL, 'C' },
		{ "bind", required_argument, NULL, 'b' },
		{ "user", required_argument, NULL, 'u' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "setenv", required_argument, NULL, 'e' },
		{ "chdir", required_argument, NULL, 'D' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*ro = (struct run_options){ .qemu = "static", .binfmt = "auto",
				    .emulator_path = EMULATOR_PATH_DEFAULT, .emulator_source = "auto",
				    .cache_dir = cache_default_dir() };
	int c;
	/* "+": stop at ROOTFS, so the command's own options stay its own. */
	while ((c = getopt_long(argc, argv, "+qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'Q': ro->qemu = optarg; break;
		case 'B': ro->binfmt = optarg; break;
		case 'E': ro->emulator_path = optarg; break;
		case 'A': ro->arch = optarg; break;
		case 'S': ro->emulator_source = optarg; break;
		case 'M': ro->mirror = optarg; break;
		case 'U': ro->suite = optarg; break;
		case 'C': ro->cache_dir = optarg; break;
		case 'b': strv_push(&ro->binds, optarg); break;
		case 'u': ro->user = optarg; break;
		case 'H': ro->hostname = optarg; break;
		case 'e': strv_push(&ro->setenv, optarg); break;
		case 'D': ro->chdir = optarg; break;
		case 'q': log_set_level(LOG_QUIET); break;
		case 'v': log_set_level(LOG_VERBOSE); break;
		case 'h': run_usage(stdout); return 1;
		default: run_usage(stderr); return -1;
		}
	}
	if (optind >= argc) {
		log_error("run: ROOTFS is missing: name a rootfs directory");
		return -1;
	}
	ro->root = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	ro->command = argv + optind;
	return 0;
}

/* A login shell of the rootfs: the --user's own (passwd's), else bash if
 * it has one. */
static char **default_command(const char *root, const char *user_shell)
{
	struct mkfr_error err;
	autoclose int rootfd = rootfs_open(root, &err);
	autoclose int bash = rootfd >= 0 ? rootfs_open_read(rootfd, "/bin/bash") : -1;
	char **argv = strv_new();
	strv_push(&argv, user_shell && *user_shell ? user_shell : bash >= 0 ? "/bin/bash" : "/bin/sh");
	strv_push(&argv, "-l");
	return argv;
}

/* What the session inside is made of, beyond the emulation. */
struct run_session {
	struct chroot_bind *binds;
	size_t n_binds;
	struct image_user user;
	struct spawn_ids ids;
	bool as_user;
	char *hostname;
	const char *cwd;  /* NULL: "/" */
	char **env;
};

static void run_session_free(struct run_session *s)
{
	for (size_t i = 0; i < s->n_binds; i++)
		chroot_bind_free(&s->binds[i]);
	free(s->binds);
	image_user_free(&s->user);
	free(s->hostname);
	strv_free(s->env);
	*s = (struct run_session){ 0 };
}

/* HOST[:GUEST[:ro]]; GUEST defaults to HOST's absolute path.  A path with
 * a colon cannot be named. */
static int parse_bind(const char *spec, struct chroot_bind *b, struct mkfr_error *err)
{
	autostrv char **part = strv_new();
	for (const char *p = spec;;) {
		size_t n = strcspn(p, ":");
		autofree char *one = xstrndup(p, n);
		strv_push(&part, one);
		if (!p[n])
			break;
		p += n + 1;
	}
	size_t n = strv_length(part);
	if (n > 3 || !*part[0] || (n >= 2 && part[1][0] != '/') || (n == 3 && strcmp(part[2], "ro") != 0))
		return mkfr_fail(err, 0, "run: --bind '%s': not HOST[:GUEST[:ro]] (GUEST an absolute "
				 "path inside the rootfs)", spec);
	char real[PATH_MAX];
	if (!realpath(part[0], real))
		return mkfr_fail(err, errno, "run: --bind '%s': %s", spec, part[0]);
	b->host = xstrdup(real);
	b->guest = xstrdup(n >= 2 ? part[1] : real);
	b->read_only = n == 3;
	return 0;
}

static int parse_binds(const struct run_options *ro, struct run_session *s, struct mkfr_error *err)
{
	size_t n = strv_length(ro->binds);
	s->binds = xcalloc(n ? n : 1, sizeof(*s->binds));
	for (size_t i = 0; i < n; i++)
		if (parse_bind(ro->binds[i], &s->binds[s->n_binds++], err) < 0)
			return -1;
	return 0;
}

/* Where each bind goes inside the rootfs, mount points made: after start(),
 * so that one below /run is made on our tmpfs there. */
static int prepare_binds(const char *root, struct run_session *s, struct mkfr_error *err)
{
	for (size_t i = 0; i < s->n_binds; i++)
		if (chroot_bind_prepare(root, &s->binds[i], err) < 0)
			return mkfr_error_prefix(err, "run");
	return 0;
}

/* The image's name for itself, or the one asked for. */
static int choose_hostname(const struct run_options *ro, int rootfd, struct run_session *s,
			   struct mkfr_error *err)
{
	if (ro->hostname) {
		if (!hostname_valid(ro->hostname))
			return mkfr_fail(err, 0, "run: --hostname '%s': not a host name (labels of "
					 "letters, digits and '-', joined by dots, 64 characters at most)",
					 ro->hostname);
		s->hostname = xstrdup(ro->hostname);
		return 0;
	}
	s->hostname = image_hostname(rootfd);
	if (s->hostname && !hostname_valid(s->hostname)) {
		log_warn("run: the rootfs's /etc/hostname does not hold a host name; using %s",
			 RUN_DEFAULT_HOSTNAME);
		free(s->hostname);
		s->hostname = NULL;
	}
	if (!s->hostname)
		s->hostname = xstrdup(RUN_DEFAULT_HOSTNAME);
	return 0;
}

/* KEY=VALUE with KEY a shell variable name: anything else would be a
 * variable no program can read. */
static bool is_assignment(const char *s)
{
	if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return false;
	for (s++; *s != '='; s++)
		if (!*s || !(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
			     (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

/* Everything of the session that can be refused, before anything starts
 * (no emulator staged, no entry registered). */
static int prepare_session(const struct run_options *ro, const char *root, struct run_session *s,
			   struct mkfr_error *err)
{
	autoclose int rootfd = rootfs_open(root, err);
	if (rootfd < 0 || parse_binds(ro, s, err) < 0 || choose_hostname(ro, rootfd, s, err) < 0)
		return -1;
	s->env = strv_new();
	if (getenv("TERM"))
		strv_pushf(&s->env, "TERM=%s", getenv("TERM"));
	if (ro->user) {
		if (image_user_lookup(rootfd, ro->user, &s->user, err) < 0)
			return mkfr_error_prefix(err, "run: --user");
		s->as_user = true;
		s->ids = (struct spawn_ids){ .uid = s->user.uid, .gid = s->user.gid,
					     .groups = s->user.groups, .n_groups = s->user.n_groups };
		strv_pushf(&s->env, "HOME=%s", *s->user.home ? s->user.home : "/");
		strv_pushf(&s->env, "USER=%s", s->user.name);
		strv_pushf(&s->env, "LOGNAME=%s", s->user.name);
		strv_pushf(&s->env, "SHELL=%s", *s->user.shell ? s->user.shell : "/bin/sh");
	}
	for (size_t i = 0; ro->setenv && ro->setenv[i]; i++) {
		if (!is_assignment(ro->setenv[i]))
			return mkfr_fail(err, 0, "run: --setenv '%s': not KEY=VALUE (KEY: letters, "
					 "digits and _, not starting with a digit)", ro->setenv[i]);
		strv_push(&s->env, ro->setenv[i]);
	}
	if (ro->chdir) {
		autofree char *dir = ro->chdir[0] == '/' ? rootfs_resolve_dir(rootfd, ro->chdir) : NULL;
		if (!dir)
			return mkfr_fail(err, 0, "run: --chdir '%s': not an absolute path of a "
					 "directory in the rootfs", ro->chdir);
		s->cwd = ro->chdir;
	} else if (s->as_user && *s->user.home) {
		/* A login starts at home, where there is one. */
		autofree char *home = rootfs_resolve_dir(rootfd, s->user.home);
		if (home)
			s->cwd = s->user.home;
	}
	return 0;
}

/* emulator_source=mirror|auto: the mirror and suite whose qemu-user-static
 * we may take; by default the host's own (apt sources, os-release). */
static struct emulator_request run_mirror;
static char *run_mirror_url, *run_suite;

static char *host_codename(void)
{
	autofclose FILE *f = fopen("/etc/os-release", "re");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VERSION_CODENAME=", 17) == 0) {
			line[strcspn(line, "\"\n")] = '\0';
			char *v = line + 17 + (line[17] == '"');
			if (*v)
				return xstrdup(v);
		}
	return xstrdup("bookworm");
}

static int configure_mirror(const struct run_options *ro, struct mkfr_error *err)
{
	run_mirror_url = ro->mirror ? xstrdup(ro->mirror) : apt_sources_debian_mirror("/etc/apt", err);
	if (!run_mirror_url)
		return -1;
	run_suite = ro->suite ? xstrdup(ro->suite) : host_codename();
	run_mirror = (struct emulator_request){
		.mirror = run_mirror_url,
		.suite = run_suite,
		.keyring = "/usr/share/keyrings/debian-archive-keyring.gpg",
		.check_valid_until = true,
		.cache_dir = ro->cache_dir,
	};
	return 0;
}

static int configure(const struct run_options *ro, struct emulation *e, const char **probe,
		     struct mkfr_error *err)
{
	char real[PATH_MAX];
	if (!realpath(ro->root, real))
		return mkfr_fail(err, errno, "run: cannot open the rootfs %s", ro->root);
	e->root = xstrdup(real);
	*probe = target_exec_probe_path(real);
	if (!*probe)
		return mkfr_fail(err, ENOENT, "run: %s does not look like a Debian rootfs (no /usr/bin/true)",
				 real);
	if (ro->arch) {
		e->arch = arch_lookup(ro->arch);
		if (!e->arch)
			return mkfr_fail(err, EINVAL, "run: --arch: unknown architecture '%s' "
					 "(`mkforeignroot arches` lists them)", ro->arch);
	} else {
		unsigned char hdr[64];
		int n = target_exec_read_header(real, *probe, hdr, sizeof(hdr));
		e->arch = n > 0 ? arch_from_elf_header(hdr, (size_t)n) : NULL;
		if (!e->arch)
			return mkfr_fail(err, 0, "run: cannot tell the architecture of %s%s: give --arch",
					 real, *probe);
	}
	e->qemu = e->arch->qemu ? qemu_target_lookup(e->arch->qemu) : NULL;
	if (emulation_parse_qemu(ro->qemu, &e->mode) < 0)
		return mkfr_fail(err, EINVAL, "run: --qemu: '%s' is not static, fix-binary or dynamic", ro->qemu);
	if (emulation_parse_binfmt(ro->binfmt, &e->binfmt) < 0)
		return mkfr_fail(err, EINVAL, "run: --binfmt: '%s' is not auto, private or global", ro->binfmt);
	bool from_host = strcmp(ro->emulator_source, "mirror") != 0;
	if (strcmp(ro->emulator_source, "auto") != 0 && strcmp(ro->emulator_source, "host") != 0 &&
	    strcmp(ro->emulator_source, "mirror") != 0)
		return mkfr_fail(err, EINVAL, "run: --emulator-source: '%s' is not auto, host or mirror",
				 ro->emulator_source);
	if (e->qemu && from_host) {
		autofree char *prog = emulation_emulator_program(e->qemu, e->mode);
		e->emulator = spawn_find_program(prog, ro->emulator_path);
	}
	if (!from_host) {
		if (configure_mirror(ro, err) < 0)
			return -1;
		e->mirror = &run_mirror;
	} else if (strcmp(ro->emulator_source, "auto") == 0) {
		/* A fallback only: a host without a Debian mirror in its apt
		 * sources can still use its own emulator. */
		struct mkfr_error ignored;
		if (configure_mirror(ro, &ignored) == 0)
			e->mirror = &run_mirror;
	}
	e->stage_dir = xstrdup(RUN_STAGE_DIR);
	return 0;
}

/* The staging area: a tmpfs over the rootfs's /run, in our own mount
 * namespace only. */
static int mount_stage_tmpfs(const char *root, struct mkfr_error *err)
{
	autofree char *run = NULL;
	run = xasprintf("%s/run", root);
	struct stat st;
	if (lstat(run, &st) < 0 || !S_ISDIR(st.st_mode))
		return mkfr_fail(err, ENOTDIR, "run: %s has no /run directory to stage the emulator in "
				 "(use --qemu fix-binary, which needs nothing inside the rootfs)", root);
	if (mount("mkforeignroot", run, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return mkfr_fail(err, errno, "run: cannot mount a tmpfs on %s", run);
	return 0;
}

/* Not root: enter the rootfs's own mapping (sys/rootless.h), after
 * checking everything that can be checked as the user.  Its owners on disk
 * are this user (ids 0) and its subordinate ids: a rootfs of anyone else's
 * would look owned by nobody (65534) in there. */
static int go_rootless(const struct run_options *ro, struct emulation *e, struct rootless *r,
		       struct mkfr_error *err)
{
	if (rootless_prepare(r, err) < 0)
		return mkfr_error_prefix(err, "run");
	struct stat st;
	if (stat(e->root, &st) < 0)
		return mkfr_fail(err, errno, "run: %s", e->root);
	if (st.st_uid != r->uid)
		return mkfr_fail(err, 0, "run: %s is owned by uid %u, not by you (uid %u): without root, "
				 "run enters only a rootfs you built without root; run it as root",
				 e->root, (unsigned)st.st_uid, (unsigned)r->uid);
	if (emulation_choose_rootless_binfmt(e, ro->binfmt, err) < 0)
		return mkfr_error_prefix(err, "run: --binfmt %s", ro->binfmt);
	return rootless_enter(r, err) < 0 ? mkfr_error_prefix(err, "run") : 0;
}

static int start(struct emulation *e, const char *probe, struct mkfr_error *err)
{
	if (host_check_root(err) < 0)
		return -1;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return mkfr_fail(err, errno, "run: cannot create a private mount namespace");
	if (e->mode != QEMU_MODE_FIX_BINARY && mount_stage_tmpfs(e->root, err) < 0)
		return -1;
	if (emulation_setup(e, probe, err) < 0)
		return -1;
	char what[512];
	emulation_describe(e, what, sizeof(what));
	log_verbose("run: %s", what);
	return 0;
}

/* Everything cmd_run set up, undone and freed, on success and failure
 * alike: the binfmt entry first, then the memory. */
static void run_teardown(struct run_options *ro, struct emulation *e, struct rootless *ids,
			 struct run_session *s)
{
	emulation_unregister(e);
	emulation_free(e);
	rootless_free(ids);
	run_session_free(s);
	strv_free(ro->binds);
	strv_free(ro->setenv);
	free(run_mirror_url);
	free(run_suite);
	run_mirror_url = run_suite = NULL;
}

int cmd_run(int argc, char **argv)
{
	struct run_options ro;
	int r = parse_run_args(argc, argv, &ro);
	if (r != 0)
		return r > 0 ? 0 : RUN_FAILED;

	struct emulation e = { 0 };
	struct run_session s = { 0 };
	struct rootless ids = { 0 };
	struct mkfr_error err = { 0 };
	const char *probe = NULL;
	signals_install();
	if (configure(&ro, &e, &probe, &err) < 0 || prepare_session(&ro, e.root, &s, &err) < 0 ||
	    (rootless_needed() && go_rootless(&ro, &e, &ids, &err) < 0) ||
	    start(&e, probe, &err) < 0 || prepare_binds(e.root, &s, &err) < 0) {
		run_teardown(&ro, &e, &ids, &s);
		log_error("%s", err.msg);
		return RUN_FAILED;
	}

	autostrv char **fallback = ro.command[0] ? NULL
				   : default_command(e.root, s.as_user ? s.user.shell : NULL);
	struct chroot_mounts mounts = { .root = e.root, .proc_sys = true, .dev = true,
					.resolv_conf = true, .binds = s.binds, .n_binds = s.n_binds };
	struct spawn_opts o = {
		.argv = fallback ? fallback : ro.command,
		.env_extra = s.env,
		.chroot_dir = e.root,
		.cwd = s.cwd,
		.setup = chroot_mounts_setup,
		.setup_data = &mounts,
		.passthrough = true,
		/* A terminal both ways: a session at the keyboard.  Anything
		 * else (a pipe, a file) stays exactly what it is. */
		.console = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO),
		.hostname = s.hostname,
		.ids = s.as_user ? &s.ids : NULL,
		.log_fd = -1,
	};
	emulation_spawn_opts(&e, &o);
	struct spawn_result res;
	r = spawn_run(&o, &res, &err);
	run_teardown(&ro, &e, &ids, &s);
	if (r < 0) {
		log_error("%s", err.msg);
		return signals_pending() ? 128 + signals_pending() : RUN_FAILED;
	}
	return res.status;
}
