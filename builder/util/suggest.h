/* SPDX-License-Identifier: MIT */
/* "Did you mean ...?": the nearest of some known names to a word the
 * user typed (a profile key, a profile name, a command). */
#ifndef MKFR_SUGGEST_H
#define MKFR_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance (insert, delete, replace: 1 each); words of 63
 * bytes or more are never near anything. */
size_t suggest_distance(const char *a, const char *b);
/* The candidate within SUGGEST_MAX_DISTANCE edits of word, the nearest
 * (the first of equals); else the one candidate word is the beginning of
 * ("arm64" for "arm64-bookworm"); else NULL.  candidates is
 * NULL-terminated. */
const char *suggest_nearest(const char *word, const char *const *candidates);

#define SUGGEST_MAX_DISTANCE 2

#endif
