/* SPDX-License-Identifier: MIT */
#include "util/arena.h"

#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

/* Big enough that a block's own malloc costs nothing, small enough that a
 * small index does not reserve much. */
#define BLOCK_SIZE (256 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	char data[];
};

static char *arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->blocks;
	if (!b || b->size - b->used < n) {
		/* A string longer than a block gets a block of its own, put
		 * behind the current one so its free space is not lost. */
		size_t size = n > BLOCK_SIZE / 4 ? n : BLOCK_SIZE;
		struct arena_block *nb = xmalloc(sizeof(*nb) + size);
		nb->used = 0;
		nb->size = size;
		if (b && size != BLOCK_SIZE) {
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			a->blocks = nb;
		}
		b = nb;
	}
	char *p = b->data + b->used;
	b->used += n;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_free(struct arena *a)
{
	while (a->blocks) {
		struct arena_block *b = a->blocks;
		a->blocks = b->next;
		free(b);
	}
}
