/* SPDX-License-Identifier: MIT */
/* Profile parsing: syntax, every error with FILE:LINE, inheritance,
 * --set overrides, defaults, typo suggestions. */
#include "profile/profile.h"
#include "util/suggest.h"
#include "tap.h"

#include <dirent.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/mkfr-test-profile-XXXXXX";

static void write_profile(const char *name, const char *text)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "%s.profile", name);
	tap_write_file(dir, rel, text);
}

static int load(const char *name, char **sets, struct profile **p, struct mkfr_error *err)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.profile", dir, name);
	mkfr_error_clear(err);
	*p = NULL;
	return profile_load(path, sets, p, err);
}

/* Remove every file the test wrote, then the directory. */
static void cleanup_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[700];
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

int main(void)
{
	struct profile *p;
	struct mkfr_error err;

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	atexit(cleanup_dir);

	write_profile("ok", "# comment\n\n  suite = bookworm  \narch=armel\npackages = vim, less ,\n");
	ok(load("ok", NULL, &p, &err) == 0, "a valid profile loads: %s", err.msg);
	is_str(profile_get(p, "suite"), "bookworm", "values are trimmed");
	is_str(profile_get(p, "variant"), "minbase", "unset keys take their default");
	is_str(profile_origin(p, "variant"), "default", "a default says so");
	char **pk = profile_get_list(p, "packages");
	ok(pk && pk[0] && pk[1] && !pk[2] && !strcmp(pk[0], "vim") && !strcmp(pk[1], "less"),
	   "lists split on commas, trimmed, empty items dropped");
	for (char **s = pk; s && *s; s++)
		free(*s);
	free(pk);
	ok(profile_get(p, "mirror") == NULL, "mirror stays unset (the plan stage asks apt)");
	contains(profile_origin(p, "arch"), "ok.profile:4", "origin is FILE:LINE");
	profile_free(p);

	char *sets[] = { "variant=buildd", "suite = trixie", NULL };
	ok(load("ok", sets, &p, &err) == 0, "--set applies");
	is_str(profile_get(p, "variant"), "buildd", "--set overrides a default");
	is_str(profile_get(p, "suite"), "trixie", "--set overrides the file");
	is_str(profile_origin(p, "suite"), "--set", "--set origin");
	profile_free(p);

	write_profile("typo", "suite=bookworm\narch=armel\nmirorr=http://x/debian\n");
	ok(load("typo", NULL, &p, &err) < 0, "an unknown key fails");
	contains(err.msg, "typo.profile:3: key 'mirorr'", "FILE:LINE: key for an unknown key");
	contains(err.msg, "did you mean 'mirror'", "the nearest key is suggested");
	ok(err.exit_code == MKFR_EXIT_USAGE, "profile errors exit 2");

	write_profile("dup", "suite=bookworm\narch=armel\nsuite=trixie\n");
	ok(load("dup", NULL, &p, &err) < 0, "a duplicate key fails");
	contains(err.msg, "dup.profile:3: key 'suite': set twice in one file (first at line 1)",
		 "duplicate names both lines");

	write_profile("noeq", "suite=bookworm\njust words\n");
	ok(load("noeq", NULL, &p, &err) < 0, "a line without = fails");
	contains(err.msg, "noeq.profile:2: expected key=value", "syntax error names the line");

	write_profile("badarch", "suite=bookworm\narch=arm32\n");
	ok(load("badarch", NULL, &p, &err) < 0, "an unknown arch fails");
	contains(err.msg, "badarch.profile:2: key 'arch': bad value 'arm32'", "bad value named");

	write_profile("badvariant", "suite=bookworm\narch=armel\nvariant=tiny\n");
	ok(load("badvariant", NULL, &p, &err) < 0, "a bad enum value fails");
	contains(err.msg, "must be one of: minbase buildd standard", "the choices are listed");

	write_profile("badpkg", "suite=bookworm\narch=armel\npackages=vim, Bad_Name\n");
	ok(load("badpkg", NULL, &p, &err) < 0, "a bad package name fails");
	contains(err.msg, "key 'packages'", "names the key");

	write_profile("badbool", "suite=bookworm\narch=armel\ncheck_valid_until=false\n");
	ok(load("badbool", NULL, &p, &err) < 0, "a bad boolean fails");
	contains(err.msg, "must be yes or no", "says what a boolean is");

	write_profile("missing", "suite=bookworm\n");
	ok(load("missing", NULL, &p, &err) < 0, "a missing required key fails");
	contains(err.msg, "key 'arch': required", "names the missing key");

	char *badset[] = { "arhc=armel", NULL };
	ok(load("ok", badset, &p, &err) < 0, "an unknown key in --set fails");
	contains(err.msg, "--set:1: key 'arhc'", "--set errors name their position");
	contains(err.msg, "did you mean 'arch'", "--set typo suggestion");

	/* Inheritance: parent first, child overrides, whatever the line order. */
	write_profile("base", "suite=bookworm\nvariant=buildd\ndescription=base\n");
	write_profile("child", "variant=minbase\ninherit=base\narch=arm64\n");
	write_profile("grandchild", "inherit=child\nsuite=trixie\n");
	ok(load("grandchild", NULL, &p, &err) == 0, "two levels of inheritance load: %s", err.msg);
	is_str(profile_get(p, "suite"), "trixie", "the child overrides its parent");
	is_str(profile_get(p, "variant"), "minbase", "a key before inherit= still overrides");
	is_str(profile_get(p, "arch"), "arm64", "keys come down two levels");
	is_str(profile_get(p, "description"), "base", "untouched keys come from the base");
	profile_free(p);

	write_profile("loopa", "inherit=loopb\nsuite=bookworm\narch=armel\n");
	write_profile("loopb", "inherit=loopa\n");
	ok(load("loopa", NULL, &p, &err) < 0, "an inheritance loop fails");
	contains(err.msg, "inheritance loop", "the loop is named");
	write_profile("self", "inherit=self\n");
	ok(load("self", NULL, &p, &err) < 0, "inheriting oneself fails");

	write_profile("noparent", "inherit=./nonexistent.profile\narch=armel\nsuite=bookworm\n");
	ok(load("noparent", NULL, &p, &err) < 0, "a missing parent fails");
	contains(err.msg, "noparent.profile:1: key 'inherit'", "points at the inherit line");

	ok(profile_load("/nonexistent/x.profile", NULL, &p, &err) < 0, "an unreadable file fails");
	contains(err.msg, "/nonexistent/x.profile", "names the file");
	ok(err.exit_code == MKFR_EXIT_USAGE, "unreadable profile exits 2");

	ok(profile_load("no-such-profile-name", NULL, &p, &err) < 0, "an unknown name fails");
	contains(err.msg, "profile 'no-such-profile-name' not found", "says not found");

	write_profile("relkeyring", "suite=bookworm\narch=armel\nkeyring=keys/k.gpg\n");
	ok(load("relkeyring", NULL, &p, &err) == 0, "relative keyring loads");
	char *abs = profile_resolve_path(p, "keyring", profile_get(p, "keyring"));
	char want[600];
	snprintf(want, sizeof(want), "%s/keys/k.gpg", dir);
	/* dir may be a symlinked /tmp; compare the tail */
	contains(abs, "/keys/k.gpg", "relative paths resolve against the profile's directory");
	free(abs);
	profile_free(p);

	/* Control characters: a value is one line of printable text. */
	char *nl_set[] = { "mirror=http://a/debian\nX-Injected: yes", NULL };
	write_profile("plain", "suite=bookworm\narch=armel\n");
	ok(load("plain", nl_set, &p, &err) < 0 && err.exit_code == MKFR_EXIT_USAGE,
	   "a newline in a --set value is refused (exit 2)");
	contains(err.msg, "--set:1: key 'mirror': the value contains the control character 0x0a",
		 "naming --set:N, the key and the character");
	write_profile("esc", "suite=bookworm\narch=armel\nhostname=box\x1b[2J\n");
	ok(load("esc", NULL, &p, &err) < 0, "an escape character in a file value is refused");
	contains(err.msg, "esc.profile:3: key 'hostname': the value contains the control character 0x1b",
		 "with FILE:LINE");
	char nul_path[600];
	snprintf(nul_path, sizeof(nul_path), "%s/nul.profile", dir);
	FILE *nf = fopen(nul_path, "w");
	fwrite("suite=bookworm\narch=armel\ndescription=a\0b\n", 1, 42, nf);
	fclose(nf);
	ok(load("nul", NULL, &p, &err) < 0, "a NUL byte in a profile is refused");
	contains(err.msg, "nul.profile:3: a NUL byte", "with FILE:LINE");
	char *shell_set[] = { "mirror=http://mirror.example/$(id)", NULL };
	ok(load("plain", shell_set, &p, &err) < 0, "a mirror URL with shell characters is refused");
	contains(err.msg, "percent-encode", "saying what to do");

	/* inherit= of something that is not a small regular file: refused at
	 * once, never waited on (a FIFO) or read without end (/dev/zero). */
	char fifo[600];
	snprintf(fifo, sizeof(fifo), "%s/fifo.profile", dir);
	ok(mkfifo(fifo, 0600) == 0, "a FIFO named like a profile");
	write_profile("fromfifo", "inherit=./fifo.profile\n");
	alarm(10); /* a hang fails the test instead of stalling it */
	ok(load("fromfifo", NULL, &p, &err) < 0, "inheriting a FIFO fails without waiting");
	contains(err.msg, "not a regular file", "saying why");
	write_profile("fromzero", "inherit=/dev/zero\n");
	ok(load("fromzero", NULL, &p, &err) < 0 && err.exit_code == MKFR_EXIT_USAGE,
	   "inheriting /dev/zero fails (exit 2) instead of growing without bound");
	alarm(0);
	char big_path[600];
	snprintf(big_path, sizeof(big_path), "%s/big.profile", dir);
	FILE *bf = fopen(big_path, "w");
	fputs("suite=bookworm\narch=armel\n", bf);
	for (int i = 0; i < 70000; i++)
		fputs("# padding padding\n", bf);
	fclose(bf);
	ok(load("big", NULL, &p, &err) < 0, "a profile over 1 MiB is refused");
	contains(err.msg, "larger than", "saying so");

	/* Only what we own is trusted: a profile anyone may edit is refused. */
	write_profile("shared", "suite=bookworm\narch=armel\n");
	char shared[600];
	snprintf(shared, sizeof(shared), "%s/shared.profile", dir);
	chmod(shared, 0666);
	ok(load("shared", NULL, &p, &err) < 0 && err.exit_code == MKFR_EXIT_USAGE,
	   "a profile writable by others is refused (exit 2)");
	contains(err.msg, "shared.profile is writable by its group", "naming it and why");
	write_profile("fromshared", "inherit=shared\n");
	ok(load("fromshared", NULL, &p, &err) < 0, "and so is inheriting one");

	is_str(profile_key_suggest("hostnmae"), "hostname", "transposition suggestion");
	ok(profile_key_suggest("zzzzzzzz") == NULL, "no suggestion for nonsense");
	is_str(profile_key_suggest("squashfs"), "squashfs_compression", "the one key a word begins");
	ok(profile_key_suggest("image") == NULL, "no suggestion when two keys begin with the word");

	const char *names[] = { "armel-bookworm", "armel-jessie", "arm64-bookworm", NULL };
	is_str(suggest_nearest("armel-bokworm", names), "armel-bookworm", "a profile name one edit away");
	is_str(suggest_nearest("arm64", names), "arm64-bookworm", "a profile name's beginning");
	ok(suggest_nearest("armel", names) == NULL, "a beginning of two names suggests neither");
	ok(suggest_distance("kitten", "sitting") == 3, "Levenshtein distance");

	/* profiles lists base profiles and broken ones apart from the rest. */
	char path[600];
	write_profile("baseonly", "suite=bookworm\ndescription=a base\n");
	snprintf(path, sizeof(path), "%s/baseonly.profile", dir);
	ok(profile_inspect(path, &p, &err) == 0,
	   "a profile without arch can be inspected: %s", err.msg);
	ok(p && profile_get(p, "arch") == NULL, "and has no arch (a base profile)");
	profile_free(p);
	snprintf(path, sizeof(path), "%s/typo.profile", dir);
	ok(profile_inspect(path, &p, &err) < 0 &&
	   strstr(err.msg, "key 'mirorr'"), "a broken one fails inspection, saying why");
	return tap_done();
}
