/* The JSON writer of the admin and ControlZ handlers (see jsonw.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"
#include "meshlua/xds_json.h"

void jw_init(struct jsonw *w, struct strbuf *out, int indent)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->indent = indent;
}

void jw_init_envoy(struct jsonw *w, struct strbuf *out, int indent)
{
	jw_init(w, out, indent);
	w->envoy = 1;
}

/* A string literal, escaped as this writer's flavour does. */
static void quote(struct jsonw *w, const char *s, size_t len)
{
	if (w->failed)
		return;
	if ((w->envoy ? xds_json_quote_envoy(w->out, s, len) : json_quote(w->out, s, len)) != 0)
		w->failed = 1;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	if (!w->failed && strbuf_append(w->out, s, n) != 0)
		w->failed = 1;
}

static void newline(struct jsonw *w, int level)
{
	if (w->indent == 0)
		return;
	put(w, "\n", 1);
	for (int i = 0; i < level * w->indent; i++)
		put(w, " ", 1);
}

/* Separator and indentation before a value (or a key) at the current level. */
static void before_value(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->count[w->depth - 1]++ > 0)
		put(w, ",", 1);
	newline(w, w->depth);
}

static void open(struct jsonw *w, char c)
{
	before_value(w);
	put(w, &c, 1);
	if (w->depth >= JW_MAX_DEPTH) {
		w->failed = 1;
		return;
	}
	w->closer[w->depth] = c == '{' ? '}' : ']';
	w->count[w->depth++] = 0;
}

void jw_object(struct jsonw *w)
{
	open(w, '{');
}

void jw_array(struct jsonw *w)
{
	open(w, '[');
}

void jw_end(struct jsonw *w)
{
	if (w->depth == 0) {
		w->failed = 1;
		return;
	}
	w->depth--;
	if (w->count[w->depth] > 0)
		newline(w, w->depth);
	put(w, &w->closer[w->depth], 1);
}

void jw_key(struct jsonw *w, const char *key)
{
	before_value(w);
	quote(w, key, strlen(key));
	put(w, w->indent ? ": " : ":", w->indent ? 2 : 1);
	w->after_key = 1;
}

void jw_string(struct jsonw *w, const char *s)
{
	before_value(w);
	quote(w, s ? s : "", s ? strlen(s) : 0);
}

void jw_int(struct jsonw *w, long long v)
{
	char buf[32];
	before_value(w);
	put(w, buf, (size_t)snprintf(buf, sizeof buf, "%lld", v));
}

void jw_u64_string(struct jsonw *w, uint64_t v)
{
	char buf[32];
	before_value(w);
	put(w, buf, (size_t)snprintf(buf, sizeof buf, "\"%llu\"", (unsigned long long)v));
}

void jw_double(struct jsonw *w, double v)
{
	char buf[40];
	before_value(w);
	if (isnan(v) || isinf(v))
		put(w, "null", 4);
	else
		put(w, buf, (size_t)snprintf(buf, sizeof buf, "%.17g", v));
}

void jw_bool(struct jsonw *w, int v)
{
	before_value(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jsonw *w)
{
	before_value(w);
	put(w, "null", 4);
}

void jw_node(struct jsonw *w, const struct node *n)
{
	struct strbuf tmp = STRBUF_INIT;
	before_value(w);
	if (w->failed)
		return;
	if (w->envoy) {
		/* A message at this level, as the config dump writes one. */
		struct xds_json_opts o = {XDS_JSON_ENVOY, 0, w->depth};
		if ((w->keep_empty ? xds_write_json_envoy_keep_empty(w->out, n, w->depth)
		                   : xds_write_json(w->out, n, &o)) != 0)
			w->failed = 1;
		return;
	}
	if (node_to_json(n, &tmp, w->indent) != 0) {
		w->failed = 1;
	} else {
		/* Re-indent: newlines in node_to_json's output are structural
		 * only (strings escape theirs). */
		const char *d = strbuf_cstr(&tmp);
		for (size_t i = 0; i < tmp.len; i++) {
			put(w, d + i, 1);
			if (d[i] == '\n')
				for (int k = 0; k < w->depth * w->indent; k++)
					put(w, " ", 1);
		}
	}
	strbuf_free(&tmp);
}

void jw_kv_string(struct jsonw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_string(w, s);
}

void jw_kv_int(struct jsonw *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

int jw_failed(const struct jsonw *w)
{
	return w->failed || w->depth != 0;
}
