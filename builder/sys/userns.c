/* SPDX-License-Identifier: MIT */
#include "sys/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>

/* The identity map of everything this namespace itself maps: "0 0
 * 4294967295" where we are in the host's (every id), and in a rootless
 * build's namespace "0 0 1" and "1 1 65535" (the ids it has).  Read from
 * our own map: the first field of each line is an id as we see it. */
static int identity_map(const char *file, char *out, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/%s", file);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t used = 0;
	unsigned long inside, outside, count;
	while (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3) {
		int n = snprintf(out + used, len - used, "%lu %lu %lu\n", inside, inside, count);
		if (n < 0 || (size_t)n >= len - used) {
			fclose(f);
			errno = E2BIG;
			return -1;
		}
		used += (size_t)n;
	}
	fclose(f);
	if (used == 0) {
		errno = ENODATA;
		return -1;
	}
	return 0;
}

int userns_enter(int ask_fd, int go_fd)
{
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		fprintf(stderr, "cannot create a user namespace: %s\n", strerror(errno));
		return -1;
	}
	char c = 'u';
	if (write(ask_fd, &c, 1) != 1) {
		fprintf(stderr, "cannot ask for the user namespace maps: %s\n", strerror(errno));
		return -1;
	}
	ssize_t n;
	do
		n = read(go_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || c != 'g') {
		fprintf(stderr, "the user namespace maps could not be written\n");
		return -1;
	}
	/* Changing credentials cleared the parent-death signal. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "cannot make mounts private in the user namespace: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

static int write_map(pid_t pid, const char *file)
{
	char map[4096];
	if (identity_map(file, map, sizeof(map)) < 0)
		return -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, map, strlen(map));
	int saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(map) ? 0 : -1;
}

int userns_map_child(pid_t pid, int ask_fd, int go_fd)
{
	char c;
	ssize_t n;
	do
		n = read(ask_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return -1; /* the child failed before asking; it said why */
	if (write_map(pid, "uid_map") < 0 || write_map(pid, "gid_map") < 0) {
		fprintf(stderr, "cannot write the user namespace maps of %d: %s\n", (int)pid,
			strerror(errno));
		c = 'x';
		(void)!write(go_fd, &c, 1);
		return -1;
	}
	c = 'g';
	return write(go_fd, &c, 1) == 1 ? 0 : -1;
}

bool userns_has_private_binfmt(void)
{
	struct utsname u;
	int major = 0, minor = 0;
	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 7);
}
