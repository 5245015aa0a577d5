/* Access, comparison and JSON output of node trees (see node.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meshlua/node.h"
#include "node_scalar.h"

const struct node_pair *node_get_pair(const struct node *map, const char *key)
{
	if (!map || map->type != NODE_MAP)
		return NULL;
	/* The first bytes first: most keys of a map differ there, and this is
	 * the lookup of every field every decoder reads. */
	for (size_t i = 0; i < map->len; i++) {
		const char *k = map->pairs[i].key->str;
		if (k[0] == key[0] && strcmp(k, key) == 0)
			return &map->pairs[i];
	}
	return NULL;
}

const struct node *node_get(const struct node *map, const char *key)
{
	const struct node_pair *p = node_get_pair(map, key);
	return p ? p->value : NULL;
}

int node_field_name_is(const char *key, const char *snake)
{
	/* One pass (ingest and index building call this for every field):
	 * equal bytes, or a "_x" of the snake name against "X" in lowerCamel
	 * (digits stay digits: "consecutive_5xx" is "consecutive5xx"). */
	for (;;) {
		char s = *snake, k = *key;
		if (s == k) {
			if (!s)
				return 1;
			snake++;
			key++;
		} else if (s == '_' && snake[1] && k == (char)toupper((unsigned char)snake[1])) {
			snake += 2;
			key++;
		} else {
			return 0;
		}
	}
}

const struct node *node_field(const struct node *msg, const char *snake)
{
	if (!msg || msg->type != NODE_MAP)
		return NULL;
	for (size_t i = 0; i < msg->len; i++)
		if (node_field_name_is(msg->pairs[i].key->str, snake))
			return msg->pairs[i].value;
	return NULL;
}

const struct node *node_field_value(const struct node *msg, const char *snake)
{
	const struct node *v = node_field(msg, snake);
	return v && v->type == NODE_MAP ? node_get(v, "value") : v;
}

const struct node *node_path(const struct node *n, const char *const *keys)
{
	for (; n && *keys; keys++)
		n = node_get(n, *keys);
	return n;
}

int node_is_str(const struct node *n)
{
	return n && n->type == NODE_SCALAR && n->tag == NODE_TAG_STR;
}

const char *node_text(const struct node *n)
{
	if (!n || n->type != NODE_SCALAR || n->tag == NODE_TAG_NULL)
		return NULL;
	return n->str;
}

int node_int(const struct node *n, long long *out)
{
	if (!n || n->type != NODE_SCALAR || n->tag != NODE_TAG_INT)
		return -1;
	return scalar_parse_int(n->str, out);
}

int node_bool(const struct node *n, int *out)
{
	if (!n || n->type != NODE_SCALAR || n->tag != NODE_TAG_BOOL)
		return -1;
	*out = scalar_bool_value(n->str);
	return 0;
}

int node_float(const struct node *n, double *out)
{
	long long v;
	if (!n || n->type != NODE_SCALAR || (n->tag != NODE_TAG_INT && n->tag != NODE_TAG_FLOAT))
		return -1;
	if (n->tag == NODE_TAG_INT && scalar_parse_int(n->str, &v) == 0)
		*out = (double)v;
	else
		*out = scalar_parse_float(n->str);
	return 0;
}

const char *node_type_name(const struct node *n)
{
	if (!n)
		return "nothing";
	if (n->type == NODE_MAP)
		return "map";
	if (n->type == NODE_SEQ)
		return "list";
	switch (n->tag) {
	case NODE_TAG_INT:
		return "integer";
	case NODE_TAG_FLOAT:
		return "number";
	case NODE_TAG_BOOL:
		return "boolean";
	case NODE_TAG_NULL:
		return "null";
	default:
		return "string";
	}
}

static int scalar_equal(const struct node *a, const struct node *b)
{
	long long x, y;
	if (a->tag != b->tag)
		return 0;
	switch (a->tag) {
	case NODE_TAG_INT:
		return scalar_parse_int(a->str, &x) == 0 && scalar_parse_int(b->str, &y) == 0 &&
		       x == y;
	case NODE_TAG_FLOAT:
		return scalar_parse_float(a->str) == scalar_parse_float(b->str);
	case NODE_TAG_BOOL:
		return scalar_bool_value(a->str) == scalar_bool_value(b->str);
	case NODE_TAG_NULL:
		return 1;
	default:
		return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
	}
}

int node_equal(const struct node *a, const struct node *b)
{
	if (!a || !b)
		return a == b;
	if (a->type != b->type)
		return 0;
	if (a->type == NODE_SCALAR)
		return scalar_equal(a, b);
	if (a->len != b->len)
		return 0;
	switch (a->type) {
	case NODE_SCALAR:
		break;
	case NODE_SEQ:
		for (size_t i = 0; i < a->len; i++)
			if (!node_equal(a->items[i], b->items[i]))
				return 0;
		return 1;
	case NODE_MAP:
		for (size_t i = 0; i < a->len; i++)
			if (!node_equal(a->pairs[i].value, node_get(b, a->pairs[i].key->str)))
				return 0;
		return 1;
	}
	return 0;
}

int json_quote(struct strbuf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	int rc = strbuf_putc(out, '"');
	for (size_t i = 0; i < len && rc == 0; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
		if (c == '"' || c == '\\') {
			char pair[2] = {'\\', (char)c};
			rc = strbuf_append(out, pair, 2);
		} else if (c == '\n')
			rc = strbuf_puts(out, "\\n");
		else if (c == '\t')
			rc = strbuf_puts(out, "\\t");
		else if (c == '\r')
			rc = strbuf_puts(out, "\\r");
		else if (c < 0x20)
			rc = strbuf_append(out, esc, 6);
		else
			rc = strbuf_putc(out, (char)c);
	}
	return rc == 0 ? strbuf_putc(out, '"') : rc;
}

static int scalar_to_json(const struct node *n, struct strbuf *out)
{
	long long v;
	double d;
	switch (n->tag) {
	case NODE_TAG_INT:
		if (scalar_parse_int(n->str, &v) == 0)
			return strbuf_appendf(out, "%lld", v);
		return json_quote(out, n->str, n->len);
	case NODE_TAG_FLOAT:
		d = scalar_parse_float(n->str);
		if (isnan(d) || isinf(d))
			return strbuf_puts(out, "null");
		return strbuf_appendf(out, "%.17g", d);
	case NODE_TAG_BOOL:
		return strbuf_puts(out, scalar_bool_value(n->str) ? "true" : "false");
	case NODE_TAG_NULL:
		return strbuf_puts(out, "null");
	default:
		return json_quote(out, n->str, n->len);
	}
}

static int newline_indent(struct strbuf *out, int indent, int level)
{
	if (indent == 0)
		return 0;
	if (strbuf_putc(out, '\n') != 0)
		return -1;
	for (int i = 0; i < indent * level; i++)
		if (strbuf_putc(out, ' ') != 0)
			return -1;
	return 0;
}

static int to_json(const struct node *n, struct strbuf *out, int indent, int level)
{
	int rc = 0;
	if (n->type == NODE_SCALAR)
		return scalar_to_json(n, out);
	rc = strbuf_putc(out, n->type == NODE_MAP ? '{' : '[');
	for (size_t i = 0; i < n->len && rc == 0; i++) {
		if (i > 0)
			rc = strbuf_putc(out, ',');
		if (rc == 0)
			rc = newline_indent(out, indent, level + 1);
		if (rc == 0 && n->type == NODE_MAP) {
			const struct node *k = n->pairs[i].key;
			rc = json_quote(out, k->str, k->len);
			if (rc == 0)
				rc = strbuf_puts(out, indent ? ": " : ":");
			if (rc == 0)
				rc = to_json(n->pairs[i].value, out, indent, level + 1);
		} else if (rc == 0) {
			rc = to_json(n->items[i], out, indent, level + 1);
		}
	}
	if (rc == 0 && n->len > 0)
		rc = newline_indent(out, indent, level);
	return rc == 0 ? strbuf_putc(out, n->type == NODE_MAP ? '}' : ']') : rc;
}

int node_to_json(const struct node *n, struct strbuf *out, int indent)
{
	return to_json(n, out, indent, 0);
}
