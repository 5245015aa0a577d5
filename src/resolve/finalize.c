/* What the request becomes and what the client gets back, as Envoy's
 * router finalizes them and as the router check tool inspects them:
 * header mutations (route, virtual host, route configuration, in the order
 * most_specific_header_mutations_wins says), then host and path rewrites;
 * for redirects and direct responses the redirect path rewrite, the local
 * reply's headers and the new URI (Http::Utility::newUri). Not on the
 * resolution hot path: everything is built in the caller's arena. */
#include <stdio.h>
#include <string.h>

#include "meshlua/strbuf.h"
#include "resolve_int.h"

static int list_add(struct arena *a, struct resolve_header_list *l, const char *name,
                    const char *value)
{
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct resolve_header *items = arena_alloc(a, cap * sizeof *items);
		if (!items)
			return -1;
		if (l->count)
			memcpy(items, l->items, l->count * sizeof *items);
		l->items = items;
		l->cap = cap;
	}
	l->items[l->count].name = name;
	l->items[l->count].value = value;
	l->count++;
	return 0;
}

static void list_remove(struct resolve_header_list *l, const char *name)
{
	size_t j = 0;
	for (size_t i = 0; i < l->count; i++)
		if (!rs_ieq(l->items[i].name, strlen(l->items[i].name), name, strlen(name)))
			l->items[j++] = l->items[i];
	l->count = j;
}

static const char *list_first(const struct resolve_header_list *l, const char *name)
{
	for (size_t i = 0; i < l->count; i++)
		if (rs_ieq(l->items[i].name, strlen(l->items[i].name), name, strlen(name)))
			return l->items[i].value;
	return NULL;
}

static int list_set(struct arena *a, struct resolve_header_list *l, const char *name,
                    const char *value)
{
	list_remove(l, name);
	return list_add(a, l, name, value);
}

const char *resolve_header_list_get(const struct resolve_header_list *list, const char *name,
                                    struct arena *a)
{
	struct strbuf sb = STRBUF_INIT;
	int found = 0;
	const char *out;
	for (size_t i = 0; i < list->count; i++) {
		if (!rs_ieq(list->items[i].name, strlen(list->items[i].name), name, strlen(name)))
			continue;
		if (found++)
			strbuf_putc(&sb, ',');
		strbuf_puts(&sb, list->items[i].value);
	}
	if (!found)
		return NULL;
	out = arena_strdup(a, strbuf_cstr(&sb));
	strbuf_free(&sb);
	return out;
}

/* Header values are Envoy formatter strings; the few commands that make
 * sense without a live connection are expanded, the rest kept verbatim. */
static const char *format_value(struct arena *a, const char *v,
                                const struct resolve_header_list *req)
{
	struct strbuf sb = STRBUF_INIT;
	const char *out;
	if (!strchr(v, '%'))
		return v;
	for (const char *p = v; *p; p++) {
		const char *end;
		if (*p != '%') {
			strbuf_putc(&sb, *p);
			continue;
		}
		if (p[1] == '%') {
			strbuf_putc(&sb, '%');
			p++;
			continue;
		}
		end = strchr(p + 1, '%');
		if (!end) {
			strbuf_puts(&sb, p);
			break;
		}
#define IS(cmd) ((size_t)(end - p - 1) == strlen(cmd) && memcmp(p + 1, cmd, strlen(cmd)) == 0)
		if (IS("DOWNSTREAM_REMOTE_ADDRESS"))
			strbuf_puts(&sb, "127.0.0.1:0");
		else if (IS("DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT"))
			strbuf_puts(&sb, "127.0.0.1");
		else if (IS("PROTOCOL"))
			strbuf_puts(&sb, "HTTP/1.1");
		else if (end - p > 5 && memcmp(p + 1, "REQ(", 4) == 0 && end[-1] == ')') {
			char name[256];
			size_t n = (size_t)(end - p - 6);
			const char *hv;
			if (n < sizeof name) {
				memcpy(name, p + 5, n);
				name[n] = '\0';
				hv = list_first(req, name);
				strbuf_puts(&sb, hv ? hv : "-");
			}
		} else
			strbuf_append(&sb, p, (size_t)(end - p + 1));
#undef IS
		p = end;
	}
	out = arena_strdup(a, strbuf_cstr(&sb));
	strbuf_free(&sb);
	return out ? out : v;
}

/* HeaderParser::evaluateHeaders: removals, then overwrites, then appends. */
static int apply(struct arena *a, struct resolve_header_list *l, const struct rs_mutations *m,
                 const struct resolve_header_list *req)
{
	const char *values[64];
	size_t n = m->add_count < 64 ? m->add_count : 64;
	for (size_t i = 0; i < m->remove_count; i++)
		list_remove(l, m->remove[i]);
	for (size_t i = 0; i < n; i++)
		values[i] = format_value(a, m->add[i].value, req);
	for (size_t i = 0; i < n; i++) {
		const struct rs_header_add *h = &m->add[i];
		if (!*values[i] && !h->keep_empty)
			continue;
		if (h->append == AP_OVERWRITE_OR_ADD ||
		    (h->append == AP_OVERWRITE_IF_EXISTS && list_first(l, h->key)))
			if (list_set(a, l, h->key, values[i]) < 0)
				return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rs_header_add *h = &m->add[i];
		if (!*values[i] && !h->keep_empty)
			continue;
		if (h->append == AP_APPEND ||
		    (h->append == AP_ADD_IF_ABSENT && !list_first(l, h->key)))
			if (list_add(a, l, h->key, values[i]) < 0)
				return -1;
	}
	return 0;
}

/* Route, virtual host and route configuration mutations, least specific
 * first when most_specific_header_mutations_wins (the later one wins). */
static int apply_all(struct arena *a, struct resolve_header_list *l, const struct rs_route *r,
                     int request, const struct resolve_header_list *req)
{
	const struct rs_vhost *vh = r->vhost;
	const struct rs_route_config *rc = vh->rc;
	const struct rs_mutations *order[3];
	if (rc->most_specific_wins) {
		order[0] = request ? &rc->req_mut : &rc->resp_mut;
		order[1] = request ? &vh->req_mut : &vh->resp_mut;
		order[2] = request ? &r->req_mut : &r->resp_mut;
	} else {
		order[0] = request ? &r->req_mut : &r->resp_mut;
		order[1] = request ? &vh->req_mut : &vh->resp_mut;
		order[2] = request ? &rc->req_mut : &rc->resp_mut;
	}
	for (int i = 0; i < 3; i++)
		if (apply(a, l, order[i], req) < 0)
			return -1;
	return 0;
}

static size_t path_only_len(const char *p)
{
	return strcspn(p, "?#");
}

/* The path after prefix_rewrite / regex_rewrite (matched: how much of the
 * path the rewrite replaces), or NULL when nothing is rewritten. */
static const char *rewrite_path(struct arena *a, const char *path, size_t matched,
                                const char *prefix, const struct rs_regex *re, const char *subst)
{
	struct strbuf sb = STRBUF_INIT;
	const char *out = NULL;
	if (prefix && *prefix) {
		strbuf_puts(&sb, prefix);
		strbuf_puts(&sb, path + (matched <= strlen(path) ? matched : strlen(path)));
	} else if (re) {
		size_t only = path_only_len(path);
		char *replaced;
		if (rs_regex_replace_all(re, path, only, subst, a, &replaced) < 0 || !*replaced) {
			strbuf_free(&sb);
			return NULL;
		}
		strbuf_puts(&sb, replaced);
		strbuf_puts(&sb, path + only);
	} else {
		return NULL;
	}
	out = arena_strdup(a, strbuf_cstr(&sb));
	strbuf_free(&sb);
	return out;
}

/* How many characters of the path the route's match covers, for
 * prefix_rewrite: the configured prefix or path, or the whole path for a
 * regex (reference rule 7). */
static size_t matched_len(const struct rs_route *r, const char *path)
{
	if (r->path_kind == PK_REGEX || r->path_kind == PK_CONNECT || r->path_kind == PK_TEMPLATE)
		return path_only_len(path);
	return r->path_len;
}

/* Http::Utility::newUri with an optional redirect configuration. */
static const char *new_uri(struct arena *a, const struct rs_route *r,
                           const struct resolve_header_list *req)
{
	const char *scheme = list_first(req, ":scheme"), *host = list_first(req, ":authority");
	const char *path = list_first(req, ":path"), *xfp = list_first(req, "x-forwarded-proto");
	const char *port = r && r->action == ACT_REDIRECT ? r->r_port : "";
	struct strbuf sb = STRBUF_INIT;
	char *hostbuf = NULL, *out;
	size_t hlen;
	scheme = scheme ? scheme : "";
	host = host ? host : "";
	path = path ? path : "";
	xfp = xfp ? xfp : "";
	if (r && r->action == ACT_REDIRECT && r->r_scheme && *r->r_scheme)
		scheme = r->r_scheme;
	else if (r && r->action == ACT_REDIRECT && r->r_https)
		scheme = "https";
	if (r && r->action == ACT_REDIRECT && r->r_host && *r->r_host) {
		host = r->r_host;
	} else if ((hlen = strlen(host)) > 0) {
		/* processRequestHost: drop the port when a port is given, or the
		 * scheme changes and the old port is the default one. */
		size_t ps = rs_port_start(host, hlen);
		if (ps < hlen) {
			const char *old = host + ps;
			int drop = *port != '\0';
			if (strcmp(scheme, xfp) != 0) {
				drop |= strcmp(xfp, "https") == 0 && strcmp(old, ":443") == 0;
				drop |= strcmp(xfp, "http") == 0 && strcmp(old, ":80") == 0;
			}
			if (drop) {
				hostbuf = arena_strndup(a, host, ps);
				host = hostbuf ? hostbuf : host;
			}
		}
	}
	if (r && r->action == ACT_REDIRECT && r->r_path && *r->r_path) {
		const char *q = strchr(path, '?');
		strbuf_puts(&sb, r->r_path);
		if (!r->r_path_has_query && q)
			strbuf_puts(&sb, q);
	} else {
		strbuf_puts(&sb, path);
	}
	{
		char *final_path = arena_strdup(a, strbuf_cstr(&sb));
		strbuf_reset(&sb);
		if (!final_path)
			return NULL;
		if (r && r->action == ACT_REDIRECT && !r->r_path_has_query && r->r_strip_query)
			final_path[strcspn(final_path, "?")] = '\0';
		strbuf_appendf(&sb, "%s://%s%s%s%s", scheme, host, port,
		               final_path[0] == '/' ? "" : "/", final_path);
	}
	out = arena_strdup(a, strbuf_cstr(&sb));
	strbuf_free(&sb);
	return out;
}

static int request_headers(struct arena *a, const struct resolve_request *req,
                           const struct resolve_result *res, struct resolve_header_list *l)
{
	const char *authority = req->authority;
	if (res->authority)
		authority = arena_strndup(a, res->authority, res->authority_len);
	if ((authority && list_add(a, l, ":authority", authority) < 0) ||
	    (req->path && list_add(a, l, ":path", req->path) < 0) ||
	    (req->method && list_add(a, l, ":method", req->method) < 0))
		return -1;
	if (req->scheme && (list_add(a, l, "x-forwarded-proto", req->scheme) < 0 ||
	                    list_add(a, l, ":scheme", req->scheme) < 0))
		return -1;
	if (req->internal && list_add(a, l, "x-envoy-internal", "true") < 0)
		return -1;
	for (size_t i = 0; i < req->header_count; i++)
		if (list_add(a, l, req->headers[i].name, req->headers[i].value) < 0)
			return -1;
	return 0;
}

static int finalize_route_entry(struct arena *a, const struct resolve_result *res,
                                struct resolve_final *out)
{
	const struct rs_route *r = res->priv_route;
	const struct rs_weight *w = res->priv_weight;
	const char *host = NULL, *path, *np;
	/* A weighted cluster's own mutations and host come first. */
	if (w &&
	    (apply(a, &out->request, &w->req_mut, &out->request) < 0 ||
	     (w->host_rewrite && list_set(a, &out->request, ":authority", w->host_rewrite) < 0)))
		return -1;
	if (apply_all(a, &out->request, r, 1, &out->request) < 0)
		return -1;
	if (r->host_rewrite && *r->host_rewrite) {
		host = r->host_rewrite;
	} else if (r->host_rewrite_header) {
		host = list_first(&out->request, r->host_rewrite_header);
	} else if (r->host_rewrite_re) {
		const char *p = list_first(&out->request, ":path");
		char *replaced;
		if (p && rs_regex_replace_all(r->host_rewrite_re, p, path_only_len(p),
		                              r->host_rewrite_subst, a, &replaced) == 0)
			host = replaced;
	}
	if (host && *host && list_set(a, &out->request, ":authority", host) < 0)
		return -1;
	path = list_first(&out->request, ":path");
	if (path && (np = rewrite_path(a, path, matched_len(r, path), r->prefix_rewrite,
	                               r->regex_rewrite, r->regex_subst))) {
		if (list_set(a, &out->request, "x-envoy-original-path", path) < 0 ||
		    list_set(a, &out->request, ":path", np) < 0)
			return -1;
	}
	if (w && apply(a, &out->response, &w->resp_mut, &out->request) < 0)
		return -1;
	if (apply_all(a, &out->response, r, 0, &out->request) < 0)
		return -1;
	path = list_first(&out->request, ":path");
	host = list_first(&out->request, ":authority");
	out->path = path ? path : "";
	out->host = host ? host : "";
	return 0;
}

static int finalize_local_reply(struct arena *a, const struct resolve_result *res,
                                struct resolve_final *out)
{
	const struct rs_route *r = res->tls_redirect ? NULL : res->priv_route;
	char num[32];
	if (r && r->action == ACT_REDIRECT) {
		/* rewritePathHeader: the redirect's own prefix or regex rewrite. */
		const char *path = list_first(&out->request, ":path"), *np;
		if (path && (np = rewrite_path(a, path, matched_len(r, path), r->r_prefix,
		                               r->r_regex, r->r_regex_subst))) {
			if (list_set(a, &out->request, "x-envoy-original-path", path) < 0 ||
			    list_set(a, &out->request, ":path", np) < 0)
				return -1;
		}
	}
	out->status = res->status;
	if (res->tls_redirect) {
		const char *host = list_first(&out->request, ":authority");
		const char *path = list_first(&out->request, ":path");
		struct strbuf sb = STRBUF_INIT;
		strbuf_appendf(&sb, "https://%s%s", host ? host : "", path ? path : "");
		out->location = arena_strdup(a, strbuf_cstr(&sb));
		strbuf_free(&sb);
	} else {
		out->location = new_uri(a, r, &out->request);
	}
	if (!out->location)
		return -1;
	snprintf(num, sizeof num, "%u", (unsigned)out->status);
	if (list_add(a, &out->response, ":status", arena_strdup(a, num)) < 0)
		return -1;
	if (r && r->action == ACT_DIRECT && r->d_has_body) {
		out->body = r->d_body;
		out->body_len = r->d_body_len;
	}
	if (out->body && out->body_len) {
		/* sendLocalReply: a body brings content-length and text/plain. */
		snprintf(num, sizeof num, "%zu", out->body_len);
		if (list_add(a, &out->response, "content-length", arena_strdup(a, num)) < 0 ||
		    list_add(a, &out->response, "content-type", "text/plain") < 0)
			return -1;
	}
	if (r && apply_all(a, &out->response, r, 0, &out->request) < 0)
		return -1;
	return 0;
}

int resolve_finalize(const struct resolve_result *res, const struct resolve_request *req,
                     const struct resolve_header *response_seed, size_t n, struct arena *a,
                     struct resolve_final *out)
{
	const struct rs_route *r = res->priv_route;
	memset(out, 0, sizeof *out);
	out->path = out->host = out->location = "";
	if (request_headers(a, req, res, &out->request) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (list_add(a, &out->response, response_seed[i].name, response_seed[i].value) < 0)
			return -1;
	if (res->tls_redirect || (r && (r->action == ACT_REDIRECT || r->action == ACT_DIRECT)))
		return finalize_local_reply(a, res, out);
	if (r && r->action != ACT_PLUGIN && r->action != ACT_NON_FORWARDING)
		return finalize_route_entry(a, res, out);
	return 0;
}
