/* SPDX-License-Identifier: MIT */
/* What `run` takes from an image: its host name and its users, read
 * rootfs-safely (an /etc/passwd that is an absolute symlink must resolve
 * inside the image, never to the host's), and the host-name check. */
#include "sys/image_identity.h"
#include "sys/rootfs_fs.h"
#include "util/hostname.h"
#include "tap.h"

static char base[] = "/tmp/mkfr-test-identity-XXXXXX";

static void ln(const char *target, const char *rel)
{
	tap_symlink(target, base, rel);
}

static void rm(const char *rel)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	unlink(p);
}

int main(void)
{
	if (!mkdtemp(base)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	tap_mkdir(base, "etc");
	/* The image's passwd is an absolute link to /etc/passwd.image: read
	 * from outside, that name would be the host's (which has no such
	 * file, and whose passwd has root but not dev). */
	tap_write_file(base, "etc/passwd.image",
		       "root:x:0:0:root:/root:/bin/bash\n"
		       "broken line without fields\n"
		       "bad:x:-1:0::/:/bin/sh\n"
		       "dev:x:1000:1000:Dev,,,:/home/dev:/bin/bash\n"
		       "svc:x:999:999:::\n");
	ln("/etc/passwd.image", "etc/passwd");
	tap_write_file(base, "etc/group",
		       "root:x:0:\n"
		       "plugdev:x:46:dev\n"
		       "audio:x:29:someone, dev\n"
		       "devlike:x:47:devx,xdev\n"
		       "dev:x:1000:\n"
		       "again:x:1000:dev\n");
	tap_write_file(base, "etc/hostname", "  board-7.lab  \nsecond line\n");

	struct mkfr_error err;
	int rootfd = rootfs_open(base, &err);
	ok(rootfd >= 0, "open the image");

	struct image_user u;
	ok(image_user_lookup(rootfd, "dev", &u, &err) == 0, "dev is a user of the image (passwd an absolute link inside it)");
	ok(u.uid == 1000 && u.gid == 1000, "dev: uid and gid 1000");
	is_str(u.home, "/home/dev", "dev: home");
	is_str(u.shell, "/bin/bash", "dev: shell");
	ok(u.n_groups == 3 && u.groups[0] == 1000 && u.groups[1] == 46 && u.groups[2] == 29,
	   "dev: groups 1000 (primary, listed once), 46, 29 (a blank after the comma), not 47 (%zu groups)",
	   u.n_groups);
	image_user_free(&u);

	ok(image_user_lookup(rootfd, "1000", &u, &err) == 0 && u.name && strcmp(u.name, "dev") == 0,
	   "uid 1000 is dev");
	image_user_free(&u);
	ok(image_user_lookup(rootfd, "svc", &u, &err) == 0 && !*u.home && !*u.shell && u.n_groups == 1,
	   "svc: no home, no shell, only its primary group");
	image_user_free(&u);

	ok(image_user_lookup(rootfd, "nosuch", &u, &err) < 0, "an unknown name is refused");
	contains(err.msg, "no user nosuch", "and named");
	ok(image_user_lookup(rootfd, "4242", &u, &err) < 0, "an unknown uid is refused");
	contains(err.msg, "no user with uid 4242", "and named");
	ok(image_user_lookup(rootfd, "bad", &u, &err) < 0, "a line with uid -1 is no user");
	ok(image_user_lookup(rootfd, "a:b", &u, &err) < 0, "a name with a colon is refused");
	ok(image_user_lookup(rootfd, "", &u, &err) < 0, "an empty name is refused");

	/* passwd leading out of the image: resolved inside, so not found. */
	rm("etc/passwd");
	ln("/../../../../../etc/passwd", "etc/passwd");
	ok(image_user_lookup(rootfd, "root", &u, &err) < 0, "passwd -> /../../../etc/passwd: the host's root is not found");
	rm("etc/passwd");
	ok(image_user_lookup(rootfd, "dev", &u, &err) < 0, "no /etc/passwd: an error");
	contains(err.msg, "cannot read the image's /etc/passwd", "saying so");

	char *h = image_hostname(rootfd);
	is_str(h, "board-7.lab", "the host name: first line, blanks trimmed");
	free(h);
	rm("etc/hostname");
	ln("/etc/hostname.elsewhere", "etc/hostname");
	ok(image_hostname(rootfd) == NULL, "a dangling /etc/hostname: none");
	rm("etc/hostname");
	tap_write_file(base, "etc/hostname", "\n");
	ok(image_hostname(rootfd) == NULL, "an empty /etc/hostname: none");
	close(rootfd);

	ok(hostname_valid("board") && hostname_valid("board-7.lab.example") && hostname_valid("a"),
	   "valid host names");
	ok(!hostname_valid("") && !hostname_valid("bad_name") && !hostname_valid("-x") &&
	   !hostname_valid("x-") && !hostname_valid("a..b") && !hostname_valid(".a") &&
	   !hostname_valid("a.") && !hostname_valid("a b") && !hostname_valid("a/b"),
	   "invalid host names: empty, _, leading/trailing -, empty labels, blank, slash");
	char label64[65], name65[66];
	memset(label64, 'a', 64);
	label64[64] = '\0';
	memset(name65, 'a', 65);
	name65[65] = '\0';
	name65[30] = '.';
	ok(!hostname_valid(label64) && !hostname_valid(name65), "a 64-character label, a 65-character name");
	ok(hostname_label_valid("box") && !hostname_label_valid("box.lab"), "a label has no dot");

	rm("etc/group");
	rm("etc/passwd.image");
	rm("etc/hostname");
	snprintf(label64, sizeof(label64), "%s/etc", base);
	rmdir(label64);
	rmdir(base);
	return tap_done();
}
