/* SPDX-License-Identifier: MIT */
/* Release parsing, RFC 2822 dates and the Valid-Until check, on fixed text. */
#include "archive/release_file.h"
#include "util/strv.h"
#include "tap.h"

#include <locale.h>

static const char RELEASE[] =
	"Origin: Debian\n"
	"Label: Debian\n"
	"Suite: stable\n"
	"Version: 12.0\n"
	"Codename: bookworm\n"
	"Changelogs: https://metadata.ftp-master.debian.org/changelogs/@CHANGEPATH@_changelog\n"
	"Date: Sat, 10 Jun 2023 08:55:19 UTC\n"
	"Valid-Until: Sat, 17 Jun 2023 08:55:19 UTC\n"
	"Acquire-By-Hash: yes\n"
	"No-Support-for-Architecture-all: Packages\n"
	"Architectures: all amd64 arm64 armel armhf i386 mips64el mipsel ppc64el s390x\n"
	"Components: main contrib non-free-firmware non-free\n"
	"Description: Debian 12.0 Released 10 June 2023\n"
	"MD5Sum:\n"
	" 0ed6d4c8891eb86358b94bb35d9e4da4  1484322 contrib/Contents-all\n"
	"SHA256:\n"
	" d6c9c82f4e61b4662f9ba16b9ebb379c57b4943f8b7813091d1f637325ddfb79  1484322 contrib/Contents-all\n"
	" 8b0a2bc6e8b5ef2f7b8e2a3d4f7c3b7b0b2c3f5e1a2b3c4d5e6f708192a3b4c5 8790396 main/binary-amd64/Packages.xz\n"
	" 1111111111111111111111111111111111111111111111111111111111111111  32 main/binary-amd64/Release\n";

int main(void)
{
	struct mkfr_error err;
	struct release_file rel;
	time_t t;

	/* Month names must not follow the locale (a German "Mai"). */
	setlocale(LC_ALL, "de_DE.UTF-8");

	ok(release_date_parse("Sat, 10 Jun 2023 08:55:19 UTC", &t) == 0 && t == 1686387319,
	   "Release date with weekday and UTC");
	ok(release_date_parse("10 Jun 2023 08:55:19 GMT", &t) == 0 && t == 1686387319,
	   "without weekday, GMT");
	ok(release_date_parse("Sat, 10 Jun 2023 10:55:19 +0200", &t) == 0 && t == 1686387319,
	   "a numeric zone is applied");
	ok(release_date_parse("Thu, 1 Jan 1970 00:00:00 UTC", &t) == 0 && t == 0, "the epoch");
	ok(release_date_parse("Tue, 29 Feb 2028 23:59:60 UTC", &t) == 0 && t == 1835481600,
	   "a leap day and a leap second");
	ok(release_date_parse("Sat, 10 Mai 2023 08:55:19 UTC", &t) < 0, "a localised month is refused");
	ok(release_date_parse("Sat, 10 Jun 2023 08:55:19 CEST", &t) < 0, "an unknown zone is refused");
	ok(release_date_parse("Sat, 32 Jun 2023 08:55:19 UTC", &t) < 0, "day 32 is refused");
	ok(release_date_parse("", &t) < 0 && release_date_parse("yesterday", &t) < 0,
	   "text that is no date is refused");

	ok(release_file_parse(RELEASE, "InRelease", &rel, &err) == 0, "a bookworm Release parses");
	is_str(rel.suite, "stable", "Suite");
	is_str(rel.codename, "bookworm", "Codename");
	ok(rel.date == 1686387319, "Date");
	ok(rel.valid_until == 1686387319 + 7 * 86400, "Valid-Until");
	is_str(rel.valid_until_text, "Sat, 17 Jun 2023 08:55:19 UTC", "Valid-Until as written");
	ok(rel.acquire_by_hash, "Acquire-By-Hash");
	ok(strv_length(rel.architectures) == 10 && strcmp(rel.architectures[2], "arm64") == 0,
	   "Architectures");
	ok(rel.components && strcmp(rel.components[3], "non-free") == 0 && !rel.components[4],
	   "Components");
	ok(rel.sha256_count == 3, "only the SHA256 list is taken, not MD5Sum (%zu)", rel.sha256_count);
	const struct release_checksum *c = release_file_checksum(&rel, "main/binary-amd64/Packages.xz");
	ok(c && c->size == 8790396 &&
		   strcmp(c->sha256, "8b0a2bc6e8b5ef2f7b8e2a3d4f7c3b7b0b2c3f5e1a2b3c4d5e6f708192a3b4c5") == 0,
	   "a listed file has its size and hash");
	ok(release_file_checksum(&rel, "main/binary-amd64/Packages.gz") == NULL,
	   "an unlisted file has none");

	ok(release_file_check_valid_until(&rel, rel.valid_until - 1, "X", &err) == 0,
	   "valid until a second before Valid-Until");
	ok(release_file_check_valid_until(&rel, rel.valid_until + 1, "http://m/dists/x/InRelease",
					  &err) < 0, "expired a second after");
	contains(err.msg, "http://m/dists/x/InRelease: expired on Sat, 17 Jun 2023 08:55:19 UTC",
		 "the error names the file and the date");
	contains(err.msg, "check_valid_until=no", "and the way out");
	release_file_free(&rel);

	ok(release_file_parse("Suite: stable\nCodename: bookworm\nSHA256:\n"
			      " d6c9c82f4e61b4662f9ba16b9ebb379c57b4943f8b7813091d1f637325ddfb79 1 a\n",
			      "R", &rel, &err) == 0 && rel.valid_until_text == NULL,
	   "no Valid-Until (stable) parses");
	ok(release_file_check_valid_until(&rel, 4000000000, "R", &err) == 0,
	   "and never expires");
	release_file_free(&rel);

	ok(release_file_parse("Suite: x\nValid-Until: next week\nSHA256:\n", "R", &rel, &err) < 0,
	   "an unreadable Valid-Until is an error");
	contains(err.msg, "R:2: Valid-Until: cannot parse 'next week'", "naming line and value");
	ok(release_file_parse("Suite: x\nSHA256:\n deadbeef 12 main/x\n", "R", &rel, &err) < 0,
	   "a short hash is an error");
	contains(err.msg, "R:3: malformed SHA256 line", "naming the line");
	ok(release_file_parse("Suite: x\nSHA256:\n 0000000000000000000000000000000000000000000000000000000000000000 -1 main/x\n",
			      "R", &rel, &err) < 0, "a negative size in the SHA256 list is refused");
	contains(err.msg, "R:3: malformed SHA256 line", "naming the line");
	ok(release_file_parse("Suite: x\nSHA256:\n 0000000000000000000000000000000000000000000000000000000000000000 99999999999999999999 main/x\n",
			      "R", &rel, &err) < 0, "an out-of-range size is refused");
	ok(release_file_parse("Suite: x\nMD5Sum:\n 0ed6d4c8891eb86358b94bb35d9e4da4 1 a\n", "R", &rel,
			      &err) < 0, "a Release without SHA256 is refused");
	contains(err.msg, "no SHA256", "saying why");
	ok(release_file_parse("<html>captive portal</html>\n", "R", &rel, &err) < 0,
	   "an HTML page is not a Release file");
	return tap_done();
}
