/* JSON text to YAML as sigs.k8s.io/yaml's JSONToYAML prints it (the -o yaml
 * of istioctl): the JSON is read back as plain values, then written by
 * go-yaml v2: map keys in its "natural" order (non-letters first, digit runs
 * compared as numbers), 2-space block layout with sequences flush under
 * their key, strings plain unless they would read back as another type or
 * the emitter's analysis forbids it (then single, else double quotes),
 * multi-line strings as literal blocks, plain and single-quoted text folded
 * at spaces past column 80. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meshlua/json_load.h"
#include "meshlua/xds_json.h"

#define BEST_WIDTH 80

struct emitter {
	struct strbuf *out;
	int column;
	int rc;
};

static void put(struct emitter *e, const char *s, size_t n)
{
	if (e->rc == 0)
		e->rc = strbuf_append(e->out, s, n);
	for (size_t i = 0; i < n; i++)
		e->column = s[i] == '\n' ? 0 : e->column + 1;
}

static void puts_(struct emitter *e, const char *s)
{
	put(e, s, strlen(s));
}

static void newline_indent(struct emitter *e, int indent)
{
	put(e, "\n", 1);
	for (int i = 0; i < indent; i++)
		put(e, " ", 1);
}

static int is_letter(unsigned char c)
{
	/* ASCII letters, and any multi-byte rune (close enough to unicode.IsLetter
	 * for the keys of config dumps). */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* go-yaml v2's keyList.Less for two string keys. */
static int key_less(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	for (size_t i = 0; i < la && i < lb; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		long long an = 0, bn = 0;
		size_t ai, bi;
		if (x == y)
			continue;
		if (is_letter(x) && is_letter(y))
			return x < y;
		if (is_letter(x) || is_letter(y))
			return is_letter(y);
		if (x == '0' || y == '0') {
			for (size_t j = i; j-- > 0 && is_digit((unsigned char)a[j]);)
				if (a[j] != '0') {
					an = 1;
					bn = 1;
					break;
				}
		}
		for (ai = i; ai < la && is_digit((unsigned char)a[ai]); ai++)
			an = an * 10 + (a[ai] - '0');
		for (bi = i; bi < lb && is_digit((unsigned char)b[bi]); bi++)
			bn = bn * 10 + (b[bi] - '0');
		if (an != bn)
			return an < bn;
		if (ai != bi)
			return ai < bi;
		return x < y;
	}
	return la < lb;
}

static int key_cmp(const void *pa, const void *pb)
{
	const struct node_pair *a = *(const struct node_pair *const *)pa;
	const struct node_pair *b = *(const struct node_pair *const *)pb;
	if (key_less(a->key->str, b->key->str))
		return -1;
	return key_less(b->key->str, a->key->str) ? 1 : 0;
}

/* ---- would a plain scalar read back as something else than a string? ---- */

static int all_match(const char *s, size_t from, size_t to, const char *set)
{
	if (from >= to)
		return 0;
	for (size_t i = from; i < to; i++)
		if (!strchr(set, s[i]))
			return 0;
	return 1;
}

static int looks_int(const char *s)
{
	size_t n = strlen(s), i = 0;
	if (s[0] == '-' || s[0] == '+')
		i = 1;
	if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
		return all_match(s, i + 2, n, "0123456789abcdefABCDEF");
	if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'o' || s[i + 1] == 'O'))
		return all_match(s, i + 2, n, "01234567");
	if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'b' || s[i + 1] == 'B'))
		return all_match(s, i + 2, n, "01");
	if (n - i >= 2 && s[i] == '0')
		return all_match(s, i + 1, n, "01234567");
	return all_match(s, i, n, "0123456789");
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int looks_float(const char *s)
{
	size_t i = 0, d = 0;
	if (s[i] == '-' || s[i] == '+')
		i++;
	if (s[i] == '.') {
		i++;
		while (is_digit((unsigned char)s[i]))
			i++, d++;
		if (!d)
			return 0;
	} else {
		while (is_digit((unsigned char)s[i]))
			i++, d++;
		if (!d)
			return 0;
		if (s[i] == '.') {
			i++;
			while (is_digit((unsigned char)s[i]))
				i++;
		}
	}
	if (s[i] == 'e' || s[i] == 'E') {
		size_t e = 0;
		i++;
		if (s[i] == '-' || s[i] == '+')
			i++;
		while (is_digit((unsigned char)s[i]))
			i++, e++;
		if (!e)
			return 0;
	}
	return s[i] == '\0';
}

/* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static int looks_base60(const char *s)
{
	size_t i = 0;
	int groups = 0;
	if (s[i] == '-' || s[i] == '+')
		i++;
	if (!is_digit((unsigned char)s[i]))
		return 0;
	while (is_digit((unsigned char)s[i]) || s[i] == '_')
		i++;
	while (s[i] == ':') {
		i++;
		if (s[i] >= '0' && s[i] <= '5' && is_digit((unsigned char)s[i + 1]))
			i += 2;
		else if (is_digit((unsigned char)s[i]))
			i++;
		else
			return 0;
		groups++;
	}
	if (!groups)
		return 0;
	if (s[i] == '.') {
		i++;
		while (is_digit((unsigned char)s[i]) || s[i] == '_')
			i++;
	}
	return s[i] == '\0';
}

/* go-yaml v2's timestamp forms: YYYY-M-D, optionally [Tt ]h:m:s[.f][Z|±hh:mm]. */
static int looks_timestamp(const char *s)
{
	int i = 0, n, y, mo, d, h, mi, sec;
	char rest[64];
	for (; is_digit((unsigned char)s[i]); i++)
		;
	if (i != 4 || s[i] != '-')
		return 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31)
		return 0;
	if (s[n] == '\0')
		return 1;
	if (s[n] != 'T' && s[n] != 't' && s[n] != ' ')
		return 0;
	if (sscanf(s + n + 1, "%2d:%2d:%2d%63s", &h, &mi, &sec, rest) < 3)
		return 0;
	if (h > 23 || mi > 59 || sec > 60)
		return 0;
	{
		const char *p = strchr(s + n + 1, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		if (!p)
			return 0;
		p++;
		while (is_digit((unsigned char)*p))
			p++;
		if (*p == '.') {
			p++;
			if (!is_digit((unsigned char)*p))
				return 0;
			while (is_digit((unsigned char)*p))
				p++;
		}
		if (*p == '\0')
			return s[n] == ' ';
		if (*p == 'Z' && p[1] == '\0')
			return 1;
		if ((*p == '+' || *p == '-') && is_digit((unsigned char)p[1]) &&
		    is_digit((unsigned char)p[2]) && p[3] == ':' && is_digit((unsigned char)p[4]) &&
		    is_digit((unsigned char)p[5]) && p[6] == '\0')
			return 1;
	}
	return 0;
}

static int resolves_to_non_string(const char *s)
{
	static const char *const words[] = {
	    "",      "~",     "null",  "Null",  "NULL",  "y",     "Y",     "yes",   "Yes",
	    "YES",   "n",     "N",     "no",    "No",    "NO",    "true",  "True",  "TRUE",
	    "false", "False", "FALSE", "on",    "On",    "ON",    "off",   "Off",   "OFF",
	    ".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
	    ".nan",  ".NaN",  ".NAN",  "<<",    NULL};
	char plain[128];
	size_t n = 0;
	for (size_t i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return 1;
	if (!(is_digit((unsigned char)s[0]) || s[0] == '-' || s[0] == '+' || s[0] == '.'))
		return 0;
	if (looks_timestamp(s))
		return 1;
	for (const char *p = s; *p && n + 1 < sizeof plain; p++)
		if (*p != '_')
			plain[n++] = *p;
	plain[n] = '\0';
	if (strlen(s) >= sizeof plain)
		return 0;
	return looks_int(plain) || looks_float(plain) || looks_base60(s);
}

/* ---- the emitter's own analysis of a scalar ---- */

enum style { PLAIN, SINGLE, DOUBLE, LITERAL };

static int is_blank_or_end(const char *s, size_t i, size_t n)
{
	return i >= n || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r';
}

static enum style choose_style(const char *s, size_t n, int simple_key)
{
	int flow_ind = 0, block_ind = 0, leading_space = 0, trailing_space = 0, line_breaks = 0;
	int special = 0, break_space = 0, space_break = 0, prev_space = 0, prev_break = 0;
	int plain_ok, single_ok;
	if (resolves_to_non_string(s))
		return DOUBLE;
	if (!simple_key && memchr(s, '\n', n))
		return LITERAL;
	if (n == 0)
		return simple_key ? SINGLE : DOUBLE;
	if ((n >= 3 && (strncmp(s, "---", 3) == 0 || strncmp(s, "...", 3) == 0)))
		flow_ind = block_ind = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int preceded_by_ws =
		    i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '\n';
		int followed_by_ws = is_blank_or_end(s, i + 1, n);
		if (i == 0) {
			if (strchr("#,[]{}&*!|>'\"%@`", c)) {
				flow_ind = block_ind = 1;
			} else if (c == '?' || c == ':') {
				flow_ind = 1;
				if (followed_by_ws)
					block_ind = 1;
			} else if (c == '-' && followed_by_ws) {
				flow_ind = block_ind = 1;
			}
		} else {
			if (strchr(",?[]{}", c))
				flow_ind = 1;
			if (c == ':') {
				flow_ind = 1;
				if (followed_by_ws)
					block_ind = 1;
			}
			if (c == '#' && preceded_by_ws)
				flow_ind = block_ind = 1;
		}
		if (c < 0x20 && c != '\n')
			special = 1;
		if (c == 0x7f)
			special = 1;
		if (c == ' ') {
			if (i == 0)
				leading_space = 1;
			if (i == n - 1)
				trailing_space = 1;
			if (prev_break)
				break_space = 1;
			prev_space = 1;
			prev_break = 0;
		} else if (c == '\n') {
			line_breaks = 1;
			if (prev_space)
				space_break = 1;
			prev_break = 1;
			prev_space = 0;
		} else {
			prev_space = prev_break = 0;
		}
	}
	plain_ok = !(leading_space || trailing_space || break_space || space_break || special ||
	             line_breaks || block_ind);
	single_ok = !(break_space || space_break || special);
	(void)flow_ind;
	if (plain_ok)
		return PLAIN;
	return single_ok ? SINGLE : DOUBLE;
}

/* Writes text that may be folded at single spaces past BEST_WIDTH. */
static void write_folded(struct emitter *e, const char *s, size_t n, int indent, int allow_breaks,
                         int single)
{
	int spaces = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == ' ') {
			if (allow_breaks && !spaces && e->column > BEST_WIDTH && i + 1 < n &&
			    s[i + 1] != ' ') {
				newline_indent(e, indent);
			} else {
				put(e, " ", 1);
			}
			spaces = 1;
		} else {
			if (single && c == '\'')
				put(e, "'", 1);
			put(e, &c, 1);
			spaces = 0;
		}
	}
}

static void write_double(struct emitter *e, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	put(e, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[5] = {'\\', 'x', hex[c >> 4], hex[c & 15], 0};
		if (c == '"')
			puts_(e, "\\\"");
		else if (c == '\\')
			puts_(e, "\\\\");
		else if (c == '\n')
			puts_(e, "\\n");
		else if (c == '\t')
			puts_(e, "\\t");
		else if (c == '\r')
			puts_(e, "\\r");
		else if (c < 0x20 || c == 0x7f)
			puts_(e, esc);
		else
			put(e, (const char *)&c, 1);
	}
	put(e, "\"", 1);
}

static void write_literal(struct emitter *e, const char *s, size_t n, int indent)
{
	size_t start = 0;
	int trailing = n > 0 && s[n - 1] == '\n';
	int keep = trailing && n > 1 && s[n - 2] == '\n';
	puts_(e, keep ? "|+" : trailing ? "|" : "|-");
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '\n') {
			if (i == n && start == n)
				break;
			put(e, "\n", 1);
			if (i > start)
				for (int k = 0; k < indent; k++)
					put(e, " ", 1);
			put(e, s + start, i - start);
			start = i + 1;
		}
	}
}

static void emit_string(struct emitter *e, const char *s, size_t n, int indent, int simple_key)
{
	switch (choose_style(s, n, simple_key)) {
	case PLAIN:
		write_folded(e, s, n, indent, !simple_key, 0);
		break;
	case SINGLE:
		put(e, "'", 1);
		write_folded(e, s, n, indent, !simple_key, 1);
		put(e, "'", 1);
		break;
	case DOUBLE:
		write_double(e, s, n);
		break;
	case LITERAL:
		write_literal(e, s, n, indent);
		break;
	}
}

static void emit_scalar(struct emitter *e, const struct node *n, int indent)
{
	char buf[64];
	switch (n->tag) {
	case NODE_TAG_INT:
		puts_(e, n->str);
		break;
	case NODE_TAG_FLOAT: {
		double d = strtod(n->str, NULL);
		long long i = (long long)d;
		if ((double)i == d && d > -1e15 && d < 1e15) {
			snprintf(buf, sizeof buf, "%lld", i); /* JSON 1.0 reads back as an int */
		} else {
			for (int prec = 1; prec <= 17; prec++) {
				snprintf(buf, sizeof buf, "%.*g", prec, d);
				if (strtod(buf, NULL) == d)
					break;
			}
		}
		puts_(e, buf);
		break;
	}
	case NODE_TAG_BOOL: {
		int b;
		puts_(e, node_bool(n, &b) == 0 && b ? "true" : "false");
		break;
	}
	case NODE_TAG_NULL:
		puts_(e, "null");
		break;
	default:
		emit_string(e, n->str, n->len, indent, 0);
	}
}

static void emit(struct emitter *e, const struct node *n, int indent);

static int is_empty_collection(const struct node *n)
{
	return n->type != NODE_SCALAR && n->len == 0;
}

/* A block mapping whose first key goes where the cursor is. */
static void emit_map(struct emitter *e, const struct node *n, int indent)
{
	const struct node_pair **pairs = malloc(n->len * sizeof *pairs);
	if (!pairs) {
		e->rc = -1;
		return;
	}
	for (size_t i = 0; i < n->len; i++)
		pairs[i] = &n->pairs[i];
	qsort(pairs, n->len, sizeof *pairs, key_cmp);
	for (size_t i = 0; i < n->len && e->rc == 0; i++) {
		const struct node *v = pairs[i]->value;
		if (i > 0)
			newline_indent(e, indent);
		emit_string(e, pairs[i]->key->str, pairs[i]->key->len, indent, 1);
		put(e, ":", 1);
		if (v->type == NODE_SCALAR || is_empty_collection(v)) {
			put(e, " ", 1);
			emit(e, v, indent + 2);
		} else if (v->type == NODE_SEQ) {
			newline_indent(e, indent);
			emit(e, v, indent);
		} else {
			newline_indent(e, indent + 2);
			emit(e, v, indent + 2);
		}
	}
	free(pairs);
}

static void emit_seq(struct emitter *e, const struct node *n, int indent)
{
	for (size_t i = 0; i < n->len && e->rc == 0; i++) {
		if (i > 0)
			newline_indent(e, indent);
		put(e, "- ", 2);
		emit(e, n->items[i], indent + 2);
	}
}

static void emit(struct emitter *e, const struct node *n, int indent)
{
	if (n->type == NODE_SCALAR)
		emit_scalar(e, n, indent);
	else if (n->len == 0)
		puts_(e, n->type == NODE_MAP ? "{}" : "[]");
	else if (n->type == NODE_MAP)
		emit_map(e, n, indent);
	else
		emit_seq(e, n, indent);
}

int xds_json_to_yaml(struct strbuf *out, const char *json, size_t len)
{
	struct arena a;
	struct node *root;
	struct mesh_error err;
	struct emitter e = {out, 0, 0};
	size_t mark = out->len;
	arena_init(&a, 0);
	if (json_parse(&a, "<json>", json, len, &root, &err) != 0) {
		arena_free(&a);
		return -1;
	}
	emit(&e, root, 0);
	put(&e, "\n", 1);
	arena_free(&a);
	if (e.rc != 0 && out->data) {
		out->len = mark;
		out->data[mark] = '\0';
	}
	return e.rc;
}
