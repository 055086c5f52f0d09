/* SPDX-License-Identifier: MIT */
#include "sys/subid.h"

#include "util/cleanup.h"
#include "util/number.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* login.defs' SUB_UID_MIN: below it are the host's own users. */
#define SUBID_MIN 100000UL

struct subid_line {
	char owner[256];
	struct subid_range range;
};

/* "OWNER:START:COUNT" (a trailing newline allowed); false for anything else. */
static bool parse_line(const char *line, struct subid_line *out)
{
	const char *c1 = strchr(line, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2 || c1 == line || (size_t)(c1 - line) >= sizeof(out->owner))
		return false;
	size_t end = strcspn(c2 + 1, "\n");
	uint64_t start, count;
	if (!parse_u64_n(c1 + 1, (size_t)(c2 - c1 - 1), UINT32_MAX, &start) ||
	    !parse_u64_n(c2 + 1, end, UINT32_MAX, &count) || count == 0 ||
	    start + count - 1 > UINT32_MAX)
		return false;
	memcpy(out->owner, line, (size_t)(c1 - line));
	out->owner[c1 - line] = '\0';
	out->range = (struct subid_range){ (unsigned long)start, (unsigned long)count };
	return true;
}

static bool owner_is(const char *owner, const char *name, unsigned long id)
{
	if (name && strcmp(owner, name) == 0)
		return true;
	uint64_t n;
	return parse_u64(owner, UINT32_MAX, &n) && n == id;
}

int subid_find(const char *file, const char *name, unsigned long id, unsigned long need,
	       struct subid_range *out, unsigned long *largest, struct mkfr_error *err)
{
	*largest = 0;
	autofclose FILE *f = fopen(file, "re");
	if (!f)
		return errno == ENOENT ? 0 : mkfr_fail(err, errno, "cannot read %s", file);
	char line[512];
	struct subid_line l;
	errno = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!parse_line(line, &l) || !owner_is(l.owner, name, id))
			continue;
		if (l.range.count > *largest)
			*largest = l.range.count;
		if (l.range.count >= need) {
			*out = l.range;
			return 1;
		}
	}
	if (ferror(f))
		return mkfr_fail(err, errno ? errno : EIO, "cannot read %s", file);
	return 0;
}

/* Past the end of every range in `file` that ends above `from`. */
static unsigned long above_ranges(const char *file, unsigned long from)
{
	autofclose FILE *f = fopen(file, "re");
	char line[512];
	struct subid_line l;
	while (f && fgets(line, sizeof(line), f))
		if (parse_line(line, &l) && l.range.start + l.range.count > from)
			from = l.range.start + l.range.count;
	return from;
}

unsigned long subid_free_start(const char *uid_file, const char *gid_file)
{
	return above_ranges(gid_file, above_ranges(uid_file, SUBID_MIN));
}
