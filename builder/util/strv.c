#include "util/strv.h"

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

static int push_owned(char ***v, char *s)
{
	size_t n = strv_length(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv) {
		free(s);
		errno = ENOMEM;
		return -1;
	}
	nv[n] = s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

int strv_push(char ***v, const char *s)
{
	char *c = strdup(s);
	if (!c)
		return -1;
	return push_owned(v, c);
}

int strv_pushf(char ***v, const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	return push_owned(v, s);
}

char **strv_copy(char *const *v)
{
	char **out = calloc(1, sizeof(char *));
	if (!out)
		return NULL;
	for (size_t i = 0; v && v[i]; i++)
		if (strv_push(&out, v[i]) < 0) {
			strv_free(out);
			return NULL;
		}
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
	char **out = calloc(1, sizeof(char *));
	char *copy = strdup(s);
	if (!out || !copy) {
		free(out);
		free(copy);
		return NULL;
	}
	char *p = copy;
	for (;;) {
		char *end = strchr(p, sep);
		if (end)
			*end = '\0';
		char *item = str_trim(p);
		if (*item && strv_push(&out, item) < 0) {
			strv_free(out);
			free(copy);
			return NULL;
		}
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
	char *out = malloc(len);
	if (!out)
		return NULL;
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
