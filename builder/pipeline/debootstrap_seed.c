/* SPDX-License-Identifier: MIT */
#include "pipeline/debootstrap_seed.h"

#include "sys/atomic_file.h"
#include "sys/rootfs_fs.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define APT_LISTS "/var/lib/apt/lists/"
#define APT_ARCHIVES "/var/cache/apt/archives/"

int debootstrap_seed_dirs(const struct debootstrap_seed *s, struct mkfr_error *err)
{
	if (rootfs_mkdir_p(s->rootfd, APT_LISTS "partial", 0755, err) < 0 ||
	    rootfs_mkdir_p(s->rootfd, APT_ARCHIVES "partial", 0755, err) < 0 ||
	    rootfs_mkdir_p(s->rootfd, "/debootstrap", 0755, err) < 0)
		return -1;
	return 0;
}

int debootstrap_seed_deb(const struct debootstrap_seed *s, const char *cached,
			 const char *file_name, struct mkfr_error *err)
{
	autofree char *to = xasprintf(APT_ARCHIVES "%s", file_name);
	return rootfs_copy_in(s->rootfd, cached, to, 0644, err);
}

/* apt's (and debootstrap's apt_dest) file name for a file of a mirror:
 * the URL without its scheme, every '/' a '_'. */
static char *apt_list_name(const char *mirror, const char *path)
{
	const char *host = strstr(mirror, "://");
	char *out = xasprintf(APT_LISTS "%s_%s", host ? host + 3 : mirror, path);
	for (char *p = out + strlen(APT_LISTS); *p; p++)
		if (*p == '/')
			*p = '_';
	return out;
}

static char *dists_list_name(const struct debootstrap_seed *s, const char *file)
{
	autofree char *path = xasprintf("dists/%s/%s", s->suite, file);
	return apt_list_name(s->mirror, path);
}

/* Release and Release.gpg as debootstrap's split_inline_sig cuts them out
 * of InRelease: the signed lines joined, without the last newline (no
 * dash-unescaping); the signature block, line by line. */
static int split_inline_sig(const struct debootstrap_seed *s, const char *release_name,
			    const char *sig_name, struct mkfr_error *err)
{
	autofree char *inrelease = path_join(s->signed_dir, "InRelease");
	autofclose FILE *in = fopen(inrelease, "re");
	if (!in)
		return mkfr_fail(err, errno, "cannot read %s", inrelease);
	autofree char *rel = NULL, *sig = NULL;
	size_t rel_len = 0, sig_len = 0;
	FILE *r = xopen_memstream(&rel, &rel_len), *g = xopen_memstream(&sig, &sig_len);
	char line[8192];
	enum { PRE, HEADER, DATA, SIGNATURE } state = PRE;
	bool first = true;
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		if (state == PRE && strcmp(line, "-----BEGIN PGP SIGNED MESSAGE-----") == 0) {
			state = HEADER;
		} else if (state == HEADER && line[0] == '\0') {
			state = DATA;
		} else if (state == DATA && strcmp(line, "-----BEGIN PGP SIGNATURE-----") == 0) {
			fprintf(g, "%s\n", line);
			state = SIGNATURE;
		} else if (state == DATA) {
			fprintf(r, "%s%s", first ? "" : "\n", line);
			first = false;
		} else if (state == SIGNATURE) {
			fprintf(g, "%s\n", line);
			if (strcmp(line, "-----END PGP SIGNATURE-----") == 0)
				break;
		}
	}
	xclose_memstream(r);
	xclose_memstream(g);
	if (rootfs_write_file(s->rootfd, release_name, rel, rel_len, 0644, err) < 0 ||
	    rootfs_write_file(s->rootfd, sig_name, sig, sig_len, 0644, err) < 0)
		return -1;
	return 0;
}

/* As debootstrap leaves them: InRelease plus the two halves it cuts out of
 * it, or the Release and Release.gpg it downloaded. */
static int seed_signed_files(const struct debootstrap_seed *s, struct mkfr_error *err)
{
	autofree char *in_name = dists_list_name(s, "InRelease");
	autofree char *rel_name = dists_list_name(s, "Release");
	autofree char *sig_name = dists_list_name(s, "Release.gpg");
	if (!s->detached) {
		autofree char *inrelease = path_join(s->signed_dir, "InRelease");
		if (rootfs_copy_in(s->rootfd, inrelease, in_name, 0644, err) < 0)
			return -1;
		return split_inline_sig(s, rel_name, sig_name, err);
	}
	autofree char *rel = path_join(s->signed_dir, "Release");
	autofree char *sig = path_join(s->signed_dir, "Release.gpg");
	if (rootfs_copy_in(s->rootfd, rel, rel_name, 0644, err) < 0 ||
	    rootfs_copy_in(s->rootfd, sig, sig_name, 0644, err) < 0)
		return -1;
	return 0;
}

/* Each component's Packages as apt keeps it (uncompressed), through the
 * rootfs-safe path like every other write: copied where resolve kept it
 * uncompressed and verified (archive/packages_index.h), else decompressed
 * here. */
static int decompress_index(int fd, void *compressed, struct mkfr_error *err)
{
	return packages_index_decompress_to(compressed, fd, err);
}

static int seed_indexes(const struct debootstrap_seed *s, struct mkfr_error *err)
{
	for (size_t i = 0; s->components[i]; i++) {
		autofree char *listed = NULL;
		if (!packages_index_listed(s->release, s->components[i], s->arch, &listed))
			return mkfr_fail(err, 0, "the Release lists no index for %s/binary-%s",
					 s->components[i], s->arch);
		autofree char *compressed = path_join(s->signed_dir, listed);
		autofree char *file = xasprintf("%s/binary-%s/Packages", s->components[i], s->arch);
		autofree char *name = dists_list_name(s, file);
		autofree char *plain_path = packages_index_plain_path(s->release, s->components[i], s->arch);
		autofree char *plain = plain_path ? path_join(s->signed_dir, plain_path) : NULL;
		if (plain && access(plain, R_OK) == 0) {
			if (rootfs_copy_in(s->rootfd, plain, name, 0644, err) < 0)
				return -1;
			continue;
		}
		/* Straight into the rootfs: no temporary copy, no fsync (the
		 * output stage syncs OUT once). */
		if (rootfs_write_via(s->rootfd, name, 0644, decompress_index, compressed, err) < 0)
			return -1;
	}
	return 0;
}

/* debootstrap/required and base: space-separated as debootstrap saves
 * them; debpaths and deburis: one "NAME PATH" / "NAME VERSION URL" per
 * package, as its download step appends them. */
static int seed_plan(const struct debootstrap_seed *s, struct mkfr_error *err)
{
	autofree char *required = NULL, *base = NULL, *debpaths = NULL, *deburis = NULL;
	size_t lr = 0, lb = 0, lp = 0, lu = 0;
	FILE *fr = xopen_memstream(&required, &lr), *fb = xopen_memstream(&base, &lb);
	FILE *fp = xopen_memstream(&debpaths, &lp), *fu = xopen_memstream(&deburis, &lu);
	for (size_t i = 0; i < s->deb_count; i++) {
		const struct deb_package *p = &s->debs[i];
		FILE *list = i < s->required_count ? fr : fb;
		bool first = i == 0 || i == s->required_count;
		autofree char *file = deb_package_file_name(p);
		fprintf(list, "%s%s", first ? "" : " ", p->package);
		fprintf(fp, "%s " APT_ARCHIVES "%s\n", p->package, file);
		fprintf(fu, "%s %s %s/%s\n", p->package, p->version, s->mirror, p->filename);
	}
	fputc('\n', fr);
	fputc('\n', fb);
	xclose_memstream(fr);
	xclose_memstream(fb);
	xclose_memstream(fp);
	xclose_memstream(fu);
	if (rootfs_write_file(s->rootfd, "/debootstrap/required", required, lr, 0644, err) < 0 ||
	    rootfs_write_file(s->rootfd, "/debootstrap/base", base, lb, 0644, err) < 0 ||
	    rootfs_write_file(s->rootfd, "/debootstrap/debpaths", debpaths, lp, 0644, err) < 0 ||
	    rootfs_write_file(s->rootfd, "/debootstrap/deburis", deburis, lu, 0644, err) < 0)
		return -1;
	return 0;
}

int debootstrap_seed_lists_and_plan(const struct debootstrap_seed *s, struct mkfr_error *err)
{
	if (seed_signed_files(s, err) < 0 || seed_indexes(s, err) < 0 || seed_plan(s, err) < 0)
		return -1;
	return 0;
}

int debootstrap_seed_empty_tarball(const char *path, struct mkfr_error *err)
{
	static const char empty_tar[10240];
	return atomic_file_write(path, empty_tar, sizeof(empty_tar), 0644, err);
}
