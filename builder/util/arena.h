/* SPDX-License-Identifier: MIT */
/* Strings that live and die together: allocated from large blocks, freed
 * all at once.  A Debian Packages index is ~60,000 stanzas of short
 * strings; one malloc each costs as much again in allocator overhead as
 * the strings themselves (measured: 19 MB of strings, 8 MB of overhead). */
#ifndef MKFR_ARENA_H
#define MKFR_ARENA_H

#include <stddef.h>

struct arena {
	struct arena_block *blocks; /* newest first */
};

/* A copy of s (or of its first n bytes) that lives until arena_free. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Frees every string of the arena; it is empty (and usable) after. */
void arena_free(struct arena *a);

#endif
