/* A one-pass JSON parser into node trees (see include/meshlua/json_load.h).
 * Speed comes from working in place: strings are unescaped over the input
 * and NUL-terminated where their closing quote was; a number is
 * NUL-terminated once the character after it has been read (its end is
 * "pending" until then); nodes and their pair/item arrays are bump-allocated
 * in the arena, the arrays sized exactly from one scratch stack reused for
 * the whole parse. Grammar as RFC 8259, strings checked to be UTF-8. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "meshlua/json_load.h"
#include "meshlua/strbuf.h"

struct parser {
	struct arena *arena;
	const char *source;
	struct mesh_error *err;
	char *base;             /* start of the input */
	char *end;              /* base + len: the sentinel NUL */
	char *p;                /* next byte to read */
	const char *line_start; /* first byte of the current line */
	int line;
	char *pending;      /* end of the last number, NUL-terminated once passed */
	struct node *chunk; /* nodes carved from arena chunks, NODE_CHUNK at a time */
	size_t chunk_left;
	struct node **stack; /* members of the open containers (malloc'd) */
	size_t top, cap;
	unsigned flags;     /* JSON_SHARED_KEYS ... */
	struct node **keys; /* shared key nodes, open addressing (malloc'd) */
	size_t key_count, key_cap;
	int failed;
};

/* Byte classes inside a string: 0 plain ASCII, then the bytes that stop
 * the fast scan. */
enum { SC_PLAIN, SC_QUOTE, SC_ESCAPE, SC_CONTROL, SC_HIGH };

#define P SC_PLAIN
#define Q SC_QUOTE
#define E SC_ESCAPE
#define C SC_CONTROL
#define H SC_HIGH
static const unsigned char string_class[256] = {
    C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, /* 0x00 */
    C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, /* 0x10 */
    P, P, Q, P, P, P, P, P, P, P, P, P, P, P, P, P, /* 0x20 */
    P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, /* 0x30 */
    P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, /* 0x40 */
    P, P, P, P, P, P, P, P, P, P, P, P, E, P, P, P, /* 0x50 */
    P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, /* 0x60 */
    P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, /* 0x70 */
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, /* 0x80 */
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, /* 0x90 */
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, /* 0xa0 */
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, /* 0xb0 */
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, /* 0xc0 */
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, /* 0xd0 */
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, /* 0xe0 */
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, /* 0xf0 */
};
#undef P
#undef Q
#undef E
#undef C
#undef H

static void describe_byte(const struct parser *ps, const char *at, char *buf, size_t cap)
{
	unsigned char c = (unsigned char)*at;
	if (at >= ps->end)
		snprintf(buf, cap, "end of input");
	else if (c >= 0x21 && c < 0x7f)
		snprintf(buf, cap, "'%c'", c);
	else
		snprintf(buf, cap, "byte 0x%02x", c);
}

/* Records the first failure at byte at: "invalid JSON at byte N: ...". */
static void fail_at(struct parser *ps, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_at(struct parser *ps, const char *at, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	long column;
	if (ps->failed)
		return;
	ps->failed = 1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	/* at may be on a later line than line_start only for positions the
	 * scanner has not passed yet; errors are raised where the scanner is. */
	column = (long)(at - ps->line_start) + 1;
	if (column > 0x7fffffffL || column < 1)
		column = 0;
	mesh_error_set(ps->err, ps->source, ps->line, (int)column, "invalid JSON at byte %ld: %s",
	               (long)(at - ps->base), what);
	if (ps->err)
		ps->err->offset = (long)(at - ps->base);
}

static void fail_expected(struct parser *ps, const char *what)
{
	char got[32];
	describe_byte(ps, ps->p, got, sizeof got);
	fail_at(ps, ps->p, "expected %s, got %s", what, got);
}

static void fail_oom(struct parser *ps)
{
	if (ps->failed)
		return;
	ps->failed = 1;
	mesh_error_set(ps->err, ps->source, 0, 0, "out of memory parsing JSON");
}

/* Skips blanks; the indentation of pretty-printed dumps (a third of their
 * bytes) goes eight spaces at a time. */
static inline void skip_ws(struct parser *ps)
{
	static const uint64_t spaces = 0x2020202020202020ULL;
	char *p = ps->p;
	for (;;) {
		char c = *p;
		if (c == ' ') {
			uint64_t x;
			p++;
			while (ps->end - p >= 8 && (memcpy(&x, p, 8), x == spaces))
				p += 8;
		} else if (c == '\t' || c == '\r') {
			p++;
		} else if (c == '\n') {
			ps->line++;
			ps->line_start = ++p;
		} else {
			break;
		}
	}
	ps->p = p;
}

/* Terminates the last number now that the byte after it has been read. */
static inline void flush_pending(struct parser *ps)
{
	if (ps->pending) {
		*ps->pending = '\0';
		ps->pending = NULL;
	}
}

/* Enters the object or array whose opening byte ps->p is at: skips that
 * byte and the white space after it. Returns 1 when the container is empty
 * (its closing byte, close, came next and is skipped too), else 0. */
static inline int open_container(struct parser *ps, char close)
{
	ps->p++;
	skip_ws(ps);
	if (*ps->p != close)
		return 0;
	ps->p++;
	return 1;
}

/* Reads what follows a member of an object or an item of an array: white
 * space, then ',' (returns 1, white space after it skipped too: another
 * member comes) or the closing byte close (returns 0, skipped). Either way
 * the number just read is terminated now that the byte after it was read.
 * Anything else fails naming what was expected; returns -1. */
static inline int next_member(struct parser *ps, char close, const char *expected)
{
	skip_ws(ps);
	if (*ps->p == ',') {
		ps->p++;
		flush_pending(ps);
		skip_ws(ps);
		return 1;
	}
	if (*ps->p == close) {
		ps->p++;
		flush_pending(ps);
		return 0;
	}
	fail_expected(ps, expected);
	return -1;
}

/* Nodes per arena allocation: one call per 1024 nodes instead of one each. */
#define NODE_CHUNK 1024

static inline struct node *new_node(struct parser *ps, enum node_type type, enum node_tag tag,
                                    const char *at)
{
	struct node *n;
	if (ps->chunk_left == 0) {
		ps->chunk = arena_alloc(ps->arena, NODE_CHUNK * sizeof *ps->chunk);
		if (!ps->chunk) {
			fail_oom(ps);
			return NULL;
		}
		ps->chunk_left = NODE_CHUNK;
	}
	n = ps->chunk++;
	ps->chunk_left--;
	n->type = type;
	n->tag = tag;
	n->line = ps->line;
	n->column = (int)(at - ps->line_start) + 1;
	n->len = 0;
	n->str = NULL;
	n->pairs = NULL;
	n->items = NULL;
	return n;
}

static int push(struct parser *ps, struct node *n)
{
	if (ps->top == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 256;
		struct node **stack = realloc(ps->stack, cap * sizeof *stack);
		if (!stack) {
			fail_oom(ps);
			return -1;
		}
		ps->stack = stack;
		ps->cap = cap;
	}
	ps->stack[ps->top++] = n;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (a byte >= 0x80), or 0. Rejects
 * overlong forms, surrogates and code points above U+10FFFF (RFC 3629). */
static size_t utf8_sequence(const unsigned char *s)
{
	unsigned char c = s[0];
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* UTF-16 surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static char *put_utf8(char *w, unsigned cp)
{
	if (cp < 0x80) {
		*w++ = (char)cp;
	} else if (cp < 0x800) {
		*w++ = (char)(0xc0 | (cp >> 6));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xe0 | (cp >> 12));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*w++ = (char)(0xf0 | (cp >> 18));
		*w++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	}
	return w;
}

/* Decodes the \u escape at r (r[0] == 'u'); writes at w. Lone surrogates
 * become U+FFFD, as Go's encoding/json and jq do. Returns the new read
 * position or NULL on a malformed escape. */
static char *decode_u(struct parser *ps, char *r, char **w)
{
	unsigned cp, lo;
	if (hex4(r + 1, &cp) != 0) {
		fail_at(ps, r - 1, "invalid \\u escape in a string");
		return NULL;
	}
	r += 5;
	if (cp >= 0xd800 && cp <= 0xdbff && r[0] == '\\' && r[1] == 'u' && hex4(r + 2, &lo) == 0 &&
	    lo >= 0xdc00 && lo <= 0xdfff) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		r += 6;
	} else if (cp >= 0xd800 && cp <= 0xdfff) {
		cp = 0xfffd;
	}
	*w = put_utf8(*w, cp);
	return r;
}

/* Reads the string whose opening quote is at ps->p; returns its text (in
 * place, NUL-terminated) and its length in *len. */
static char *parse_string_text(struct parser *ps, size_t *len)
{
	char *start = ps->p + 1, *r = start, *w;
	size_t n;
	/* Fast path: no escape, the common case in config dumps. */
	for (;;) {
		unsigned char cls = string_class[(unsigned char)*r];
		if (cls == SC_PLAIN) {
			r++;
			continue;
		}
		if (cls == SC_QUOTE) {
			*r = '\0';
			*len = (size_t)(r - start);
			ps->p = r + 1;
			return start;
		}
		if (cls == SC_HIGH) {
			n = utf8_sequence((unsigned char *)r);
			if (!n) {
				fail_at(ps, r, "invalid UTF-8 in a string");
				return NULL;
			}
			r += n;
			continue;
		}
		if (cls == SC_ESCAPE)
			break;
		if (r >= ps->end)
			fail_at(ps, ps->p, "unterminated string");
		else
			fail_at(ps, r, "control character 0x%02x in a string (write it as \\u%04x)",
			        (unsigned char)*r, (unsigned char)*r);
		return NULL;
	}
	/* Slow path from the first escape on: decode over the text. */
	w = r;
	for (;;) {
		unsigned char cls = string_class[(unsigned char)*r];
		if (cls == SC_PLAIN) {
			*w++ = *r++;
		} else if (cls == SC_QUOTE) {
			*w = '\0';
			*len = (size_t)(w - start);
			ps->p = r + 1;
			return start;
		} else if (cls == SC_HIGH) {
			n = utf8_sequence((unsigned char *)r);
			if (!n) {
				fail_at(ps, r, "invalid UTF-8 in a string");
				return NULL;
			}
			memmove(w, r, n);
			w += n;
			r += n;
		} else if (cls == SC_ESCAPE) {
			char e = r[1];
			switch (e) {
			case '"':
			case '\\':
			case '/':
				*w++ = e;
				r += 2;
				break;
			case 'b':
				*w++ = '\b';
				r += 2;
				break;
			case 'f':
				*w++ = '\f';
				r += 2;
				break;
			case 'n':
				*w++ = '\n';
				r += 2;
				break;
			case 'r':
				*w++ = '\r';
				r += 2;
				break;
			case 't':
				*w++ = '\t';
				r += 2;
				break;
			case 'u':
				r = decode_u(ps, r + 1, &w);
				if (!r)
					return NULL;
				break;
			default:
				if (r + 1 >= ps->end)
					fail_at(ps, ps->p, "unterminated string");
				else
					fail_at(ps, r, "invalid escape '\\%c' in a string", e);
				return NULL;
			}
		} else {
			if (r >= ps->end)
				fail_at(ps, ps->p, "unterminated string");
			else
				fail_at(ps, r, "control character 0x%02x in a string",
				        (unsigned char)*r);
			return NULL;
		}
	}
}

static struct node *parse_string(struct parser *ps);

/* Keys longer than this are not shared (they are rare and costly to hash). */
#define SHARED_KEY_MAX 64

static size_t key_hash(const char *s, size_t n)
{
	size_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The shared node of key text s (n bytes), creating it at `at` on first
 * sight. NULL on no memory. */
static struct node *shared_key(struct parser *ps, const char *s, size_t n, const char *at)
{
	size_t mask, i;
	struct node *k;
	if (ps->key_count * 2 >= ps->key_cap) {
		size_t cap = ps->key_cap ? ps->key_cap * 2 : 256;
		struct node **keys = calloc(cap, sizeof *keys);
		if (!keys) {
			fail_oom(ps);
			return NULL;
		}
		for (size_t j = 0; j < ps->key_cap; j++) {
			struct node *old = ps->keys[j];
			if (!old)
				continue;
			for (i = key_hash(old->str, old->len) & (cap - 1); keys[i];
			     i = (i + 1) & (cap - 1))
				;
			keys[i] = old;
		}
		free(ps->keys);
		ps->keys = keys;
		ps->key_cap = cap;
	}
	mask = ps->key_cap - 1;
	for (i = key_hash(s, n) & mask; (k = ps->keys[i]); i = (i + 1) & mask)
		if (k->len == n && memcmp(k->str, s, n) == 0)
			return k;
	if (!(k = new_node(ps, NODE_SCALAR, NODE_TAG_STR, at)))
		return NULL;
	k->str = s;
	k->len = n;
	ps->keys[i] = k;
	ps->key_count++;
	return k;
}

/* An object key: shared with every identical key when JSON_SHARED_KEYS. */
static struct node *parse_key(struct parser *ps)
{
	const char *at = ps->p;
	size_t n;
	char *s;
	if (!(ps->flags & JSON_SHARED_KEYS))
		return parse_string(ps);
	if (!(s = parse_string_text(ps, &n)))
		return NULL;
	if (n > SHARED_KEY_MAX) {
		struct node *k = new_node(ps, NODE_SCALAR, NODE_TAG_STR, at);
		if (k) {
			k->str = s;
			k->len = n;
		}
		return k;
	}
	return shared_key(ps, s, n, at);
}

static struct node *parse_string(struct parser *ps)
{
	struct node *n = new_node(ps, NODE_SCALAR, NODE_TAG_STR, ps->p);
	if (!n || !(n->str = parse_string_text(ps, &n->len)))
		return NULL;
	return n;
}

static inline int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static struct node *parse_number(struct parser *ps)
{
	char *start = ps->p, *p = start;
	enum node_tag tag = NODE_TAG_INT;
	struct node *n;
	if (*p == '-')
		p++;
	if (*p == '0') {
		p++;
	} else if (is_digit(*p)) {
		while (is_digit(*p))
			p++;
	} else {
		ps->p = p;
		fail_expected(ps, "a digit");
		return NULL;
	}
	if (*p == '.') {
		tag = NODE_TAG_FLOAT;
		p++;
		if (!is_digit(*p)) {
			ps->p = p;
			fail_expected(ps, "a digit after the decimal point");
			return NULL;
		}
		while (is_digit(*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		tag = NODE_TAG_FLOAT;
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!is_digit(*p)) {
			ps->p = p;
			fail_expected(ps, "a digit in the exponent");
			return NULL;
		}
		while (is_digit(*p))
			p++;
	}
	n = new_node(ps, NODE_SCALAR, tag, start);
	if (!n)
		return NULL;
	n->str = start;
	n->len = (size_t)(p - start);
	ps->p = p;
	ps->pending = p; /* terminated once the next byte has been read */
	return n;
}

static struct node *parse_literal(struct parser *ps, const char *word, size_t len,
                                  enum node_tag tag)
{
	struct node *n;
	if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, word, len) != 0) {
		fail_at(ps, ps->p, "invalid literal (expected %s)", word);
		return NULL;
	}
	n = new_node(ps, NODE_SCALAR, tag, ps->p);
	if (!n)
		return NULL;
	n->str = word;
	n->len = len;
	ps->p += len;
	return n;
}

static struct node *parse_value(struct parser *ps, int depth);

static struct node *parse_map(struct parser *ps, int depth)
{
	struct node *map = new_node(ps, NODE_MAP, NODE_TAG_NONE, ps->p), *key, *value;
	size_t mark = ps->top, count;
	int more;
	if (!map)
		return NULL;
	if (open_container(ps, '}'))
		return map;
	do {
		if (*ps->p != '"') {
			fail_expected(ps, "a string key");
			return NULL;
		}
		if (!(key = parse_key(ps)))
			return NULL;
		skip_ws(ps);
		if (*ps->p != ':') {
			fail_expected(ps, "':' after an object key");
			return NULL;
		}
		ps->p++;
		skip_ws(ps);
		if (!(value = parse_value(ps, depth + 1)))
			return NULL;
		if (push(ps, key) != 0 || push(ps, value) != 0)
			return NULL;
		if ((more = next_member(ps, '}', "',' or '}' after an object member")) < 0)
			return NULL;
	} while (more);
	count = (ps->top - mark) / 2;
	map->pairs = arena_alloc(ps->arena, count * sizeof *map->pairs);
	if (!map->pairs) {
		fail_oom(ps);
		return NULL;
	}
	for (size_t i = 0; i < count; i++) {
		map->pairs[i].key = ps->stack[mark + 2 * i];
		map->pairs[i].value = ps->stack[mark + 2 * i + 1];
	}
	map->len = count;
	ps->top = mark;
	return map;
}

static struct node *parse_seq(struct parser *ps, int depth)
{
	struct node *seq = new_node(ps, NODE_SEQ, NODE_TAG_NONE, ps->p), *item;
	size_t mark = ps->top, count;
	int more;
	if (!seq)
		return NULL;
	if (open_container(ps, ']'))
		return seq;
	do {
		if (!(item = parse_value(ps, depth + 1)) || push(ps, item) != 0)
			return NULL;
		if ((more = next_member(ps, ']', "',' or ']' after a list item")) < 0)
			return NULL;
	} while (more);
	count = ps->top - mark;
	seq->items = arena_alloc(ps->arena, count * sizeof *seq->items);
	if (!seq->items) {
		fail_oom(ps);
		return NULL;
	}
	memcpy(seq->items, ps->stack + mark, count * sizeof *seq->items);
	seq->len = count;
	ps->top = mark;
	return seq;
}

static struct node *parse_value(struct parser *ps, int depth)
{
	if (depth > JSON_MAX_DEPTH) {
		fail_at(ps, ps->p, "nesting deeper than %d levels", JSON_MAX_DEPTH);
		return NULL;
	}
	switch (*ps->p) {
	case '{':
		return parse_map(ps, depth);
	case '[':
		return parse_seq(ps, depth);
	case '"':
		return parse_string(ps);
	case 't':
		return parse_literal(ps, "true", 4, NODE_TAG_BOOL);
	case 'f':
		return parse_literal(ps, "false", 5, NODE_TAG_BOOL);
	case 'n':
		return parse_literal(ps, "null", 4, NODE_TAG_NULL);
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		return parse_number(ps);
	default:
		fail_expected(ps, "a JSON value");
		return NULL;
	}
}

int json_parse_insitu(struct arena *arena, const char *source, char *data, size_t len,
                      struct node **out, struct mesh_error *err)
{
	return json_parse_ex(arena, source, data, len, 0, out, err);
}

int json_parse_ex(struct arena *arena, const char *source, char *data, size_t len, unsigned flags,
                  struct node **out, struct mesh_error *err)
{
	struct parser ps;
	struct node *root;
	memset(&ps, 0, sizeof ps);
	ps.flags = flags;
	ps.arena = arena;
	ps.source = source ? source : "<string>";
	ps.err = err;
	ps.base = ps.p = data;
	ps.end = data + len;
	ps.line_start = data;
	ps.line = 1;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3; /* a UTF-8 byte order mark */
	skip_ws(&ps);
	root = parse_value(&ps, 1);
	if (root) {
		skip_ws(&ps);
		if (ps.p != ps.end) {
			if (*ps.p == '\0')
				fail_at(&ps, ps.p, "NUL byte in the input");
			else
				fail_expected(&ps, "end of input after the JSON value");
			root = NULL;
		}
	}
	if (root)
		flush_pending(&ps);
	else if (!ps.failed)
		fail_oom(&ps);
	free(ps.stack);
	free(ps.keys);
	if (!root)
		return -1;
	*out = root;
	return 0;
}

int json_parse(struct arena *arena, const char *source, const char *data, size_t len,
               struct node **out, struct mesh_error *err)
{
	char *copy = arena_strndup(arena, data, len);
	if (!copy) {
		mesh_error_set(err, source ? source : "<string>", 0, 0,
		               "out of memory copying %zu bytes of JSON", len);
		return -1;
	}
	return json_parse_insitu(arena, source, copy, len, out, err);
}

char *json_read_file(struct arena *arena, const char *path, size_t *len, struct mesh_error *err)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *data;
	size_t n = 0;
	if (!f) {
		mesh_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
		size_t size = (size_t)st.st_size;
		data = arena_alloc(arena, size + 1);
		if (!data) {
			fclose(f);
			mesh_error_set(err, path, 0, 0, "out of memory reading %zu bytes", size);
			return NULL;
		}
		n = fread(data, 1, size, f);
		if (n < size && ferror(f)) {
			mesh_error_set(err, path, 0, 0, "read error: %s", strerror(errno));
			fclose(f);
			return NULL;
		}
	} else {
		/* A pipe or a device: read in chunks, then copy once. */
		struct strbuf sb = STRBUF_INIT;
		char chunk[65536];
		size_t got;
		while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
			if (strbuf_append(&sb, chunk, got) != 0) {
				strbuf_free(&sb);
				fclose(f);
				mesh_error_set(err, path, 0, 0, "out of memory reading the file");
				return NULL;
			}
		if (ferror(f)) {
			strbuf_free(&sb);
			mesh_error_set(err, path, 0, 0, "read error: %s", strerror(errno));
			fclose(f);
			return NULL;
		}
		n = sb.len;
		data = arena_strndup(arena, sb.data ? sb.data : "", n);
		strbuf_free(&sb);
		if (!data) {
			fclose(f);
			mesh_error_set(err, path, 0, 0, "out of memory reading the file");
			return NULL;
		}
	}
	fclose(f);
	data[n] = '\0';
	*len = n;
	return data;
}

int json_load_file(struct arena *arena, const char *path, struct node **out, struct mesh_error *err)
{
	size_t len;
	char *data = json_read_file(arena, path, &len, err);
	if (!data)
		return -1;
	return json_parse_insitu(arena, path, data, len, out, err);
}
