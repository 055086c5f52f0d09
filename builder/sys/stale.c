#include "sys/stale.h"

#include "sys/binfmt.h"
#include "sys/mounts.h"
#include "sys/rootfs_fs.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strv.h"
#include "util/number.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#define WORK_PREFIX ".mkfr-"

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
	char *s = NULL;
	s = xasprintf("%s%ld-%s", WORK_PREFIX, (long)pid, base);
	return s;
}

/* ".mkfr-<pid>-..." anywhere in a path: the pid, else 0. */
static pid_t work_pid_in(const char *path)
{
	const char *p = strstr(path, "/" WORK_PREFIX);
	if (!p)
		return 0;
	p += 1 + strlen(WORK_PREFIX);
	if (!isdigit((unsigned char)*p))
		return 0;
	uint64_t pid;
	const char *dash = strchr(p, '-');
	return dash && parse_u64_n(p, (size_t)(dash - p), INT32_MAX, &pid) && pid > 0 ? (pid_t)pid : 0;
}

static void clean_entries(void)
{
	if (!binfmt_is_mounted(BINFMT_DIR))
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

static void clean_mounts(void)
{
	autostrv char **points = mount_points();
	for (size_t n = strv_length(points); n > 0; n--) {
		const char *p = points[n - 1];
		pid_t pid = work_pid_in(p);
		if (!pid || stale_pid_alive(pid))
			continue;
		if (umount2(p, MNT_DETACH) == 0)
			log_info("unmounted %s left by an interrupted run (pid %ld)", p, (long)pid);
		else if (errno != EINVAL)
			log_warn("cannot unmount %s left by an interrupted run: %s", p, strerror(errno));
	}
}

static void clean_work_dirs(const char *out_dir)
{
	autoclosedir DIR *d = opendir(out_dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, WORK_PREFIX, strlen(WORK_PREFIX)) != 0)
			continue;
		autofree char *path = NULL;
		path = xasprintf("%s/%s", out_dir, de->d_name);
		pid_t pid = work_pid_in(path);
		if (!pid || stale_pid_alive(pid))
			continue;
		struct mkfr_error err;
		if (remove_tree(path, &err) == 0)
			log_info("removed %s left by an interrupted run (pid %ld)", path, (long)pid);
		else
			log_warn("cannot remove %s left by an interrupted run: %s", path, err.msg);
	}
}

void stale_cleanup_dir(const char *dir)
{
	clean_work_dirs(dir);
}

void stale_cleanup(const char *out_dir)
{
	clean_entries();
	clean_mounts();
	clean_work_dirs(out_dir);
}
