/* SPDX-License-Identifier: MIT */
/* Reading /etc/subuid and /etc/subgid (sys/subid.h) from files standing in
 * for them: by name and by uid, the first range large enough, malformed
 * and overflowing lines passed over, a missing file, and the free start
 * the refusal suggests. */
#include "sys/subid.h"
#include "tap.h"

#include <unistd.h>

static char dir[] = "/tmp/mkfr-test-subid-XXXXXX";
static char uid_file[128], gid_file[128];

static void clean(void)
{
	unlink(uid_file);
	unlink(gid_file);
	rmdir(dir);
}

int main(void)
{
	struct mkfr_error err;
	struct subid_range r;
	unsigned long most;

	if (!mkdtemp(dir))
		return 1;
	atexit(clean);
	snprintf(uid_file, sizeof(uid_file), "%s/subuid", dir);
	snprintf(gid_file, sizeof(gid_file), "%s/subgid", dir);

	ok(subid_find(uid_file, "alice", 1001, 65535, &r, &most, &err) == 0 && most == 0,
	   "a missing file: no range, nothing to report");
	ok(subid_free_start(uid_file, gid_file) == 100000, "and the free start is SUB_UID_MIN, 100000");

	tap_write_file(dir, "subuid",
		       "bob:100000:65536\n"
		       "alice:165536:1000\n"        /* too small */
		       "alice:x:65536\n"            /* malformed */
		       "alice:4294967000:65536\n"   /* past 2^32 */
		       ":300000:65536\n"            /* no owner */
		       "1001:200000:65536\n"        /* alice by uid */
		       "alice:400000:70000\n");
	ok(subid_find(uid_file, "alice", 1001, 65535, &r, &most, &err) == 1 && r.start == 200000 &&
		   r.count == 65536,
	   "the first large enough range, the user named by uid (200000, %lu)", r.count);
	ok(subid_find(uid_file, "alice", 1002, 65535, &r, &most, &err) == 1 && r.start == 400000,
	   "by name alone: the next large enough one, malformed and overflowing lines passed over");
	ok(subid_find(uid_file, "alice", 1002, 80000, &r, &most, &err) == 0 && most == 70000,
	   "none large enough: the largest is reported (%lu)", most);
	ok(subid_find(uid_file, "carol", 1003, 1, &r, &most, &err) == 0 && most == 0,
	   "another user's ranges are not ours");

	tap_write_file(dir, "subgid", "alice:1000000:65536\n");
	ok(subid_free_start(uid_file, gid_file) == 1065536,
	   "the free start is above every range of both files (%lu)", subid_free_start(uid_file, gid_file));

	/* A directory in its place: opened, but no line can be read. */
	ok(subid_find(dir, "alice", 1001, 1, &r, &most, &err) < 0 && strstr(err.msg, dir),
	   "a file that cannot be read is an error naming it (%s)", err.msg);
	return tap_done();
}
