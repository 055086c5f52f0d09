/* SPDX-License-Identifier: MIT */
#include "sys/stale.h"

#include "sys/binfmt.h"
#include "sys/mounts.h"
#include "sys/rootfs_fs.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/file_io.h"
#include "util/log.h"
#include "util/number.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define WORK_PREFIX ".mkfr-"
#define LOCK_SUFFIX ".lock"

bool stale_pid_alive(pid_t pid)
{
	char path[64], comm[32] = "";
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	autofclose FILE *f = fopen(path, "re");
	if (!f || !fgets(comm, sizeof(comm), f))
		return false;
	/* A live pid that is not mkforeignroot was reused by something else. */
	return strncmp(comm, "mkforeignroot", 13) == 0;
}

char *stale_work_name(const char *base, pid_t pid)
{
	return xasprintf("%s%ld-%s", WORK_PREFIX, (long)pid, base);
}

int stale_claim(const char *work, struct mkfr_error *err)
{
	autofree char *lock = xasprintf("%s%s", work, LOCK_SUFFIX);
	autoclose int fd = open(lock, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return mkfr_fail(err, errno, "cannot create %s", lock);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return mkfr_fail(err, errno, "cannot lock %s", lock);
	return steal_fd(&fd);
}

void stale_release(const char *work, int fd)
{
	autofree char *lock = xasprintf("%s%s", work, LOCK_SUFFIX);
	unlink(lock);
	if (fd >= 0)
		close(fd);
}

/* ".mkfr-<pid>-..." as a name: the pid, else 0. */
static pid_t pid_of_name(const char *name)
{
	if (strncmp(name, WORK_PREFIX, strlen(WORK_PREFIX)) != 0)
		return 0;
	const char *p = name + strlen(WORK_PREFIX);
	const char *dash = strchr(p, '-');
	uint64_t pid;
	return dash && parse_u64_n(p, (size_t)(dash - p), INT32_MAX, &pid) && pid > 0 ? (pid_t)pid : 0;
}

/* The run's name without its suffixes: ".mkfr-<pid>-out" for
 * ".mkfr-<pid>-out", ".mkfr-<pid>-out.part" and ".mkfr-<pid>-out.lock". */
static char *run_name(const char *name)
{
	size_t n = strlen(name);
	for (const char *suffix = ".part"; suffix; suffix = strcmp(suffix, ".part") == 0 ? LOCK_SUFFIX : NULL) {
		size_t sl = strlen(suffix);
		if (n > sl && strcmp(name + n - sl, suffix) == 0)
			return xstrndup(name, n - sl);
	}
	return xstrdup(name);
}

enum run_state { RUN_ALIVE, RUN_DEAD, RUN_UNKNOWN };

/* By its lock in dir: held by a live run, free (the run died), or none. */
static enum run_state run_state_by_lock(int dirfd, const char *run)
{
	autofree char *lock = xasprintf("%s%s", run, LOCK_SUFFIX);
	autoclose int fd = openat(dirfd, lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return RUN_UNKNOWN;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return RUN_DEAD; /* the fd closes, the lock goes with it */
	return RUN_ALIVE;
}

static bool is_dead(int dirfd, const char *name, bool by_lock)
{
	pid_t pid = pid_of_name(name);
	if (!pid)
		return false;
	if (by_lock) {
		autofree char *run = run_name(name);
		enum run_state s = run_state_by_lock(dirfd, run);
		if (s != RUN_UNKNOWN)
			return s == RUN_DEAD;
	}
	return !stale_pid_alive(pid);
}

static void clean_entries(void)
{
	/* Only root of the host's user namespace may remove an entry; a
	 * rootless build never made one (sys/rootless.h). */
	if (!binfmt_is_mounted(BINFMT_DIR) || !binfmt_writable(BINFMT_DIR))
		return;
	autostrv char **names = binfmt_list(BINFMT_DIR);
	for (size_t i = 0; names && names[i]; i++) {
		pid_t pid;
		struct mkfr_error err;
		if (!binfmt_parse_build_name(names[i], &pid) || stale_pid_alive(pid))
			continue;
		if (binfmt_remove(BINFMT_DIR, names[i], &err) == 0)
			log_info("removed binfmt_misc entry %s left by an interrupted run (pid %ld)",
				 names[i], (long)pid);
		else
			log_warn("%s", err.msg);
	}
}

/* Host mounts below a work directory of out_dir whose run is dead by its
 * lock (a name alone is not enough to touch a mount).  Deepest first; the
 * last component is never followed. */
static void clean_mounts(const char *out_dir, int dirfd)
{
	autostrv char **points = mount_points();
	size_t prefix = strlen(out_dir);
	for (size_t n = strv_length(points); n > 0; n--) {
		const char *p = points[n - 1];
		if (strncmp(p, out_dir, prefix) != 0 || p[prefix] != '/')
			continue;
		const char *name = p + prefix + 1;
		autofree char *first = xstrndup(name, strcspn(name, "/"));
		autofree char *run = run_name(first);
		if (!pid_of_name(first) || run_state_by_lock(dirfd, run) != RUN_DEAD)
			continue;
		if (umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			log_info("unmounted %s left by an interrupted run", p);
		else if (errno != EINVAL)
			log_warn("cannot unmount %s left by an interrupted run: %s", p, strerror(errno));
	}
}

static void clean_dir(const char *dir, bool by_lock)
{
	autoclose int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return;
	if (by_lock)
		clean_mounts(dir, dirfd);
	int dupfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	autoclosedir DIR *d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
	if (!d) {
		if (dupfd >= 0)
			close(dupfd);
		return;
	}
	struct stat dst;
	if (fstat(dirfd, &dst) < 0)
		return;
	autostrv char **locks = strv_new();
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!pid_of_name(de->d_name) || !is_dead(dirfd, de->d_name, by_lock))
			continue;
		/* Another user's (a rootless run of theirs in a shared /tmp or
		 * directory): theirs to clean up, never ours. */
		struct stat est;
		if (fstatat(dirfd, de->d_name, &est, AT_SYMLINK_NOFOLLOW) < 0 || est.st_uid != geteuid())
			continue;
		/* Something is mounted there (not by us: we mount only in our
		 * own namespaces, and clean_mounts found no dead run's marker):
		 * a mount we cannot prove ours is never touched. */
		if (rootfs_is_mount_root(dirfd, de->d_name, dst.st_dev)) {
			log_warn("%s/%s looks like a dead run's, but something is mounted there: left alone",
				 dir, de->d_name);
			continue;
		}
		size_t n = strlen(de->d_name);
		if (n > strlen(LOCK_SUFFIX) && strcmp(de->d_name + n - strlen(LOCK_SUFFIX), LOCK_SUFFIX) == 0) {
			strv_push(&locks, de->d_name); /* last: it marks the others dead */
			continue;
		}
		autofree char *path = path_join(dir, de->d_name);
		struct mkfr_error err;
		if (remove_tree(path, &err) == 0)
			log_info("removed %s left by an interrupted run (pid %ld)", path,
				 (long)pid_of_name(de->d_name));
		else
			log_warn("cannot remove %s left by an interrupted run: %s", path, err.msg);
	}
	for (size_t i = 0; locks[i]; i++)
		unlinkat(dirfd, locks[i], 0);
}

void stale_cleanup_dir(const char *dir)
{
	clean_dir(dir, false);
}

void stale_cleanup(const char *out_dir)
{
	clean_entries();
	clean_dir(out_dir, true);
}
