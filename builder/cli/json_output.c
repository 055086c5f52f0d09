/* SPDX-License-Identifier: MIT */
#include "cli/json_output.h"

#include "util/error.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

json_object *json_output_string(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

int json_output_print(json_object *o)
{
	const char *text = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = printf("%s\n", text) < 0 || fflush(stdout) != 0 ? -1 : 0;
	int saved = errno;
	json_object_put(o);
	if (r < 0) {
		log_error("cannot write the JSON output: %s", strerror(saved));
		return MKFR_EXIT_FAILURE;
	}
	return 0;
}
