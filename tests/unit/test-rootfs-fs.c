/* SPDX-License-Identifier: MIT */
/* Rootfs-safe operations: symlinks inside the rootfs that point at the host
 * must never lead a write or a delete out of it. */
#include "sys/rootfs_fs.h"
#include "tap.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[] = "/tmp/mkfr-test-rootfs-XXXXXX";

/* Does base/rel exist (without following a final symlink)? */
static int exists(const char *rel)
{
	char p[900];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return lstat(p, &st) == 0;
}

static void mk(const char *rel, const char *content)
{
	tap_write_file(base, rel, content);
}

static void md(const char *rel)
{
	tap_mkdir(base, rel);
}

static void ln(const char *target, const char *rel)
{
	tap_symlink(target, base, rel);
}

int main(void)
{
	struct mkfr_error err;
	char path[600];
	if (!mkdtemp(base))
		return 1;
	md("host");
	mk("host/secret", "host data\n");
	md("root");
	md("root/etc");
	md("root/usr");
	md("root/usr/sbin");

	char hostdir[600];
	snprintf(hostdir, sizeof(hostdir), "%s/host", base);
	/* Absolute and relative escapes planted in the rootfs. */
	ln(hostdir, "root/evil-abs");
	ln("../../host", "root/etc/evil-rel");
	ln(hostdir, "root/sbin");

	snprintf(path, sizeof(path), "%s/root", base);
	int rootfd = rootfs_open(path, &err);
	ok(rootfd >= 0, "open the rootfs");

	ok(rootfs_write_file(rootfd, "/etc/hostname", "x\n", 2, 0644, &err) == 0, "write a plain file");
	ok(exists("root/etc/hostname"), "it lands inside the rootfs");

	ok(rootfs_write_file(rootfd, "/evil-abs/secret", "pwned\n", 6, 0644, &err) < 0,
	   "a write through an absolute symlink to a host dir fails: that dir is not in the root");
	ok(rootfs_mkdir_p(rootfd, hostdir, 0755, &err) == 0, "create ROOT/<host dir>");
	ok(rootfs_write_file(rootfd, "/evil-abs/secret", "pwned\n", 6, 0644, &err) == 0,
	   "now the write through the symlink succeeds, inside the root");
	FILE *f;
	char buf[64] = "";
	snprintf(path, sizeof(path), "%s/host/secret", base);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) /* unreadable: the is_str below fails */
		buf[0] = '\0';
	if (f)
		fclose(f);
	is_str(buf, "host data\n", "the host file is untouched");
	char planted[900];
	snprintf(planted, sizeof(planted), "root%s/secret", hostdir);
	ok(exists(planted), "the write went to ROOT/<host path>");

	ok(rootfs_write_file(rootfd, "/etc/evil-rel/secret", "pwned\n", 6, 0644, &err) == 0 ||
		   err.errnum != 0,
	   "a write through a relative ../.. symlink stays inside (clamped at the root)");
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) /* unreadable: the is_str below fails */
		buf[0] = '\0';
	if (f)
		fclose(f);
	is_str(buf, "host data\n", "the host file is still untouched");

	ok(rootfs_remove(rootfd, "/sbin", &err) == 0, "removing a symlink to a host dir works");
	ok(exists("host/secret"), "and removes only the link, not the host dir's files");
	ok(!exists("root/sbin"), "the link is gone");

	md("root/debootstrap");
	md("root/debootstrap/qemu");
	mk("root/debootstrap/qemu/qemu-arm", "elf");
	ln(hostdir, "root/debootstrap/link-to-host");
	ok(rootfs_remove(rootfd, "/debootstrap", &err) == 0, "remove a tree: %s", err.msg);
	ok(!exists("root/debootstrap"), "the tree is gone");
	ok(exists("host/secret"), "a symlink inside it did not lead the delete out");

	/* A host tree copied in: its files and modes, and through a planted
	 * symlink of the rootfs it stays inside. */
	md("src");
	md("src/sub");
	mk("src/sub/Module.pm", "1;\n");
	mk("src/top.so", "elf\n");
	snprintf(path, sizeof(path), "%s/src/top.so", base);
	chmod(path, 0755);
	char src[600];
	snprintf(src, sizeof(src), "%s/src", base);
	ok(rootfs_copy_tree_in(rootfd, src, "/evil-abs/lib", &err) == 0, "copy a host tree in");
	snprintf(planted, sizeof(planted), "root%s/lib/sub/Module.pm", hostdir);
	ok(exists(planted), "it lands below ROOT/<host dir>, where the symlink leads inside root");
	ok(!exists("host/lib"), "and not in the host directory the symlink names");
	struct stat st;
	snprintf(path, sizeof(path), "%s/root%s/lib/top.so", base, hostdir);
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0755, "a file keeps its mode");
	ln("/etc/passwd", "src/sub/link");
	ok(rootfs_copy_tree_in(rootfd, src, "/copy2", &err) < 0 && strstr(err.msg, "src/sub/link"),
	   "a symlink in the host tree is refused, by name: %s", err.msg);
	ok(rootfs_copy_tree_in(rootfd, "/nonexistent-dir", "/copy3", &err) < 0,
	   "a missing host tree is an error");
	snprintf(path, sizeof(path), "%s/src/sub/link", base);
	unlink(path);
	snprintf(path, sizeof(path), "%s/src/sub/Module.pm", base);
	unlink(path);
	snprintf(path, sizeof(path), "%s/src/sub", base);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/src/top.so", base);
	unlink(path);
	rmdir(src);

	ok(rootfs_remove(rootfd, "/does/not/exist", &err) == 0, "removing a missing path is fine");
	ok(rootfs_mkdir_p(rootfd, "/a/b/c", 0755, &err) == 0, "mkdir -p");
	ok(exists("root/a/b/c"), "creates every level");
	ok(rootfs_exists(rootfd, "/a/b"), "rootfs_exists sees it");
	close(rootfd);

	snprintf(path, sizeof(path), "%s/root", base);
	ok(remove_tree(path, &err) == 0, "remove_tree removes the rootfs: %s", err.msg);
	ok(exists("host/secret"), "the host dir survives remove_tree");

	snprintf(path, sizeof(path), "%s/host/secret", base);
	unlink(path);
	snprintf(path, sizeof(path), "%s/host", base);
	rmdir(path);
	rmdir(base);
	return tap_done();
}
