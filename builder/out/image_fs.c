/* SPDX-License-Identifier: MIT */
#include "out/image_fs.h"

#include "sys/signals.h"
#include "sys/spawn.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/sha256.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <ext2fs/ext2fs.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK 4096u
#define INODE_SIZE 256u

static const struct image_tool tools[] = {
	[OUTPUT_EXT4] = { "mke2fs", "e2fsprogs" },
	[OUTPUT_SQUASHFS] = { "mksquashfs", "squashfs-tools" },
	[OUTPUT_EROFS] = { "mkfs.erofs", "erofs-utils" },
};

const struct image_tool *image_fs_tool(enum output_format f)
{
	if ((size_t)f < sizeof(tools) / sizeof(tools[0]) && tools[f].program)
		return &tools[f];
	return NULL;
}

char *image_fs_find_tool(enum output_format f, const char *path, struct mkfr_error *err)
{
	const struct image_tool *t = image_fs_tool(f);
	if (!t) {
		mkfr_fail_usage(err, "format=%s needs no image tool", output_format_name(f));
		return NULL;
	}
	char *found = path && *path ? spawn_find_program(t->program, path) : NULL;
	if (!found)
		mkfr_fail_usage(err, "format=%s needs %s, which is not in PATH (%s): install the "
				"Debian package %s", output_format_name(f), t->program,
				path && *path ? path : "unset", t->package);
	return found;
}

/* ---- measuring a tree ---------------------------------------------------- */

struct measure {
	dev_t dev;
	double data_blocks, inodes; /* fractions: a hard-linked file counts 1/nlink per name */
	uint64_t bytes;
	struct mkfr_error *err;
};

static uint64_t blocks_for(uint64_t bytes)
{
	return (bytes + BLOCK - 1) / BLOCK;
}

static int measure_dir(struct measure *m, int fd, const char *path);

static int measure_entry(struct measure *m, int dirfd, const char *name, const char *path,
			 uint64_t *dir_bytes)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return mkfr_fail(m->err, errno, "cannot stat %s", path);
	/* An ext4 directory entry: 8 bytes and the name padded to 4. */
	*dir_bytes += 8 + ((strlen(name) + 3) & ~(size_t)3);
	double share = S_ISDIR(st.st_mode) || st.st_nlink < 1 ? 1.0 : 1.0 / (double)st.st_nlink;
	m->inodes += share;
	if (S_ISREG(st.st_mode)) {
		uint64_t b = blocks_for((uint64_t)st.st_size);
		/* One extent maps at most 128 MiB; past four, a tree block. */
		b += b / 32768;
		m->data_blocks += (double)b * share;
		m->bytes += (uint64_t)((double)st.st_size * share);
	} else if (S_ISLNK(st.st_mode) && st.st_size >= 60) {
		m->data_blocks += 1; /* shorter targets live in the inode */
	} else if (S_ISDIR(st.st_mode) && st.st_dev == m->dev) {
		int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return mkfr_fail(m->err, errno, "cannot open %s", path);
		return measure_dir(m, fd, path);
	}
	return 0;
}

/* Takes dirfd. */
static int measure_dir(struct measure *m, int fd, const char *path)
{
	autoclosedir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return mkfr_fail(m->err, errno, "cannot read %s", path);
	}
	uint64_t dir_bytes = 24; /* "." and ".." */
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (signals_pending())
			return mkfr_fail(m->err, 0, "interrupted by %s", strsignal(signals_pending()));
		autofree char *child = xasprintf("%s/%s", path, de->d_name);
		if (measure_entry(m, dirfd(d), de->d_name, child, &dir_bytes) < 0)
			return -1;
		errno = 0;
	}
	if (errno)
		return mkfr_fail(m->err, errno, "cannot read %s", path);
	/* Blocks are filled to about three quarters once a directory is
	 * hashed (htree), and each carries a 12-byte checksum tail. */
	m->data_blocks += (double)((dir_bytes + 3071) / 3072);
	return 0;
}

int image_fs_measure(const char *root, struct tree_usage *u, struct mkfr_error *err)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return mkfr_fail(err, errno, "cannot open %s", root);
	}
	struct measure m = { .dev = st.st_dev, .inodes = 1, .err = err };
	if (measure_dir(&m, fd, root) < 0)
		return -1;
	*u = (struct tree_usage){
		.data_blocks = (uint64_t)(m.data_blocks + 0.999),
		.inodes = (uint64_t)(m.inodes + 0.999),
		.bytes = m.bytes,
	};
	return 0;
}

/* ---- ext4 size ----------------------------------------------------------- */

/* e2fsprogs' ext2fs_default_journal_size(), in blocks of 4 KiB, so the
 * estimate counts the journal mke2fs will make. */
static uint64_t journal_blocks(uint64_t fs_blocks)
{
	/* Below `below` blocks of file system, a journal of `blocks`. */
	static const struct {
		uint64_t below, blocks;
	} steps[] = {
		{ 2048, 0 },
		{ 32768, 1024 },
		{ 256 * 1024, 4096 },
		{ 512 * 1024, 8192 },
		{ 4096 * 1024, 16384 },
		{ 8192 * 1024, 32768 },
		{ 16384 * 1024, 65536 },
		{ 32768 * 1024, 131072 },
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (fs_blocks < steps[i].below)
			return steps[i].blocks;
	return 262144;
}

void image_fs_ext4_size(const struct tree_usage *u, const struct image_headroom *h,
			uint64_t *bytes, uint64_t *inodes)
{
	uint64_t content = u->data_blocks * BLOCK;
	uint64_t extra = h->bytes ? h->bytes : content / 100 * h->percent;
	/* Inodes grow with the headroom too (the files that will fill it),
	 * plus the 11 reserved ones and lost+found. */
	uint64_t n = u->inodes + (content ? u->inodes * extra / content : 0) + 64;
	n = (n + 1023) / 1024 * 1024;
	uint64_t blocks = (content + extra) / BLOCK + n * INODE_SIZE / BLOCK;
	/* Per 32768-block group: bitmaps, group descriptors, backup
	 * superblocks and the blocks reserved for online growth; 3% and a
	 * fixed 16 MiB cover them with room to spare. */
	blocks += blocks * 3 / 100 + 4096;
	blocks += journal_blocks(blocks);
	uint64_t b = blocks * BLOCK;
	const uint64_t mib = 1024 * 1024;
	*bytes = (b + mib - 1) / mib * mib;
	*inodes = n;
}

void image_fs_uuid(const char *seed, const char *purpose, char out[37])
{
	char hex[SHA256_HEX_SIZE];
	struct mkfr_error err;
	autofree char *text = xasprintf("%s/%s", seed, purpose);
	if (sha256_buffer_hex(text, strlen(text), hex, &err) < 0)
		memset(hex, '0', 64);
	sha256_hex_uuid(hex, out);
}

/* ---- running the tools --------------------------------------------------- */

static int run_tool(const char *what, char **argv, char **env, int log_fd, struct mkfr_error *err)
{
	struct spawn_result res;
	struct spawn_opts o = { .argv = argv, .env_extra = env, .log_fd = log_fd };
	if (spawn_run(&o, &res, err) < 0)
		return mkfr_error_prefix(err, "%s", what);
	if (res.status != 0) {
		spawn_print_tail(&res, what);
		return mkfr_fail(err, 0, "%s failed (exit %d): %s", what, res.status,
				 res.tail_count ? res.tail[res.tail_count - 1] : "no output");
	}
	return 0;
}

/* mke2fs copies each file's atime and ctime from the tree as it is (the
 * build's times, and a ctime nothing can set), and e2fsprogs 1.47.0 has
 * no option to clamp them: so after it, every inode's times are clamped
 * to the epoch here, through libext2fs (the checksums are recomputed on
 * write), and the superblock's write time is the epoch too. */
static int ext4_clamp_times(const char *image, time_t epoch, struct mkfr_error *err)
{
	ext2_filsys fs = NULL;
	errcode_t e = ext2fs_open(image, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs);
	if (e)
		return mkfr_fail(err, 0, "libext2fs: cannot open %s (error %ld)", image, (long)e);
	fs->now = epoch;
	ext2_inode_scan scan = NULL;
	e = ext2fs_open_inode_scan(fs, 0, &scan);
	size_t size = EXT2_INODE_SIZE(fs->super);
	autofree struct ext2_inode_large *inode = xcalloc(1, size < sizeof(*inode) ? sizeof(*inode) : size);
	ext2_ino_t ino = 0;
	uint32_t t = (uint32_t)epoch;
	uint64_t changed = 0;
	while (!e && !(e = ext2fs_get_next_inode_full(scan, &ino, (struct ext2_inode *)inode, (int)size)) && ino) {
		if (!inode->i_links_count && !inode->i_mode)
			continue;
		bool dirty = false;
		if (inode->i_atime > t)
			inode->i_atime = t, dirty = true;
		if (inode->i_ctime > t)
			inode->i_ctime = t, dirty = true;
		if (inode->i_mtime > t)
			inode->i_mtime = t, dirty = true;
		if (size > EXT2_GOOD_OLD_INODE_SIZE && inode->i_extra_isize >= 24 && inode->i_crtime > t)
			inode->i_crtime = t, dirty = true;
		if (dirty) {
			if (size > EXT2_GOOD_OLD_INODE_SIZE)
				inode->i_atime_extra = inode->i_ctime_extra = inode->i_mtime_extra =
					inode->i_crtime_extra = 0;
			e = ext2fs_write_inode_full(fs, ino, (struct ext2_inode *)inode, (int)size);
			changed++;
		}
	}
	if (scan)
		ext2fs_close_inode_scan(scan);
	if (e) {
		ext2fs_close_free(&fs);
		return mkfr_fail(err, 0, "libext2fs: cannot clamp the times of inode %u of %s (error %ld)",
				 ino, image, (long)e);
	}
	fs->super->s_wtime = t;
	ext2fs_mark_super_dirty(fs);
	e = ext2fs_close_free(&fs);
	if (e)
		return mkfr_fail(err, 0, "libext2fs: cannot write %s (error %ld)", image, (long)e);
	log_verbose("ext4: times of %llu inodes clamped to %lld", (unsigned long long)changed,
		    (long long)epoch);
	return 0;
}

static int write_ext4(const char *root, const char *image, const struct image_fs_options *o,
		      struct image_fs_stats *stats, struct mkfr_error *err)
{
	struct tree_usage u;
	if (image_fs_measure(root, &u, err) < 0)
		return -1;
	uint64_t bytes, inodes;
	image_fs_ext4_size(&u, &o->headroom, &bytes, &inodes);
	if (o->size) {
		bytes = o->size;
		/* A fixed size: as many inodes as mke2fs's own ratio (16 KiB a
		 * inode) gives, but never fewer than the tree needs. */
		uint64_t by_ratio = bytes / 16384;
		inodes = by_ratio > u.inodes + 64 ? by_ratio : u.inodes + 64;
	}
	stats->inodes = inodes;
	log_info("output: ext4 of %.0f MiB for %.1f MiB in %llu inodes", (double)bytes / 1048576.0,
		 (double)u.data_blocks * BLOCK / 1048576.0, (unsigned long long)u.inodes);

	autostrv char **argv = strv_new();
	autostrv char **env = strv_new();
	strv_push(&argv, o->tool);
	/* -F: the image is a regular file we just created, not a device.
	 * 4 KiB blocks and 256-byte inodes (room for xattrs such as file
	 * capabilities inside the inode; nanosecond and creation times).
	 * -m 0: the headroom is the free space, for everyone: an image has
	 * no root-only reserve to keep a system alive on.  -d copies owners,
	 * modes, device nodes, symlinks, hard links and xattrs. */
	strv_push(&argv, "-q");
	strv_push(&argv, "-F");
	strv_push(&argv, "-t");
	strv_push(&argv, "ext4");
	strv_push(&argv, "-b");
	strv_pushf(&argv, "%u", BLOCK);
	strv_push(&argv, "-I");
	strv_pushf(&argv, "%u", INODE_SIZE);
	strv_push(&argv, "-N");
	strv_pushf(&argv, "%llu", (unsigned long long)inodes);
	strv_push(&argv, "-m");
	strv_push(&argv, "0");
	strv_push(&argv, "-d");
	strv_push(&argv, root);
	if (o->reproducible) {
		/* The filesystem UUID and the seed of the directory hash are
		 * otherwise random; E2FSPROGS_FAKE_TIME is e2fsprogs' own
		 * "now" (creation, last write and check times, each inode's
		 * creation time). */
		char uuid[37], seed[37];
		image_fs_uuid(o->uuid_seed, "ext4-uuid", uuid);
		image_fs_uuid(o->uuid_seed, "ext4-hash-seed", seed);
		strv_push(&argv, "-U");
		strv_push(&argv, uuid);
		strv_push(&argv, "-E");
		strv_pushf(&argv, "hash_seed=%s", seed);
		strv_pushf(&env, "E2FSPROGS_FAKE_TIME=%lld", (long long)o->epoch);
	}
	strv_push(&argv, image);
	strv_pushf(&argv, "%lluk", (unsigned long long)(bytes / 1024));
	if (run_tool("mke2fs", argv, env, o->log_fd, err) < 0) {
		if (o->size)
			mkfr_error_prefix(err, "image_size=%llu bytes (is it large enough for %.0f MiB?)",
					  (unsigned long long)o->size, (double)u.data_blocks * BLOCK / 1048576.0);
		return -1;
	}
	if (o->reproducible && ext4_clamp_times(image, o->epoch, err) < 0)
		return -1;
	return 0;
}

static int write_squashfs(const char *root, const char *image, const struct image_fs_options *o,
			  struct mkfr_error *err)
{
	autostrv char **argv = strv_new();
	autostrv char **env = strv_new();
	strv_push(&argv, o->tool);
	strv_push(&argv, root);
	strv_push(&argv, image);
	/* -noappend: the empty file we created is not a squashfs to add to.
	 * -reproducible (4.5's default, said anyway): the same tree in the
	 * same order of bytes, whatever the number of threads.  xattrs are
	 * kept (file capabilities). */
	strv_push(&argv, "-noappend");
	strv_push(&argv, "-reproducible");
	strv_push(&argv, "-xattrs");
	strv_push(&argv, "-no-progress");
	strv_push(&argv, "-comp");
	strv_push(&argv, o->compression ? o->compression : "zstd");
	/* mksquashfs takes the epoch from SOURCE_DATE_EPOCH: the mkfs time,
	 * and every file time after it clamped.  It refuses -mkfs-time
	 * alongside it, so only the variable is given. */
	if (o->reproducible && !getenv("SOURCE_DATE_EPOCH"))
		strv_pushf(&env, "SOURCE_DATE_EPOCH=%lld", (long long)o->epoch);
	return run_tool("mksquashfs", argv, env, o->log_fd, err);
}

static int write_erofs(const char *root, const char *image, const struct image_fs_options *o,
		       struct mkfr_error *err)
{
	autostrv char **argv = strv_new();
	autostrv char **env = strv_new();
	strv_push(&argv, o->tool);
	strv_push(&argv, "--quiet");
	if (o->compression && strcmp(o->compression, "none") != 0)
		strv_pushf(&argv, "-z%s", o->compression);
	if (o->reproducible) {
		/* erofs-utils 1.5 reads SOURCE_DATE_EPOCH as the build time
		 * and then keeps each file's own (clamped) mtime in an extended
		 * inode; -T would instead give every file the epoch.  The UUID
		 * is otherwise random. */
		char uuid[37];
		image_fs_uuid(o->uuid_seed, "erofs-uuid", uuid);
		strv_pushf(&argv, "-U%s", uuid);
		if (!getenv("SOURCE_DATE_EPOCH"))
			strv_pushf(&env, "SOURCE_DATE_EPOCH=%lld", (long long)o->epoch);
	}
	strv_push(&argv, image);
	strv_push(&argv, root);
	return run_tool("mkfs.erofs", argv, env, o->log_fd, err);
}

int image_fs_write(const char *root, const char *image, const struct image_fs_options *o,
		   struct image_fs_stats *stats, struct mkfr_error *err)
{
	struct image_fs_stats ignored;
	if (!stats)
		stats = &ignored;
	*stats = (struct image_fs_stats){ 0 };
	int r;
	switch (o->format) {
	case OUTPUT_EXT4:
		r = write_ext4(root, image, o, stats, err);
		break;
	case OUTPUT_SQUASHFS:
		r = write_squashfs(root, image, o, err);
		break;
	case OUTPUT_EROFS:
		r = write_erofs(root, image, o, err);
		break;
	default:
		return mkfr_fail(err, EINVAL, "format=%s is not a filesystem image", output_format_name(o->format));
	}
	if (r < 0)
		return -1;
	struct stat st;
	if (stat(image, &st) < 0)
		return mkfr_fail(err, errno, "cannot stat %s", image);
	stats->image_bytes = (uint64_t)st.st_size;
	return 0;
}
