/* SPDX-License-Identifier: MIT */
#include "out/tar_writer.h"

#include "out/parallel_gzip.h"
#include "out/zstd_stream.h"
#include "sys/signals.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/cpu_count.h"
#include "util/log.h"
#include "util/strv.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* File data goes through one buffer of this size, whatever the file's. */
#define CHUNK_SIZE (256 * 1024)

static void cleanup_archivep(struct archive **a)
{
	if (*a)
		archive_write_free(*a);
}

static void cleanup_entryp(struct archive_entry **e)
{
	if (*e)
		archive_entry_free(*e);
}

static void cleanup_resolverp(struct archive_entry_linkresolver **r)
{
	if (*r)
		archive_entry_linkresolver_free(*r);
}

#define autoarchive __attribute__((cleanup(cleanup_archivep)))
#define autoentry __attribute__((cleanup(cleanup_entryp)))
#define autoresolver __attribute__((cleanup(cleanup_resolverp)))

struct walk {
	struct archive *a;
	struct archive_entry_linkresolver *links;
	const struct tar_options *o;
	struct tar_stats *stats;
	dev_t dev; /* the root's filesystem: never left */
	char *buf;
	struct mkfr_error *err;
};

/* gzip and zstd are ours, libarchive writing plain tar into them
 * (parallel_gzip.c: libarchive's gzip is one thread; zstd_stream.c:
 * libarchive's zstd threads cannot be held to a memory bound); xz is
 * libarchive's, with threads. */
static int add_filter(struct archive *a, enum output_format f)
{
	switch (f) {
	case OUTPUT_TAR:
	case OUTPUT_TAR_GZ:
	case OUTPUT_TAR_ZST:
		return archive_write_add_filter_none(a);
	case OUTPUT_TAR_XZ:
		return archive_write_add_filter_xz(a);
	default: /* not a tarball format */
		break;
	}
	return ARCHIVE_FATAL;
}

/* Threads for xz: at least 2, because xz's multi-threaded encoder gives
 * the same bytes for any number of threads from 2 on, and other bytes in
 * its one-thread mode: a reproducible tarball must not depend on the
 * machine's cores.  At most 4: about 90 MiB a thread at xz's default
 * level, and a many-core builder must not spend gigabytes on one tarball. */
#define XZ_MAX_THREADS 4

static int set_threads(struct archive *a, enum output_format f)
{
	if (f != OUTPUT_TAR_XZ)
		return ARCHIVE_OK;
	unsigned n = cpu_count();
	n = n < 2 ? 2 : n > XZ_MAX_THREADS ? XZ_MAX_THREADS : n;
	char threads[16];
	snprintf(threads, sizeof(threads), "%u", n);
	return archive_write_set_filter_option(a, "xz", "threads", threads);
}

static struct archive *new_writer(enum output_format f, struct mkfr_error *err)
{
	autoarchive struct archive *a = archive_write_new();
	if (!a) {
		mkfr_fail(err, ENOMEM, "libarchive");
		return NULL;
	}
	/* pax, restricted: plain ustar headers, plus an extended header only
	 * for what ustar cannot hold (long names, xattrs).  Its header names
	 * are "dir/PaxHeader/name": no pid or time in them. */
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK) {
		mkfr_fail(err, 0, "libarchive: pax format: %s", archive_error_string(a));
		return NULL;
	}
	/* Extended attributes as SCHILY.xattr.NAME only, the form GNU tar and
	 * star read (libarchive's own LIBARCHIVE.xattr copy makes GNU tar
	 * warn about every file that has one). */
	if (archive_write_set_format_option(a, "pax", "xattrheader", "SCHILY") != ARCHIVE_OK) {
		mkfr_fail(err, 0, "libarchive: pax xattrheader: %s", archive_error_string(a));
		return NULL;
	}
	/* ARCHIVE_WARN means libarchive would pipe through an external
	 * program instead of its own code: refuse, rather than depend on
	 * whatever that program is on this host. */
	if (add_filter(a, f) != ARCHIVE_OK) {
		mkfr_fail_usage(err, "format=%s: the installed libarchive (%s) cannot compress it "
				"itself: choose another format", output_format_name(f),
				archive_version_details());
		return NULL;
	}
	if (set_threads(a, f) != ARCHIVE_OK) {
		mkfr_fail(err, 0, "libarchive: %s with threads: %s", output_format_name(f),
			  archive_error_string(a));
		return NULL;
	}
	return steal_pointer(&a);
}

int tar_format_check(enum output_format format, struct mkfr_error *err)
{
	autoarchive struct archive *a = new_writer(format, err);
	return a ? 0 : -1;
}

static int archive_failed(struct walk *w, const char *what, const char *path)
{
	return mkfr_fail(w->err, archive_errno(w->a) > 0 ? archive_errno(w->a) : 0,
			 "cannot write %s%s to the tarball: %s", what, path,
			 archive_error_string(w->a) ? archive_error_string(w->a) : "libarchive failed");
}

static int interrupted(struct walk *w)
{
	return mkfr_fail(w->err, 0, "interrupted by %s while writing the tarball",
			 strsignal(signals_pending()));
}

/* Extended attributes, sorted by name so their order never depends on the
 * filesystem.  Read through /proc/self/fd/DIRFD/NAME with the l* calls:
 * the directory is the one we hold open, and a final symlink is not
 * followed.  system.* (ACLs) is not carried. */
static int add_xattrs(struct walk *w, struct archive_entry *e, int dirfd, const char *name,
		      const char *path)
{
	char proc[PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dirfd, name);
	ssize_t n = llistxattr(proc, NULL, 0);
	if (n < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP))
		return 0;
	if (n < 0)
		return mkfr_fail(w->err, errno, "cannot list the extended attributes of %s", path);
	if (n == 0)
		return 0;
	autofree char *list = xmalloc((size_t)n);
	n = llistxattr(proc, list, (size_t)n);
	if (n < 0)
		return mkfr_fail(w->err, errno, "cannot list the extended attributes of %s", path);
	autostrv char **names = strv_new();
	for (char *p = list; p < list + n; p += strlen(p) + 1)
		if (strncmp(p, "system.", 7) != 0)
			strv_push(&names, p);
	strv_sort(names);
	for (size_t i = 0; names[i]; i++) {
		ssize_t len = lgetxattr(proc, names[i], NULL, 0);
		if (len < 0)
			return mkfr_fail(w->err, errno, "cannot read %s of %s", names[i], path);
		autofree char *value = xmalloc(len ? (size_t)len : 1);
		len = lgetxattr(proc, names[i], value, (size_t)len);
		if (len < 0)
			return mkfr_fail(w->err, errno, "cannot read %s of %s", names[i], path);
		archive_entry_xattr_add_entry(e, names[i], value, (size_t)len);
	}
	return 0;
}

static int copy_data(struct walk *w, int fd, off_t size, const char *path)
{
	off_t left = size;
	while (left > 0) {
		if (signals_pending())
			return interrupted(w);
		size_t want = left < CHUNK_SIZE ? (size_t)left : CHUNK_SIZE;
		ssize_t n = read(fd, w->buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return mkfr_fail(w->err, errno, "cannot read %s", path);
		if (n == 0)
			return mkfr_fail(w->err, 0, "%s shrank while it was archived", path);
		if (archive_write_data(w->a, w->buf, (size_t)n) != n)
			return archive_failed(w, "the data of ", path);
		left -= n;
		w->stats->bytes += (uint64_t)n;
	}
	return 0;
}

/* The header for one file as its stat says, owners by number only. */
static void fill_entry(struct walk *w, struct archive_entry *e, const char *path, const struct stat *st)
{
	archive_entry_copy_pathname(e, path);
	archive_entry_set_mode(e, st->st_mode);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	time_t mtime = st->st_mtim.tv_sec;
	if (w->o->clamp && mtime > w->o->clamp_mtime)
		mtime = w->o->clamp_mtime;
	/* Whole seconds: nanoseconds would cost an extended header per file. */
	archive_entry_set_mtime(e, mtime, 0);
	if (S_ISREG(st->st_mode))
		archive_entry_set_size(e, st->st_size);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		archive_entry_set_rdev(e, st->st_rdev);
	if (!S_ISDIR(st->st_mode)) {
		/* What the link resolver matches hard links by. */
		archive_entry_set_dev(e, st->st_dev);
		archive_entry_set_ino64(e, (int64_t)st->st_ino);
		archive_entry_set_nlink(e, (unsigned)st->st_nlink);
	}
}

static int write_tree_dir(struct walk *w, int dirfd, const char *prefix);

/* The node to write as `path` (o->nodes), or NULL. */
static const struct tar_node *node_at(const struct walk *w, const char *path)
{
	for (size_t i = 0; i < w->o->n_nodes; i++)
		if (strcmp(w->o->nodes[i].path, path) == 0)
			return &w->o->nodes[i];
	return NULL;
}

/* The names of o->nodes in directory `prefix` that `names` lacks, added. */
static void add_node_names(const struct walk *w, const char *prefix, char ***names)
{
	size_t pl = strlen(prefix);
	for (size_t i = 0; i < w->o->n_nodes; i++) {
		const char *p = w->o->nodes[i].path;
		if (strncmp(p, prefix, pl) != 0 || p[pl] != '/' || strchr(p + pl + 1, '/'))
			continue;
		bool have = false;
		for (size_t j = 0; (*names)[j] && !have; j++)
			have = strcmp((*names)[j], p + pl + 1) == 0;
		if (!have)
			strv_push(names, p + pl + 1);
	}
}

static int write_node(struct walk *w, int dirfd, const struct tar_node *n)
{
	struct stat dir;
	if (fstat(dirfd, &dir) < 0)
		return mkfr_fail(w->err, errno, "cannot stat the directory of %s", n->path);
	struct stat st = {
		.st_mode = n->mode,
		.st_rdev = makedev(n->major, n->minor),
		.st_mtim = dir.st_mtim,
		.st_nlink = 1,
	};
	autoentry struct archive_entry *e = archive_entry_new();
	if (!e)
		return mkfr_fail(w->err, ENOMEM, "%s", n->path);
	/* nlink 1, and never handed to the link resolver: no hard link. */
	fill_entry(w, e, n->path, &st);
	if (archive_write_header(w->a, e) < ARCHIVE_WARN || archive_write_finish_entry(w->a) < ARCHIVE_WARN)
		return archive_failed(w, "", n->path);
	w->stats->entries++;
	return 0;
}

/* One directory entry `name` of `dirfd`, whose archive name is `path`. */
static int write_one(struct walk *w, int dirfd, const char *name, const char *path)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return mkfr_fail(w->err, errno, "cannot stat %s", path);
	if (w->o->skip && w->o->skip(path, &st, w->o->skip_data))
		return 0;
	if (S_ISSOCK(st.st_mode)) {
		log_verbose("tarball: socket %s left out (tar cannot hold sockets)", path);
		return 0;
	}

	/* Regular files and directories are opened, then checked to be what
	 * was stat'ed: a file swapped meanwhile is not archived by mistake. */
	autoclose int fd = -1;
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
				  (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
		struct stat fst;
		if (fd < 0)
			return mkfr_fail(w->err, errno, "cannot open %s", path);
		if (fstat(fd, &fst) < 0 || fst.st_ino != st.st_ino || fst.st_dev != st.st_dev)
			return mkfr_fail(w->err, errno, "%s changed while it was archived", path);
	}

	autoentry struct archive_entry *e = archive_entry_new();
	if (!e)
		return mkfr_fail(w->err, ENOMEM, "%s", path);
	fill_entry(w, e, path, &st);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return mkfr_fail(w->err, errno, "cannot read the symlink %s", path);
		target[n] = '\0';
		archive_entry_copy_symlink(e, target);
	}
	if (add_xattrs(w, e, dirfd, name, path) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		struct archive_entry *spare = NULL;
		/* Tar strategy: the first name carries the data, later names
		 * become hard links to it (with no data). */
		archive_entry_linkify(w->links, &e, &spare);
		if (spare)
			archive_entry_free(spare);
	}

	if (archive_write_header(w->a, e) < ARCHIVE_WARN)
		return archive_failed(w, "", path);
	w->stats->entries++;
	if (S_ISREG(st.st_mode) && !archive_entry_hardlink(e) && copy_data(w, fd, st.st_size, path) < 0)
		return -1;
	if (archive_write_finish_entry(w->a) < ARCHIVE_WARN)
		return archive_failed(w, "", path);

	if (S_ISDIR(st.st_mode)) {
		/* The mount point itself is archived, what is mounted on it
		 * is not (as tar --one-file-system). */
		if (st.st_dev != w->dev) {
			log_verbose("tarball: %s is another filesystem: not entered", path);
			return 0;
		}
		return write_tree_dir(w, fd, path);
	}
	return 0;
}

/* Every entry of the directory `dirfd` (archive name `prefix`, "." for the
 * root), in byte order of names. */
static int write_tree_dir(struct walk *w, int dirfd, const char *prefix)
{
	int listfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (listfd < 0)
		return mkfr_fail(w->err, errno, "cannot open %s", prefix);
	autoclosedir DIR *d = fdopendir(listfd);
	if (!d) {
		close(listfd);
		return mkfr_fail(w->err, errno, "cannot read %s", prefix);
	}
	autostrv char **names = strv_new();
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strv_push(&names, de->d_name);
		errno = 0;
	}
	if (errno)
		return mkfr_fail(w->err, errno, "cannot read %s", prefix);
	add_node_names(w, prefix, &names);
	strv_sort(names);
	for (size_t i = 0; names[i]; i++) {
		if (signals_pending())
			return interrupted(w);
		autofree char *path = NULL;
		path = xasprintf("%s/%s", prefix, names[i]);
		const struct tar_node *node = node_at(w, path);
		if (node ? write_node(w, dirfd, node) < 0 : write_one(w, dirfd, names[i], path) < 0)
			return -1;
	}
	return 0;
}

/* tar_write_tree_to: every piece of the tarball to the caller's function. */
struct sink {
	tar_sink_fn fn;
	void *data;
	struct mkfr_error *err;
	bool failed;
};

static la_ssize_t sink_write(struct archive *a, void *data, const void *buf, size_t len)
{
	struct sink *s = data;
	if (s->fn(buf, len, s->data, s->err) < 0) {
		s->failed = true;
		archive_set_error(a, s->err->errnum ? s->err->errnum : EIO, "%s", s->err->msg);
		return -1;
	}
	return (la_ssize_t)len;
}

/* tar.gz and tar.zst: libarchive writes plain tar into a compressor of
 * ours, a parallel gzip stream at gzip's own default level or libzstd's
 * multi-threaded stream at zstd's: one set of libarchive callbacks for
 * both. */
#define GZIP_LEVEL 6
#define ZSTD_LEVEL 3

struct compressor {
	struct pgzip *gz;        /* tar.gz, or */
	struct zstd_stream *zst; /* tar.zst */
	struct mkfr_error err;
};

static la_ssize_t compressor_write(struct archive *a, void *data, const void *buf, size_t len)
{
	struct compressor *c = data;
	if ((c->gz ? pgzip_write(c->gz, buf, len, &c->err)
		   : zstd_stream_write(c->zst, buf, len, &c->err)) < 0) {
		archive_set_error(a, c->err.errnum, "%s", c->err.msg);
		return -1;
	}
	return (la_ssize_t)len;
}

static int compressor_close(struct archive *a, void *data)
{
	struct compressor *c = data;
	if ((c->gz ? pgzip_finish(c->gz, &c->err) : zstd_stream_finish(c->zst, &c->err)) < 0) {
		archive_set_error(a, c->err.errnum, "%s", c->err.msg);
		return ARCHIVE_FATAL;
	}
	return ARCHIVE_OK;
}

static void compressor_free(struct compressor *c)
{
	pgzip_free(c->gz);
	zstd_stream_free(c->zst);
}

/* Where libarchive writes: the caller's sink, out_fd itself, or a stream
 * of ours to it.  As archive_write_open_fd does for a file: the tar is not
 * padded to a whole 10 KiB record, and the output file itself is never
 * archived. */
static int open_output(struct archive *a, int out_fd, struct sink *sink, enum output_format f,
		       struct compressor *ours, struct mkfr_error *err)
{
	int opened;
	if (sink) {
		archive_write_set_bytes_in_last_block(a, 1);
		opened = archive_write_open2(a, sink, NULL, sink_write, NULL, NULL);
	} else if (f != OUTPUT_TAR_GZ && f != OUTPUT_TAR_ZST) {
		opened = archive_write_open_fd(a, out_fd);
	} else {
		struct stat st;
		if (fstat(out_fd, &st) == 0 && S_ISREG(st.st_mode))
			archive_write_set_skip_file(a, st.st_dev, st.st_ino);
		archive_write_set_bytes_in_last_block(a, 1);
		if (f == OUTPUT_TAR_GZ)
			ours->gz = pgzip_open(out_fd, GZIP_LEVEL, 0, err);
		else
			ours->zst = zstd_stream_open(out_fd, ZSTD_LEVEL, 0, err);
		if (!ours->gz && !ours->zst)
			return -1;
		opened = archive_write_open2(a, ours, NULL, compressor_write, compressor_close, NULL);
	}
	if (opened != ARCHIVE_OK)
		return mkfr_fail(err, archive_errno(a), "cannot start the tarball: %s", archive_error_string(a));
	return 0;
}

/* Open `a` on the fd, or on the sink when out_fd < 0. */
static int write_tree(const char *root, int out_fd, struct sink *sink, const struct tar_options *o,
		      struct tar_stats *stats, struct mkfr_error *err)
{
	struct tar_stats ignored;
	if (!stats)
		stats = &ignored;
	*stats = (struct tar_stats){ 0 };
	/* Before `a`: freed after it, when libarchive has closed it. */
	struct compressor ours __attribute__((cleanup(compressor_free))) = { 0 };
	autoarchive struct archive *a = new_writer(o->format, err);
	if (!a)
		return -1;
	autoresolver struct archive_entry_linkresolver *links = archive_entry_linkresolver_new();
	autofree char *buf = xmalloc(CHUNK_SIZE);
	if (!links)
		return mkfr_fail(err, ENOMEM, "tarball");
	archive_entry_linkresolver_set_strategy(links, archive_format(a));
	if (open_output(a, out_fd, sink, o->format, &ours, err) < 0)
		return -1;

	autoclose int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (rootfd < 0 || fstat(rootfd, &st) < 0)
		return mkfr_fail(err, errno, "cannot open %s", root);
	struct walk w = {
		.a = a, .links = links, .o = o, .stats = stats, .dev = st.st_dev, .buf = buf, .err = err,
	};

	/* The root itself is "./": its owner and mode are the rootfs's. */
	autoentry struct archive_entry *e = archive_entry_new();
	if (!e)
		return mkfr_fail(err, ENOMEM, "tarball");
	fill_entry(&w, e, "./", &st);
	if (archive_write_header(a, e) < ARCHIVE_WARN || archive_write_finish_entry(a) < ARCHIVE_WARN)
		return sink && sink->failed ? -1 : archive_failed(&w, "", "./");
	stats->entries++;
	if (write_tree_dir(&w, rootfd, ".") < 0)
		return -1;
	if (archive_write_close(a) != ARCHIVE_OK)
		return sink && sink->failed ? -1 : archive_failed(&w, "the end of the archive", "");
	return 0;
}

int tar_write_tree(const char *root, int out_fd, const struct tar_options *o,
		   struct tar_stats *stats, struct mkfr_error *err)
{
	return write_tree(root, out_fd, NULL, o, stats, err);
}

int tar_write_tree_to(const char *root, tar_sink_fn fn, void *sink_data,
		      const struct tar_options *o, struct tar_stats *stats, struct mkfr_error *err)
{
	struct sink sink = { .fn = fn, .data = sink_data, .err = err };
	return write_tree(root, -1, &sink, o, stats, err);
}
