/* The request's headers as Envoy's router sees them (a view over the
 * request, no copies), multi-value lookup joined with "," as
 * HeaderUtility::getAllOfHeaderAsString does, and query-string lookup
 * without percent-decoding (QueryParamsMulti::parseQueryString). */
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"

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
		add(h, ":path", path, strlen(path));
	if (req->method)
		add(h, ":method", req->method, strlen(req->method));
	if (req->scheme) {
		add(h, ":scheme", req->scheme, strlen(req->scheme));
		add(h, "x-forwarded-proto", req->scheme, strlen(req->scheme));
	}
	if (req->internal)
		add(h, "x-envoy-internal", "true", 4);
	for (size_t i = 0; i < req->header_count; i++)
		add(h, req->headers[i].name, req->headers[i].value,
		    req->headers[i].value ? strlen(req->headers[i].value) : 0);
}

int rs_hview_get(const struct rs_hview *h, struct rs_scratch *s, const char *name, const char **v,
                 size_t *len)
{
	size_t nlen = strlen(name), found = 0, total = 0, first = 0;
	for (size_t i = 0; i < h->count; i++) {
		if (rs_ieq(h->name[i], strlen(h->name[i]), name, nlen)) {
			if (!found)
				first = i;
			found++;
			total += h->len[i] + 1;
		}
	}
	if (!found)
		return 0;
	if (found == 1) {
		*v = h->value[first];
		*len = h->len[first];
		return 1;
	}
	if (total > s->cap) {
		char *grown = realloc(s->buf, total);
		if (!grown) { /* out of memory: the first value is the best we can do */
			*v = h->value[first];
			*len = h->len[first];
			return 1;
		}
		s->buf = grown;
		s->cap = total;
	}
	total = 0;
	for (size_t i = first; i < h->count; i++) {
		if (rs_ieq(h->name[i], strlen(h->name[i]), name, nlen)) {
			if (total)
				s->buf[total++] = ',';
			memcpy(s->buf + total, h->value[i], h->len[i]);
			total += h->len[i];
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
