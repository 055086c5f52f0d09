/* SPDX-License-Identifier: MIT */
/* Clear-signature verification against throwaway keys made here with gpg:
 * good signature accepted, wrong keyring and altered text refused with the
 * keyring named, keyring directories and keybox files.  Every GnuPG home
 * (ours and the verifier's) is removed and its agent stopped, even when a
 * check fails. */
#include "archive/openpgp_verify.h"
#include "tap.h"

#include <dirent.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/mkfr-test-pgp-XXXXXX";

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void clean(void)
{
	/* the agents gpg started for key generation, then our directory */
	sh("for h in '%s'/home-*; do [ -d \"$h\" ] && gpgconf --homedir \"$h\" --kill all; done; "
	   "rm -rf --one-file-system '%s'", dir, dir);
}

static char *slurp(const char *rel, size_t *len)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	*len = f ? fread(buf, 1, 65535, f) : 0;
	if (f)
		fclose(f);
	return buf;
}

static int make_key(const char *who)
{
	return sh("set -e; cd '%s'; mkdir -m 0700 home-%s; "
		  "gpg --homedir home-%s --batch --quiet --passphrase '' "
		  "--quick-gen-key 'mkforeignroot test %s <%s@example.org>' ed25519 sign never 2>/dev/null; "
		  "gpg --homedir home-%s --export > %s.gpg; "
		  "mkdir -p dir-%s; gpg --homedir home-%s --armor --export > dir-%s/%s.asc",
		  dir, who, who, who, who, who, who, who, who, who, who);
}

/* Processes whose command line mentions `needle` (a leftover agent). */
static int processes_mentioning(const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d))) {
		char path[300], buf[4096];
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		FILE *f = fopen(path, "r");
		size_t len = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f)
			fclose(f);
		for (size_t i = 0; i < len; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[len] = '\0';
		n += strstr(buf, needle) != NULL;
	}
	if (d)
		closedir(d);
	return n;
}

int main(void)
{
	struct mkfr_error err;
	struct openpgp_verified v;
	char keyring[600], other[600], keydir[600], kbx[600], tmp[600];
	size_t len;

	if (!mkdtemp(dir))
		return 1;
	atexit(clean);
	if (sh("command -v gpg >/dev/null && command -v gpgconf >/dev/null") != 0) {
		tap_skip_all("gpg is not installed");
	}
	if (make_key("a") != 0 || make_key("b") != 0) {
		printf("Bail out! cannot make test keys with gpg in %s\n", dir);
		return 1;
	}
	if (sh("set -e; cd '%s'; printf 'Suite: test\\nCodename: test\\n- dashed line\\n' > text; "
	       "gpg --homedir home-a --batch --quiet --yes --clearsign -o InRelease text; "
	       "sed 's/^Suite: test/Suite: evil/' InRelease > tampered; "
	       "gpg --homedir home-a --batch --quiet --yes --detach-sign -o detached.sig text; "
	       "gpg --homedir home-a --batch --quiet --no-default-keyring --keyring \"$PWD/kbx.gpg\" --import a.gpg 2>/dev/null",
	       dir) != 0) {
		printf("Bail out! cannot sign the test text in %s\n", dir);
		return 1;
	}
	snprintf(keyring, sizeof(keyring), "%s/a.gpg", dir);
	snprintf(other, sizeof(other), "%s/b.gpg", dir);
	snprintf(keydir, sizeof(keydir), "%s/dir-a", dir);
	snprintf(kbx, sizeof(kbx), "%s/kbx.gpg", dir);
	/* The verifier's own temporary homes go here, so we can see them go. */
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	mkdir(tmp, 0700);
	setenv("TMPDIR", tmp, 1);

	char *signed_text = slurp("InRelease", &len);
	ok(openpgp_verify_clearsigned(signed_text, len, keyring, "InRelease", &v, &err) == 0,
	   "a good signature by the keyring's key is accepted");
	is_str(v.plaintext, "Suite: test\nCodename: test\n- dashed line\n",
	       "the plaintext is the signed text, dash-escaping undone");
	ok(v.signer_fpr && strlen(v.signer_fpr) == 40, "the signer's fingerprint is given");
	openpgp_verified_free(&v);

	ok(openpgp_verify_clearsigned(signed_text, len, keydir, "InRelease", &v, &err) == 0,
	   "a directory of .asc keys works as a keyring");
	openpgp_verified_free(&v);

	ok(openpgp_verify_clearsigned(signed_text, len, other, "http://m/dists/t/InRelease", &v,
				      &err) < 0, "another keyring is refused");
	contains(err.msg, "http://m/dists/t/InRelease: signed by key", "naming the file and the key");
	contains(err.msg, "not in the keyring", "saying the key is not in the keyring");
	contains(err.msg, other, "naming the keyring used");
	contains(err.msg, "keyring=", "and the profile key that selects another");

	size_t tlen;
	char *tampered = slurp("tampered", &tlen);
	ok(openpgp_verify_clearsigned(tampered, tlen, keyring, "InRelease", &v, &err) < 0,
	   "an altered text is refused");
	contains(err.msg, "BAD signature", "as a BAD signature");
	contains(err.msg, keyring, "naming the keyring");

	size_t plen;
	char *plain = slurp("text", &plen);
	ok(openpgp_verify_clearsigned(plain, plen, keyring, "InRelease", &v, &err) < 0,
	   "an unsigned text is refused");
	contains(err.msg, "not an OpenPGP clear-signed text", "saying it is not signed");

	ok(openpgp_verify_clearsigned(signed_text, len, kbx, "InRelease", &v, &err) < 0,
	   "a GnuPG keybox is refused");
	contains(err.msg, "keybox", "with the reason");
	contains(err.msg, "--export", "and how to convert it");
	ok(openpgp_verify_clearsigned(signed_text, len, "/nonexistent.gpg", "InRelease", &v, &err) < 0,
	   "a missing keyring is refused");
	contains(err.msg, "/nonexistent.gpg", "naming it");

	DIR *d = opendir(tmp);
	int left = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		left += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	ok(left == 0, "every temporary GnuPG home was removed (%d left)", left);
	ok(processes_mentioning(tmp) == 0, "no gpg-agent, dirmngr or keyboxd of ours is running");
	free(signed_text);
	free(tampered);
	free(plain);
	return tap_done();
}
