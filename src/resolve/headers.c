/* The request's headers as Envoy's router sees them (a view over the
 * request, no copies), multi-value lookup joined with "," as
 * HeaderUtility::getAllOfHeaderAsString does, and query-string lookup
 * without percent-decoding (QueryParamsMulti::parseQueryString). */
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"

/* Lengths are left unknown (SIZE_MAX) until a lookup needs them. */
static void add(struct rs_hview *h, const char *name, const char *value, size_t len)
{
	if (h->count >= RS_MAX_VIEW_HEADERS)
		return;
	h->name[h->count] = name;
	h->value[h->count] = value;
	h->len[h->count] = len;
	h->count++;
}

void rs_hview_build(struct rs_hview *h, const struct resolve_request *req, const char *authority,
                    size_t authority_len, const char *path)
{
	h->count = 0;
	if (authority)
		add(h, ":authority", authority, authority_len);
	if (path)
		add(h, ":path", path, SIZE_MAX);
	if (req->method)
		add(h, ":method", req->method, SIZE_MAX);
	if (req->scheme) {
		add(h, ":scheme", req->scheme, SIZE_MAX);
		add(h, "x-forwarded-proto", req->scheme, SIZE_MAX);
	}
	if (req->internal)
		add(h, "x-envoy-internal", "true", 4);
	for (size_t i = 0; i < req->header_count; i++)
		add(h, req->headers[i].name, req->headers[i].value ? req->headers[i].value : "",
		    SIZE_MAX);
}

/* Case-insensitive equality of two NUL-terminated names. */
static int name_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y + 32);
		if (x != y)
			return 0;
		if (!x)
			return 1;
	}
}

size_t rs_hview_len(const struct rs_hview *h, size_t i)
{
	return h->len[i] == SIZE_MAX ? strlen(h->value[i]) : h->len[i];
}

int rs_hview_get(const struct rs_hview *h, struct rs_scratch *s, const char *name, const char **v,
                 size_t *len)
{
	size_t found = 0, total = 0, first = 0;
	for (size_t i = 0; i < h->count; i++) {
		if (name_eq(h->name[i], name)) {
			if (!found)
				first = i;
			found++;
			total += rs_hview_len(h, i) + 1;
		}
	}
	if (!found)
		return 0;
	if (found == 1) {
		*v = h->value[first];
		*len = rs_hview_len(h, first);
		return 1;
	}
	if (total > s->cap) {
		char *grown = realloc(s->buf, total);
		if (!grown) { /* out of memory: the first value is the best we can do */
			*v = h->value[first];
			*len = rs_hview_len(h, first);
			return 1;
		}
		s->buf = grown;
		s->cap = total;
	}
	total = 0;
	for (size_t i = first; i < h->count; i++) {
		if (name_eq(h->name[i], name)) {
			size_t l = rs_hview_len(h, i);
			if (total)
				s->buf[total++] = ',';
			memcpy(s->buf + total, h->value[i], l);
			total += l;
		}
	}
	*v = s->buf;
	*len = total;
	return 1;
}

int rs_query_get(const char *path, size_t path_len, const char *key, const char **v, size_t *len)
{
	const char *q = memchr(path, '?', path_len), *end = path + path_len;
	size_t klen = strlen(key);
	if (!q)
		return 0;
	for (const char *p = q + 1; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		const char *kend = eq ? eq : stop;
		if ((size_t)(kend - p) == klen && memcmp(p, key, klen) == 0) {
			*v = eq ? eq + 1 : stop;
			*len = eq ? (size_t)(stop - eq - 1) : 0;
			return 1;
		}
		p = amp ? amp + 1 : end;
	}
	return 0;
}
