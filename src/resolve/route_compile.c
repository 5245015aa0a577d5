/* Compiles a RouteConfiguration tree into the structures resolution walks
 * (resolve_int.h): virtual hosts with their domains indexed as Envoy's
 * RouteMatcher does (exact hash, suffix and prefix wildcards grouped by
 * length, longest first, one "*" default), routes in order with every
 * matcher compiled and regexes built once, actions, rewrites and header
 * mutations. Configuration errors Envoy rejects are reported here, with the
 * place, never at request time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"

/* ---- header mutations ---- */

static int append_of(struct rs_build *b, const struct node *opt, enum rs_append *out)
{
	const char *action = rs_text(opt, "append_action");
	const struct node *append = node_field(opt, "append");
	*out = AP_APPEND;
	if (append) /* deprecated BoolValue: false overwrites */
		*out = rs_bool(opt, "append", 1) ? AP_APPEND : AP_OVERWRITE_OR_ADD;
	if (!action)
		return 0;
	if (strcmp(action, "APPEND_IF_EXISTS_OR_ADD") == 0)
		*out = AP_APPEND;
	else if (strcmp(action, "ADD_IF_ABSENT") == 0)
		*out = AP_ADD_IF_ABSENT;
	else if (strcmp(action, "OVERWRITE_IF_EXISTS_OR_ADD") == 0)
		*out = AP_OVERWRITE_OR_ADD;
	else if (strcmp(action, "OVERWRITE_IF_EXISTS") == 0)
		*out = AP_OVERWRITE_IF_EXISTS;
	else
		return rs_fail(b, node_field(opt, "append_action"), "unknown append_action \"%s\"",
		               action);
	return 0;
}

static int mutations_compile(struct rs_build *b, const struct node *msg, const char *add_field,
                             const char *remove_field, struct rs_mutations *out)
{
	const struct node *add = node_field(msg, add_field);
	const struct node *rm = node_field(msg, remove_field);
	memset(out, 0, sizeof *out);
	if (add && add->type == NODE_SEQ && add->len) {
		if (!(out->add = arena_calloc(b->arena, add->len, sizeof *out->add)))
			return rs_fail(b, add, "out of memory");
		for (size_t i = 0; i < add->len; i++) {
			const struct node *opt = add->items[i];
			const struct node *h = node_field(opt, "header");
			const char *key = rs_text(h, "key"), *value = rs_text(h, "value");
			struct rs_header_add *a = &out->add[out->add_count];
			if (!key || !*key)
				return rs_fail(b, opt, "%s[%zu] needs header.key", add_field, i);
			if (!(a->key = rs_lower_dup(b->arena, key, strlen(key))))
				return rs_fail(b, opt, "out of memory");
			a->value = value ? value : "";
			a->keep_empty = rs_bool(opt, "keep_empty_value", 0);
			if (append_of(b, opt, &a->append) < 0)
				return -1;
			out->add_count++;
		}
	}
	if (rm && rm->type == NODE_SEQ && rm->len) {
		if (!(out->remove = arena_calloc(b->arena, rm->len, sizeof *out->remove)))
			return rs_fail(b, rm, "out of memory");
		for (size_t i = 0; i < rm->len; i++) {
			const char *name = node_text(rm->items[i]);
			if (!name)
				return rs_fail(b, rm->items[i], "%s must hold header names",
				               remove_field);
			if (!(out->remove[out->remove_count++] =
			          rs_lower_dup(b->arena, name, strlen(name))))
				return rs_fail(b, rm, "out of memory");
		}
	}
	return 0;
}

static int both_mutations(struct rs_build *b, const struct node *msg, struct rs_mutations *req,
                          struct rs_mutations *resp)
{
	if (mutations_compile(b, msg, "request_headers_to_add", "request_headers_to_remove", req) <
	    0)
		return -1;
	return mutations_compile(b, msg, "response_headers_to_add", "response_headers_to_remove",
	                         resp);
}

/* ---- route match ---- */

static int runtime_compile(struct rs_build *b, const struct node *rf, struct rs_route *r)
{
	const struct node *dv = node_field(rf, "default_value");
	const char *den = rs_text(dv, "denominator");
	r->has_runtime = 1;
	r->runtime_key = rs_text(rf, "runtime_key");
	if (!r->runtime_key)
		r->runtime_key = "";
	if (rs_uint(b, dv, "numerator", 0, UINT32_MAX, &r->numerator) < 0)
		return -1;
	if (!den || strcmp(den, "HUNDRED") == 0)
		r->denominator = 100;
	else if (strcmp(den, "TEN_THOUSAND") == 0)
		r->denominator = 10000;
	else if (strcmp(den, "MILLION") == 0)
		r->denominator = 1000000;
	else
		return rs_fail(b, node_field(dv, "denominator"), "unknown denominator \"%s\"", den);
	/* The router check tool turns a 0% default into 1% (assignRuntimeFraction). */
	if ((b->flags & RESOLVE_ROUTES_ROUTER_CHECK) && r->numerator == 0)
		r->numerator = 1;
	return 0;
}

static int match_compile(struct rs_build *b, const struct node *m, struct rs_route *r)
{
	const struct node *v;
	const struct node *q = node_field(m, "query_parameters");
	const struct node *tls = node_field(m, "tls_context");
	if (!m || m->type != NODE_MAP)
		return rs_fail(b, m ? m : r->json, "a route needs a match");
	r->case_sensitive = rs_bool(m, "case_sensitive", 1);
	if ((v = node_field(m, "prefix"))) {
		r->path_kind = PK_PREFIX;
		r->path_value = node_text(v) ? node_text(v) : "";
	} else if ((v = node_field(m, "path"))) {
		r->path_kind = PK_PATH;
		r->path_value = node_text(v) ? node_text(v) : "";
	} else if ((v = node_field(m, "safe_regex"))) {
		const char *text = rs_text(v, "regex");
		r->path_kind = PK_REGEX;
		if (!text)
			return rs_fail(b, v, "safe_regex needs a regex");
		if (!(r->path_re = rs_regex_compile(b, v, text)))
			return -1;
		r->path_value = text;
	} else if ((v = node_field(m, "path_separated_prefix"))) {
		r->path_kind = PK_SEP_PREFIX;
		r->path_value = node_text(v) ? node_text(v) : "";
		if (!*r->path_value || r->path_value[strlen(r->path_value) - 1] == '/' ||
		    strpbrk(r->path_value, "?#"))
			return rs_fail(b, v,
			               "path_separated_prefix \"%s\" must not be empty, end in / "
			               "or hold ? or #",
			               r->path_value);
	} else if ((v = node_field(m, "connect_matcher"))) {
		r->path_kind = PK_CONNECT;
		r->path_value = "";
	} else if ((v = node_field(m, "path_match_policy"))) {
		r->path_kind = PK_TEMPLATE;
		r->path_value = rs_text(node_field(v, "typed_config"), "path_template");
		if (!r->path_value)
			return rs_fail(b, v, "path_match_policy needs typed_config.path_template");
	} else {
		return rs_fail(b, m,
		               "a route match needs one of prefix, path, safe_regex, "
		               "path_separated_prefix, connect_matcher or path_match_policy");
	}
	r->path_len = strlen(r->path_value);
	if (r->path_kind != PK_REGEX && r->path_len < sizeof r->path_inline) {
		memcpy(r->path_inline, r->path_value, r->path_len + 1);
		r->path_value = r->path_inline;
	}
	if ((v = node_field(m, "runtime_fraction")) && runtime_compile(b, v, r) < 0)
		return -1;
	r->grpc = node_field(m, "grpc") != NULL;
	if (rs_header_matchers_compile(b, node_field(m, "headers"), &r->headers, &r->header_count) <
	    0)
		return -1;
	if (q && q->type == NODE_SEQ && q->len) {
		if (!(r->query = arena_calloc(b->arena, q->len, sizeof *r->query)))
			return rs_fail(b, q, "out of memory");
		for (size_t i = 0; i < q->len; i++)
			if (rs_query_matcher_compile(b, q->items[i], &r->query[i]) < 0)
				return -1;
		r->query_count = q->len;
	}
	r->tls_presented = r->tls_validated = -1;
	if (tls) {
		if (node_field(tls, "presented"))
			r->tls_presented = rs_bool(tls, "presented", 0);
		if (node_field(tls, "validated"))
			r->tls_validated = rs_bool(tls, "validated", 0);
	}
	r->needs_metadata = node_field(m, "dynamic_metadata") || node_field(m, "filter_state");
	return 0;
}

/* ---- route actions ---- */

static int hash_compile(struct rs_build *b, const struct node *list, struct rs_route *r)
{
	if (!list || list->type != NODE_SEQ || !list->len)
		return 0;
	if (!(r->hash = arena_calloc(b->arena, list->len, sizeof *r->hash)))
		return rs_fail(b, list, "out of memory");
	for (size_t i = 0; i < list->len; i++) {
		const struct node *p = list->items[i], *v;
		struct rs_hash_policy *h = &r->hash[i];
		h->terminal = rs_bool(p, "terminal", 0);
		h->kind = HP_OTHER;
		h->name = "";
		if ((v = node_field(p, "header"))) {
			const char *name = rs_text(v, "header_name");
			const struct node *rw = node_field(v, "regex_rewrite");
			h->kind = HP_HEADER;
			if (!name)
				return rs_fail(b, v, "a header hash policy needs header_name");
			h->name = rs_lower_dup(b->arena, name, strlen(name));
			if (rw) {
				const char *pat = rs_text(node_field(rw, "pattern"), "regex");
				if (!pat || !(h->rewrite = rs_regex_compile_search(b, rw, pat)))
					return pat ? -1
					           : rs_fail(b, rw, "regex_rewrite needs pattern");
				h->rewrite_subst = rs_text(rw, "substitution");
			}
		} else if ((v = node_field(p, "cookie"))) {
			h->kind = HP_COOKIE;
			h->name = rs_text(v, "name") ? rs_text(v, "name") : "";
		} else if ((v = node_field(p, "connection_properties"))) {
			h->kind = rs_bool(v, "source_ip", 0) ? HP_SOURCE_IP : HP_OTHER;
		} else if ((v = node_field(p, "query_parameter"))) {
			h->kind = HP_QUERY;
			h->name = rs_text(v, "name") ? rs_text(v, "name") : "";
		} else if ((v = node_field(p, "filter_state"))) {
			h->kind = HP_FILTER_STATE;
			h->name = rs_text(v, "key") ? rs_text(v, "key") : "";
		}
	}
	r->hash_count = list->len;
	return 0;
}

static int weights_compile(struct rs_build *b, const struct node *wc, struct rs_route *r)
{
	const struct node *list = node_field(wc, "clusters");
	if (!list || list->type != NODE_SEQ || !list->len)
		return rs_fail(b, wc, "weighted_clusters needs at least one cluster");
	if (!(r->weights = arena_calloc(b->arena, list->len, sizeof *r->weights)))
		return rs_fail(b, list, "out of memory");
	for (size_t i = 0; i < list->len; i++) {
		const struct node *c = list->items[i];
		struct rs_weight *w = &r->weights[i];
		const char *header = rs_text(c, "cluster_header");
		w->json = c;
		w->name = rs_text(c, "name") ? rs_text(c, "name") : "";
		if (header)
			w->cluster_header = rs_lower_dup(b->arena, header, strlen(header));
		if (!*w->name && !header)
			return rs_fail(b, c, "a weighted cluster needs a name or cluster_header");
		if (rs_uint(b, c, "weight", 0, UINT32_MAX, &w->weight) < 0)
			return -1;
		w->host_rewrite = rs_text(c, "host_rewrite_literal");
		if (both_mutations(b, c, &w->req_mut, &w->resp_mut) < 0)
			return -1;
		r->total_weight += w->weight;
	}
	if (r->total_weight == 0)
		return rs_fail(b, wc, "the weights of weighted_clusters add up to 0");
	r->weight_count = list->len;
	r->weight_header = rs_text(wc, "header_name");
	if (r->weight_header)
		r->weight_header =
		    rs_lower_dup(b->arena, r->weight_header, strlen(r->weight_header));
	r->weight_use_hash = rs_bool(wc, "use_hash_policy", 0);
	return 0;
}

static int rewrite_regex(struct rs_build *b, const struct node *rw, struct rs_regex **re,
                         const char **subst)
{
	const char *pat = rs_text(node_field(rw, "pattern"), "regex");
	if (!pat)
		return rs_fail(b, rw, "regex_rewrite needs pattern.regex");
	if (!(*re = rs_regex_compile_search(b, rw, pat)))
		return -1;
	*subst = rs_text(rw, "substitution") ? rs_text(rw, "substitution") : "";
	return 0;
}

static int route_action_compile(struct rs_build *b, const struct node *ra, struct rs_route *r)
{
	const struct node *v;
	const char *code = rs_text(ra, "cluster_not_found_response_code");
	int rewrites = 0;
	r->cluster = rs_text(ra, "cluster");
	if (r->cluster) {
		r->action = ACT_CLUSTER;
		r->cluster_len = strlen(r->cluster);
	} else if ((v = node_field(ra, "cluster_header"))) {
		const char *h = node_text(v);
		r->action = ACT_CLUSTER_HEADER;
		if (!h || !*h)
			return rs_fail(b, v, "cluster_header must name a header");
		r->cluster_header = rs_lower_dup(b->arena, h, strlen(h));
	} else if ((v = node_field(ra, "weighted_clusters"))) {
		r->action = ACT_WEIGHTED;
		if (weights_compile(b, v, r) < 0)
			return -1;
	} else if (node_field(ra, "cluster_specifier_plugin") ||
	           node_field(ra, "inline_cluster_specifier_plugin")) {
		r->action = ACT_PLUGIN;
	} else {
		return rs_fail(b, ra,
		               "a route action needs cluster, cluster_header, weighted_clusters or "
		               "a cluster specifier plugin");
	}
	r->not_found_code = 503;
	if (code && strcmp(code, "NOT_FOUND") == 0)
		r->not_found_code = 404;
	else if (code && strcmp(code, "INTERNAL_SERVER_ERROR") == 0)
		r->not_found_code = 500;
	r->prefix_rewrite = rs_text(ra, "prefix_rewrite");
	if (r->prefix_rewrite && !*r->prefix_rewrite)
		r->prefix_rewrite = NULL;
	rewrites += r->prefix_rewrite != NULL;
	if ((v = node_field(ra, "regex_rewrite"))) {
		rewrites++;
		if (rewrite_regex(b, v, &r->regex_rewrite, &r->regex_subst) < 0)
			return -1;
	}
	rewrites += node_field(ra, "path_rewrite_policy") != NULL;
	if (rewrites > 1)
		return rs_fail(b, ra,
		               "Specify only one of prefix_rewrite, regex_rewrite or "
		               "path_rewrite_policy");
	r->host_rewrite = rs_text(ra, "host_rewrite_literal");
	if ((v = node_field(ra, "host_rewrite_header")) && node_text(v))
		r->host_rewrite_header = rs_lower_dup(b->arena, node_text(v), strlen(node_text(v)));
	if ((v = node_field(ra, "host_rewrite_path_regex")) &&
	    rewrite_regex(b, v, &r->host_rewrite_re, &r->host_rewrite_subst) < 0)
		return -1;
	r->auto_host_rewrite = rs_bool(ra, "auto_host_rewrite", 0);
	r->timeout = node_field(ra, "timeout");
	if (node_field(ra, "retry_policy"))
		r->retry_policy = node_field(ra, "retry_policy");
	return hash_compile(b, node_field(ra, "hash_policy"), r);
}

static int redirect_compile(struct rs_build *b, const struct node *rd, struct rs_route *r)
{
	const char *code = rs_text(rd, "response_code");
	const struct node *v;
	uint64_t port;
	r->action = ACT_REDIRECT;
	r->r_scheme = rs_text(rd, "scheme_redirect");
	r->r_host = rs_text(rd, "host_redirect");
	r->r_path = rs_text(rd, "path_redirect");
	r->r_prefix = rs_text(rd, "prefix_rewrite");
	r->r_https = rs_bool(rd, "https_redirect", 0);
	r->r_strip_query = rs_bool(rd, "strip_query", 0);
	r->r_path_has_query = r->r_path && strchr(r->r_path, '?');
	if (rs_uint(b, rd, "port_redirect", 0, 65535, &port) < 0)
		return -1;
	r->r_port = "";
	if (port) {
		char *p = arena_alloc(b->arena, 8);
		if (!p)
			return rs_fail(b, rd, "out of memory");
		snprintf(p, 8, ":%u", (unsigned)port);
		r->r_port = p;
	}
	if ((v = node_field(rd, "regex_rewrite")) &&
	    rewrite_regex(b, v, &r->r_regex, &r->r_regex_subst) < 0)
		return -1;
	r->r_code = 301;
	if (code) {
		static const struct {
			const char *name;
			uint32_t code;
		} codes[] = {{"MOVED_PERMANENTLY", 301},
		             {"FOUND", 302},
		             {"SEE_OTHER", 303},
		             {"TEMPORARY_REDIRECT", 307},
		             {"PERMANENT_REDIRECT", 308}};
		size_t i;
		for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
			if (strcmp(code, codes[i].name) == 0)
				break;
		if (i == sizeof codes / sizeof codes[0])
			return rs_fail(b, node_field(rd, "response_code"),
			               "unknown redirect response_code \"%s\"", code);
		r->r_code = codes[i].code;
	}
	return 0;
}

static int direct_compile(struct rs_build *b, const struct node *dr, struct rs_route *r,
                          uint64_t max_body)
{
	const struct node *body = node_field(dr, "body");
	uint64_t status;
	r->action = ACT_DIRECT;
	if (rs_uint(b, dr, "status", 0, 999, &status) < 0)
		return -1;
	if (status < 200 || status > 599)
		return rs_fail(b, dr, "direct_response status must be from 200 to 599, got %llu",
		               (unsigned long long)status);
	r->d_status = (uint32_t)status;
	if (body) {
		const char *text = rs_text(body, "inline_string");
		r->d_has_body = 1;
		if (!text && node_field(body, "inline_bytes"))
			return rs_fail(b, body,
			               "inline_bytes bodies are not supported, use "
			               "inline_string");
		if (!text &&
		    (node_field(body, "filename") || node_field(body, "environment_variable")))
			return rs_fail(b, body,
			               "file and environment bodies are not supported, use "
			               "inline_string");
		r->d_body = text ? text : "";
		r->d_body_len = strlen(r->d_body);
		if (r->d_body_len > max_body)
			return rs_fail(b, body,
			               "response body size is %zu bytes; maximum is %llu (see "
			               "max_direct_response_body_size_bytes)",
			               r->d_body_len, (unsigned long long)max_body);
	}
	return 0;
}

static int route_compile(struct rs_build *b, const struct node *n, struct rs_route *r,
                         uint64_t max_body)
{
	const struct node *v;
	r->json = n;
	if (!n || n->type != NODE_MAP)
		return rs_fail(b, n, "a route must be a map, got %s", node_type_name(n));
	r->name = rs_text(n, "name") ? rs_text(n, "name") : "";
	if (match_compile(b, node_field(n, "match"), r) < 0)
		return -1;
	if ((v = node_field(n, "route"))) {
		if (route_action_compile(b, v, r) < 0)
			return -1;
	} else if ((v = node_field(n, "redirect"))) {
		if (redirect_compile(b, v, r) < 0)
			return -1;
	} else if ((v = node_field(n, "direct_response"))) {
		if (direct_compile(b, v, r, max_body) < 0)
			return -1;
	} else if (node_field(n, "non_forwarding_action") || node_field(n, "filter_action")) {
		r->action = ACT_NON_FORWARDING;
	} else {
		return rs_fail(b, n, "a route needs one of route, redirect or direct_response");
	}
	if (r->path_kind == PK_TEMPLATE && r->prefix_rewrite)
		return rs_fail(b, n, "Cannot use prefix_rewrite with matcher extension");
	return both_mutations(b, n, &r->req_mut, &r->resp_mut);
}

/* ---- virtual hosts and the domain index ---- */

/* How errors name a route configuration (set when its compilation starts). */
static const char *rc_label(const struct rs_route_config *rc)
{
	return rc->label;
}

static int vhost_compile(struct rs_build *b, const struct node *n, struct rs_route_config *rc,
                         struct rs_vhost *vh, uint64_t max_body)
{
	const struct node *routes = node_field(n, "routes");
	const struct node *vcs = node_field(n, "virtual_clusters");
	const char *tls = rs_text(n, "require_tls");
	vh->json = n;
	vh->rc = rc;
	vh->name = rs_text(n, "name");
	rs_where(b, "%s", rc_label(rc));
	if (!vh->name)
		return rs_fail(b, n, "a virtual host needs a name");
	rs_where(b, "%s, virtual host \"%s\"", rc_label(rc), vh->name);
	vh->domains = node_field(n, "domains");
	if (!vh->domains || vh->domains->type != NODE_SEQ || !vh->domains->len)
		return rs_fail(b, n, "virtual host \"%s\" needs at least one domain", vh->name);
	vh->require_tls = !tls || strcmp(tls, "NONE") == 0    ? 0
	                  : strcmp(tls, "EXTERNAL_ONLY") == 0 ? 1
	                  : strcmp(tls, "ALL") == 0           ? 2
	                                                      : -1;
	if (vh->require_tls < 0)
		return rs_fail(b, node_field(n, "require_tls"), "unknown require_tls \"%s\"", tls);
	vh->retry_policy = node_field(n, "retry_policy");
	vh->has_matcher = node_field(n, "matcher") != NULL;
	if (vh->has_matcher && routes && routes->type == NODE_SEQ && routes->len)
		return rs_fail(b, n, "cannot set both matcher and routes on virtual host");
	if (both_mutations(b, n, &vh->req_mut, &vh->resp_mut) < 0)
		return -1;
	if (routes && routes->type == NODE_SEQ && routes->len) {
		/* vh->routes was allocated with vh (rs_route_config_compile). */
		for (size_t i = 0; i < routes->len; i++) {
			struct rs_route *r = &vh->routes[i];
			rs_where(b, "%s, virtual host \"%s\", route %zu", rc_label(rc), vh->name,
			         i + 1);
			r->index = (int)i;
			r->vhost = vh;
			if (route_compile(b, routes->items[i], r, max_body) < 0)
				return -1;
			if (!r->retry_policy)
				r->retry_policy = vh->retry_policy;
			rc->targets += r->action == ACT_WEIGHTED ? r->weight_count : 1;
		}
		vh->route_count = routes->len;
	}
	rs_where(b, "%s, virtual host \"%s\"", rc_label(rc), vh->name);
	if (vcs && vcs->type == NODE_SEQ && vcs->len) {
		if (!(vh->vclusters = arena_calloc(b->arena, vcs->len, sizeof *vh->vclusters)))
			return rs_fail(b, vcs, "out of memory");
		for (size_t i = 0; i < vcs->len; i++) {
			struct rs_vcluster *vc = &vh->vclusters[i];
			vc->name =
			    rs_text(vcs->items[i], "name") ? rs_text(vcs->items[i], "name") : "";
			if (rs_header_matchers_compile(b, node_field(vcs->items[i], "headers"),
			                               &vc->headers, &vc->header_count) < 0)
				return -1;
			if (!vc->header_count)
				return rs_fail(b, vcs->items[i],
				               "virtual clusters must define 'headers'");
		}
		vh->vcluster_count = vcs->len;
	}
	return 0;
}

/* Wildcard groups keyed by length, kept longest first. */
static struct rs_wild *wild_group(struct rs_wild *groups, size_t *count, size_t len)
{
	size_t i = 0;
	while (i < *count && groups[i].len > len)
		i++;
	if (i < *count && groups[i].len == len)
		return &groups[i];
	memmove(&groups[i + 1], &groups[i], (*count - i) * sizeof *groups);
	memset(&groups[i], 0, sizeof groups[i]);
	groups[i].len = len;
	(*count)++;
	return &groups[i];
}

enum domain_kind { DOMAIN_DEFAULT, DOMAIN_SUFFIX, DOMAIN_PREFIX, DOMAIN_EXACT };

static enum domain_kind domain_kind(const char *d, size_t len)
{
	if (len == 1 && d[0] == '*')
		return DOMAIN_DEFAULT;
	if (len && d[0] == '*')
		return DOMAIN_SUFFIX;
	if (len && d[len - 1] == '*')
		return DOMAIN_PREFIX;
	return DOMAIN_EXACT;
}

/* s lowercased: s itself when it has no uppercase letter (as Istio writes
 * domains; the tables borrow their keys, and the tree outlives them), else
 * a copy in a. NULL when memory runs out. */
static const char *lower_text(struct arena *a, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return rs_lower_dup(a, s, len);
	return s;
}

static int index_domains(struct rs_build *b, struct rs_route_config *rc)
{
	size_t exact = 0, wild = 0;
	/* Pass 1: count, and make the wildcard groups (at most one per domain). */
	for (size_t v = 0; v < rc->vhost_count; v++) {
		const struct node *ds = rc->vhosts[v]->domains;
		for (size_t i = 0; i < ds->len; i++) {
			const char *d = node_text(ds->items[i]);
			if (!d)
				return rs_fail(b, ds->items[i], "a domain must be a string");
			switch (domain_kind(d, strlen(d))) {
			case DOMAIN_EXACT:
				exact++;
				break;
			case DOMAIN_SUFFIX:
			case DOMAIN_PREFIX:
				wild++;
				break;
			default:
				break;
			}
		}
	}
	if (rs_strtab_init(&rc->exact, b->arena, exact) < 0 ||
	    !(rc->suffixes = arena_calloc(b->arena, wild + 1, sizeof *rc->suffixes)) ||
	    !(rc->prefixes = arena_calloc(b->arena, wild + 1, sizeof *rc->prefixes)))
		return rs_fail(b, rc->json, "out of memory");
	for (size_t v = 0; v < rc->vhost_count; v++) {
		const struct node *ds = rc->vhosts[v]->domains;
		for (size_t i = 0; i < ds->len; i++) {
			const char *d = node_text(ds->items[i]);
			size_t len = strlen(d);
			enum domain_kind k = domain_kind(d, len);
			if (k == DOMAIN_SUFFIX)
				wild_group(rc->suffixes, &rc->suffix_count, len - 1)->tab.count++;
			else if (k == DOMAIN_PREFIX)
				wild_group(rc->prefixes, &rc->prefix_count, len - 1)->tab.count++;
		}
	}
	for (size_t g = 0; g < rc->suffix_count; g++)
		if (rs_strtab_init(&rc->suffixes[g].tab, b->arena, rc->suffixes[g].tab.count) < 0)
			return rs_fail(b, rc->json, "out of memory");
	for (size_t g = 0; g < rc->prefix_count; g++)
		if (rs_strtab_init(&rc->prefixes[g].tab, b->arena, rc->prefixes[g].tab.count) < 0)
			return rs_fail(b, rc->json, "out of memory");
	/* Pass 2: insert, rejecting duplicates as Envoy does. */
	for (size_t v = 0; v < rc->vhost_count; v++) {
		struct rs_vhost *vh = rc->vhosts[v];
		for (size_t i = 0; i < vh->domains->len; i++) {
			const char *d = node_text(vh->domains->items[i]);
			size_t len = strlen(d);
			const char *lower = lower_text(b->arena, d, len);
			void *dup = NULL;
			if (!lower)
				return rs_fail(b, vh->json, "out of memory");
			switch (domain_kind(lower, len)) {
			case DOMAIN_DEFAULT:
				if (rc->default_vhost)
					return rs_fail(
					    b, vh->domains->items[i],
					    "Only a single wildcard domain is permitted in "
					    "route %s",
					    rc->name);
				rc->default_vhost = vh;
				break;
			case DOMAIN_SUFFIX:
				dup = rs_strtab_put(
				    &wild_group(rc->suffixes, &rc->suffix_count, len - 1)->tab,
				    lower + 1, len - 1, vh);
				break;
			case DOMAIN_PREFIX:
				dup = rs_strtab_put(
				    &wild_group(rc->prefixes, &rc->prefix_count, len - 1)->tab,
				    lower, len - 1, vh);
				break;
			case DOMAIN_EXACT:
				dup = rs_strtab_put(&rc->exact, lower, len, vh);
				break;
			}
			if (dup)
				return rs_fail(
				    b, vh->domains->items[i],
				    "Only unique values for domains are permitted. Duplicate "
				    "entry of domain %s in route %s",
				    lower, rc->name);
		}
	}
	return 0;
}

int rs_route_config_compile(struct rs_build *b, const struct node *n, struct rs_route_config *rc)
{
	const struct node *vhosts = node_field(n, "virtual_hosts");
	const char *vhost_header = rs_text(n, "vhost_header");
	uint64_t max_body;
	if (!n || n->type != NODE_MAP)
		return rs_fail(b, n, "a route configuration must be a map, got %s",
		               node_type_name(n));
	rc->json = n;
	rc->name = rs_text(n, "name") ? rs_text(n, "name") : "";
	if (*rc->name) {
		char *label = arena_alloc(b->arena, strlen(rc->name) + 24);
		if (!label)
			return rs_fail(b, n, "out of memory");
		sprintf(label, "route configuration \"%s\"", rc->name);
		rc->label = label;
	} else {
		rc->label = "route configuration (unnamed)";
	}
	rs_where(b, "%s", rc_label(rc));
	rc->ignore_port = rs_bool(n, "ignore_port_in_host_matching", 0);
	rc->most_specific_wins = rs_bool(n, "most_specific_header_mutations_wins", 0);
	rc->ignore_path_params = rs_bool(n, "ignore_path_parameters_in_path_matching", 0);
	if (vhost_header && *vhost_header)
		rc->vhost_header = rs_lower_dup(b->arena, vhost_header, strlen(vhost_header));
	if (rs_uint(b, n, "max_direct_response_body_size_bytes", 4096, UINT32_MAX, &max_body) < 0)
		return -1;
	if (both_mutations(b, n, &rc->req_mut, &rc->resp_mut) < 0)
		return -1;
	if (vhosts && vhosts->type != NODE_SEQ)
		return rs_fail(b, vhosts, "virtual_hosts must be a list, got %s",
		               node_type_name(vhosts));
	if (vhosts && vhosts->len) {
		if (!(rc->vhosts = arena_calloc(b->arena, vhosts->len, sizeof *rc->vhosts)))
			return rs_fail(b, vhosts, "out of memory");
		for (size_t i = 0; i < vhosts->len; i++) {
			/* A virtual host and its routes in one block, so the route a
			 * request reaches is next to the virtual host that led to it
			 * (a cache line, not a trip to memory). */
			const struct node *rl = node_field(vhosts->items[i], "routes");
			size_t nroutes = rl && rl->type == NODE_SEQ ? rl->len : 0;
			size_t head = (sizeof(struct rs_vhost) + 63) & ~(size_t)63;
			unsigned char *block = arena_calloc(
			    b->arena, head + nroutes * sizeof(struct rs_route) + 64, 1);
			struct rs_vhost *vh;
			if (!block)
				return rs_fail(b, vhosts, "out of memory");
			block += (64 - (uintptr_t)block % 64) % 64;
			vh = (struct rs_vhost *)block;
			vh->routes = nroutes ? (struct rs_route *)(block + head) : NULL;
			vh->index = (int)i;
			rc->vhosts[i] = vh;
			if (vhost_compile(b, vhosts->items[i], rc, vh, max_body) < 0)
				return -1;
		}
		rc->vhost_count = vhosts->len;
	}
	rs_where(b, "%s", rc_label(rc));
	if (index_domains(b, rc) < 0)
		return -1;
	b->where[0] = '\0';
	return 0;
}
