/* SPDX-License-Identifier: MIT */
#include "util/number.h"

#include <stddef.h>
#include <string.h>

bool parse_u64_n(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	return parse_u64_n(s, strlen(s), max, out);
}

bool parse_size(const char *s, uint64_t *bytes)
{
	static const char units[] = "KMGT";
	const uint64_t max = UINT64_C(16) << 40;
	size_t n = strlen(s);
	unsigned shift = 0;
	const char *u = n ? strchr(units, s[n - 1]) : NULL;
	if (u && *u) {
		shift = 10 * (unsigned)(u - units + 1);
		n--;
	}
	uint64_t v;
	if (!parse_u64_n(s, n, max >> shift, &v) || v == 0)
		return false;
	*bytes = v << shift;
	return true;
}
