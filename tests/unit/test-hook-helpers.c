/* SPDX-License-Identifier: MIT */
/* The built-in hooks (pipeline/hook_helpers.h): each one's normal case,
 * its refusals, and a fake rootfs whose symlinks point at a host
 * directory (absolute, and relative with ../..), whose files must never
 * change. */
#include "pipeline/hook_helpers.h"
#include "sys/rootfs_fs.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[] = "/tmp/mkfr-test-hook-helpers-XXXXXX";
static int rootfd = -1;

static char *at(const char *rel)
{
	static char bufs[4][PATH_MAX];
	static int next;
	char *p = bufs[next++ % 4];
	snprintf(p, PATH_MAX, "%s/%s", base, rel);
	return p;
}

/* base/rel's contents ("" when unreadable). */
static const char *contents(const char *rel)
{
	static char buf[256];
	buf[0] = '\0';
	int fd = open(at(rel), O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return "(missing)";
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static const char *link_of(const char *rel)
{
	static char buf[PATH_MAX];
	ssize_t n = readlink(at(rel), buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? buf : "(no link)";
}

static int exists(const char *rel)
{
	struct stat st;
	return lstat(at(rel), &st) == 0;
}

/* Parse and run one hook text; 0 or -1, err filled. */
static int run(const char *text, struct mkfr_error *err)
{
	struct hook_helper h;
	if (hook_helper_parse(text, base, &h, err) < 0)
		return -1;
	char *made = NULL;
	int r = hook_helper_run(&h, rootfd, &made, err);
	free(made);
	hook_helper_free(&h);
	return r;
}

/* A text refused when read: exit 2, before anything is built. */
static void refused(const char *text, const char *why)
{
	struct mkfr_error err = { 0 };
	struct hook_helper h;
	int r = hook_helper_parse(text, base, &h, &err);
	ok(r < 0 && err.exit_code == 2 && !strchr(err.msg, '\n'), "refused when read (%s): %s", why, text);
	if (r == 0)
		hook_helper_free(&h);
	else
		printf("#   %s\n", err.msg);
}

static void host_untouched(const char *what)
{
	is_str(contents("host/secret"), "host data\n", "%s: the host's file is unchanged", what);
	ok(tap_count_entries(at("host")) == 1, "%s: nothing new in the host directory", what);
}

static void unit(const char *rel, const char *text)
{
	tap_write_file(base, rel, text);
}

int main(void)
{
	struct mkfr_error err = { 0 };
	if (!mkdtemp(base))
		return 1;
	tap_mkdir(base, "host");
	tap_write_file(base, "host/secret", "host data\n");
	tap_mkdir(base, "src");
	tap_write_file(base, "src/motd", "hello\n");
	chmod(at("src/motd"), 0600);
	tap_mkdir(base, "src/tree");
	tap_write_file(base, "src/tree/a", "a\n");
	tap_mkdir(base, "src/tree/sub");
	tap_write_file(base, "src/tree/sub/b", "b\n");
	tap_mkdir(base, "out");
	tap_write_file(base, "out/taken", "mine\n");

	tap_mkdir(base, "root");
	tap_mkdir(base, "root/etc");
	tap_mkdir(base, "root/etc/systemd");
	tap_mkdir(base, "root/etc/systemd/system");
	tap_mkdir(base, "root/usr");
	tap_mkdir(base, "root/usr/lib");
	tap_mkdir(base, "root/usr/lib/systemd");
	tap_mkdir(base, "root/usr/lib/systemd/system");
	tap_symlink("usr/lib", base, "root/lib");
	/* The escapes: absolute and relative links to the host directory, a
	 * final link to the host's file, and .wants/.requires directories
	 * that are links out. */
	tap_symlink(at("host"), base, "root/evil-abs");
	tap_symlink("../../host", base, "root/etc/evil-rel");
	tap_symlink(at("host/secret"), base, "root/etc/secret-link");
	tap_symlink(at("host"), base, "root/etc/systemd/system/evil.target.wants");
	tap_symlink("../../../../host", base, "root/etc/systemd/system/evil.target.requires");

	unit("root/usr/lib/systemd/system/foo.service",
	     "[Unit]\nDescription=foo\n# WantedBy=nothing.target\n[Service]\nExecStart=/bin/true\n"
	     "WantedBy=not-install.target\n\n[Install]\nWantedBy=multi-user.target\n"
	     "RequiredBy=network.target other.target\nAlias=bar.service\nAlso=baz.socket\n");
	unit("root/usr/lib/systemd/system/baz.socket", "[Socket]\nListenStream=1\n[Install]\nWantedBy=sockets.target\n");
	unit("root/usr/lib/systemd/system/getty@.service",
	     "[Service]\nExecStart=/sbin/agetty %I\n[Install]\nWantedBy=getty.target\nDefaultInstance=tty1\n");
	unit("root/usr/lib/systemd/system/noinst@.service", "[Install]\nWantedBy=multi-user.target\n");
	unit("root/usr/lib/systemd/system/plain.service", "[Service]\nExecStart=/bin/true\n");
	unit("root/usr/lib/systemd/system/reset.service",
	     "[Install]\nWantedBy=a.target\nWantedBy=\nWantedBy=b.target\n");
	unit("root/etc/systemd/system/local.service", "[Install]\nWantedBy=multi-user.target\n");
	unit("root/usr/lib/systemd/system/evil.service",
	     "[Install]\nWantedBy=evil.target\n");
	unit("root/usr/lib/systemd/system/evil2.service",
	     "[Install]\nRequiredBy=evil.target\n");
	unit("root/usr/lib/systemd/system/sneaky.service", "[Install]\nWantedBy=../../../host/x.target\n");
	unit("root/usr/lib/systemd/system/loop1.service", "[Install]\nAlso=loop2.service\nWantedBy=a.target\n");
	unit("root/usr/lib/systemd/system/loop2.service", "[Install]\nAlso=loop1.service\nWantedBy=b.target\n");

	rootfd = rootfs_open(at("root"), &err);
	ok(rootfd >= 0, "open the fake rootfs");

	ok(hook_helper_named("copy-in a /b") && hook_helper_named("  append /x y") &&
	   hook_helper_named("enable-unit x.service") && hook_helper_named("copy-out /a b"),
	   "the helpers are known by their first word");
	ok(!hook_helper_named("/usr/bin/copy-in a b") && !hook_helper_named("copy-inx a b") &&
	   !hook_helper_named("echo append"), "anything else is not a helper");

	/* copy-in */
	ok(run("copy-in src/motd /etc/motd", &err) == 0, "copy-in a file (HOSTPATH relative to the base dir)");
	is_str(contents("root/etc/motd"), "hello\n", "copy-in: the file is in the rootfs");
	struct stat st;
	ok(stat(at("root/etc/motd"), &st) == 0 && (st.st_mode & 07777) == 0600, "copy-in keeps the mode (0600)");
	ok(run("copy-in src/motd /usr", &err) == 0 && strcmp(contents("root/usr/motd"), "hello\n") == 0,
	   "copy-in into an existing directory: under the file's own name");
	ok(run("copy-in src/tree /opt/tree", &err) == 0, "copy-in a tree");
	is_str(contents("root/opt/tree/sub/b"), "b\n", "copy-in: the tree's files are there");
	ok(run("copy-in src/tree /opt", &err) == 0 && strcmp(contents("root/opt/tree/a"), "a\n") == 0,
	   "copy-in a tree into an existing directory");
	run("copy-in src/motd /evil-abs/secret", &err);
	host_untouched("copy-in through an absolute link to the host");
	run("copy-in src/motd /etc/evil-rel/secret", &err);
	host_untouched("copy-in through a relative ../.. link to the host");
	ok(run("copy-in src/motd /etc/secret-link", &err) == 0, "copy-in onto a final link replaces the link");
	host_untouched("copy-in onto a link to the host's file");
	run("copy-in src/tree /evil-abs", &err);
	run("copy-in src/tree /etc/evil-rel", &err);
	host_untouched("copy-in a tree through links to the host");
	ok(run("copy-in src/motd /no/such/dir/motd", &err) < 0 && err.exit_code == 1,
	   "copy-in into a directory that is not there: fails (exit 1)");

	/* append */
	ok(run("append /etc/issue hello  world", &err) == 0 && run("append /etc/issue again", &err) == 0,
	   "append twice (the file made the first time)");
	is_str(contents("root/etc/issue"), "hello  world\nagain\n", "append: each LINE and a newline, blanks kept");
	tap_symlink(at("host/secret"), base, "root/etc/secret-link2");
	ok(run("append /etc/secret-link2 pwned", &err) < 0, "append to a final link to the host's file: refused");
	run("append /evil-abs/secret pwned", &err);
	run("append /etc/evil-rel/secret pwned", &err);
	host_untouched("append through links to the host");
	ok(run("append /etc line", &err) < 0, "append to a directory: refused");

	/* copy-out */
	ok(run("copy-out /etc/issue out/issue", &err) == 0, "copy-out a file");
	is_str(contents("out/issue"), "hello  world\nagain\n", "copy-out: the host file has the contents");
	ok(run("copy-out /etc/motd out", &err) == 0 && strcmp(contents("out/motd"), "hello\n") == 0,
	   "copy-out into a host directory: under the file's own name");
	ok(run("copy-out /etc/motd out", &err) < 0 && err.exit_code == 1, "copy-out again: never writes over a file");
	ok(run("copy-out /evil-abs/secret out/stolen", &err) < 0 && !exists("out/stolen"),
	   "copy-out through an absolute link: the host's file is not read");
	ok(run("copy-out /etc/evil-rel/secret out/stolen", &err) < 0 && !exists("out/stolen"),
	   "copy-out through a relative link: the host's file is not read");
	ok(run("copy-out /etc/secret-link2 out/stolen", &err) < 0 && !exists("out/stolen"),
	   "copy-out of a final link to the host's file: the host's file is not read");
	ok(run("copy-out /etc out/etc", &err) < 0 && !exists("out/etc"), "copy-out of a directory: refused");

	/* enable-unit */
	ok(run("enable-unit foo.service", &err) == 0, "enable-unit foo.service");
	is_str(link_of("root/etc/systemd/system/multi-user.target.wants/foo.service"),
	       "/usr/lib/systemd/system/foo.service", "WantedBy: the .wants link");
	is_str(link_of("root/etc/systemd/system/network.target.requires/foo.service"),
	       "/usr/lib/systemd/system/foo.service", "RequiredBy: the .requires link");
	is_str(link_of("root/etc/systemd/system/other.target.requires/foo.service"),
	       "/usr/lib/systemd/system/foo.service", "RequiredBy: each word a target");
	is_str(link_of("root/etc/systemd/system/bar.service"), "/usr/lib/systemd/system/foo.service",
	       "Alias: the alias link");
	is_str(link_of("root/etc/systemd/system/sockets.target.wants/baz.socket"),
	       "/usr/lib/systemd/system/baz.socket", "Also: the other unit enabled too");
	ok(!exists("root/etc/systemd/system/not-install.target.wants") &&
	   !exists("root/etc/systemd/system/nothing.target.wants"),
	   "only the [Install] section counts (not [Service], not comments)");
	ok(run("enable-unit foo.service", &err) == 0, "enable-unit twice: the links are made again");
	ok(run("enable-unit getty@.service", &err) == 0, "enable-unit of a template");
	is_str(link_of("root/etc/systemd/system/getty.target.wants/getty@tty1.service"),
	       "/usr/lib/systemd/system/getty@.service", "a template: its DefaultInstance");
	ok(run("enable-unit getty@ttyS0.service", &err) == 0, "enable-unit of an instance");
	is_str(link_of("root/etc/systemd/system/getty.target.wants/getty@ttyS0.service"),
	       "/usr/lib/systemd/system/getty@.service", "an instance: linked to its template");
	ok(run("enable-unit noinst@.service", &err) < 0, "a template without DefaultInstance: fails");
	ok(run("enable-unit plain.service", &err) < 0 && strstr(err.msg, "nothing to enable"),
	   "a unit without [Install]: fails, saying so");
	ok(run("enable-unit missing.service", &err) < 0 && strstr(err.msg, "no unit file"),
	   "a unit that is not there: fails, saying so");
	ok(run("enable-unit reset.service", &err) == 0 && exists("root/etc/systemd/system/b.target.wants/reset.service") &&
	   !exists("root/etc/systemd/system/a.target.wants/reset.service"), "an empty WantedBy= empties the list");
	ok(run("enable-unit local.service", &err) == 0, "a unit of /etc/systemd/system");
	is_str(link_of("root/etc/systemd/system/multi-user.target.wants/local.service"),
	       "/etc/systemd/system/local.service", "linked where it was found");
	ok(run("enable-unit loop1.service", &err) == 0 && exists("root/etc/systemd/system/b.target.wants/loop2.service"),
	   "Also= loops end");
	run("enable-unit evil.service", &err);
	run("enable-unit evil2.service", &err);
	host_untouched("enable-unit where .wants and .requires are links to the host");
	ok(run("enable-unit sneaky.service", &err) < 0, "a WantedBy that is a path, not a unit name: refused");
	host_untouched("enable-unit with a path in WantedBy");

	/* Refused when read. */
	refused("copy-in", "no words");
	refused("copy-in src/motd", "one word");
	refused("copy-in src/motd /a /b", "one word too many");
	refused("copy-in src/nothing /etc/x", "a host path that is not there");
	refused("copy-in src/motd etc/x", "a relative rootfs path");
	refused("copy-out /etc/motd", "one word");
	refused("copy-out etc/motd out/x", "a relative rootfs path");
	refused("copy-out /etc/motd nowhere/x", "a host directory that is not there");
	refused("copy-out /etc/motd out/taken", "a host file that exists");
	refused("append /etc/issue", "no LINE");
	refused("append etc/issue x", "a relative path");
	refused("enable-unit", "no unit");
	refused("enable-unit foo", "no type suffix");
	refused("enable-unit ../foo.service", "a path");
	refused("enable-unit a/foo.service", "a slash");
	refused("enable-unit a.service b.service", "two units");
	refused("append-line /x y", "not a helper at all");
	is_str(contents("out/taken"), "mine\n", "the refused copy-out left the host file alone");

	close(rootfd);
	ok(remove_tree(base, &err) == 0, "the test's directory removed");
	return tap_done();
}
