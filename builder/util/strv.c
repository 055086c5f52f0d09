/* SPDX-License-Identifier: MIT */
#include "util/strv.h"

#include "util/alloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t strv_length(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

char **strv_new(void)
{
	return xcalloc(1, sizeof(char *));
}

static void push_owned(char ***v, char *s)
{
	size_t n = strv_length(*v);
	char **nv = xreallocarray(*v, n + 2, sizeof(char *));
	nv[n] = s;
	nv[n + 1] = NULL;
	*v = nv;
}

void strv_push(char ***v, const char *s)
{
	push_owned(v, xstrdup(s));
}

void strv_pushf(char ***v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	push_owned(v, s);
}

char **strv_copy(char *const *v)
{
	char **out = strv_new();
	for (size_t i = 0; v && v[i]; i++)
		strv_push(&out, v[i]);
	return out;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **s = v; *s; s++)
		free(*s);
	free(v);
}

int strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

int str_index(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

char *str_trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

char **strv_split_list(const char *s, char sep)
{
	char **out = strv_new();
	char *copy = xstrdup(s);
	char *p = copy;
	for (;;) {
		char *end = strchr(p, sep);
		if (end)
			*end = '\0';
		char *item = str_trim(p);
		if (*item)
			strv_push(&out, item);
		if (!end)
			break;
		p = end + 1;
	}
	free(copy);
	return out;
}

char *strv_join(char *const *v, const char *sep)
{
	size_t len = 1, seplen = strlen(sep);
	for (size_t i = 0; v && v[i]; i++)
		len += strlen(v[i]) + seplen;
	char *out = xmalloc(len);
	char *p = out;
	for (size_t i = 0; v && v[i]; i++) {
		if (i) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		size_t l = strlen(v[i]);
		memcpy(p, v[i], l);
		p += l;
	}
	*p = '\0';
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort(char **v)
{
	if (v)
		qsort(v, strv_length(v), sizeof(char *), cmp_str);
}
