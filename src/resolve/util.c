/* Small shared pieces of the resolution engine: reading proto JSON fields
 * in either name form, positioned compile errors, the names of outcomes and
 * steps, request defaults and the note helper. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resolve_int.h"

int rs_fail(struct rs_build *b, const struct node *n, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (b->where[0])
		mesh_error_set(b->err, b->source, n ? n->line : 0, n ? n->column : 0, "%s: %s",
		               b->where, msg);
	else
		mesh_error_set(b->err, b->source, n ? n->line : 0, n ? n->column : 0, "%s", msg);
	return -1;
}

void rs_where(struct rs_build *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->where, sizeof b->where, fmt, ap);
	va_end(ap);
}

const char *rs_text(const struct node *msg, const char *field)
{
	const struct node *n = node_field(msg, field);
	if (!n || n->type != NODE_SCALAR || n->tag == NODE_TAG_NULL)
		return NULL;
	return n->str;
}

static int bool_value(const struct node *n, int dflt)
{
	if (!n || n->type != NODE_SCALAR || n->tag == NODE_TAG_NULL)
		return dflt;
	return strcasecmp(n->str, "true") == 0 || strcasecmp(n->str, "yes") == 0 ||
	       strcasecmp(n->str, "on") == 0 || strcmp(n->str, "y") == 0 ||
	       strcmp(n->str, "Y") == 0;
}

int rs_bool(const struct node *msg, const char *field, int dflt)
{
	const struct node *n = node_field(msg, field);
	/* google.protobuf.BoolValue may come as {"value": true}. */
	if (n && n->type == NODE_MAP)
		return bool_value(node_get(n, "value"), 0);
	return bool_value(n, dflt);
}

int rs_uint(struct rs_build *b, const struct node *msg, const char *field, uint64_t dflt,
            uint64_t max, uint64_t *out)
{
	const struct node *n = node_field_value(msg, field); /* bare or {"value": n} */
	char *end;
	unsigned long long v;
	if (!n || (n->type == NODE_SCALAR && n->tag == NODE_TAG_NULL)) {
		*out = dflt;
		return 0;
	}
	if (n->type != NODE_SCALAR)
		return rs_fail(b, n, "%s must be a non-negative integer, got %s", field,
		               node_type_name(n));
	if (n->str[0] == '-' || n->str[0] == '\0')
		return rs_fail(b, n, "%s must be a non-negative integer, got \"%s\"", field,
		               n->str);
	errno = 0;
	v = strtoull(n->str, &end, 10);
	if (errno || *end || v > max)
		return rs_fail(b, n, "%s must be an integer from 0 to %llu, got \"%s\"", field,
		               (unsigned long long)max, n->str);
	*out = v;
	return 0;
}

char *rs_lower_dup(struct arena *a, const char *s, size_t len)
{
	char *d = arena_strndup(a, s, len);
	if (d)
		for (size_t i = 0; i < len; i++)
			d[i] = (char)tolower((unsigned char)d[i]);
	return d;
}

/* ASCII lowercase (Envoy lowercases hosts and header names byte-wise). */
static unsigned char lower_ascii(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

int rs_ieq(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++)
		if (a[i] != b[i] &&
		    lower_ascii((unsigned char)a[i]) != lower_ascii((unsigned char)b[i]))
			return 0;
	return 1;
}

const char *resolve_outcome_name(enum resolve_outcome o)
{
	switch (o) {
	case RESOLVE_FORWARDED:
		return "forwarded";
	case RESOLVE_NOT_FOUND:
		return "404 NR";
	case RESOLVE_NO_CLUSTER:
		return "503 NC";
	case RESOLVE_NO_HEALTHY:
		return "503 UH";
	case RESOLVE_REDIRECT:
		return "redirect";
	case RESOLVE_DIRECT_RESPONSE:
		return "direct_response";
	case RESOLVE_PASSTHROUGH:
		return "passthrough";
	case RESOLVE_BLACKHOLE:
		return "blackhole";
	case RESOLVE_NO_LISTENER:
		return "no_listener";
	case RESOLVE_NO_FILTER_CHAIN:
		return "no_filter_chain";
	case RESOLVE_UNSUPPORTED:
		return "unsupported";
	}
	return "unknown";
}

const char *resolve_step_name(enum resolve_step s)
{
	static const char *const names[RESOLVE_STEP_COUNT] = {
	    [RESOLVE_STEP_LISTENER] = "listener",
	    [RESOLVE_STEP_FILTER_CHAIN] = "filter_chain",
	    [RESOLVE_STEP_NETWORK_FILTER] = "network_filter",
	    [RESOLVE_STEP_ROUTE_CONFIG] = "route_config",
	    [RESOLVE_STEP_VIRTUAL_HOST] = "virtual_host",
	    [RESOLVE_STEP_ROUTE] = "route",
	    [RESOLVE_STEP_ACTION] = "action",
	    [RESOLVE_STEP_CLUSTER] = "cluster",
	    [RESOLVE_STEP_ENDPOINT] = "endpoint",
	};
	return (unsigned)s < RESOLVE_STEP_COUNT ? names[s] : "unknown";
}

void resolve_request_init(struct resolve_request *r)
{
	memset(r, 0, sizeof *r);
	r->protocol = RESOLVE_PROTO_HTTP;
	r->path = "/";
	r->method = "GET";
	r->scheme = "http";
}

void rs_note_emit(struct rs_ctx *c, enum resolve_step step, enum resolve_verdict v,
                  const char *candidate, int index, const char *why, const char *field,
                  const char *expected, size_t expected_len, const char *actual, size_t actual_len)
{
	struct resolve_note n;
	n.step = step;
	n.verdict = v;
	n.candidate = candidate ? candidate : "";
	n.index = index;
	n.why = why;
	n.field = field;
	n.expected = expected;
	n.expected_len = expected_len;
	n.actual = actual;
	n.actual_len = actual_len;
	c->note(c->note_ctx, &n);
}
