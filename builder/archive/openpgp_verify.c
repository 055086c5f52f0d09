/* SPDX-License-Identifier: MIT */
#include "archive/openpgp_verify.h"

#include "sys/rootfs_fs.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gpgme.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_once_t gpgme_once = PTHREAD_ONCE_INIT;
static gpgme_error_t gpgme_engine_status;

static void gpgme_init(void)
{
	gpgme_check_version(NULL);
	gpgme_engine_status = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
}

static void cleanup_gpgme_ctxp(gpgme_ctx_t *c)
{
	if (*c)
		gpgme_release(*c);
}
static void cleanup_gpgme_datap(gpgme_data_t *d)
{
	if (*d)
		gpgme_data_release(*d);
}
#define autogpgme_ctx __attribute__((cleanup(cleanup_gpgme_ctxp)))
#define autogpgme_data __attribute__((cleanup(cleanup_gpgme_datap)))

/* gpg may start helpers under the home despite no-autostart (a future
 * GnuPG, a keyboxd configured system-wide); gpgconf knows how to stop
 * exactly the ones of this home. */
static void kill_gnupg_daemons(const char *home)
{
	char *argv[] = { "gpgconf", "--homedir", (char *)home, "--kill", "all", NULL };
	char *envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", NULL };
	int st;

	/* Not spawn_run(): this must run on the way out of an interrupted
	 * build too, when spawn_run refuses to start anything. */
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvpe(argv[0], argv, envp);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
}

/* A temporary GnuPG home; removed (daemons first) when it goes out of scope. */
struct gnupg_home {
	char path[4096];
	bool made;
};

static void cleanup_gnupg_homep(struct gnupg_home *h)
{
	struct mkfr_error ignored;
	if (!h->made)
		return;
	kill_gnupg_daemons(h->path);
	remove_tree(h->path, &ignored);
	h->made = false;
}
#define autognupg_home __attribute__((cleanup(cleanup_gnupg_homep)))

static int gnupg_home_make(struct gnupg_home *h, struct mkfr_error *err)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(h->path, sizeof(h->path), "%s/mkfr-gnupg-XXXXXX", tmp);
	if (!mkdtemp(h->path))
		return mkfr_fail(err, errno, "cannot create a temporary GnuPG home in %s", tmp);
	h->made = true;
	if (chmod(h->path, 0700) < 0)
		return mkfr_fail(err, errno, "cannot chmod %s", h->path);

	/* Verification needs neither the agent nor the network. */
	char conf[4200];
	snprintf(conf, sizeof(conf), "%s/gpg.conf", h->path);
	autofclose FILE *f = fopen(conf, "we");
	if (!f || fputs("no-autostart\nno-auto-key-retrieve\nno-greeting\n", f) < 0)
		return mkfr_fail(err, errno, "cannot write %s", conf);
	return 0;
}

static int suffix(const char *name, const char *suf)
{
	size_t n = strlen(name), s = strlen(suf);
	return n > s && strcmp(name + n - s, suf) == 0;
}

/* The keyring files: the path itself, or a directory's *.gpg and *.asc. */
static char **keyring_files(const char *keyring, struct mkfr_error *err)
{
	struct stat st;
	autostrv char **files = NULL;

	if (stat(keyring, &st) < 0) {
		mkfr_fail(err, errno, "keyring %s", keyring);
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		strv_push(&files, keyring);
		return steal_pointer(&files);
	}
	autoclosedir DIR *d = opendir(keyring);
	struct dirent *de;
	if (!d) {
		mkfr_fail(err, errno, "keyring %s", keyring);
		return NULL;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !(suffix(de->d_name, ".gpg") || suffix(de->d_name, ".asc")))
			continue;
		strv_pushf(&files, "%s/%s", keyring, de->d_name);
	}
	if (!files) {
		mkfr_fail(err, 0, "keyring directory %s has no *.gpg or *.asc files", keyring);
		return NULL;
	}
	strv_sort(files);
	return steal_pointer(&files);
}

/* gpg --import cannot read GnuPG's own keybox format (what `gpg --keyring
 * x.gpg --import` writes since 2.1); say so rather than "no keys". */
static bool is_keybox(const char *path)
{
	unsigned char hdr[12];
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd >= 0 && read(fd, hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr) &&
	       memcmp(hdr + 8, "KBXf", 4) == 0;
}

static int import_keyring(gpgme_ctx_t ctx, const char *path, struct mkfr_error *err)
{
	autogpgme_data gpgme_data_t keys = NULL;
	gpgme_error_t e;

	if (is_keybox(path))
		return mkfr_fail(err, 0, "keyring %s is a GnuPG keybox, not an OpenPGP keyring; "
				 "export it with: gpg --no-default-keyring --keyring %s --export > "
				 "FILE.gpg", path, path);
	e = gpgme_data_new_from_file(&keys, path, 1);
	if (e)
		return mkfr_fail(err, gpgme_err_code_to_errno(gpgme_err_code(e)), "keyring %s", path);
	e = gpgme_op_import(ctx, keys);
	gpgme_import_result_t r = gpgme_op_import_result(ctx);
	if (e || !r || r->considered == 0)
		return mkfr_fail(err, 0, "keyring %s: no OpenPGP keys could be read from it%s%s", path,
				 e ? ": " : "", e ? gpgme_strerror(e) : "");
	return 0;
}

/* Every primary and subkey fingerprint now in the (fresh) home: exactly
 * the keys the keyring brought. */
static char **anchor_fingerprints(gpgme_ctx_t ctx, struct mkfr_error *err)
{
	autostrv char **fprs = NULL;
	gpgme_key_t key;
	gpgme_error_t e = gpgme_op_keylist_start(ctx, NULL, 0);
	while (!e && !(e = gpgme_op_keylist_next(ctx, &key))) {
		for (gpgme_subkey_t sk = key->subkeys; sk; sk = sk->next)
			if (sk->fpr)
				strv_push(&fprs, sk->fpr);
		gpgme_key_unref(key);
	}
	gpgme_op_keylist_end(ctx);
	if (gpgme_err_code(e) != GPG_ERR_EOF) {
		mkfr_fail(err, 0, "cannot list the imported keys: %s", gpgme_strerror(e));
		return NULL;
	}
	return steal_pointer(&fprs);
}

/* A signature names its key by fingerprint, or by a long key ID (the
 * fingerprint's last 16 digits) in older signatures. */
static bool is_anchor(char *const *fprs, const char *sig_fpr)
{
	size_t n = sig_fpr ? strlen(sig_fpr) : 0;
	if (n < 16)
		return false;
	for (char *const *f = fprs; f && *f; f++) {
		size_t m = strlen(*f);
		if (m >= n && strcasecmp(*f + m - n, sig_fpr) == 0)
			return true;
	}
	return false;
}

static const gpgme_sigsum_t BAD_SUMMARY = GPGME_SIGSUM_RED | GPGME_SIGSUM_KEY_REVOKED |
	GPGME_SIGSUM_KEY_EXPIRED | GPGME_SIGSUM_SIG_EXPIRED | GPGME_SIGSUM_KEY_MISSING |
	GPGME_SIGSUM_BAD_POLICY | GPGME_SIGSUM_SYS_ERROR;

/* Why no signature was good, for the user. */
static void describe_failure(gpgme_signature_t sigs, char *const *fprs, char *buf, size_t size)
{
	if (!sigs) {
		snprintf(buf, size, "no OpenPGP signature found");
		return;
	}
	for (gpgme_signature_t s = sigs; s; s = s->next) {
		switch (gpgme_err_code(s->status)) {
		case GPG_ERR_BAD_SIGNATURE:
			snprintf(buf, size, "BAD signature by key %s: the text was altered",
				 s->fpr ? s->fpr : "?");
			return;
		case GPG_ERR_NO_PUBKEY:
			snprintf(buf, size, "signed by key %s, which is not in the keyring",
				 s->fpr ? s->fpr : "?");
			continue; /* a later signature may say more */
		case GPG_ERR_NO_ERROR:
			if (!is_anchor(fprs, s->fpr)) {
				snprintf(buf, size, "signed by key %s, which is not in the keyring",
					 s->fpr ? s->fpr : "?");
				continue;
			}
			snprintf(buf, size, "signature by key %s is not valid (%s)", s->fpr,
				 s->summary & (GPGME_SIGSUM_KEY_EXPIRED | GPGME_SIGSUM_SIG_EXPIRED)
					 ? "expired"
				 : s->summary & GPGME_SIGSUM_KEY_REVOKED ? "key revoked"
									 : "rejected by GnuPG");
			return;
		default:
			snprintf(buf, size, "signature by key %s: %s", s->fpr ? s->fpr : "?",
				 gpgme_strerror(s->status));
			continue;
		}
	}
}

/* Clear-signed (sig == NULL: the signature is inside text) or detached
 * (sig over text). */
static int verify_signature(const char *text, size_t len, const char *sig_text, size_t sig_len,
			    const char *keyring, const char *what, struct openpgp_verified *out,
			    struct mkfr_error *err)
{
	autognupg_home struct gnupg_home home = { .made = false };
	autogpgme_ctx gpgme_ctx_t ctx = NULL;
	autogpgme_data gpgme_data_t sig = NULL;
	autogpgme_data gpgme_data_t signed_text = NULL;
	autogpgme_data gpgme_data_t plain = NULL;
	autostrv char **files = NULL;
	autostrv char **fprs = NULL;
	gpgme_error_t e;

	memset(out, 0, sizeof(*out));
	pthread_once(&gpgme_once, gpgme_init);
	if (gpgme_engine_status)
		return mkfr_fail(err, 0, "cannot verify %s: GnuPG is not usable (%s); install the "
				 "Debian package gpg", what, gpgme_strerror(gpgme_engine_status));
	if (!(files = keyring_files(keyring, err)))
		return mkfr_error_prefix(err, "cannot verify %s", what);
	if (gnupg_home_make(&home, err) < 0)
		return -1;
	if ((e = gpgme_new(&ctx)) || (e = gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP)) ||
	    (e = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, NULL, home.path)))
		return mkfr_fail(err, 0, "cannot set up GnuPG in %s: %s", home.path, gpgme_strerror(e));
	gpgme_set_offline(ctx, 1);

	for (char **f = files; *f; f++)
		if (import_keyring(ctx, *f, err) < 0)
			return mkfr_error_prefix(err, "cannot verify %s", what);
	if (!(fprs = anchor_fingerprints(ctx, err)))
		return mkfr_error_prefix(err, "cannot verify %s with keyring %s", what, keyring);

	if (sig_text) {
		if ((e = gpgme_data_new_from_mem(&sig, sig_text, sig_len, 0)) ||
		    (e = gpgme_data_new_from_mem(&signed_text, text, len, 0)))
			return mkfr_fail(err, ENOMEM, "cannot verify %s", what);
		e = gpgme_op_verify(ctx, sig, signed_text, NULL);
	} else {
		if ((e = gpgme_data_new_from_mem(&sig, text, len, 0)) || (e = gpgme_data_new(&plain)))
			return mkfr_fail(err, ENOMEM, "cannot verify %s", what);
		e = gpgme_op_verify(ctx, sig, NULL, plain);
	}
	gpgme_verify_result_t r = gpgme_op_verify_result(ctx);
	const char *signer = NULL;
	for (gpgme_signature_t s = r ? r->signatures : NULL; s && !signer; s = s->next)
		if (gpgme_err_code(s->status) == GPG_ERR_NO_ERROR && !(s->summary & BAD_SUMMARY) &&
		    is_anchor(fprs, s->fpr))
			signer = s->fpr;
	if (e || !signer) {
		char why[512];
		if (e && gpgme_err_code(e) == GPG_ERR_NO_DATA)
			snprintf(why, sizeof(why), sig_text ? "not an OpenPGP signature"
							    : "not an OpenPGP clear-signed text");
		else if (e)
			snprintf(why, sizeof(why), "%s", gpgme_strerror(e));
		else
			describe_failure(r ? r->signatures : NULL, fprs, why, sizeof(why));
		return mkfr_fail(err, 0, "%s: %s (keyring %s); the profile key keyring= selects another "
				 "keyring", what, why, keyring);
	}

	out->signer_fpr = xstrdup(signer);
	if (sig_text) {
		/* Detached: the signed text is the text itself. */
		out->plaintext = xstrndup(text, len);
		out->plaintext_len = len;
		if (!out->signer_fpr) {
			openpgp_verified_free(out);
			return mkfr_fail(err, ENOMEM, "cannot verify %s", what);
		}
		return 0;
	}
	size_t plain_len = 0;
	char *mem = gpgme_data_release_and_get_mem(steal_pointer(&plain), &plain_len);
	out->plaintext = xmalloc(plain_len + 1);
	if (!out->signer_fpr) {
		gpgme_free(mem);
		openpgp_verified_free(out);
		return mkfr_fail(err, ENOMEM, "cannot verify %s", what);
	}
	if (plain_len)
		memcpy(out->plaintext, mem, plain_len);
	out->plaintext[plain_len] = '\0';
	out->plaintext_len = plain_len;
	gpgme_free(mem);
	return 0;
}

int openpgp_verify_clearsigned(const char *text, size_t len, const char *keyring,
			       const char *what, struct openpgp_verified *out,
			       struct mkfr_error *err)
{
	return verify_signature(text, len, NULL, 0, keyring, what, out, err);
}

int openpgp_verify_detached(const char *text, size_t len, const char *sig, size_t sig_len,
			    const char *keyring, const char *what, struct openpgp_verified *out,
			    struct mkfr_error *err)
{
	return verify_signature(text, len, sig, sig_len, keyring, what, out, err);
}

void openpgp_verified_free(struct openpgp_verified *v)
{
	free(steal_pointer(&v->plaintext));
	free(steal_pointer(&v->signer_fpr));
	v->plaintext_len = 0;
}

/* RFC 4880 section 7: the armour header lines end at the first empty line;
 * the text runs to the line before "-----BEGIN PGP SIGNATURE-----"; lines
 * starting with "- " had that prefix added. */
int openpgp_clearsigned_body(const char *text, size_t len, char **body, struct mkfr_error *err)
{
	static const char begin[] = "-----BEGIN PGP SIGNED MESSAGE-----\n";
	static const char sig[] = "\n-----BEGIN PGP SIGNATURE-----";
	autofree char *copy = xstrndup(text, len);
	char *p = strstr(copy, begin);
	char *start = p ? strstr(p, "\n\n") : NULL;
	char *end = start ? strstr(start + 1, sig) : NULL;
	if (!end)
		return mkfr_fail(err, EINVAL, "not an OpenPGP clear-signed text");
	start += 2;
	*end = '\0';
	size_t n = strlen(start);
	char *out = xmalloc(n + 2);
	size_t o = 0;
	for (char *line = start; line; ) {
		char *nl = strchr(line, '\n');
		if (strncmp(line, "- ", 2) == 0)
			line += 2;
		size_t l = nl ? (size_t)(nl - line) : strlen(line);
		memcpy(out + o, line, l);
		o += l;
		out[o++] = '\n';
		line = nl ? nl + 1 : NULL;
	}
	out[o] = '\0';
	*body = out;
	return 0;
}
