/* json.c: the two json-c helpers every JSON document of the library uses (util_int.h). */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include "util/util_int.h"

struct json_object *util__json_double(double v)
{
    if (v != v || v > 1.7e308 || v < -1.7e308)
        return NULL;
    return json_object_new_double(v);
}

char *util__json_text(struct json_object *j)
{
    const char *txt = j ? json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
    char *out = txt ? strdup(txt) : NULL;
    json_object_put(j);
    return out;
}
