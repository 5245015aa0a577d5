/* Route selection inside a route configuration, as Envoy's VirtualHostImpl
 * and RouteEntryImplBase::matchRoute: the virtual host, require_tls, then
 * the routes in configuration order, first match wins. Each route checks
 * runtime_fraction, grpc, headers, query parameters, tls_context and
 * metadata, then its path specifier on the path without query and fragment
 * (reference/envoy.md section 3, rule 4). Every rejected route is noted with
 * the first check it failed. */
#include <string.h>

#include "resolve_int.h"

/* The path as route matching sees it: no query, no fragment, and no
 * ";params" when the configuration ignores them. */
static size_t path_only(const char *p, size_t len, int cut_params)
{
	for (size_t i = 0; i < len; i++)
		if (!p[i] || p[i] == '?' || p[i] == '#' || (cut_params && p[i] == ';'))
			return i;
	return len;
}

static int starts_with(const char *s, size_t len, const char *p, size_t plen, int icase)
{
	if (plen > len)
		return 0;
	if (plen == 1 && !icase) /* "/", the usual prefix: no call */
		return s[0] == p[0];
	return icase ? rs_ieq(s, plen, p, plen) : memcmp(s, p, plen) == 0;
}

/* uri_template (envoy.path.match.uri_template): {var} or "*" for one segment,
 * "**" or {var=**} for the rest; whole segments only. */
static int template_match(const char *t, const char *p, size_t len)
{
	const char *end = p + len;
	while (*t) {
		const char *tseg, *tend, *pend;
		if (*t != '/' || p >= end || *p != '/')
			return 0;
		tseg = ++t;
		p++;
		tend = strchr(tseg, '/');
		if (!tend)
			tend = tseg + strlen(tseg);
		pend = memchr(p, '/', (size_t)(end - p));
		if (!pend)
			pend = end;
		if ((tend - tseg == 2 && memcmp(tseg, "**", 2) == 0) ||
		    (tend - tseg > 3 && tseg[0] == '{' && memcmp(tend - 4, "=**}", 4) == 0))
			return 1; /* the rest of the path, however deep */
		if (!((tend - tseg == 1 && *tseg == '*') ||
		      (tend - tseg >= 2 && tseg[0] == '{' && tend[-1] == '}'))) {
			if (tend - tseg != pend - p || memcmp(tseg, p, (size_t)(pend - p)) != 0)
				return 0;
		} else if (pend == p) {
			return 0; /* a variable needs a non-empty segment */
		}
		t = tend;
		p = pend;
	}
	return p == end;
}

static int is_grpc(struct rs_ctx *c)
{
	const char *v;
	size_t len;
	if (!rs_hview_get(&c->h, c->scratch, "content-type", &v, &len))
		return 0;
	return len >= 16 && memcmp(v, "application/grpc", 16) == 0 && (len == 16 || v[16] == '+');
}

static void reject(struct rs_ctx *c, const struct rs_route *r, const char *why, const char *field,
                   const char *expected, const char *actual, size_t actual_len)
{
	rs_note(c, RESOLVE_STEP_ROUTE, RESOLVE_REJECTED, r->name, r->index, why, field, expected,
	        expected ? strlen(expected) : 0, actual, actual_len);
}

static int query_ok(struct rs_ctx *c, const struct rs_route *r)
{
	const char *path = c->full_path;
	size_t plen = path ? strlen(path) : 0;
	for (size_t i = 0; i < r->query_count; i++) {
		const struct rs_query_matcher *q = &r->query[i];
		const char *v = NULL;
		size_t len = 0;
		int present = path && rs_query_get(path, plen, q->name, &v, &len);
		if (q->present == 0 && !q->has_sm) {
			if (present) {
				reject(c, r, "query_present", q->name, NULL, v, len);
				return 0;
			}
			continue;
		}
		if (!present) {
			reject(c, r, "query_missing", q->name, q->expected, NULL, 0);
			return 0;
		}
		if (q->has_sm && !rs_strmatch_eval(&q->sm, v, len, c->scratch)) {
			reject(c, r, "query_value", q->name, q->expected, v, len);
			return 0;
		}
	}
	return 1;
}

int rs_route_matches(struct rs_ctx *c, const struct rs_route *r)
{
	const char *p = c->path;
	size_t len = c->path_len;
	int icase = !r->case_sensitive, ok;
	if (r->has_runtime) {
		int on = c->random_value % r->denominator < r->numerator;
		if (c->req->runtime_mock)
			on = on && c->req->runtime_key &&
			     strcmp(c->req->runtime_key, r->runtime_key) == 0;
		if (!on) {
			reject(c, r, "runtime_fraction", r->runtime_key, NULL, NULL, 0);
			return 0;
		}
	}
	if (r->grpc && !is_grpc(c)) {
		reject(c, r, "grpc", "content-type", "application/grpc", NULL, 0);
		return 0;
	}
	for (size_t i = 0; i < r->header_count; i++) {
		const struct rs_header_matcher *m = &r->headers[i];
		const char *why = NULL, *actual = NULL;
		size_t alen = 0;
		if (!rs_header_matcher_eval(m, &c->h, c->scratch, &why, &actual, &alen)) {
			if (c->note)
				rs_note(c, RESOLVE_STEP_ROUTE, RESOLVE_REJECTED, r->name, r->index,
				        why, m->name, m->expected, strlen(m->expected), actual,
				        alen);
			return 0;
		}
	}
	if (r->query_count && !query_ok(c, r))
		return 0;
	if (r->tls_presented == 1 || r->tls_validated == 1) {
		reject(c, r, "tls_context", NULL, NULL, NULL, 0);
		return 0;
	}
	if (r->needs_metadata) {
		reject(c, r, "metadata", NULL, NULL, NULL, 0);
		return 0;
	}
	switch (r->path_kind) {
	case PK_PREFIX:
		ok = starts_with(p, len, r->path_value, r->path_len, icase);
		break;
	case PK_PATH:
		ok = icase ? rs_ieq(p, len, r->path_value, r->path_len)
		           : len == r->path_len && memcmp(p, r->path_value, len) == 0;
		break;
	case PK_REGEX:
		ok = rs_regex_full(r->path_re, p, len, c->scratch->md);
		break;
	case PK_SEP_PREFIX:
		ok = starts_with(p, len, r->path_value, r->path_len, icase) &&
		     (len == r->path_len || p[r->path_len] == '/');
		break;
	case PK_CONNECT:
		ok = c->req->method && strcmp(c->req->method, "CONNECT") == 0;
		if (!ok) {
			reject(c, r, "connect", ":method", "CONNECT", c->req->method,
			       c->req->method ? strlen(c->req->method) : 0);
			return 0;
		}
		return 1;
	case PK_TEMPLATE:
		ok = template_match(r->path_value, p, len);
		break;
	default:
		ok = 0;
	}
	if (!ok) {
		static const char *const why[] = {
		    [PK_PREFIX] = "prefix",          [PK_PATH] = "path",
		    [PK_REGEX] = "safe_regex",       [PK_SEP_PREFIX] = "path_separated_prefix",
		    [PK_TEMPLATE] = "path_template",
		};
		reject(c, r, why[r->path_kind], NULL, r->path_value, p, len);
	}
	return ok;
}

static const char *virtual_cluster(struct rs_ctx *c, const struct rs_vhost *vh)
{
	if (!vh->vcluster_count)
		return NULL;
	for (size_t i = 0; i < vh->vcluster_count; i++) {
		const struct rs_vcluster *vc = &vh->vclusters[i];
		size_t k = 0;
		while (k < vc->header_count &&
		       rs_header_matcher_eval(&vc->headers[k], &c->h, c->scratch, NULL, NULL, NULL))
			k++;
		if (k == vc->header_count)
			return vc->name;
	}
	return "other";
}

static int tls_redirect_needed(struct rs_ctx *c, const struct rs_vhost *vh)
{
	const char *scheme = c->req->scheme ? c->req->scheme : "";
	const char *v;
	size_t len;
	if (!vh->require_tls || strcmp(scheme, "https") == 0)
		return 0;
	if (vh->require_tls == 2)
		return 1;
	/* EXTERNAL_ONLY: internal requests (x-envoy-internal: true) are exempt. */
	return !(rs_hview_get(&c->h, c->scratch, "x-envoy-internal", &v, &len) && len == 4 &&
	         memcmp(v, "true", 4) == 0);
}

static const char *const path_kind_name[] = {
    [PK_PREFIX] = "prefix",           [PK_PATH] = "path",
    [PK_REGEX] = "safe_regex",        [PK_SEP_PREFIX] = "path_separated_prefix",
    [PK_CONNECT] = "connect_matcher", [PK_TEMPLATE] = "path_template",
};

void rs_route_request(struct rs_ctx *c, const struct rs_route_config *rc,
                      struct resolve_result *out)
{
	const struct rs_vhost *vh;
	const struct rs_route *won = NULL;
	out->route_config = rc->name;
	out->route_config_json = rc->json;
	out->priv_rc = rc;
	c->path = c->full_path ? c->full_path : "";
	c->path_len = path_only(c->path, SIZE_MAX, rc->ignore_path_params);
	vh = rs_vhost_find(c, rc, out->authority, out->authority_len);
	if (!vh) {
		out->outcome = RESOLVE_NOT_FOUND;
		out->status = 404;
		out->flags = "NR";
		return;
	}
	out->virtual_host = vh->name;
	out->vhost_index = vh->index;
	out->virtual_host_json = vh->json;
	out->priv_vhost = vh;
	if (!c->req->scheme || !*c->req->scheme) {
		/* Envoy routes nothing without x-forwarded-proto. */
		rs_note(c, RESOLVE_STEP_ROUTE, RESOLVE_INFO, "", -1, "no_scheme", NULL, NULL, 0,
		        NULL, 0);
		out->outcome = RESOLVE_NOT_FOUND;
		out->status = 404;
		out->flags = "NR";
		return;
	}
	if (tls_redirect_needed(c, vh)) {
		rs_note(c, RESOLVE_STEP_ROUTE, RESOLVE_CHOSEN, "", -1, "require_tls", NULL,
		        vh->require_tls == 2 ? "ALL" : "EXTERNAL_ONLY",
		        vh->require_tls == 2 ? 3 : 13, c->req->scheme, strlen(c->req->scheme));
		out->tls_redirect = 1;
		out->outcome = RESOLVE_REDIRECT;
		out->status = 301;
		out->flags = "";
		return;
	}
	if (vh->has_matcher) {
		rs_note(c, RESOLVE_STEP_ROUTE, RESOLVE_INFO, "", -1, "vhost_matcher", NULL, NULL, 0,
		        NULL, 0);
		out->outcome = RESOLVE_UNSUPPORTED;
		return;
	}
	for (size_t i = 0; i < vh->route_count; i++) {
		const struct rs_route *r = &vh->routes[i];
		if (!c->full_path && r->path_kind != PK_CONNECT) {
			rs_note(c, RESOLVE_STEP_ROUTE, RESOLVE_REJECTED, r->name, r->index,
			        "no_path", ":path", NULL, 0, NULL, 0);
			continue;
		}
		if (rs_route_matches(c, r)) {
			won = r;
			break;
		}
	}
	if (!won) {
		rs_note(c, RESOLVE_STEP_ROUTE, RESOLVE_INFO, "", -1, "no_route", NULL, NULL, 0,
		        c->path, c->path_len);
		out->outcome = RESOLVE_NOT_FOUND;
		out->status = 404;
		out->flags = "NR";
		return;
	}
	rs_note(c, RESOLVE_STEP_ROUTE, RESOLVE_CHOSEN, won->name, won->index, "match",
	        path_kind_name[won->path_kind], won->path_value, won->path_len, c->path,
	        c->path_len);
	out->route_name = won->name;
	out->route_index = won->index;
	out->route_json = won->json;
	out->priv_route = won;
	out->virtual_cluster = virtual_cluster(c, vh);
	rs_route_action(c, won, out);
}
