/* Config dump trees out as JSON in the styles of xds_json.h. The one rule
 * that needs care is which objects are messages (their keys are field
 * names, converted) and which are data (map fields and
 * google.protobuf.Struct values, whose keys are kept, and sorted by Go's
 * marshalers). Without the .proto descriptors, that is decided from the
 * field that holds an object, as field_kind() lists; everything else is a
 * message, as in Envoy's API nearly everything is. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meshlua/xds_json.h"

enum kind {
	K_MESSAGE,    /* keys are field names */
	K_STRUCT,     /* google.protobuf.Struct: keys are data, values are Values */
	K_VALUE,      /* google.protobuf.Value: a Struct, a list of Values or a scalar */
	K_MAP_MSG,    /* map<string, message> */
	K_MAP_STRUCT, /* map<string, Struct> */
	K_MAP_SCALAR, /* map<string, scalar> */
};

struct writer {
	struct strbuf *out;
	enum xds_json_style style;
	int rc;
	int keep_empty; /* ENVOY: print empty repeated and map fields */
};

#define NAME_MAX_LEN 256

void xds_json_camel(const char *snake, char *buf, size_t cap)
{
	size_t n = 0;
	int up = 0;
	for (; *snake && n + 1 < cap; snake++) {
		char c = *snake;
		if (c == '_') {
			up = 1;
			continue;
		}
		buf[n++] = (up && c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
		up = 0;
	}
	buf[n] = '\0';
}

/* Field names whose JSON name cannot be turned back by the plain rule: a
 * '_' before a digit disappears in lowerCamel. */
static const char *const digit_fields[] = {
    "consecutive_5xx", "enforcing_consecutive_5xx",
    "accept_http_10",  "default_host_for_http_10",
    "retriable_4xx",   NULL,
};

void xds_json_snake(const char *camel, char *buf, size_t cap)
{
	char probe[NAME_MAX_LEN];
	size_t n = 0;
	for (size_t i = 0; digit_fields[i]; i++) {
		xds_json_camel(digit_fields[i], probe, sizeof probe);
		if (strcmp(probe, camel) == 0) {
			snprintf(buf, cap, "%s", digit_fields[i]);
			return;
		}
	}
	for (; *camel && n + 2 < cap; camel++) {
		char c = *camel;
		if (c >= 'A' && c <= 'Z') {
			buf[n++] = '_';
			buf[n++] = (char)(c - 'A' + 'a');
		} else {
			buf[n++] = c;
		}
	}
	buf[n] = '\0';
}

static void put(struct writer *w, const char *s, size_t n)
{
	if (w->rc == 0)
		w->rc = strbuf_append(w->out, s, n);
}

static void puts_(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void pad(struct writer *w, int level)
{
	static const char spaces[] =
	    "                                                                ";
	/* protobuf's JSON printer (add_whitespace) indents one space a level */
	int width = (w->style == XDS_JSON_ENVOY ? 1 : 4) * level;
	while (width > 0) {
		int n = width < 64 ? width : 64;
		put(w, spaces, (size_t)n);
		width -= n;
	}
}

/* One UTF-8 scalar of s (len > 0 bytes) as protobuf's JSON writer
 * decodes it (json/internal/writer.cc ConsumeUtf8Scalar): its value, or
 * UINT32_MAX when the bytes are not UTF-8 (the bytes read so far, the bad
 * one included, are consumed); *used is the byte count. */
static uint32_t utf8_scalar(const unsigned char *s, size_t len, size_t *used)
{
	uint32_t c = s[0];
	int more = 0;
	*used = 1;
	if (c >= 0xc0 && c < 0xe0)
		more = 1, c &= 0x1f;
	else if (c >= 0xe0 && c < 0xf0)
		more = 2, c &= 0x0f;
	else if (c >= 0xf0 && c < 0xf8)
		more = 3, c &= 0x07;
	else if (c >= 0x80)
		return UINT32_MAX;
	for (int i = 0; i < more; i++) {
		if (*used >= len)
			return UINT32_MAX;
		if ((s[(*used)++] >> 6) != 2)
			return UINT32_MAX;
		c = (c << 6) | (s[*used - 1] & 0x3f);
	}
	return c > 0x10ffff ? UINT32_MAX : c;
}

/* 1 when protobuf's JSON writer writes scalar c as a \u escape (MustEscape:
 * controls, <, >, and invisible or formatting code points). */
static int protobuf_must_u_escape(uint32_t c)
{
	static const uint32_t ranges[][2] = {
	    {0x0000, 0x001f},   {0x007f, 0x009f},   {0x0600, 0x0603}, {0x200b, 0x200f},
	    {0x2028, 0x202e},   {0x2060, 0x2064},   {0x206a, 0x206f}, {0x1d173, 0x1d17a},
	    {0xe0020, 0xe007f}, {'<', '<'},         {'>', '>'},       {0xfeff, 0xfeff},
	    {0xfff9, 0xfffb},   {0x00ad, 0x00ad},   {0x06dd, 0x06dd}, {0x070f, 0x070f},
	    {0x17b4, 0x17b5},   {0xe0001, 0xe0001},
	};
	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
		if (c >= ranges[i][0] && c <= ranges[i][1])
			return 1;
	return 0;
}

int xds_json_quote_envoy(struct strbuf *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0;
	int rc = strbuf_putc(out, '"');
	while (i < len && rc == 0) {
		size_t used;
		uint32_t c = u[i] < 0x80 ? u[i] : utf8_scalar(u + i, len - i, &used);
		const char *esc = NULL;
		char buf[16];
		if (u[i] < 0x80)
			used = 1;
		switch (c) {
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '"':
			esc = "\\\"";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case UINT32_MAX:
			esc = " ";
			break; /* not UTF-8: a space */
		default:
			if (!protobuf_must_u_escape(c))
				break;
			if (c < 0x10000)
				snprintf(buf, sizeof buf, "\\u%04x", (unsigned)c);
			else /* a surrogate pair */
				snprintf(buf, sizeof buf, "\\u%04x\\u%04x",
				         (unsigned)(0xd7c0 + (c >> 10)),
				         (unsigned)(0xdc00 + (c & 0x3ff)));
			esc = buf;
		}
		if (esc) {
			rc = strbuf_append(out, s + start, i - start);
			if (rc == 0)
				rc = strbuf_puts(out, esc);
			start = i + used;
		}
		i += used;
	}
	if (rc == 0)
		rc = strbuf_append(out, s + start, len - start);
	return rc == 0 ? strbuf_putc(out, '"') : rc;
}

/* A JSON string literal as each producer escapes it: Go's encoding/json
 * (istioctl, jsonpb) escapes <, > and & and U+2028/9; protojson only what
 * JSON requires; Envoy as protobuf's C++ JSON writer (see
 * xds_json_quote_envoy). */
static void quote(struct writer *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	int html = w->style == XDS_JSON_ISTIOCTL || w->style == XDS_JSON_JSONPB;
	size_t start = 0;
	if (w->style == XDS_JSON_ENVOY) {
		if (w->rc == 0)
			w->rc = xds_json_quote_envoy(w->out, s, len);
		return;
	}
	put(w, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[7];
		size_t skip = 1;
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c == '\b')
			esc = "\\b";
		else if (c == '\f')
			esc = "\\f";
		else if (c < 0x20 || (html && (c == '<' || c == '>' || c == '&'))) {
			u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0';
			u[4] = hex[c >> 4], u[5] = hex[c & 15], u[6] = 0;
			esc = u;
		} else if (html && c == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
		           ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
			esc = (unsigned char)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
			skip = 3;
		}
		if (esc) {
			put(w, s + start, i - start);
			puts_(w, esc);
			i += skip - 1;
			start = i + 1;
		}
	}
	put(w, s + start, len - start);
	put(w, "\"", 1);
}

static void scalar(struct writer *w, const struct node *n)
{
	int b;
	switch (n->tag) {
	case NODE_TAG_INT:
	case NODE_TAG_FLOAT:
		puts_(w, n->str);
		break;
	case NODE_TAG_BOOL:
		puts_(w, node_bool(n, &b) == 0 && b ? "true" : "false");
		break;
	case NODE_TAG_NULL:
		puts_(w, "null");
		break;
	default:
		quote(w, n->str, n->len);
	}
}

/* The key as the output names it: field names converted, data kept. */
static void key_name(const struct writer *w, const char *key, int is_field, char *buf, size_t cap)
{
	if (!is_field || key[0] == '@' || key[0] == '[')
		snprintf(buf, cap, "%s", key);
	else if (w->style == XDS_JSON_ENVOY)
		xds_json_snake(key, buf, cap);
	else
		xds_json_camel(key, buf, cap);
}

static int only_metadata_keys(const struct node *n)
{
	if (n->type != NODE_MAP || n->len == 0)
		return 0;
	for (size_t i = 0; i < n->len; i++) {
		const char *k = n->pairs[i].key->str;
		if (!node_field_name_is(k, "filter_metadata") &&
		    !node_field_name_is(k, "typed_filter_metadata"))
			return 0;
	}
	return 1;
}

static int type_is(const char *type, const char *suffix)
{
	size_t a = strlen(type), b = strlen(suffix);
	return a >= b && strcmp(type + a - b, suffix) == 0 && (a == b || type[a - b - 1] == '/');
}

/* The kind of the value of field `field` (snake_case) in message msg, whose
 * own holder field was parent ("" at the top). */
static enum kind field_kind(const struct node *msg, const char *parent, const char *field,
                            const struct node *value)
{
	const char *type = node_text(node_get(msg, "@type"));
	if (type && strcmp(field, "value") == 0) {
		if (type_is(type, "google.protobuf.Struct") ||
		    type_is(type, "udpa.type.v1.TypedStruct") ||
		    type_is(type, "xds.type.v3.TypedStruct"))
			return K_STRUCT;
		if (type_is(type, "google.protobuf.Value") ||
		    type_is(type, "google.protobuf.ListValue"))
			return K_VALUE;
	}
	if (strcmp(field, "filter_metadata") == 0 ||
	    strcmp(field, "extension_protocol_options") == 0 ||
	    strcmp(field, "per_filter_config") == 0)
		return K_MAP_STRUCT;
	if (strcmp(field, "typed_filter_metadata") == 0 ||
	    strcmp(field, "typed_per_filter_config") == 0 ||
	    strcmp(field, "typed_extension_protocol_options") == 0 ||
	    strcmp(field, "source_codes") == 0)
		return K_MAP_MSG;
	if (strcmp(field, "key_values") == 0)
		return K_MAP_SCALAR;
	if (strcmp(field, "metadata") == 0)
		return only_metadata_keys(value) ? K_MESSAGE : K_STRUCT;
	if (strcmp(field, "match") == 0 && strcmp(parent, "transport_socket_matches") == 0)
		return K_STRUCT;
	if (strcmp(field, "static_layer") == 0 || strcmp(field, "struct_value") == 0)
		return K_STRUCT;
	return K_MESSAGE;
}

static int key_cmp(const void *a, const void *b)
{
	const struct node_pair *x = *(const struct node_pair *const *)a;
	const struct node_pair *y = *(const struct node_pair *const *)b;
	return strcmp(x->key->str, y->key->str);
}

/* The pairs of map n in output order: as given, or sorted by key where
 * Go's marshalers sort (maps and Structs). NULL on no memory. */
static const struct node_pair **ordered(struct writer *w, const struct node *n, int sort)
{
	const struct node_pair **p = malloc((n->len ? n->len : 1) * sizeof *p);
	if (!p) {
		w->rc = -1;
		return NULL;
	}
	for (size_t i = 0; i < n->len; i++)
		p[i] = &n->pairs[i];
	if (sort && w->style != XDS_JSON_ENVOY)
		qsort(p, n->len, sizeof *p, key_cmp);
	return p;
}

/* ---- standard pretty printing (ISTIOCTL, PROTOJSON, ENVOY) ---- */

static void pretty(struct writer *w, const struct node *n, enum kind k, const char *parent,
                   int level, int drop_type);

/* 1 when pair p of n (of kind k) is not written: the dropped "@type", or
 * in ENVOY style an empty repeated or map field of a message, which
 * protobuf's printer leaves out (without always_print_primitive_fields). */
static int left_out(const struct writer *w, const struct node *n, enum kind k, const char *parent,
                    const struct node_pair *p, int drop_type)
{
	const struct node *v = p->value;
	char snake[NAME_MAX_LEN];
	enum kind vk;
	if (drop_type && strcmp(p->key->str, "@type") == 0)
		return 1;
	if (w->style != XDS_JSON_ENVOY || w->keep_empty || k != K_MESSAGE || v->len != 0)
		return 0;
	if (v->type == NODE_SEQ)
		return 1;
	if (v->type != NODE_MAP)
		return 0;
	xds_json_snake(p->key->str, snake, sizeof snake);
	vk = field_kind(n, parent, snake, v);
	return vk == K_MAP_MSG || vk == K_MAP_STRUCT || vk == K_MAP_SCALAR;
}

static void pretty_map(struct writer *w, const struct node *n, enum kind k, const char *parent,
                       int level, int drop_type)
{
	int is_field = k == K_MESSAGE, sort = !is_field, first = 1;
	const struct node_pair **pairs;
	size_t shown = 0;
	for (size_t i = 0; i < n->len; i++)
		shown += !left_out(w, n, k, parent, &n->pairs[i], drop_type);
	if (shown == 0) {
		puts_(w, "{}");
		return;
	}
	if (!(pairs = ordered(w, n, sort)))
		return;
	put(w, "{", 1);
	for (size_t i = 0; i < n->len && w->rc == 0; i++) {
		const struct node_pair *p = pairs[i];
		char name[NAME_MAX_LEN], snake[NAME_MAX_LEN];
		enum kind vk;
		if (left_out(w, n, k, parent, p, drop_type))
			continue;
		put(w, first ? "\n" : ",\n", first ? 1 : 2);
		first = 0;
		pad(w, level + 1);
		key_name(w, p->key->str, is_field, name, sizeof name);
		quote(w, name, strlen(name));
		put(w, ": ", 2);
		switch (k) {
		case K_MESSAGE:
			xds_json_snake(p->key->str, snake, sizeof snake);
			vk = field_kind(n, parent, snake, p->value);
			pretty(w, p->value, vk, snake, level + 1, 0);
			break;
		case K_MAP_MSG:
			pretty(w, p->value, K_MESSAGE, "", level + 1, 0);
			break;
		case K_MAP_STRUCT:
			pretty(w, p->value, K_STRUCT, "", level + 1, 0);
			break;
		case K_STRUCT:
		case K_VALUE:
			pretty(w, p->value, K_VALUE, "", level + 1, 0);
			break;
		case K_MAP_SCALAR:
			pretty(w, p->value, K_VALUE, "", level + 1, 0);
			break;
		}
	}
	free(pairs);
	put(w, "\n", 1);
	pad(w, level);
	put(w, "}", 1);
}

static void pretty(struct writer *w, const struct node *n, enum kind k, const char *parent,
                   int level, int drop_type)
{
	if (w->rc)
		return;
	if (n->type == NODE_SCALAR) {
		scalar(w, n);
	} else if (n->type == NODE_SEQ) {
		if (n->len == 0) {
			puts_(w, "[]");
			return;
		}
		put(w, "[", 1);
		for (size_t i = 0; i < n->len; i++) {
			put(w, i ? ",\n" : "\n", i ? 2 : 1);
			pad(w, level + 1);
			pretty(w, n->items[i], k == K_STRUCT ? K_VALUE : k, parent, level + 1, 0);
		}
		put(w, "\n", 1);
		pad(w, level);
		put(w, "]", 1);
	} else {
		pretty_map(w, n, k == K_VALUE ? K_STRUCT : k, parent, level, drop_type);
	}
}

/* ---- legacy jsonpb with Indent (bootstrap, secret -o json) ---- */

static void jp_value(struct writer *w, const struct node *v, enum kind k, const char *parent,
                     int level);

static void jp_message(struct writer *w, const struct node *n, const char *parent, int level,
                       int drop_type)
{
	int first = 1;
	put(w, "{\n", 2);
	for (size_t i = 0; i < n->len && w->rc == 0; i++) {
		const struct node_pair *p = &n->pairs[i];
		char name[NAME_MAX_LEN], snake[NAME_MAX_LEN];
		if (drop_type && strcmp(p->key->str, "@type") == 0)
			continue;
		if (!first)
			put(w, ",\n", 2);
		first = 0;
		pad(w, level + 1);
		key_name(w, p->key->str, 1, name, sizeof name);
		quote(w, name, strlen(name));
		put(w, ": ", 2);
		xds_json_snake(p->key->str, snake, sizeof snake);
		jp_value(w, p->value, field_kind(n, parent, snake, p->value), snake, level);
	}
	put(w, "\n", 1);
	pad(w, level);
	put(w, "}", 1);
}

static void jp_singular(struct writer *w, const struct node *v, enum kind k, const char *parent,
                        int level);

/* jsonpb's marshalValue for a field of kind k whose message sits at level. */
static void jp_value(struct writer *w, const struct node *v, enum kind k, const char *parent,
                     int level)
{
	if (v->type == NODE_SEQ && k != K_VALUE) {
		put(w, "[", 1);
		for (size_t i = 0; i < v->len; i++) {
			if (i)
				put(w, ",", 1);
			put(w, "\n", 1);
			pad(w, level + 2);
			jp_singular(w, v->items[i], k, parent, level + 1);
		}
		put(w, "\n", 1);
		pad(w, level + 1);
		put(w, "]", 1);
		return;
	}
	if (v->type == NODE_MAP && (k == K_MAP_MSG || k == K_MAP_STRUCT || k == K_MAP_SCALAR)) {
		const struct node_pair **pairs = ordered(w, v, 1);
		enum kind vk = k == K_MAP_MSG ? K_MESSAGE : k == K_MAP_STRUCT ? K_STRUCT : K_VALUE;
		if (!pairs)
			return;
		put(w, "{", 1);
		for (size_t i = 0; i < v->len; i++) {
			if (i)
				put(w, ",", 1);
			put(w, "\n", 1);
			pad(w, level + 2);
			quote(w, pairs[i]->key->str, pairs[i]->key->len);
			put(w, ": ", 2);
			jp_singular(w, pairs[i]->value, vk, "", level + 1);
		}
		free(pairs);
		put(w, "\n", 1);
		pad(w, level + 1);
		put(w, "}", 1);
		return;
	}
	jp_singular(w, v, k, parent, level);
}

/* jsonpb's marshalSingularValue: a message value goes one level deeper. */
static void jp_singular(struct writer *w, const struct node *v, enum kind k, const char *parent,
                        int level)
{
	if (w->rc)
		return;
	if (v->type == NODE_SCALAR) {
		scalar(w, v);
		return;
	}
	switch (k) {
	case K_STRUCT:
		/* Struct -> marshalValue(fields map) one level deeper. */
		jp_value(w, v, K_MAP_SCALAR, "", level + 1);
		return;
	case K_VALUE:
		if (v->type == NODE_MAP)
			jp_singular(w, v, K_STRUCT, "", level + 1);
		else /* ListValue -> marshalValue(values list) one level deeper */
			jp_value(w, v, K_MESSAGE, "", level + 1);
		return;
	default:
		jp_message(w, v, parent, level + 1, 0);
	}
}

int xds_write_json(struct strbuf *out, const struct node *n, const struct xds_json_opts *opts)
{
	struct writer w = {out, opts->style, 0, 0};
	if (opts->style == XDS_JSON_JSONPB)
		jp_message(&w, n, "", opts->level, opts->drop_type);
	else
		pretty(&w, n, K_MESSAGE, "", opts->level, opts->drop_type);
	return w.rc;
}

int xds_write_json_envoy_keep_empty(struct strbuf *out, const struct node *n, int level)
{
	struct writer w = {out, XDS_JSON_ENVOY, 0, 1};
	pretty(&w, n, K_MESSAGE, "", level, 0);
	return w.rc;
}

int xds_write_json_list(struct strbuf *out, const struct node *const *items, size_t count,
                        const struct xds_json_opts *opts)
{
	struct writer w = {out, opts->style, 0, 0};
	if (count == 0) {
		puts_(&w, "[]");
		return w.rc;
	}
	put(&w, "[", 1);
	for (size_t i = 0; i < count && w.rc == 0; i++) {
		put(&w, i ? ",\n" : "\n", i ? 2 : 1);
		pad(&w, opts->level + 1);
		pretty(&w, items[i], K_MESSAGE, "", opts->level + 1, opts->drop_type);
	}
	put(&w, "\n", 1);
	pad(&w, opts->level);
	put(&w, "]", 1);
	return w.rc;
}
