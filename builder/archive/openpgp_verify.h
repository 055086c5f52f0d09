/* SPDX-License-Identifier: MIT */
/* Checking an OpenPGP clear-signed text (a Debian InRelease file) against a
 * keyring, with gpgme.
 *
 * gpgme has no gpgv mode, so each check runs in a fresh GnuPG home of its
 * own (mode 0700 under $TMPDIR): the keyring is imported there and the
 * keys of that keyring are the only trust anchors; the user's and root's
 * GnuPG homes are never read or written.  The home is removed before
 * returning, after `gpgconf --kill all` so no gpg-agent, keyboxd or dirmngr
 * outlives it. */
#ifndef MKFR_OPENPGP_VERIFY_H
#define MKFR_OPENPGP_VERIFY_H

#include "util/error.h"

#include <stddef.h>

struct openpgp_verified {
	char *plaintext;  /* the signed text only, dash-escaping undone */
	size_t plaintext_len;
	char *signer_fpr; /* fingerprint of the key that made the good signature */
};

/* `keyring` is an OpenPGP keyring file (binary or ASCII-armoured) or a
 * directory whose *.gpg and *.asc files are all used.  `what` names the
 * text in messages (its URL).  A good signature means: made by a key of the
 * keyring, cryptographically valid, key neither expired nor revoked; the
 * owner trust GnuPG would ask for is deliberately not required, since the
 * keyring is the trust anchor. */
int openpgp_verify_clearsigned(const char *text, size_t len, const char *keyring,
			       const char *what, struct openpgp_verified *out,
			       struct mkfr_error *err);
/* The same for a text and its detached signature (Release, Release.gpg);
 * out->plaintext is a copy of the text. */
int openpgp_verify_detached(const char *text, size_t len, const char *sig, size_t sig_len,
			    const char *keyring, const char *what, struct openpgp_verified *out,
			    struct mkfr_error *err);
void openpgp_verified_free(struct openpgp_verified *v);

/* The signed text of a clear-signed message without checking the
 * signature (--no-check-gpg), dash-escaping undone.  New string. */
int openpgp_clearsigned_body(const char *text, size_t len, char **body, struct mkfr_error *err);

#endif
