/* Scalar resolution of YAML 1.1 as go-yaml v2 (kubectl's reader) does it:
 * which plain scalars are null, booleans, integers or floats. Private to the
 * core. */
#ifndef MESHLUA_NODE_SCALAR_H
#define MESHLUA_NODE_SCALAR_H

#include "meshlua/node.h"

/* The tag of a plain (unquoted, untagged) scalar's text. */
enum node_tag scalar_resolve_plain(const char *s, size_t len);

/* Parses YAML 1.1 integer syntax (decimal, 0x, 0o/0 octal, 0b, '_'
 * separators, sign). Returns 0, or -1 when s is not an integer or overflows. */
int scalar_parse_int(const char *s, long long *out);

/* The value of float text (".inf", ".nan" and "1_000.5" included). */
double scalar_parse_float(const char *s);

/* 1 for the true spellings (true, yes, on, y ...), 0 otherwise. */
int scalar_bool_value(const char *s);

#endif
