/* SPDX-License-Identifier: MIT */
#include "archive/packages_index.h"

#include "net/http_get.h"
#include "sys/atomic_file.h"
#include "sys/signals.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/log.h"
#include "util/number.h"
#include "util/sha256.h"
#include "util/strv.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void deb_package_free(struct deb_package *p)
{
	free(p->package);
	free(p->version);
	free(p->architecture);
	free(p->source);
	free(p->filename);
	free(p->sha256);
	free(p->depends);
	free(p->pre_depends);
	free(p->provides);
	free(p->priority);
	free(p->multi_arch);
	memset(p, 0, sizeof(*p));
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void deb_package_copy(struct deb_package *dst, const struct deb_package *src)
{
	*dst = (struct deb_package){
		.package = dup_or_null(src->package),
		.version = dup_or_null(src->version),
		.architecture = dup_or_null(src->architecture),
		.source = dup_or_null(src->source),
		.filename = dup_or_null(src->filename),
		.size = src->size,
		.installed_kib = src->installed_kib,
		.sha256 = dup_or_null(src->sha256),
		.depends = dup_or_null(src->depends),
		.pre_depends = dup_or_null(src->pre_depends),
		.provides = dup_or_null(src->provides),
		.priority = dup_or_null(src->priority),
		.multi_arch = dup_or_null(src->multi_arch),
		.essential = src->essential,
	};
}

void packages_index_free(struct packages_index *idx)
{
	free(idx->packages);
	idx->packages = NULL;
	idx->count = 0;
	arena_free(&idx->strings);
}

/* The string field `key` is stored in, or NULL for fields we do not keep. */
static char **field_slot(struct deb_package *p, const char *key)
{
	static const struct {
		const char *key;
		size_t offset;
	} fields[] = {
		{ "Package", offsetof(struct deb_package, package) },
		{ "Version", offsetof(struct deb_package, version) },
		{ "Architecture", offsetof(struct deb_package, architecture) },
		{ "Source", offsetof(struct deb_package, source) },
		{ "Filename", offsetof(struct deb_package, filename) },
		{ "SHA256", offsetof(struct deb_package, sha256) },
		{ "Depends", offsetof(struct deb_package, depends) },
		{ "Pre-Depends", offsetof(struct deb_package, pre_depends) },
		{ "Provides", offsetof(struct deb_package, provides) },
		{ "Priority", offsetof(struct deb_package, priority) },
		{ "Multi-Arch", offsetof(struct deb_package, multi_arch) },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcasecmp(key, fields[i].key) == 0)
			return (char **)((char *)p + fields[i].offset);
	return NULL;
}

struct parser {
	struct packages_index *idx;
	struct deb_package cur;
	bool in_stanza;
	int stanza_line;
	char **last_field; /* for continuation lines */
	const char *origin;
	size_t cap;
};

static int finish_stanza(struct parser *ps, struct mkfr_error *err)
{
	if (!ps->in_stanza)
		return 0;
	ps->in_stanza = false;
	ps->last_field = NULL;
	if (!ps->cur.package || !*ps->cur.package) {
		memset(&ps->cur, 0, sizeof(ps->cur)); /* its strings are the arena's */
		return mkfr_fail(err, 0, "%s:%d: stanza without a Package field", ps->origin,
				 ps->stanza_line);
	}
	if (ps->idx->count == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 1024;
		struct deb_package *v = xrealloc(ps->idx->packages, cap * sizeof(*v));
		ps->idx->packages = v;
		ps->cap = cap;
	}
	ps->idx->packages[ps->idx->count++] = ps->cur;
	memset(&ps->cur, 0, sizeof(ps->cur));
	return 0;
}

static int parse_line(struct parser *ps, char *line, int lineno, struct mkfr_error *err)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n == 0)
		return finish_stanza(ps, err);
	if (line[0] == '#')
		return 0;
	if (line[0] == ' ' || line[0] == '\t') {
		/* A folded field (Depends may be): join with one blank. */
		if (!ps->in_stanza)
			return mkfr_fail(err, 0, "%s:%d: continuation line outside a stanza", ps->origin,
					 lineno);
		if (ps->last_field && *ps->last_field) {
			/* The shorter string stays in the arena unused: folded
			 * fields are few. */
			autofree char *joined = xasprintf("%s %s", *ps->last_field, str_trim(line));
			*ps->last_field = arena_strdup(&ps->idx->strings, joined);
		}
		return 0;
	}
	char *colon = strchr(line, ':');
	if (!colon)
		return mkfr_fail(err, 0, "%s:%d: not a 'Field: value' line", ps->origin, lineno);
	*colon = '\0';
	const char *value = str_trim(colon + 1);
	if (!ps->in_stanza) {
		ps->in_stanza = true;
		ps->stanza_line = lineno;
	}
	ps->last_field = NULL;
	if (strcasecmp(line, "Size") == 0) {
		if (!parse_u64(value, ARCHIVE_FILE_MAX_BYTES, &ps->cur.size))
			return mkfr_fail(err, 0, "%s:%d: Size: '%s' is not a number of bytes from 0 to %llu",
					 ps->origin, lineno, value, (unsigned long long)ARCHIVE_FILE_MAX_BYTES);
	} else if (strcasecmp(line, "Installed-Size") == 0) {
		/* Only an estimate's input (scratch=auto): a bad one counts 0. */
		if (!parse_u64(value, UINT64_MAX / 1024, &ps->cur.installed_kib))
			ps->cur.installed_kib = 0;
	} else if (strcasecmp(line, "Essential") == 0) {
		ps->cur.essential = strcasecmp(value, "yes") == 0;
	} else {
		char **slot = field_slot(&ps->cur, line);
		if (slot) {
			*slot = arena_strdup(&ps->idx->strings, value);
			ps->last_field = slot;
		}
	}
	return 0;
}

int packages_index_parse_stream(FILE *in, const char *origin, struct packages_index *idx,
				struct mkfr_error *err)
{
	struct parser ps = { .idx = idx, .origin = origin };
	autofree char *line = NULL;
	size_t cap = 0;
	int lineno = 0;

	*idx = (struct packages_index){ 0 };
	errno = 0;
	while (getline(&line, &cap, in) >= 0)
		if (parse_line(&ps, line, ++lineno, err) < 0)
			goto fail;
	if (ferror(in)) {
		mkfr_fail(err, errno, "%s: read error after line %d", origin, lineno);
		goto fail;
	}
	if (finish_stanza(&ps, err) < 0)
		goto fail;
	return 0;
fail:
	packages_index_free(idx); /* ps.cur's strings with the rest */
	return -1;
}

int packages_index_parse(const char *text, const char *origin, struct packages_index *idx,
			 struct mkfr_error *err)
{
	size_t len = strlen(text);
	autofclose FILE *f = fmemopen((void *)text, len ? len : 1, "r");
	if (!f)
		return mkfr_fail(err, errno, "%s", origin);
	if (len == 0) {
		*idx = (struct packages_index){ 0 };
		return 0;
	}
	return packages_index_parse_stream(f, origin, idx, err);
}

const struct deb_package *packages_index_find(const struct packages_index *idx, const char *name)
{
	for (size_t i = 0; i < idx->count; i++)
		if (strcmp(idx->packages[i].package, name) == 0)
			return &idx->packages[i];
	return NULL;
}

char *deb_package_file_name(const struct deb_package *p)
{
	char *name, *out, *o;
	if (!p->package || !p->version || !p->architecture)
		return NULL;
	name = xasprintf("%s_%s_%s.deb", p->package, p->version, p->architecture);
	if (strchr(name, '/')) {
		free(name);
		return NULL;
	}
	out = xmalloc(strlen(name) * 3 + 1);
	o = out;
	for (const char *s = name; *s; s++) {
		if (*s == ':') {
			memcpy(o, "%3a", 3);
			o += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	free(name);
	return out;
}

/* ---- fetching ---------------------------------------------------------- */

static void cleanup_archivep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}
#define autoarchive __attribute__((cleanup(cleanup_archivep)))

/* The index uncompressed, written while it is parsed (struct plain_copy). */
struct plain_copy {
	int fd;          /* -1: none is made */
	struct sha256 hash;
	uint64_t size;
	bool failed;     /* a write failed: the copy is not kept */
};

struct archive_stream {
	struct archive *a;
	const char *url;
	char error[512];
	struct plain_copy *plain; /* NULL: none */
};

/* stdio over the decompressing reader, so the parser sees plain lines. */
static ssize_t archive_cookie_read(void *cookie, char *buf, size_t size)
{
	struct archive_stream *s = cookie;
	la_ssize_t n = archive_read_data(s->a, buf, size);
	if (n < 0) {
		snprintf(s->error, sizeof(s->error), "%s", archive_error_string(s->a));
		errno = EIO;
		return -1;
	}
	struct plain_copy *c = s->plain;
	if (c && !c->failed && n > 0) {
		if (write_all(c->fd, buf, (size_t)n) < 0)
			c->failed = true;
		sha256_update(&c->hash, buf, (size_t)n);
		c->size += (uint64_t)n;
	}
	return (ssize_t)n;
}

static int open_tmpfile(struct mkfr_error *err)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	int fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	char path[4096];
	snprintf(path, sizeof(path), "%s/mkfr-index-XXXXXX", tmp);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot create a temporary file in %s", tmp);
	unlink(path);
	return fd;
}

static int parse_compressed(int fd, const char *url, struct plain_copy *plain,
			    struct packages_index *idx, struct mkfr_error *err)
{
	autoarchive struct archive *a = archive_read_new();
	struct archive_entry *entry;
	if (!a)
		return mkfr_fail(err, ENOMEM, "%s", url);
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return mkfr_fail(err, errno, "%s", url);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK ||
	    archive_read_next_header(a, &entry) != ARCHIVE_OK)
		return mkfr_fail(err, 0, "%s: cannot decompress: %s", url, archive_error_string(a));

	struct archive_stream s = { .a = a, .url = url, .plain = plain };
	cookie_io_functions_t io = { .read = archive_cookie_read };
	autofclose FILE *f = fopencookie(&s, "r", io);
	if (!f)
		return mkfr_fail(err, errno, "%s", url);
	if (packages_index_parse_stream(f, url, idx, err) < 0) {
		if (s.error[0])
			return mkfr_fail(err, 0, "%s: cannot decompress: %s", url, s.error);
		return -1;
	}
	return 0;
}

/* A mirror being updated serves, for a while, indexes that do not match
 * the InRelease it serves (seen on 2026-11-24: trixie riscv64's
 * Packages.xz 9,385,284 bytes served, 9,387,120 listed).  apt avoids this
 * by fetching indexes by hash; where that copy is missing too, the plain
 * name is tried again once after this pause before we give up. */
#define MID_SYNC_RETRY_DELAY_S 5

static void pause_seconds(int s)
{
	struct timespec ts = { s, 0 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !signals_pending())
		;
}

/* Download `rel_path` (relative to dists/SUITE/) as listed in the Release:
 * dists/SUITE/DIR/by-hash/SHA256/HASH first where the Release offers it
 * (Acquire-By-Hash: such a name cannot change while the mirror updates),
 * then the plain name, which a mismatch tries once more after a pause. */
static int fetch_listed(const struct packages_fetch_request *req, const char *rel_path,
			const struct release_checksum *sum, int fd, char **url_out,
			struct mkfr_error *err)
{
	struct http_get_opts o = HTTP_GET_OPTS_INIT;
	autofree char *url = NULL;
	o.proxy = req->proxy;
	o.expect_sha256 = sum->sha256;
	o.expect_size = (int64_t)sum->size;
	o.listed_by = "its signed Release";

	const char *by_hash = "the Release offers no by-hash copy";
	if (req->release->acquire_by_hash) {
		autofree char *dir = xstrdup(rel_path);
		char *slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
			url = xasprintf("%s/dists/%s/%s/by-hash/SHA256/%s", req->mirror, req->suite,
				     dir, sum->sha256);
			struct mkfr_error hash_err;
			if (http_get_to_fd(url, fd, &o, NULL, &hash_err) == 0) {
				*url_out = steal_pointer(&url);
				return 0;
			}
			if (signals_pending()) {
				*err = hash_err;
				return -1;
			}
			by_hash = hash_err.errnum == ENOENT ? "its by-hash copy is missing"
				  : hash_err.errnum == EBADMSG ? "its by-hash copy does not match either"
							       : "its by-hash copy could not be read";
			free(steal_pointer(&url));
		}
	}
	char hint[256];
	snprintf(hint, sizeof(hint), "the mirror looks mid-sync (%s): try again in a few minutes, "
		 "or use another mirror", by_hash);
	o.mismatch_hint = hint;
	url = xasprintf("%s/dists/%s/%s", req->mirror, req->suite, rel_path);
	for (int attempt = 0;; attempt++) {
		if (http_get_to_fd(url, fd, &o, NULL, err) == 0)
			break;
		if (err->errnum != EBADMSG || attempt > 0 || signals_pending())
			return -1;
		log_warn("%s does not match its signed Release (%s): the mirror may be mid-sync; "
			 "trying again in %d s", url, by_hash, MID_SYNC_RETRY_DELAY_S);
		pause_seconds(MID_SYNC_RETRY_DELAY_S);
	}
	*url_out = steal_pointer(&url);
	return 0;
}

const struct release_checksum *packages_index_listed(const struct release_file *rel,
						     const char *component, const char *arch,
						     char **rel_path)
{
	static const char *const exts[] = { "xz", "gz" };
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		char *path = xasprintf("%s/binary-%s/Packages.%s", component, arch, exts[i]);
		const struct release_checksum *sum = release_file_checksum(rel, path);
		if (sum) {
			*rel_path = path;
			return sum;
		}
		free(path);
	}
	return NULL;
}

static const struct release_checksum *listed_or_fail(const struct packages_fetch_request *req,
						     char **rel_path, struct mkfr_error *err)
{
	const struct release_checksum *sum =
		packages_index_listed(req->release, req->component, req->arch, rel_path);
	if (!sum)
		mkfr_fail(err, 0, "%s/dists/%s/InRelease lists no %s/binary-%s/Packages.xz or .gz: "
			  "the suite has no component %s for architecture %s", req->mirror,
			  req->suite, req->component, req->arch, req->component, req->arch);
	return sum;
}

/* The uncompressed index beside the compressed one.  Debian's Release
 * files list COMPONENT/binary-ARCH/Packages with its size and SHA256,
 * though mirrors serve only the compressed forms.  Where the Release lists
 * it, the index is also kept uncompressed, checked against that entry,
 * with a note PLAIN.from holding the SHA256 of the compressed index it was
 * decompressed from.  A later build then verifies and parses it without
 * decompressing (0.8 s of xz for armel's 8 MB index, once to resolve and
 * once more for the apt lists), and the fetch stage copies it into the
 * rootfs as it is (packages_index_plain_path).
 *
 * It is used only when both its SHA256 and its note match the Release
 * being used: a Release whose two entries disagree (a broken repository
 * tool, a test's re-signed mirror) still gets exactly what its compressed
 * index holds.  Each file is replaced atomically, so a build racing
 * another sees either a matching pair or a mismatch, never a wrong index.
 * Where the Release does not list the uncompressed index, nothing
 * changes. */
#define PLAIN_NOTE_SUFFIX PACKAGES_INDEX_PLAIN_NOTE_SUFFIX

static const struct release_checksum *plain_listed(const struct packages_fetch_request *req,
						   char **rel_path)
{
	char *path = xasprintf("%s/binary-%s/Packages", req->component, req->arch);
	const struct release_checksum *sum = release_file_checksum(req->release, path);
	if (!sum) {
		free(path);
		return NULL;
	}
	*rel_path = path;
	return sum;
}

char *packages_index_plain_path(const struct release_file *rel, const char *component,
				const char *arch)
{
	struct packages_fetch_request req = { .release = rel, .component = component, .arch = arch };
	char *rel_path = NULL;
	return plain_listed(&req, &rel_path) ? rel_path : NULL;
}

/* DIR/REL_PATH.from: the compressed index's SHA256 and a newline. */
static int write_plain_note(const char *dir, const char *rel_path, const char *compressed_sha256,
			    struct mkfr_error *err)
{
	autofree char *note = xasprintf("%s/%s" PLAIN_NOTE_SUFFIX, dir, rel_path);
	autofree char *text = xasprintf("%s\n", compressed_sha256);
	return atomic_file_write(note, text, strlen(text), 0644, err);
}

/* Does DIR/REL_PATH.from name `compressed_sha256`? */
static bool plain_note_says(const char *dir, const char *rel_path, const char *compressed_sha256)
{
	autofree char *note = xasprintf("%s/%s" PLAIN_NOTE_SUFFIX, dir, rel_path);
	autofree char *text = NULL;
	struct mkfr_error ignored;
	if (read_whole_file(note, 256, &text, NULL, &ignored) < 0)
		return false;
	text[strcspn(text, "\n")] = '\0';
	return strcmp(text, compressed_sha256) == 0;
}

/* Start a plain copy into SAVE_DIR/REL_PATH; c->fd -1 when none is made. */
static void plain_copy_begin(struct plain_copy *c, struct atomic_file *out,
			     const char *save_dir, const char *rel_path)
{
	*c = (struct plain_copy){ .fd = -1 };
	struct mkfr_error ignored;
	if (!save_dir || !rel_path)
		return;
	autofree char *dest = path_join(save_dir, rel_path);
	if (mkdir_parents(dest, 0755, &ignored) < 0 || atomic_file_open(out, dest, 0644, &ignored) < 0)
		return;
	if (sha256_begin(&c->hash, &ignored) < 0) {
		atomic_file_discard(out);
		return;
	}
	c->fd = out->fd;
}

/* Keep the copy, and its note, if it is what the Release lists; a copy
 * that is not (or could not be written) is dropped: the compressed index
 * was verified, so the build goes on, only without the shortcut. */
static void plain_copy_end(struct plain_copy *c, struct atomic_file *out, const char *save_dir,
			   const char *rel_path, const struct release_checksum *plain_sum,
			   const struct release_checksum *compressed_sum, const char *url)
{
	if (c->fd < 0)
		return;
	char hex[SHA256_HEX_SIZE];
	sha256_finish_hex(&c->hash, hex);
	struct mkfr_error ignored;
	if (c->failed || c->size != plain_sum->size || strcmp(hex, plain_sum->sha256) != 0 ||
	    atomic_file_commit(out, &ignored) < 0 ||
	    write_plain_note(save_dir, rel_path, compressed_sum->sha256, &ignored) < 0)
		log_verbose("%s: its uncompressed form (%llu bytes) is not the Release's: not kept",
			    url, (unsigned long long)c->size);
	atomic_file_discard(out);
	c->fd = -1;
}

/* Parse the compressed index in `fd` (the Release's `compressed_sum`)
 * and, where the Release lists the uncompressed one, keep that in
 * SAVE_DIR. */
static int parse_compressed_keep_plain(int fd, const char *url,
				       const struct packages_fetch_request *req,
				       const struct release_checksum *compressed_sum,
				       struct packages_index *idx, struct mkfr_error *err)
{
	autofree char *plain_path = NULL;
	const struct release_checksum *plain_sum = plain_listed(req, &plain_path);
	autodiscard struct atomic_file out = ATOMIC_FILE_INIT;
	struct plain_copy copy;
	plain_copy_begin(&copy, &out, plain_sum ? req->save_dir : NULL, plain_path);
	int r = parse_compressed(fd, url, copy.fd >= 0 ? &copy : NULL, idx, err);
	if (r == 0)
		plain_copy_end(&copy, &out, req->save_dir, plain_path, plain_sum, compressed_sum, url);
	else if (copy.fd >= 0)
		sha256_abort(&copy.hash);
	return r;
}

static int save_index(int fd, const char *save_dir, const char *rel_path, struct mkfr_error *err);

/* SAVE_DIR/REL_PATH as a hard link to `path` (the cache and a build's
 * directory share a filesystem), else a copy. */
static int save_by_link(const char *path, int fd, const char *save_dir, const char *rel_path,
			struct mkfr_error *err)
{
	autofree char *dest = path_join(save_dir, rel_path);
	autofree char *tmp = xasprintf("%s.%d.link", dest, (int)getpid());
	if (mkdir_parents(dest, 0755, err) < 0)
		return -1;
	unlink(tmp);
	if (link(path, tmp) == 0 && rename(tmp, dest) == 0)
		return 0;
	unlink(tmp);
	return save_index(fd, save_dir, rel_path, err);
}

/* The uncompressed index in DIR, if the Release lists it and it is that
 * (size, SHA256, and a note naming `compressed_sum`): parsed from there,
 * and kept in SAVE_DIR with its note.  1 when used, 0 when not there or
 * not that (the caller goes on to the compressed one), -1 on an error. */
static int load_plain(const struct packages_fetch_request *req, const char *dir,
		      const struct release_checksum *compressed_sum, struct packages_index *idx,
		      struct mkfr_error *err)
{
	autofree char *rel_path = NULL;
	const struct release_checksum *sum = plain_listed(req, &rel_path);
	if (!sum || !plain_note_says(dir, rel_path, compressed_sum->sha256))
		return 0;
	autofree char *path = path_join(dir, rel_path);
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != sum->size)
		return 0;
	char hex[SHA256_HEX_SIZE];
	uint64_t size;
	struct mkfr_error ignored;
	if (sha256_fd_hex(fd, hex, &size, &ignored) < 0 || size != sum->size ||
	    strcmp(hex, sum->sha256) != 0) {
		log_verbose("%s does not match its Release entry: decompressing the index instead", path);
		return 0;
	}
	if (req->save_dir && (save_by_link(path, fd, req->save_dir, rel_path, err) < 0 ||
			      write_plain_note(req->save_dir, rel_path, compressed_sum->sha256, err) < 0))
		return -1;
	int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	autofclose FILE *f = dupfd >= 0 ? fdopen(dupfd, "r") : NULL;
	if (!f) {
		if (dupfd >= 0)
			close(dupfd);
		return mkfr_fail(err, errno, "cannot read %s", path);
	}
	return packages_index_parse_stream(f, path, idx, err) < 0 ? -1 : 1;
}

/* Keep the verified compressed index at SAVE_DIR/REL_PATH (for offline
 * builds and the local mirror debootstrap reads). */
static int save_index(int fd, const char *save_dir, const char *rel_path, struct mkfr_error *err)
{
	autofree char *dest = path_join(save_dir, rel_path);
	char buf[65536];
	autodiscard struct atomic_file out = ATOMIC_FILE_INIT;
	if (lseek(fd, 0, SEEK_SET) < 0 || mkdir_parents(dest, 0755, err) < 0 ||
	    atomic_file_open(&out, dest, 0644, err) < 0)
		return -1;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(out.fd, buf, (size_t)n) != n)
			return mkfr_fail(err, errno, "cannot write %s", dest);
	if (n < 0)
		return mkfr_fail(err, errno, "cannot copy the index to %s", dest);
	return atomic_file_commit(&out, err);
}

int packages_index_fetch(const struct packages_fetch_request *req, struct packages_index *idx,
			 struct mkfr_error *err)
{
	autofree char *rel_path = NULL;
	autofree char *url = NULL;
	const struct release_checksum *sum = listed_or_fail(req, &rel_path, err);
	if (!sum)
		return -1;
	autoclose int fd = open_tmpfile(err);
	if (fd < 0)
		return -1;
	if (fetch_listed(req, rel_path, sum, fd, &url, err) < 0)
		return -1;
	if (req->save_dir && save_index(fd, req->save_dir, rel_path, err) < 0)
		return -1;
	return parse_compressed_keep_plain(fd, url, req, sum, idx, err);
}

int packages_index_load(const struct packages_fetch_request *req, const char *dir,
			struct packages_index *idx, struct mkfr_error *err)
{
	autofree char *rel_path = NULL, *path = NULL;
	const struct release_checksum *sum = listed_or_fail(req, &rel_path, err);
	if (!sum)
		return -1;
	int plain = load_plain(req, dir, sum, idx, err);
	if (plain != 0)
		return plain < 0 ? -1 : 0;
	path = path_join(dir, rel_path);
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mkfr_fail(err, errno, "%s is not in the cache", path);
	char hex[SHA256_HEX_SIZE];
	uint64_t size;
	if (sha256_fd_hex(fd, hex, &size, err) < 0)
		return -1;
	if (size != sum->size || strcmp(hex, sum->sha256) != 0)
		return mkfr_fail(err, 0, "%s does not match its Release entry (size %llu, SHA256 %.12s...): "
				 "the cached index is stale or damaged; build once online", path,
				 (unsigned long long)size, hex);
	if (req->save_dir && save_index(fd, req->save_dir, rel_path, err) < 0)
		return -1;
	return parse_compressed_keep_plain(fd, path, req, sum, idx, err);
}

int packages_index_decompress_to(const char *compressed, int fd, struct mkfr_error *err)
{
	autoarchive struct archive *a = archive_read_new();
	struct archive_entry *entry;
	if (!a)
		return mkfr_fail(err, ENOMEM, "%s", compressed);
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, compressed, 65536) != ARCHIVE_OK ||
	    archive_read_next_header(a, &entry) != ARCHIVE_OK)
		return mkfr_fail(err, 0, "%s: cannot decompress: %s", compressed, archive_error_string(a));
	char buf[65536];
	la_ssize_t n;
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		if (write_all(fd, buf, (size_t)n) < 0)
			return mkfr_fail(err, errno, "cannot write %s decompressed", compressed);
	if (n < 0)
		return mkfr_fail(err, 0, "%s: cannot decompress: %s", compressed, archive_error_string(a));
	return 0;
}
