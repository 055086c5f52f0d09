/* SPDX-License-Identifier: MIT */
/* Whole numbers from text that someone else wrote (indexes, Release
 * files, the command line): digits only, no sign, no blanks, no overflow.
 * strtoull alone accepts "-1" (as UINT64_MAX), "+7" and " 7", and its
 * overflow is easy to miss. */
#ifndef MKFR_NUMBER_H
#define MKFR_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* `s` is one or more decimal digits whose value is at most `max`. */
bool parse_u64(const char *s, uint64_t max, uint64_t *out);
/* The same for the first `len` characters of s. */
bool parse_u64_n(const char *s, size_t len, uint64_t max, uint64_t *out);

/* A size: digits with an optional K, M, G or T (binary: KiB, MiB ...),
 * at most 16 TiB; "0" and overflow are refused. */
bool parse_size(const char *s, uint64_t *bytes);

#endif
