/* mkforeignroot: the command table.  Only this program's main() decides how
 * it exits; each subcommand lives in its own cmd_*.c (cli/commands.h). */
#include "cli/commands.h"

#include <stddef.h>
#include <string.h>

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
};

int main(int argc, char **argv)
{
	if (argc >= 2)
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(argv[1], commands[i].name) == 0)
				return commands[i].run(argc - 1, argv + 1);
	/* No command word: a build (`mkforeignroot --profile P OUT`). */
	return cmd_build(argc, argv);
}
