/* SPDX-License-Identifier: MIT */
#include "util/file_io.h"

#include "util/alloc.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	while (n > 0 && dir[n - 1] == '/')
		n--;
	while (*name == '/')
		name++;
	return xasprintf("%.*s/%s", (int)n, dir, name);
}

int mkdir_p(const char *path, mode_t mode, struct mkfr_error *err)
{
	autofree char *p = xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char ch = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return mkfr_fail(err, errno, "cannot create the directory %s", p);
		*s = ch;
		if (!ch)
			return 0;
	}
}

int mkdir_parents(const char *file, mode_t mode, struct mkfr_error *err)
{
	autofree char *dir = xstrdup(file);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return mkdir_p(dir, mode, err);
}

int read_whole_file(const char *path, size_t max_bytes, char **text, size_t *len,
		    struct mkfr_error *err)
{
	*text = NULL;
	if (len)
		*len = 0;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot read %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return mkfr_fail(err, errno, "cannot read %s", path);
	if (!S_ISREG(st.st_mode))
		return mkfr_fail(err, 0, "%s is not a regular file", path);
	if ((uint64_t)st.st_size > max_bytes)
		return mkfr_fail(err, EFBIG, "%s is larger than %zu bytes", path, max_bytes);
	size_t cap = (size_t)st.st_size + 1, n = 0;
	autofree char *buf = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max_bytes)
				return mkfr_fail(err, EFBIG, "%s is larger than %zu bytes", path, max_bytes);
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return mkfr_fail(err, errno, "cannot read %s", path);
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max_bytes)
			return mkfr_fail(err, EFBIG, "%s is larger than %zu bytes", path, max_bytes);
	}
	buf[n] = '\0';
	*text = steal_pointer(&buf);
	if (len)
		*len = n;
	return 0;
}

int require_trusted_path(const char *path, const char *what, struct mkfr_error *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return mkfr_fail_usage(err, "%s %s: %s", what, path, strerror(errno));
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return mkfr_fail_usage(err, "%s %s is owned by uid %ld, neither you nor root: what it "
				       "says runs as root; chown it", what, path, (long)st.st_uid);
	if (st.st_mode & 0022)
		return mkfr_fail_usage(err, "%s %s is writable by %s: what it says runs as root, so "
				       "only its owner may change it; chmod go-w it", what, path,
				       (st.st_mode & 0020) ? "its group" : "others");
	return 0;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}
