/* SPDX-License-Identifier: MIT */
/* --json of the listing commands (profiles, keys, arches, cache list,
 * binfmt status): one JSON document on standard output, for image
 * factories and scripts; the text output stays the one for people.
 * Keys stay in the order they are added, so the documents read like the
 * text and diff well. */
#ifndef MKFR_JSON_OUTPUT_H
#define MKFR_JSON_OUTPUT_H

#include <json-c/json.h>

/* A string, or JSON null for NULL (json-c has no NULL-safe constructor). */
json_object *json_output_string(const char *s);
/* Print o (indented, "/" not escaped) and a newline to stdout and free it;
 * 0, or MKFR_EXIT_FAILURE when stdout cannot be written. */
int json_output_print(json_object *o);

#endif
