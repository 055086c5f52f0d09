/* SPDX-License-Identifier: MIT */
/* Reading the JSON documents a test made: the value at a dotted path
 * ("manifests.0.platform.variant": object keys, array indexes). */
#ifndef MKFR_TAP_JSON_H
#define MKFR_TAP_JSON_H

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline json_object *tap_json_at(json_object *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	char *save = NULL;
	for (char *tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(tok));
		else if (!json_object_object_get_ex(o, tok, &o))
			o = NULL;
	}
	return o;
}

static inline const char *tap_json_str(json_object *o, const char *path)
{
	o = tap_json_at(o, path);
	return o ? json_object_get_string(o) : NULL;
}

#endif
