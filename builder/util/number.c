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
