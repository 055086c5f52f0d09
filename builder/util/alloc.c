/* SPDX-License-Identifier: MIT */
#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void out_of_memory(void)
{
	static const char msg[] = "mkforeignroot: error: out of memory\n";
	/* write(2), not stdio: stdio may itself need memory now. */
	ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t size)
{
	void *np = realloc(p, size ? size : 1);
	if (!np)
		out_of_memory();
	return np;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	void *np = reallocarray(p, n ? n : 1, size ? size : 1);
	if (!np)
		out_of_memory();
	return np;
}

char *xstrdup(const char *s)
{
	char *c = strdup(s);
	if (!c)
		out_of_memory();
	return c;
}

char *xstrndup(const char *s, size_t n)
{
	char *c = strndup(s, n);
	if (!c)
		out_of_memory();
	return c;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory();
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

FILE *xopen_memstream(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	if (!f)
		out_of_memory();
	return f;
}

void xclose_memstream(FILE *f)
{
	if (fclose(f) != 0)
		out_of_memory();
}
