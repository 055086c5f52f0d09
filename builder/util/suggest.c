/* SPDX-License-Identifier: MIT */
#include "util/suggest.h"

#include <string.h>

size_t suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];
	if (la >= 63 || lb >= 63)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *suggest_nearest(const char *word, const char *const *candidates)
{
	const char *best = NULL, *prefixed = NULL;
	size_t best_d = SUGGEST_MAX_DISTANCE + 1, n_prefixed = 0, wl = strlen(word);
	for (size_t i = 0; candidates && candidates[i]; i++) {
		size_t d = suggest_distance(word, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
		if (wl && strncmp(candidates[i], word, wl) == 0) {
			prefixed = candidates[i];
			n_prefixed++;
		}
	}
	if (best)
		return best;
	return n_prefixed == 1 ? prefixed : NULL;
}
