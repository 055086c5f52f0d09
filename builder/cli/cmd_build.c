/* `mkforeignroot [build] --profile NAME [options] OUT`: the build itself,
 * the pipeline of pipeline/pipeline.h. */
#include "cli/commands.h"
#include "pipeline/pipeline.h"
#include "profile/profile.h"
#include "sys/signals.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

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
	      "  -h, --help             this text\n"
	      "  -V, --version          version\n"
	      "\n"
	      "Exit status: 0 done, 1 build failed, 2 bad command line or profile,\n"
	      "128+N interrupted by signal N.  See mkforeignroot(1).\n",
	      f);
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
		{ NULL, 0, NULL, 0 },
	};
	struct build_options opts = { 0 };
	autostrv char **sets = strv_new();
	int c;

	while ((c = getopt_long(argc, argv, "p:s:nl:qvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			opts.profile_name = optarg;
			break;
		case 's':
			strv_push(&sets, optarg);
			break;
		case 'B':
			strv_pushf(&sets, "binfmt=%s", optarg);
			break;
		case 'C':
			strv_pushf(&sets, "cache_dir=%s", optarg);
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
		case 'Q':
			strv_pushf(&sets, "qemu=%s", optarg);
			break;
		case 'M':
			strv_pushf(&sets, "manifest=%s", optarg);
			break;
		case 'F':
			strv_pushf(&sets, "format=%s", optarg);
			break;
		case 'N':
			strv_push(&sets, "base_cache=no");
			break;
		case 'X':
			strv_pushf(&sets, "sbom=%s", optarg);
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
	opts.out = argv[optind];
	opts.sets = sets;

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

