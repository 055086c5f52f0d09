/* SPDX-License-Identifier: MIT */
/* The tarball writer on a small tree with every kind of file a rootfs has:
 * read back with libarchive and extracted by GNU tar, written twice by two
 * processes seconds apart (same bytes), with each compressor, and the
 * output stage's promise: interrupted, it leaves neither OUT nor its temp
 * file.  Then the way back (tar_extract.h, base cache snapshots): the
 * same tree again after writing and unpacking, a skip filter, and refused
 * tarballs (names outside the root, truncated).  And the device nodes a
 * rootless build's tarball adds to a /dev that has none.  Needs root
 * (owners, device nodes, security.* xattrs). */
#include "out/output_format.h"
#include "pipeline/debootstrap_devices.h"
#include "pipeline/stages.h"
#include "sys/signals.h"
#include "tap.h"
#include "out/tar_extract.h"
#include "out/tar_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static char base[] = "/tmp/mkfr-test-tar-XXXXXX";
static char root[600];

#define CLAMP ((time_t)946684800) /* 2000-01-01 */

static void path_of(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s/%s", root, rel);
}

static void must(int ok_, const char *what)
{
	if (!ok_) {
		printf("Bail out! cannot set up the tree: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

static void set_mtime(const char *rel, time_t t)
{
	char p[900];
	path_of(p, sizeof(p), rel);
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	must(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW) == 0, rel);
}

/* cap_net_raw=ep as the kernel stores it (VFS_CAP_REVISION_2). */
static const unsigned char cap_net_raw_ep[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x20 };

static void make_tree(void)
{
	char p[900], q[900];
	snprintf(root, sizeof(root), "%s/root", base);
	must(mkdir(root, 0755) == 0, "root");
	path_of(p, sizeof(p), "etc");
	must(mkdir(p, 0755) == 0, "etc");
	tap_write_file(root, "etc/shadow", "root:*:19000:0:99999:7:::\n");
	path_of(p, sizeof(p), "etc/shadow");
	must(chmod(p, 0640) == 0 && chown(p, 0, 42) == 0, "etc/shadow");
	path_of(q, sizeof(q), "etc/shadow-hardlink");
	must(link(p, q) == 0, "hard link");
	path_of(p, sizeof(p), "usr");
	must(mkdir(p, 0755) == 0, "usr");
	path_of(p, sizeof(p), "usr/bin");
	must(mkdir(p, 0755) == 0, "usr/bin");
	tap_write_file(root, "usr/bin/ping", "not really ping\n");
	path_of(p, sizeof(p), "usr/bin/ping");
	must(chmod(p, 04755) == 0, "ping");
	must(setxattr(p, "security.capability", cap_net_raw_ep, sizeof(cap_net_raw_ep), 0) == 0,
	     "security.capability");
	must(setxattr(p, "user.mkfr", "x", 1, 0) == 0 || errno == ENOTSUP, "user xattr");
	path_of(p, sizeof(p), "usr/bin/sh");
	must(symlink("dash", p) == 0, "symlink");
	path_of(p, sizeof(p), "dev");
	must(mkdir(p, 0755) == 0, "dev");
	path_of(p, sizeof(p), "dev/null");
	must(mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0, "dev/null");
	path_of(p, sizeof(p), "dev/sda1");
	must(mknod(p, S_IFBLK | 0660, makedev(8, 1)) == 0 && chown(p, 0, 6) == 0, "dev/sda1");
	path_of(p, sizeof(p), "dev/initctl");
	must(mkfifo(p, 0600) == 0, "fifo");
	/* Larger than the copy buffer, and a name longer than ustar holds. */
	path_of(p, sizeof(p), "usr/a-file-with-a-name-much-longer-than-the-hundred-bytes-a-ustar-header-"
			      "can-hold-on-its-own.bin");
	FILE *f = fopen(p, "w");
	must(f != NULL, "big file");
	for (int i = 0; i < 700000; i++)
		fprintf(f, "%d\n", i);
	fclose(f);
	/* Byte order, not locale order: "B" sorts before "a". */
	tap_write_file(root, "B", "upper\n");
	tap_write_file(root, "a", "lower\n");
	path_of(p, sizeof(p), "B");
	must(chown(p, 1000, 1000) == 0, "owner 1000");

	set_mtime("etc/shadow", 631152000);  /* 1990: kept */
	set_mtime("usr/bin/ping", 1893456000); /* 2030: clamped */
	set_mtime("usr/bin/sh", 1893456000);
}

/* Write the tree in a child process (its own pid), to `out`. */
static int write_in_child(const char *out, enum output_format format, bool clamp)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		struct tar_options o = { .format = format, .clamp = clamp, .clamp_mtime = CLAMP };
		struct mkfr_error err = { 0 };
		if (fd < 0 || tar_write_tree(root, fd, &o, NULL, &err) < 0) {
			printf("# %s\n", err.msg);
			_exit(1);
		}
		_exit(close(fd) == 0 ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int run(const char *cmd)
{
	return system(cmd);
}

static int same_file(const char *a, const char *b)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", a, b);
	return run(cmd) == 0;
}

struct seen {
	char names[64][200];
	int n;
	bool clamped, kept_old, hardlink, symlink, chr, blk, fifo, cap, owners, no_names;
	bool one_pax_name_fixed;
};

static void read_back(const char *tarball, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	s->no_names = true;
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (archive_read_open_filename(a, tarball, 10240) != ARCHIVE_OK) {
		printf("# %s\n", archive_error_string(a));
		archive_read_free(a);
		return;
	}
	struct archive_entry *e;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		if (s->n < 64)
			snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", name);
		if ((archive_entry_uname(e) && *archive_entry_uname(e)) ||
		    (archive_entry_gname(e) && *archive_entry_gname(e)))
			s->no_names = false;
		if (!strcmp(name, "./usr/bin/ping")) {
			s->clamped = archive_entry_mtime(e) == CLAMP;
			const char *xn;
			const void *v;
			size_t len;
			archive_entry_xattr_reset(e);
			while (archive_entry_xattr_next(e, &xn, &v, &len) == ARCHIVE_OK)
				if (!strcmp(xn, "security.capability") && len == sizeof(cap_net_raw_ep) &&
				    !memcmp(v, cap_net_raw_ep, len))
					s->cap = true;
		}
		if (!strcmp(name, "./etc/shadow"))
			s->kept_old = archive_entry_mtime(e) == 631152000 && archive_entry_gid(e) == 42 &&
				      (archive_entry_mode(e) & 07777) == 0640;
		if (!strcmp(name, "./etc/shadow-hardlink"))
			s->hardlink = archive_entry_hardlink(e) && !strcmp(archive_entry_hardlink(e), "./etc/shadow");
		if (!strcmp(name, "./usr/bin/sh"))
			s->symlink = archive_entry_symlink(e) && !strcmp(archive_entry_symlink(e), "dash");
		if (!strcmp(name, "./dev/null"))
			s->chr = archive_entry_filetype(e) == AE_IFCHR && archive_entry_rdevmajor(e) == 1 &&
				 archive_entry_rdevminor(e) == 3;
		if (!strcmp(name, "./dev/sda1"))
			s->blk = archive_entry_filetype(e) == AE_IFBLK && archive_entry_rdevmajor(e) == 8 &&
				 archive_entry_rdevminor(e) == 1 && archive_entry_gid(e) == 6;
		if (!strcmp(name, "./dev/initctl"))
			s->fifo = archive_entry_filetype(e) == AE_IFIFO;
		if (!strcmp(name, "./B"))
			s->owners = archive_entry_uid(e) == 1000 && archive_entry_gid(e) == 1000;
	}
	archive_read_free(a);
}

static void test_plain(void)
{
	char t1[700], t2[700];
	snprintf(t1, sizeof(t1), "%s/one.tar", base);
	snprintf(t2, sizeof(t2), "%s/two.tar", base);
	ok(write_in_child(t1, OUTPUT_TAR, true) == 0, "tar: written");
	sleep(1); /* a time in any header would now differ */
	ok(write_in_child(t2, OUTPUT_TAR, true) == 0, "tar: written again by another process");
	ok(same_file(t1, t2), "the two tarballs are byte-identical");

	struct seen s;
	read_back(t1, &s);
	is_str(s.names[0], "./", "the first entry is the root, ./");
	static const char *const order[] = { "./B", "./a", "./dev/", "./dev/initctl", "./dev/null",
					     "./dev/sda1", "./etc/" };
	bool in_order = s.n > 7;
	for (int i = 0; in_order && i < 7; i++)
		in_order = !strcmp(s.names[i + 1], order[i]);
	ok(in_order, "entries in byte order of names (B before a), directories before their content");
	ok(s.clamped, "an mtime after the epoch is clamped to it");
	ok(s.kept_old, "an older mtime, a group and mode 0640 are kept");
	ok(s.hardlink, "a second name of a file is a hard link to the first");
	ok(s.symlink, "a symlink keeps its target");
	ok(s.chr && s.blk, "character and block devices keep major/minor and group");
	ok(s.fifo, "a FIFO is a FIFO");
	ok(s.cap, "security.capability (cap_net_raw=ep) is in the archive");
	ok(s.owners && s.no_names, "owners by number, no user or group names");

	/* GNU tar, as a user of the tarball would extract it. */
	char cmd[2048], x[700], p[900];
	struct stat a, b;
	snprintf(x, sizeof(x), "%s/x", base);
	mkdir(x, 0755);
	snprintf(cmd, sizeof(cmd), "tar -C '%s' --numeric-owner --xattrs --xattrs-include='*' -xpf '%s' 2>'%s/tar.err'",
		 x, t1, base);
	ok(run(cmd) == 0, "GNU tar extracts it");
	snprintf(p, sizeof(p), "%s/tar.err", base);
	ok(stat(p, &a) == 0 && a.st_size == 0, "without a warning (no header keyword it does not know)");
	unsigned char cap[64];
	snprintf(p, sizeof(p), "%s/usr/bin/ping", x);
	ssize_t n = getxattr(p, "security.capability", cap, sizeof(cap));
	ok(n == (ssize_t)sizeof(cap_net_raw_ep) && !memcmp(cap, cap_net_raw_ep, sizeof(cap_net_raw_ep)),
	   "GNU tar restores the file capability");
	char q[900];
	snprintf(p, sizeof(p), "%s/etc/shadow", x);
	snprintf(q, sizeof(q), "%s/etc/shadow-hardlink", x);
	ok(stat(p, &a) == 0 && stat(q, &b) == 0 && a.st_ino == b.st_ino, "GNU tar restores the hard link");
	snprintf(p, sizeof(p), "%s/dev/sda1", x);
	ok(lstat(p, &a) == 0 && S_ISBLK(a.st_mode) && a.st_rdev == makedev(8, 1), "GNU tar restores the block device");
	snprintf(p, sizeof(p), "%s/usr/bin/ping", x);
	ok(lstat(p, &a) == 0 && (a.st_mode & 07777) == 04755, "GNU tar restores the setuid mode");
	/* diff cannot compare device nodes: their checks are above. */
	snprintf(cmd, sizeof(cmd), "diff -r --no-dereference -x dev '%s' '%s'", root, x);
	ok(run(cmd) == 0, "file contents are the same after extraction");
}

static void test_compressed(void)
{
	static const struct {
		enum output_format f;
		const char *ext;
	} fs[] = { { OUTPUT_TAR_GZ, "tar.gz" }, { OUTPUT_TAR_XZ, "tar.xz" }, { OUTPUT_TAR_ZST, "tar.zst" } };
	char plain[700];
	snprintf(plain, sizeof(plain), "%s/one.tar", base);
	for (size_t i = 0; i < 3; i++) {
		char t1[700], t2[700], cmd[2048];
		struct mkfr_error err = { 0 };
		ok(tar_format_check(fs[i].f, &err) == 0, "%s: this libarchive compresses it itself", fs[i].ext);
		snprintf(t1, sizeof(t1), "%s/one.%s", base, fs[i].ext);
		snprintf(t2, sizeof(t2), "%s/two.%s", base, fs[i].ext);
		ok(write_in_child(t1, fs[i].f, true) == 0, "%s: written", fs[i].ext);
		snprintf(cmd, sizeof(cmd), "tar -tf '%s' >/dev/null 2>&1", t1);
		ok(run(cmd) == 0, "%s: GNU tar lists it", fs[i].ext);
		/* The decompressed stream is the plain tarball, byte for byte. */
		snprintf(cmd, sizeof(cmd), "%s -dc < '%s' | cmp -s - '%s'",
			 fs[i].f == OUTPUT_TAR_GZ ? "gzip" : fs[i].f == OUTPUT_TAR_XZ ? "xz" : "zstd", t1, plain);
		ok(run(cmd) == 0, "%s: decompresses to the plain tarball", fs[i].ext);
		if (fs[i].f == OUTPUT_TAR_GZ) {
			sleep(1);
			ok(write_in_child(t2, fs[i].f, true) == 0 && same_file(t1, t2),
			   "tar.gz: no time in the gzip header (written twice: identical)");
		}
	}
}

static void test_format_names(void)
{
	enum output_format f;
	ok(output_format_from_path("/x/rootfs.tar") == OUTPUT_TAR &&
	   output_format_from_path("r.tgz") == OUTPUT_TAR_GZ &&
	   output_format_from_path("r.tar.gz") == OUTPUT_TAR_GZ &&
	   output_format_from_path("r.tar.xz") == OUTPUT_TAR_XZ &&
	   output_format_from_path("r.tar.zst") == OUTPUT_TAR_ZST &&
	   output_format_from_path("rootfs") == OUTPUT_DIR &&
	   output_format_from_path("r.tar/") == OUTPUT_DIR &&
	   output_format_from_path(".tar") == OUTPUT_DIR,
	   "format from OUT's name");
	ok(output_format_parse("tar.zst", &f) == 0 && f == OUTPUT_TAR_ZST &&
	   output_format_parse("zip", &f) < 0, "format names");
}

/* The output stage: a success leaves OUT and nothing else; a signal
 * during the write leaves nothing at all. */
static void test_output_stage(void)
{
	char work[700], out[700], part[800], cmd[2048];
	struct build_options opts = { 0 };
	struct build b = { .opts = &opts, .format = OUTPUT_TAR, .work = work, .out = out,
			   .out_part = part, .work_created = true };
	struct mkfr_error err = { 0 };
	snprintf(work, sizeof(work), "%s/.mkfr-1-out.tar", base);
	snprintf(out, sizeof(out), "%s/out.tar", base);
	snprintf(part, sizeof(part), "%s.part", work);
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", root, work);
	ok(run(cmd) == 0, "a work directory");
	ok(stage_output.run(&b, &err) == 0, "output stage writes the tarball");
	ok(access(out, F_OK) == 0 && access(part, F_OK) != 0 && access(work, F_OK) != 0 && !b.work_created,
	   "OUT exists; the temp file and the work directory are gone");
	b.completed = true; /* as pipeline_run says when every stage ran */
	stage_output.undo(&b);
	ok(access(out, F_OK) == 0, "undo after a complete build keeps OUT");

	/* A later stage (the manifest) failed: OUT goes too. */
	ok(run(cmd) == 0, "a work directory again");
	unlink(out);
	b.work_created = true;
	b.completed = false;
	ok(stage_output.run(&b, &err) == 0 && access(out, F_OK) == 0, "the tarball again");
	stage_output.undo(&b);
	ok(access(out, F_OK) != 0, "undo of a build that did not complete removes OUT");

	unlink(out);
	ok(run(cmd) == 0, "a work directory again");
	b.work_created = true;
	signals_install();
	raise(SIGINT); /* as Ctrl-C: the handler records it */
	ok(stage_output.run(&b, &err) < 0, "an interrupted write fails");
	contains(err.msg, "interrupted", "and says so");
	stage_output.undo(&b);
	ok(access(out, F_OK) != 0 && access(part, F_OK) != 0, "no OUT and no temp file left");
}

static bool skip_dev(const char *path, const struct stat *st, void *data)
{
	(void)st;
	(*(int *)data)++;
	return strcmp(path, "./dev") == 0;
}

/* Write `root` with tar_writer (zstd, as snapshots are), unpack it with
 * tar_extract into a new directory: the same tree. */
static void test_extract(void)
{
	char snap[700], x[700], p[900], q[900], cmd[2048];
	struct stat a, b;
	snprintf(snap, sizeof(snap), "%s/snap.tar.zst", base);
	snprintf(x, sizeof(x), "%s/unpacked", base);
	int fd = open(snap, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct tar_options o = { .format = OUTPUT_TAR_ZST };
	struct tar_stats ws, rs;
	struct mkfr_error err = { 0 };
	ok(fd >= 0 && tar_write_tree(root, fd, &o, &ws, &err) == 0 && close(fd) == 0,
	   "extract: a zstd snapshot of the tree written");
	mkdir(x, 0700);
	ok(tar_extract_tree(snap, x, &rs, &err) == 0, "extract: unpacked (%s)", err.msg);
	ok(rs.entries == ws.entries && rs.bytes == ws.bytes, "extract: as many entries (%llu) and bytes",
	   (unsigned long long)rs.entries);
	ok(stat(x, &a) == 0 && (a.st_mode & 07777) == 0755, "extract: the root takes the tree's mode");
	unsigned char cap[64];
	snprintf(p, sizeof(p), "%s/usr/bin/ping", x);
	ssize_t n = getxattr(p, "security.capability", cap, sizeof(cap));
	ok(n == (ssize_t)sizeof(cap_net_raw_ep) && !memcmp(cap, cap_net_raw_ep, sizeof(cap_net_raw_ep)),
	   "extract: the file capability survives (set after the owner)");
	ok(lstat(p, &a) == 0 && (a.st_mode & 07777) == 04755, "extract: the setuid mode survives");
	ok(lstat(p, &a) == 0 && a.st_mtime == 1893456000, "extract: an unclamped mtime is kept");
	snprintf(p, sizeof(p), "%s/etc/shadow", x);
	snprintf(q, sizeof(q), "%s/etc/shadow-hardlink", x);
	ok(stat(p, &a) == 0 && stat(q, &b) == 0 && a.st_ino == b.st_ino && a.st_gid == 42 &&
	   (a.st_mode & 07777) == 0640, "extract: hard link, group and mode");
	snprintf(p, sizeof(p), "%s/B", x);
	ok(lstat(p, &a) == 0 && a.st_uid == 1000 && a.st_gid == 1000, "extract: owners by number");
	snprintf(p, sizeof(p), "%s/dev/sda1", x);
	snprintf(q, sizeof(q), "%s/dev/null", x);
	ok(lstat(p, &a) == 0 && S_ISBLK(a.st_mode) && a.st_rdev == makedev(8, 1) && a.st_gid == 6 &&
	   lstat(q, &b) == 0 && S_ISCHR(b.st_mode) && b.st_rdev == makedev(1, 3),
	   "extract: block and character devices");
	snprintf(p, sizeof(p), "%s/dev/initctl", x);
	ok(lstat(p, &a) == 0 && S_ISFIFO(a.st_mode), "extract: the FIFO");
	snprintf(p, sizeof(p), "%s/usr/bin/sh", x);
	char target[64] = "";
	ok(readlink(p, target, sizeof(target) - 1) == 4 && !strcmp(target, "dash"), "extract: the symlink");
	snprintf(cmd, sizeof(cmd), "diff -r --no-dereference -x dev '%s' '%s'", root, x);
	ok(run(cmd) == 0, "extract: file contents are the same");

	/* A full disk: libarchive only warns when write(2) fails, which must
	 * not leave short files behind a success. */
	snprintf(x, sizeof(x), "%s/full", base);
	mkdir(x, 0700);
	if (mount("mkfr-test-full", x, "tmpfs", 0, "size=1m") == 0) {
		ok(tar_extract_tree(snap, x, &rs, &err) < 0, "extract onto a full disk fails");
		ok(err.errnum == ENOSPC, "with ENOSPC, not as a damaged tarball (%s)", err.msg);
		umount(x);
	} else {
		ok(0, "a 1 MiB tmpfs to fill: %s", strerror(errno));
	}
	rmdir(x);

	/* The skip filter: ./dev and everything below it left out. */
	int calls = 0;
	o.skip = skip_dev;
	o.skip_data = &calls;
	fd = open(snap, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ok(fd >= 0 && tar_write_tree(root, fd, &o, &ws, &err) == 0 && close(fd) == 0 && calls > 0,
	   "skip: written with a filter (asked %d times)", calls);
	snprintf(x, sizeof(x), "%s/unpacked-skip", base);
	mkdir(x, 0700);
	snprintf(p, sizeof(p), "%s/dev", x);
	snprintf(q, sizeof(q), "%s/etc/shadow", x);
	ok(tar_extract_tree(snap, x, &rs, &err) == 0 && access(p, F_OK) != 0 && access(q, F_OK) == 0,
	   "skip: ./dev is not in it, the rest is");

	/* Truncated: refused, named as damaged. */
	snprintf(cmd, sizeof(cmd), "truncate -s 20000 '%s'", snap);
	ok(run(cmd) == 0, "a truncated snapshot");
	snprintf(x, sizeof(x), "%s/unpacked-bad", base);
	mkdir(x, 0700);
	ok(tar_extract_tree(snap, x, &rs, &err) < 0, "truncated: refused");
	contains(err.msg, "damaged", "truncated: said to be damaged");
	ok(err.errnum == EBADMSG, "truncated: EBADMSG, so the base cache drops the entry");
}

/* A tarball that is not ours, with names that climb out of the root. */
static void test_extract_refuses_escapes(void)
{
	static const char *const names[] = { "../escaped", "./a/../../escaped", "/escaped", "etc/x" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char t[700], x[700], outside[700];
		snprintf(t, sizeof(t), "%s/evil.tar", base);
		snprintf(x, sizeof(x), "%s/evil-root/inner", base);
		snprintf(outside, sizeof(outside), "%s/evil-root/escaped", base);
		struct archive *a = archive_write_new();
		archive_write_set_format_pax_restricted(a);
		archive_write_open_filename(a, t);
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, 3);
		archive_write_header(a, e);
		archive_write_data(a, "bad", 3);
		archive_entry_free(e);
		archive_write_close(a);
		archive_write_free(a);
		char cmd[1024];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s/evil-root' && mkdir -p '%s'", base, x);
		run(cmd);
		struct mkfr_error err = { 0 };
		ok(tar_extract_tree(t, x, NULL, &err) < 0 && access(outside, F_OK) != 0 &&
		   tap_count_entries(x) == 0, "the name %s is refused, nothing written", names[i]);
	}
}

/* A tarball whose "./" is a symlink: it must not replace the root, or
 * every later entry (and the caller) would follow it elsewhere.  Found by
 * tests/fuzz/fuzz_tar.c (corpus tar/05-root-as-symlink.tar.gz).  ("./" as
 * a file is read as a directory: its name ends in '/'.) */
static void test_extract_keeps_the_root(void)
{
	char t[700], x[700], elsewhere[700], cmd[1400];
	snprintf(t, sizeof(t), "%s/evil-top.tar", base);
	snprintf(x, sizeof(x), "%s/evil-top/root", base);
	snprintf(elsewhere, sizeof(elsewhere), "%s/evil-top/elsewhere", base);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' '%s'", x, elsewhere);
	run(cmd);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_open_filename(a, t);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "./");
	archive_entry_set_filetype(e, AE_IFLNK);
	archive_entry_set_perm(e, 0777);
	archive_entry_set_symlink(e, "../elsewhere");
	archive_write_header(a, e);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "./y");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 3);
	archive_write_header(a, e);
	archive_write_data(a, "bad", 3);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	struct mkfr_error err = { 0 };
	struct stat st;
	ok(tar_extract_tree(t, x, NULL, &err) < 0, "./ as a symlink: refused");
	contains(err.msg, "damaged", "./ as a symlink: said to be damaged");
	ok(lstat(x, &st) == 0 && S_ISDIR(st.st_mode) && tap_count_entries(x) == 0 &&
		   tap_count_entries(elsewhere) == 0,
	   "./ as a symlink: the root is still an empty directory, nothing written beside it");
}

/* A /dev as a rootless build's first stage leaves it (no nodes, ptmx a
 * link), written with debootstrap's devices as tar_options.nodes. */
static void test_device_nodes(void)
{
	char tree[700], p[800], tarball[700];
	snprintf(tree, sizeof(tree), "%s/rootless", base);
	must(mkdir(tree, 0755) == 0, "rootless tree");
	snprintf(p, sizeof(p), "%s/dev", tree);
	must(mkdir(p, 0755) == 0, "dev");
	snprintf(p, sizeof(p), "%s/dev/ptmx", tree);
	must(symlink("pts/ptmx", p) == 0, "ptmx link");
	snprintf(p, sizeof(p), "%s/dev/pts", tree);
	must(mkdir(p, 0755) == 0, "pts");
	snprintf(p, sizeof(p), "%s/dev", tree);
	struct timespec dev_time[2] = { { 1600000000, 0 }, { 1600000000, 0 } };
	must(utimensat(AT_FDCWD, p, dev_time, 0) == 0, "dev mtime");
	snprintf(tarball, sizeof(tarball), "%s/rootless.tar", base);
	/* One more node, in a directory the tree does not have. */
	struct tar_node nodes[16];
	memcpy(nodes, debootstrap_devices, debootstrap_device_count * sizeof(nodes[0]));
	nodes[debootstrap_device_count] = (struct tar_node){ "./nodir/null", S_IFCHR | 0666, 1, 3 };
	struct tar_options o = { .format = OUTPUT_TAR, .nodes = nodes, .n_nodes = debootstrap_device_count + 1 };
	struct mkfr_error err = { 0 };
	int fd = open(tarball, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ok(fd >= 0 && tar_write_tree(tree, fd, &o, NULL, &err) == 0 && close(fd) == 0,
	   "nodes: written (%s)", err.msg);

	struct archive *a = archive_read_new();
	archive_read_support_format_all(a);
	struct archive_entry *e;
	char order[1024] = "";
	int nodes_seen = 0, nodes_right = 0;
	bool ptmx_node = false, stray = false;
	if (archive_read_open_filename(a, tarball, 10240) == ARCHIVE_OK)
		while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
			const char *name = archive_entry_pathname(e);
			snprintf(order + strlen(order), sizeof(order) - strlen(order), "%s ", name);
			stray |= strncmp(name, "./nodir", 7) == 0;
			for (size_t i = 0; i < debootstrap_device_count; i++) {
				const struct tar_node *n = &debootstrap_devices[i];
				if (strcmp(name, n->path) != 0)
					continue;
				nodes_seen++;
				nodes_right += archive_entry_filetype(e) == AE_IFCHR &&
					       (archive_entry_mode(e) & 07777) == 0666 &&
					       archive_entry_rdevmajor(e) == n->major &&
					       archive_entry_rdevminor(e) == n->minor &&
					       archive_entry_uid(e) == 0 && archive_entry_gid(e) == 0 &&
					       archive_entry_mtime(e) == 1600000000 && !archive_entry_hardlink(e);
				if (!strcmp(name, "./dev/ptmx"))
					ptmx_node = archive_entry_filetype(e) == AE_IFCHR && !archive_entry_symlink(e);
			}
		}
	archive_read_free(a);
	ok(nodes_seen == (int)debootstrap_device_count && nodes_right == nodes_seen,
	   "nodes: all %zu of debootstrap's devices, character devices 0666 of 0:0 with /dev's mtime "
	   "(%d seen, %d right)", debootstrap_device_count, nodes_seen, nodes_right);
	ok(ptmx_node, "nodes: ./dev/ptmx is the node, in place of the tree's symlink");
	is_str(order, "./ ./dev/ ./dev/console ./dev/full ./dev/null ./dev/ptmx ./dev/pts/ ./dev/random "
		      "./dev/tty ./dev/urandom ./dev/zero ",
	       "nodes: in byte order among the tree's own entries, each once");
	ok(!stray, "nodes: one whose directory is not in the tree is not written");
}

int main(void)
{
	if (geteuid() != 0)
		tap_skip_all("needs root (owners, device nodes, security.capability)");
	must(mkdtemp(base) != NULL, "mkdtemp");
	make_tree();
	test_format_names();
	test_plain();
	test_compressed();
	test_extract();
	test_extract_refuses_escapes();
	test_extract_keeps_the_root();
	test_device_nodes();
	test_output_stage(); /* last: it leaves a SIGINT pending */
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	run(cmd);
	return tap_done();
}
