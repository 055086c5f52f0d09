/* SPDX-License-Identifier: MIT */
/* Memory: allocation never fails for a caller (util/README.md, "Out of
 * memory").  Each x* function is its libc namesake that, instead of
 * returning NULL or -1, prints one line and aborts the program.
 *
 * Why abort: a build that cannot allocate a few bytes cannot do anything
 * useful, and every failure path that tried would be one more path that is
 * never tested.  Ending the process this way leaves the host exactly as a
 * SIGKILL would, which the design already handles: mounts live in private
 * namespaces and vanish, binfmt entries are per-user-namespace (or named
 * with our pid and removed by the next run), and work directories carry
 * the pid and are removed by the next run. */
#ifndef MKFR_ALLOC_H
#define MKFR_ALLOC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

__attribute__((noreturn)) void out_of_memory(void);

void *xmalloc(size_t size) __attribute__((malloc, returns_nonnull));
void *xcalloc(size_t n, size_t size) __attribute__((malloc, returns_nonnull));
void *xrealloc(void *p, size_t size) __attribute__((returns_nonnull));
/* realloc for n elements of size bytes, with the multiplication checked. */
void *xreallocarray(void *p, size_t n, size_t size) __attribute__((returns_nonnull));
char *xstrdup(const char *s) __attribute__((malloc, returns_nonnull));
char *xstrndup(const char *s, size_t n) __attribute__((malloc, returns_nonnull));
/* A new string, printf-formatted. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2), malloc, returns_nonnull));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((malloc, returns_nonnull));
/* open_memstream, and its fclose (where the buffer's last growth can fail):
 * *buf and *len are valid after xclose_memstream. */
FILE *xopen_memstream(char **buf, size_t *len) __attribute__((returns_nonnull));
void xclose_memstream(FILE *f);

#endif
