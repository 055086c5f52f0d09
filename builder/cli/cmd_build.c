/* SPDX-License-Identifier: MIT */
/* `mkforeignroot [build] --profile NAME [options] OUT`: the build itself,
 * the pipeline of pipeline/pipeline.h. */
#include "cli/commands.h"
#include "pipeline/pipeline.h"
#include "profile/profile.h"
#include "sys/signals.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/number.h"
#include "util/progress.h"
#include "util/strv.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fputs("Usage: mkforeignroot [build] --profile NAME [options] OUT\n"
	      "       mkforeignroot profiles     list the shipped profiles\n"
	      "       mkforeignroot keys         list the profile keys\n"
	      "       mkforeignroot arches       list the architectures and their emulators\n"
	      "       mkforeignroot run ROOTFS [--] [COMMAND...]\n"
	      "                                  run a command inside a foreign rootfs\n"
	      "       mkforeignroot binfmt status|register|unregister [ARCH...]\n"
	      "                                  show, add or remove binfmt_misc entries\n"
	      "       mkforeignroot cache list|prune [--unused-for DAYS | --all]\n"
	      "                                  show or trim the cache (base snapshots, .debs)\n"
	      "       mkforeignroot oci-index OUT IMAGE...\n"
	      "                                  one multi-platform OCI layout of several\n"
	      "\n"
	      "Build a Debian root filesystem for a foreign architecture into the new\n"
	      "directory OUT, or the tarball, filesystem image or OCI image OUT\n"
	      "(debootstrap + qemu-user).  Run by a user other than root, it builds without\n"
	      "root, as root of a user namespace mapped from /etc/subuid and /etc/subgid.\n"
	      "\n"
	      "Options:\n"
	      "  -p, --profile NAME     shipped profile name or path to a profile file\n"
	      "  -s, --set KEY=VALUE    override a profile key (repeatable)\n"
	      "  -n, --dry-run          check everything, print the plan and commands, stop\n"
	      "  -l, --log FILE         write the full output of debootstrap and hooks to FILE\n"
	      "  -q, --quiet            only errors\n"
	      "  -v, --verbose          also every line debootstrap prints\n"
	      "      --binfmt MODE      auto, private or global (same as --set binfmt=MODE)\n"
	      "      --qemu MODE        static, fix-binary or dynamic (same as --set qemu=MODE)\n"
	      "      --cache-dir DIR    downloads kept here (same as --set cache_dir=DIR)\n"
	      "      --format FORMAT    dir, tar, tar.gz, tar.xz, tar.zst, ext4, squashfs, erofs, oci\n"
	      "                         or oci.tar (same as --set format=...); default: from OUT's name\n"
	      "      --sbom LIST        spdx, cyclonedx or both (comma-separated): SBOMs next to OUT\n"
	      "                         (same as --set sbom=LIST)\n"
	      "      --offline          build from the cache only; never contact the mirror\n"
	      "      --no-base-cache    run both debootstrap stages even if the base is cached\n"
	      "                         (same as --set base_cache=no)\n"
	      "      --no-check-gpg     do not check the Release signature (loud warning)\n"
	      "      --manifest FILE    write the JSON manifest there (default OUT.manifest.json;\n"
	      "                         `no`: none; same as --set manifest=FILE)\n"
	      "      --stop-after STAGE run up to STAGE, then undo it all (benchmarks)\n"
	      "      --hook-dir DIR     run DIR's executables named PHASE* at each phase (repeatable)\n"
	      "      --setup-hook CMD, --extract-hook CMD, --essential-hook CMD,\n"
	      "      --customize-hook CMD, --cleanup-hook CMD\n"
	      "                         at that phase run /bin/sh -c CMD sh ROOTFS, or a built-in:\n"
	      "                         copy-in HOSTPATH PATH, copy-out PATH HOSTPATH,\n"
	      "                         append PATH LINE, enable-unit UNIT (repeatable)\n"
	      "      --progress=json    progress as one JSON object a line (stage, event, package,\n"
	      "                         done/total, bytes, elapsed) on stderr, for pipelines\n"
	      "      --progress-fd N    write those lines to descriptor N instead (open for us)\n"
	      "  -h, --help             this text\n"
	      "  -V, --version          version\n"
	      "\n"
	      "Exit status: 0 done; 1 the build started and failed; 2 refused before\n"
	      "anything was built (a bad command line or profile, what a build without\n"
	      "root needs, a missing tool, OUT's directory missing, a suite, component or\n"
	      "package the mirror does not have); 128+N interrupted by signal N.\n"
	      "See mkforeignroot(1).\n",
	      f);
}

/* Options that stand for one profile key (`--format F` is `--set
 * format=F`): checked here, so that a bad value is reported against the
 * option the user typed, not a --set they never wrote. */
static const struct {
	int opt;
	const char *name;
	const char *key;
} key_options[] = {
	{ 'B', "--binfmt", "binfmt" },	   { 'C', "--cache-dir", "cache_dir" },
	{ 'Q', "--qemu", "qemu" },	   { 'M', "--manifest", "manifest" },
	{ 'F', "--format", "format" },	   { 'X', "--sbom", "sbom" },
};

static int push_key_option(int opt, const char *value, char ***sets)
{
	for (size_t i = 0; i < sizeof(key_options) / sizeof(key_options[0]); i++) {
		if (key_options[i].opt != opt)
			continue;
		const char *why = NULL;
		if (!profile_value_valid(profile_key_find(key_options[i].key), value, &why)) {
			log_error("%s: bad value '%s': %s", key_options[i].name, value, why);
			return -1;
		}
		strv_pushf(sets, "%s=%s", key_options[i].key, value);
		return 0;
	}
	abort(); /* an option of the table below without a row above */
}

/* Options without a short form, beyond every character. */
enum { OPT_HOOK_DIR = 256, OPT_PHASE_HOOK };

static void free_phase_hooks(char **(*hooks)[HOOK_PHASES])
{
	for (int i = 0; i < HOOK_PHASES; i++)
		strv_free((*hooks)[i]);
}

int cmd_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "set", required_argument, NULL, 's' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "log", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "binfmt", required_argument, NULL, 'B' },
		{ "offline", no_argument, NULL, 'O' },
		{ "no-check-gpg", no_argument, NULL, 'G' },
		{ "cache-dir", required_argument, NULL, 'C' },
		{ "stop-after", required_argument, NULL, 'S' },
		{ "qemu", required_argument, NULL, 'Q' },
		{ "manifest", required_argument, NULL, 'M' },
		{ "format", required_argument, NULL, 'F' },
		{ "no-base-cache", no_argument, NULL, 'N' },
		{ "sbom", required_argument, NULL, 'X' },
		{ "progress", required_argument, NULL, 'P' },
		{ "progress-fd", required_argument, NULL, 'D' },
		{ "hook-dir", required_argument, NULL, OPT_HOOK_DIR },
		{ "setup-hook", required_argument, NULL, OPT_PHASE_HOOK + HOOK_SETUP },
		{ "extract-hook", required_argument, NULL, OPT_PHASE_HOOK + HOOK_EXTRACT },
		{ "essential-hook", required_argument, NULL, OPT_PHASE_HOOK + HOOK_ESSENTIAL },
		{ "customize-hook", required_argument, NULL, OPT_PHASE_HOOK + HOOK_CUSTOMIZE },
		{ "cleanup-hook", required_argument, NULL, OPT_PHASE_HOOK + HOOK_CLEANUP },
		{ NULL, 0, NULL, 0 },
	};
	struct build_options opts = { 0 };
	autostrv char **sets = strv_new();
	autostrv char **hook_dirs = strv_new();
	__attribute__((cleanup(free_phase_hooks))) char **phase_hooks[HOOK_PHASES] = { NULL };
	bool progress_json = false;
	const char *progress_fd = NULL;
	int c;

	opts.hook_dirs = hook_dirs;
	while ((c = getopt_long(argc, argv, "p:s:nl:qvhV", longopts, NULL)) != -1) {
		if (c >= OPT_PHASE_HOOK && c < OPT_PHASE_HOOK + HOOK_PHASES) {
			strv_push(&phase_hooks[c - OPT_PHASE_HOOK], optarg);
			opts.phase_hooks[c - OPT_PHASE_HOOK] = phase_hooks[c - OPT_PHASE_HOOK];
			continue;
		}
		switch (c) {
		case OPT_HOOK_DIR:
			strv_push(&hook_dirs, optarg);
			opts.hook_dirs = hook_dirs;
			break;
		case 'p':
			opts.profile_name = optarg;
			break;
		case 's':
			strv_push(&sets, optarg);
			break;
		case 'B':
		case 'C':
		case 'Q':
		case 'M':
		case 'F':
		case 'X':
			if (push_key_option(c, optarg, &sets) < 0)
				return MKFR_EXIT_USAGE;
			break;
		case 'O':
			opts.offline = true;
			break;
		case 'S':
			if (!pipeline_has_stage(optarg)) {
				log_error("--stop-after: no stage '%s' (%s)", optarg, pipeline_stage_names());
				return MKFR_EXIT_USAGE;
			}
			opts.stop_after = optarg;
			break;
		case 'G':
			opts.no_check_gpg = true;
			break;
		case 'P':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				log_error("--progress: bad value '%s': must be one of: text json", optarg);
				return MKFR_EXIT_USAGE;
			}
			progress_json = strcmp(optarg, "json") == 0;
			break;
		case 'D':
			progress_fd = optarg;
			break;
		case 'N':
			strv_push(&sets, "base_cache=no");
			break;
		case 'n':
			opts.dry_run = true;
			break;
		case 'l':
			opts.log_path = optarg;
			break;
		case 'q':
			log_set_level(LOG_QUIET);
			break;
		case 'v':
			log_set_level(LOG_VERBOSE);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mkforeignroot %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return MKFR_EXIT_USAGE;
		}
	}
	if (!opts.profile_name) {
		log_error("--profile NAME is required (`mkforeignroot profiles` lists them)");
		return MKFR_EXIT_USAGE;
	}
	if (optind != argc - 1) {
		log_error(optind == argc ? "OUT is missing: name the directory to create"
					 : "only one OUT directory can be given");
		return MKFR_EXIT_USAGE;
	}
	/* Options before a command word make a build of OUT: `mkforeignroot
	 * -v profiles` would build into ./profiles. */
	if (strcmp(argv[0], "build") != 0 && command_is_known(argv[optind])) {
		log_error("'%s' is a command, and a command comes first (`mkforeignroot %s ...`); "
			  "to build into a directory of that name, write ./%s", argv[optind],
			  argv[optind], argv[optind]);
		return MKFR_EXIT_USAGE;
	}
	opts.out = argv[optind];
	opts.sets = sets;
	if (progress_fd && !progress_json) {
		log_error("--progress-fd: only with --progress=json");
		return MKFR_EXIT_USAGE;
	}
	if (progress_json) {
		uint64_t fd = STDERR_FILENO;
		if (progress_fd && (!parse_u64(progress_fd, 1024 * 1024, &fd) ||
				    fcntl((int)fd, F_GETFL) < 0 || (fcntl((int)fd, F_GETFL) & O_ACCMODE) == O_RDONLY)) {
			log_error("--progress-fd: '%s' is not a descriptor open for writing (open it for us: "
				  "`3>progress.jsonl --progress-fd 3`)", progress_fd);
			return MKFR_EXIT_USAGE;
		}
		progress_json_start((int)fd);
	}

	struct mkfr_error err = { 0 };
	struct build b;
	build_init(&b, &opts);
	if (profile_load(opts.profile_name, sets, &b.profile, &err) < 0) {
		log_error("%s", err.msg);
		return err.exit_code;
	}
	signals_install();
	int r = pipeline_run(&b, &err);
	build_free(&b);
	if (r < 0) {
		log_error("%s", err.msg);
		return err.exit_code ? err.exit_code : MKFR_EXIT_FAILURE;
	}
	return 0;
}

