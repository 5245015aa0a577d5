/* node: the document tree every manifest and JSON input becomes, with the
 * line and column of each node so errors can point at their place. Nodes
 * live in the arena of the stream that parsed them (see yaml_load.h). */
#ifndef MESHLUA_NODE_H
#define MESHLUA_NODE_H

#include <stddef.h>

#include "meshlua/strbuf.h"

enum node_type { NODE_SCALAR, NODE_MAP, NODE_SEQ };

/* What a scalar resolved to (YAML 1.1 rules, as kubectl's YAML reader:
 * plain `yes`/`on` are booleans, `0x1F` an integer); quoted scalars are
 * strings. Maps and sequences have NODE_TAG_NONE. */
enum node_tag {
	NODE_TAG_NONE,
	NODE_TAG_STR,
	NODE_TAG_INT,
	NODE_TAG_FLOAT,
	NODE_TAG_BOOL,
	NODE_TAG_NULL
};

struct node_pair;

struct node {
	enum node_type type;
	enum node_tag tag;
	int line;        /* 1-based */
	int column;      /* 1-based */
	size_t len;      /* scalar: bytes of str; map: pairs; seq: items */
	const char *str; /* scalar text, NUL-terminated (as written, unescaped) */
	struct node_pair *pairs;
	struct node **items;
};

struct node_pair {
	struct node *key; /* always a scalar */
	struct node *value;
};

/* The value of key in map, or NULL when map is not a map or lacks key. */
const struct node *node_get(const struct node *map, const char *key);

/* The pair of key in map (to reach the key's position), or NULL. */
const struct node_pair *node_get_pair(const struct node *map, const char *key);

/* The value of a protobuf field in a JSON message, whichever name form its
 * producer used: snake_case ("route_config_name", as Envoy's admin API
 * writes) or lowerCamel ("routeConfigName", as istioctl -o json writes).
 * snake is the proto field name. NULL when msg is not a map or lacks it. */
const struct node *node_field(const struct node *msg, const char *snake);

/* As node_field, through a wrapper message: producers write a
 * google.protobuf.UInt32Value/BoolValue/DoubleValue field either as the
 * bare value or as {"value": x}; this returns x either way (NULL when the
 * field or the wrapper's value is absent). */
const struct node *node_field_value(const struct node *msg, const char *snake);

/* 1 when key names the proto field snake in either form (see node_field). */
int node_field_name_is(const char *key, const char *snake);

/* Follows a path of map keys ("spec", "template", NULL-terminated list) from
 * n. Returns NULL when any step is missing. */
const struct node *node_path(const struct node *n, const char *const *keys);

/* 1 when n is a scalar string (quoted or plain that resolved to a string). */
int node_is_str(const struct node *n);

/* The scalar's text, or NULL when n is not a scalar or is null. */
const char *node_text(const struct node *n);

/* Reads an integer scalar into *out. Returns 0, or -1 when n is not an
 * integer (a string "80" is not an integer) or does not fit a long long. */
int node_int(const struct node *n, long long *out);

/* Reads a boolean scalar into *out (1 or 0) by YAML 1.1's table as kubectl
 * reads it: true, True, TRUE, yes, Yes, YES, y, Y, on, On, ON are true, the
 * other boolean words false. Returns 0, or -1 when n is not a boolean (the
 * quoted "true" is a string). The one reading of booleans every part uses. */
int node_bool(const struct node *n, int *out);

/* Reads a number scalar (integer or float) into *out: integers in any YAML
 * 1.1 form ("0x1F", "1_000"), floats with ".inf"/".nan" and '_'; an integer
 * past a long long (possible in JSON) as the nearest double. Returns 0, or
 * -1 when n is not a number. */
int node_float(const struct node *n, double *out);

/* A short description of n's type for messages: "string", "integer",
 * "number", "boolean", "null", "map", "list". */
const char *node_type_name(const struct node *n);

/* Deep equality as JSON values: maps compare regardless of key order,
 * scalars by resolved type and text (integers by value). */
int node_equal(const struct node *a, const struct node *b);

/* Appends n as JSON: compact when indent is 0, else pretty with that many
 * spaces per level. Returns 0 or -1 when memory runs out. */
int node_to_json(const struct node *n, struct strbuf *out, int indent);

/* Appends the JSON string literal of the len bytes at s. Returns 0 or -1. */
int json_quote(struct strbuf *out, const char *s, size_t len);

#endif
