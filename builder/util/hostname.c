/* SPDX-License-Identifier: MIT */
#include "util/hostname.h"

#include <ctype.h>
#include <string.h>

#define LABEL_MAX 63
#define NAME_MAX_LEN 64

static bool label_valid(const char *s, size_t n)
{
	if (n == 0 || n > LABEL_MAX || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

bool hostname_label_valid(const char *s)
{
	return label_valid(s, strlen(s));
}

bool hostname_valid(const char *s)
{
	if (strlen(s) > NAME_MAX_LEN)
		return false;
	for (;;) {
		size_t n = strcspn(s, ".");
		if (!label_valid(s, n))
			return false;
		if (s[n] == '\0')
			return true;
		s += n + 1;
	}
}
