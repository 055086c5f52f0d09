/* SPDX-License-Identifier: MIT */
/* mkforeignroot: the command table.  Only this program's main() decides how
 * it exits; each subcommand lives in its own cmd_*.c (cli/commands.h). */
#include "cli/commands.h"
#include "util/error.h"
#include "util/log.h"
#include "util/suggest.h"

#include <linux/close_range.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "build", cmd_build },
	{ "profiles", cmd_profiles },
	{ "keys", cmd_keys },
	{ "arches", cmd_arches },
	{ "run", cmd_run },
	{ "binfmt", cmd_binfmt },
	{ "cache", cmd_cache },
	{ "oci-index", cmd_oci_index },
};

bool command_is_known(const char *word)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(word, commands[i].name) == 0)
			return true;
	return false;
}

/* The first word is neither a command nor an option: say so, rather than
 * take it for a build's OUT and complain about --profile. */
static int unknown_command(const char *word)
{
	const char *names[sizeof(commands) / sizeof(commands[0]) + 1];
	char list[256] = "";
	size_t n = 0;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		names[i] = commands[i].name;
		n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s",
				      i ? ", " : "", commands[i].name);
	}
	names[sizeof(commands) / sizeof(commands[0])] = NULL;
	const char *near = suggest_nearest(word, names);
	log_error("unknown command '%s'%s%s%s (commands: %s; `mkforeignroot --help`)", word,
		  near ? ": did you mean '" : "", near ? near : "", near ? "'?" : "", list);
	return MKFR_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	/* Whatever descriptors we were started with (a CI runner's, a
	 * terminal multiplexer's, a directory fd that would let a command in
	 * `run` walk out of its chroot) reach no child of ours: close-on-exec
	 * from the start.  Not closed outright: a caller may name one for us
	 * to write to. */
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	if (argc >= 2) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(argv[1], commands[i].name) == 0)
				return commands[i].run(argc - 1, argv + 1);
		if (argv[1][0] != '-')
			return unknown_command(argv[1]);
	}
	/* Options first and no command word: a build
	 * (`mkforeignroot --profile P OUT`). */
	return cmd_build(argc, argv);
}
