/* SPDX-License-Identifier: MIT */
/* NULL-terminated, heap-owned string vectors (argv arrays, lists).
 * Allocation aborts on failure (util/alloc.h): no result needs checking. */
#ifndef MKFR_STRV_H
#define MKFR_STRV_H

#include <stddef.h>

size_t strv_length(char *const *v);
/* A new, empty vector. */
char **strv_new(void);
/* Append a copy of s (*v may be NULL: it becomes a vector). */
void strv_push(char ***v, const char *s);
/* Append a printf-formatted string. */
void strv_pushf(char ***v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char **strv_copy(char *const *v);
void strv_free(char **v);
int strv_contains(char *const *v, const char *s);
/* The position of `s` among the n `names`, or -1: the word of a value
 * with a fixed set of words, the names listed in the order of its enum. */
int str_index(const char *s, const char *const *names, size_t n);
/* Split on `sep`, trimming blanks around items and dropping empty items. */
char **strv_split_list(const char *s, char sep);
/* Sort in place, byte order (as apt and run-parts order files). */
void strv_sort(char **v);
/* Join with `sep` into a new string. */
char *strv_join(char *const *v, const char *sep);
/* Trim leading/trailing blanks in place; returns s. */
char *str_trim(char *s);

#endif
