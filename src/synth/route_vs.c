/* VirtualService HTTP routes to Envoy routes (pilot/pkg/networking/core/
 * route/route.go: BuildHTTPRoutesForVirtualService, TranslateRoute,
 * TranslateRouteMatch, applyHTTPRouteDestination, ApplyRedirect,
 * ApplyDirectResponse, TranslateFault; route/retry ConvertPolicy) and the
 * default route of a service. One route per http[] entry and match[] entry,
 * named "<http name>[.<match name>]"; match.port, sourceLabels, gateways and
 * sourceNamespace are decided here, at build time; the list stops after a
 * catch-all. The profile decides the 1.9 forms (header matchers, regex
 * engine, max_stream_duration, retriable 503). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "synth_int.h"

/* ---- small pieces ------------------------------------------------------ */

const char *cluster_name(struct synth *s, const char *dir, int port, const char *subset,
                         const char *host)
{
	return jb_fmt(&s->jb, "%s|%d|%s|%s", dir, port, subset ? subset : "", host);
}

static struct node *regex_matcher(struct synth *s, const char *regex)
{
	struct jb *b = &s->jb;
	struct node *m = jb_map(b);
	if (s->prof->legacy_route_api)
		jb_set_map(b, m, "google_re2");
	jb_set_str(b, m, "regex", regex);
	return m;
}

/* A StringMatcher (util.ConvertToEnvoyMatch). NULL when in has no match. */
static struct node *string_matcher(struct synth *s, const struct node *in)
{
	struct jb *b = &s->jb;
	struct node *m;
	const char *v;
	if ((v = node_text(node_get(in, "exact")))) {
		m = jb_map(b);
		jb_set_str(b, m, "exact", v);
		return m;
	}
	if ((v = node_text(node_get(in, "prefix")))) {
		m = jb_map(b);
		jb_set_str(b, m, "prefix", v);
		return m;
	}
	if ((v = node_text(node_get(in, "regex")))) {
		m = jb_map(b);
		jb_set(b, m, "safe_regex", regex_matcher(s, v));
		return m;
	}
	return NULL;
}

/* canBeConvertedToPresentMatch: no match type, or the regex "*". */
static int present_only(const struct node *in)
{
	const char *r = node_text(node_get(in, "regex"));
	if (!in || in->type != NODE_MAP)
		return 1;
	if (r)
		return strcmp(r, "*") == 0;
	return !node_get(in, "exact") && !node_get(in, "prefix");
}

static struct node *header_matcher(struct synth *s, const char *name, const struct node *in,
                                   int invert)
{
	struct jb *b = &s->jb;
	struct node *h = jb_map(b), *sm;
	const char *v;
	jb_set_str(b, h, "name", name);
	if (present_only(in)) {
		jb_set_bool(b, h, "present_match", 1);
		if (invert)
			jb_set_bool(b, h, "invert_match", 1);
		return h;
	}
	if (s->prof->legacy_route_api) {
		if ((v = node_text(node_get(in, "exact"))))
			jb_set_str(b, h, "exact_match", v);
		else if ((v = node_text(node_get(in, "regex"))))
			jb_set(b, h, "safe_regex_match", regex_matcher(s, v));
		else if ((v = node_text(node_get(in, "prefix"))))
			jb_set_str(b, h, "prefix_match", v);
		if (invert)
			jb_set_bool(b, h, "invert_match", 1);
		return h;
	}
	if (invert)
		jb_set_bool(b, h, "invert_match", 1);
	if ((sm = string_matcher(s, in)))
		jb_set(b, h, "string_match", sm);
	if (invert)
		jb_set_bool(b, h, "treat_missing_header_as_empty", 1);
	return h;
}

static int pair_cmp(const void *a, const void *b)
{
	return strcmp(((const struct node_pair *)a)->key->str,
	              ((const struct node_pair *)b)->key->str);
}

/* The pairs of a map, sorted by key (Go ranges maps in random order; istiod
 * sorts what must be stable). */
static struct node_pair *sorted_pairs(struct synth *s, const struct node *map, size_t *n)
{
	struct node_pair *p;
	*n = 0;
	if (!map || map->type != NODE_MAP || map->len == 0)
		return NULL;
	p = arena_alloc(&s->tmp, map->len * sizeof *p);
	if (!p) {
		s->jb.oom = 1;
		return NULL;
	}
	memcpy(p, map->pairs, map->len * sizeof *p);
	qsort(p, map->len, sizeof *p, pair_cmp);
	*n = map->len;
	return p;
}

/* TranslateRouteMatch. */
static struct node *route_match(struct synth *s, const struct node *m)
{
	struct jb *b = &s->jb;
	struct node *out = jb_map(b), *headers, *qp;
	const struct node *uri = node_get(m, "uri");
	const char *v;
	struct node_pair *hp, *wp, *qpp;
	size_t nh, nw, nq, hi = 0, wi = 0;
	int ignore_case = 0;
	if (!m) {
		jb_set_lit(b, out, "prefix", "/");
		return out;
	}
	if ((v = node_text(node_get(uri, "exact"))))
		jb_set_str(b, out, "path", v);
	else if ((v = node_text(node_get(uri, "prefix"))))
		jb_set_str(b, out, "prefix", v);
	else if (!node_text(node_get(uri, "regex")))
		jb_set_lit(b, out, "prefix", "/");
	node_bool(node_get(m, "ignoreUriCase"), &ignore_case);
	jb_set_bool(b, out, "case_sensitive", !ignore_case);
	/* headers and withoutHeaders merged, sorted by name; then :method,
	 * :authority, :scheme. */
	hp = sorted_pairs(s, node_get(m, "headers"), &nh);
	wp = sorted_pairs(s, node_get(m, "withoutHeaders"), &nw);
	headers = jb_seq(b);
	while (hi < nh || wi < nw) {
		int take_h = wi >= nw || (hi < nh && strcmp(hp[hi].key->str, wp[wi].key->str) <= 0);
		if (take_h) {
			jb_push(b, headers, header_matcher(s, hp[hi].key->str, hp[hi].value, 0));
			hi++;
		} else {
			jb_push(b, headers, header_matcher(s, wp[wi].key->str, wp[wi].value, 1));
			wi++;
		}
	}
	if (node_get(m, "method"))
		jb_push(b, headers, header_matcher(s, ":method", node_get(m, "method"), 0));
	if (node_get(m, "authority"))
		jb_push(b, headers, header_matcher(s, ":authority", node_get(m, "authority"), 0));
	if (node_get(m, "scheme"))
		jb_push(b, headers, header_matcher(s, ":scheme", node_get(m, "scheme"), 0));
	if (headers->len)
		jb_set(b, out, "headers", headers);
	qpp = sorted_pairs(s, node_get(m, "queryParams"), &nq);
	if (nq) {
		qp = jb_set_seq(b, out, "query_parameters");
		for (size_t i = 0; i < nq; i++) {
			struct node *q = jb_map(b), *sm;
			jb_set_str(b, q, "name", qpp[i].key->str);
			if (!s->prof->legacy_route_api && present_only(qpp[i].value))
				jb_set_bool(b, q, "present_match", 1);
			else if ((sm = string_matcher(s, qpp[i].value)))
				jb_set(b, q, "string_match", sm);
			jb_push(b, qp, q);
		}
	}
	if ((v = node_text(node_get(uri, "regex"))))
		jb_set(b, out, "safe_regex", regex_matcher(s, v));
	return out;
}

/* A match that matches everything: IsCatchAllRoute. */
static int catch_all(const struct node *m)
{
	const struct node *uri;
	const char *p;
	if (!m)
		return 1;
	uri = node_get(m, "uri");
	if (uri) {
		if ((p = node_text(node_get(uri, "prefix"))) && strcmp(p, "/") == 0)
			;
		else if ((p = node_text(node_get(uri, "regex"))) && strcmp(p, "*") == 0)
			;
		else
			return 0;
	}
	return !node_get(m, "headers") && !node_get(m, "withoutHeaders") &&
	       !node_get(m, "queryParams") && !node_get(m, "method") && !node_get(m, "authority") &&
	       !node_get(m, "scheme");
}

/* ---- route actions ---------------------------------------------------- */

void route_set_timeout(struct synth *s, struct node *action, const char *timeout)
{
	struct jb *b = &s->jb;
	const char *t = timeout ? timeout : "0s";
	if (s->prof->route_max_stream_duration) {
		struct node *msd = jb_set_map(b, action, "max_stream_duration");
		jb_set_lit(b, msd, "max_stream_duration", "0s");
		if (strcmp(t, "0s") != 0)
			jb_set_lit(b, msd, "grpc_timeout_header_max", t);
	} else {
		jb_set_lit(b, action, "max_grpc_timeout", t);
	}
}

static struct node *previous_hosts(struct synth *s)
{
	struct node *seq = jb_seq(&s->jb), *p = jb_map(&s->jb);
	jb_set_lit(&s->jb, p, "name", "envoy.retry_host_predicates.previous_hosts");
	jb_push(&s->jb, seq, p);
	return seq;
}

static const char *const default_retry_on =
    "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

/* retry.ConvertPolicy; NULL when retries are off (attempts 0). */
static struct node *convert_retries(struct synth *s, const struct node *in, int hash)
{
	struct jb *b = &s->jb;
	struct node *r;
	long long attempts = 2;
	const char *on = NULL, *ptt = NULL;
	struct node *codes = NULL;
	if (in && node_int(node_get(in, "attempts"), &attempts) != 0)
		attempts = 0;
	if (in && attempts <= 0)
		return NULL;
	if (in) {
		const char *text = node_text(node_get(in, "retryOn"));
		if (text && *text) {
			/* Parts that are HTTP status codes become retriable_status_codes. */
			char *buf = jb_strdup(b, text), *tok, *save = NULL;
			char *joined = jb_strdup(b, text);
			size_t jl = 0;
			joined[0] = '\0';
			codes = jb_seq(b);
			for (tok = strtok_r(buf, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				char *end;
				long code;
				while (*tok == ' ')
					tok++;
				code = strtol(tok, &end, 10);
				if (end != tok && *end == '\0' && code >= 100 && code < 600) {
					jb_push(b, codes, jb_int(b, code));
				} else if (*tok) {
					jl += (size_t)sprintf(joined + jl, "%s%s", jl ? "," : "",
					                      tok);
				}
			}
			if (codes->len && !strstr(joined, "retriable-status-codes") &&
			    !s->prof->legacy_route_api)
				joined =
				    jb_fmt(b, "%s%sretriable-status-codes", joined, jl ? "," : "");
			on = joined;
		}
		ptt = duration_json(s, node_text(node_get(in, "perTryTimeout")));
	}
	r = jb_map(b);
	jb_set_lit(b, r, "retry_on", on ? on : default_retry_on);
	jb_set_int(b, r, "num_retries", attempts);
	if (ptt)
		jb_set_lit(b, r, "per_try_timeout", ptt);
	if (!hash || s->prof->legacy_route_api)
		jb_set(b, r, "retry_host_predicate", previous_hosts(s));
	jb_set_lit(b, r, "host_selection_retry_max_attempts", "5");
	if (codes && codes->len)
		jb_set(b, r, "retriable_status_codes", codes);
	else if (s->prof->retry_on_503 && !on) {
		codes = jb_seq(b);
		jb_push(b, codes, jb_int(b, 503));
		jb_set(b, r, "retriable_status_codes", codes);
	}
	return r;
}

struct node *retry_policy(struct synth *s, const struct node *retries)
{
	return convert_retries(s, retries, 0);
}

/* GetRouteOperation: "<host>:<port><path>" of the route's one cluster, else
 * "<vs name>:<listener port><path>". */
static const char *route_operation(struct synth *s, const struct node *rmatch, const char *cluster,
                                   const char *vs_name, int port)
{
	const char *path = "/*", *v;
	char host[512];
	int p;
	if ((v = node_text(node_get(rmatch, "prefix"))))
		path = jb_fmt(&s->jb, "%s*", v);
	else if ((v = node_text(node_get(rmatch, "path"))))
		path = v;
	else if ((v = node_text(node_get(node_get(rmatch, "safe_regex"), "regex"))))
		path = v;
	if (cluster && sscanf(cluster, "outbound|%d|%*[^|]|%511s", &p, host) == 2)
		return jb_fmt(&s->jb, "%s:%d%s", host, p, path);
	if (cluster && sscanf(cluster, "outbound|%d||%511s", &p, host) == 2)
		return jb_fmt(&s->jb, "%s:%d%s", host, p, path);
	return jb_fmt(&s->jb, "%s:%d%s", vs_name, port, path);
}

struct node *default_route(struct synth *s, const char *cluster, const char *operation)
{
	struct jb *b = &s->jb;
	struct node *r = jb_map_n(b, 4), *a = jb_map_n(b, 5), *d = jb_map_n(b, 1);
	/* The match and the retry policy are the same in every default route. */
	if (!s->match_all) {
		s->match_all = jb_map_n(b, 1);
		jb_set_lit(b, s->match_all, "prefix", "/");
		s->default_retries = convert_retries(s, NULL, 0);
	}
	jb_set(b, r, "match", s->match_all);
	jb_set(b, r, "route", a);
	jb_set_lit(b, a, "cluster", cluster);
	jb_set_lit(b, a, "timeout", "0s");
	jb_set(b, a, "retry_policy", s->default_retries);
	route_set_timeout(s, a, "0s");
	jb_set(b, r, "decorator", d);
	jb_set_lit(b, d, "operation", operation);
	jb_set_lit(b, r, "name", "default");
	return r;
}

const char *destination_cluster(struct synth *s, const struct node *dest, int listen_port)
{
	/* dest is already host-resolved by the caller (see vs_dest_host). */
	const char *host = node_text(node_get(dest, "host"));
	const char *subset = node_text(node_get(dest, "subset"));
	long long port = 0;
	struct svc *v;
	if (!host || !*host)
		return "UnknownService";
	v = scope_find(s, host);
	if (v && v->res == RES_ALIAS && v->alias_target)
		host = v->alias_target;
	if (node_int(node_get(node_get(dest, "port"), "number"), &port) != 0 || port <= 0) {
		port = listen_port;
		if (v && (s->gateway || !svc_port(v, listen_port)) && v->nports == 1)
			port = v->ports[0].port;
	}
	return cluster_name(s, "outbound", (int)port, subset, host);
}

/* The destination node with its host resolved in the VirtualService's
 * namespace (istiod resolves short names when it converts the config). */
static const struct node *vs_dest(struct synth *s, const struct cfg *vs, const struct node *dest)
{
	const char *host = node_text(node_get(dest, "host"));
	const char *full;
	struct node *copy;
	if (!host)
		return dest;
	full = resolve_short(s, host, vs->ns);
	if (full == host)
		return dest;
	copy = jb_copy_map(&s->jb, dest);
	for (size_t i = 0; i < copy->len; i++)
		if (strcmp(copy->pairs[i].key->str, "host") == 0)
			copy->pairs[i].value = jb_lit(&s->jb, full);
	return copy;
}

/* Header manipulation: {set, add, remove} of request or response. Appends
 * to add (a seq) and rm (a seq); returns the authority set, if any. */
static const char *header_ops(struct synth *s, const struct node *ops, struct node *add,
                              struct node *rm)
{
	struct jb *b = &s->jb;
	const char *authority = NULL;
	static const char *const kinds[] = {"set", "add"};
	for (int k = 0; k < 2; k++) {
		size_t n;
		struct node_pair *p = sorted_pairs(s, node_get(ops, kinds[k]), &n);
		for (size_t i = 0; i < n; i++) {
			const char *key = p[i].key->str, *val = node_text(p[i].value);
			struct node *o, *h;
			if (!val)
				val = "";
			if (strcasecmp(key, ":authority") == 0 || strcasecmp(key, "host") == 0) {
				if (k == 0 || !authority)
					authority = val;
			}
			if (key[0] == ':' || strcasecmp(key, "host") == 0)
				continue;
			o = jb_map(b);
			h = jb_set_map(b, o, "header");
			jb_set_str(b, h, "key", key);
			jb_set_str(b, h, "value", val);
			if (s->prof->legacy_route_api)
				jb_set_bool(b, o, "append", k == 1);
			else if (k == 0)
				jb_set_lit(b, o, "append_action", "OVERWRITE_IF_EXISTS_OR_ADD");
			jb_push(b, add, o);
		}
	}
	{
		const struct node *remove = node_get(ops, "remove");
		if (remove && remove->type == NODE_SEQ)
			for (size_t i = 0; i < remove->len; i++) {
				const char *k = node_text(remove->items[i]);
				if (k && k[0] != ':' && strcasecmp(k, "host") != 0)
					jb_push_str(b, rm, k);
			}
	}
	return authority;
}

struct hdrs {
	struct node *req_add, *req_rm, *resp_add, *resp_rm;
	const char *authority;
};

static void hdrs_init(struct synth *s, struct hdrs *h)
{
	h->req_add = jb_seq(&s->jb);
	h->req_rm = jb_seq(&s->jb);
	h->resp_add = jb_seq(&s->jb);
	h->resp_rm = jb_seq(&s->jb);
	h->authority = NULL;
}

static void hdrs_read(struct synth *s, struct hdrs *h, const struct node *headers)
{
	const char *a;
	if (!headers)
		return;
	a = header_ops(s, node_get(headers, "request"), h->req_add, h->req_rm);
	if (a)
		h->authority = a;
	header_ops(s, node_get(headers, "response"), h->resp_add, h->resp_rm);
}

static void hdrs_set(struct synth *s, struct node *out, const struct hdrs *h)
{
	/* Route fields 9, 10, 11, 12. */
	if (h->req_add->len)
		jb_set(&s->jb, out, "request_headers_to_add", h->req_add);
	if (h->resp_add->len)
		jb_set(&s->jb, out, "response_headers_to_add", h->resp_add);
	if (h->resp_rm->len)
		jb_set(&s->jb, out, "response_headers_to_remove", h->resp_rm);
	if (h->req_rm->len)
		jb_set(&s->jb, out, "request_headers_to_remove", h->req_rm);
}

static struct node *fractional(struct synth *s, const struct node *percentage, long long percent)
{
	struct jb *b = &s->jb;
	struct node *f = jb_map(b);
	const char *v = node_text(node_get(percentage, "value"));
	if (v) {
		jb_set_int(b, f, "numerator", (long long)(atof(v) * 10000 + 0.5));
		jb_set_lit(b, f, "denominator", "MILLION");
	} else {
		jb_set_int(b, f, "numerator", percent);
	}
	return f;
}

static struct node *fault_config(struct synth *s, const struct node *fault)
{
	struct jb *b = &s->jb;
	struct node *f =
	    jb_typed(b, "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault");
	const struct node *delay = node_get(fault, "delay"), *abort = node_get(fault, "abort");
	int any = 0;
	const char *fixed;
	if (delay && (fixed = duration_json(s, node_text(node_get(delay, "fixedDelay"))))) {
		struct node *d = jb_set_map(b, f, "delay");
		long long pct = 100;
		node_int(node_get(delay, "percent"), &pct);
		jb_set_lit(b, d, "fixed_delay", fixed);
		jb_set(b, d, "percentage", fractional(s, node_get(delay, "percentage"), pct));
		any = 1;
	}
	if (abort) {
		long long code;
		struct node *a = jb_map(b);
		if (node_int(node_get(abort, "httpStatus"), &code) == 0) {
			jb_set_int(b, a, "http_status", code);
			any = 1;
		} else if (node_text(node_get(abort, "grpcStatus"))) {
			jb_set_str(b, a, "grpc_status", node_text(node_get(abort, "grpcStatus")));
			any = 1;
		}
		if (node_get(abort, "percentage"))
			jb_set(b, a, "percentage",
			       fractional(s, node_get(abort, "percentage"), 100));
		jb_set(b, f, "abort", a);
	}
	return any ? f : NULL;
}

static void apply_redirect(struct synth *s, struct node *out, const struct node *rd, int port,
                           int is_tls)
{
	struct jb *b = &s->jb;
	struct node *r = jb_set_map(b, out, "redirect");
	const char *v, *scheme = node_text(node_get(rd, "scheme"));
	long long code = 301, rport = 0;
	static const char *const codes[][2] = {{"302", "FOUND"},
	                                       {"303", "SEE_OTHER"},
	                                       {"307", "TEMPORARY_REDIRECT"},
	                                       {"308", "PERMANENT_REDIRECT"}};
	if ((v = node_text(node_get(rd, "authority"))) && *v)
		jb_set_str(b, r, "host_redirect", v);
	if ((v = node_text(node_get(rd, "uri"))) && *v)
		jb_set_str(b, r, "path_redirect", v);
	node_int(node_get(rd, "redirectCode"), &code);
	for (size_t i = 0; i < 4; i++)
		if (atoll(codes[i][0]) == code)
			jb_set_lit(b, r, "response_code", codes[i][1]);
	if (scheme && *scheme)
		jb_set_str(b, r, "scheme_redirect", scheme);
	if (node_int(node_get(rd, "port"), &rport) != 0) {
		const char *d = node_text(node_get(rd, "derivePort"));
		if (d && strcmp(d, "FROM_REQUEST_PORT") == 0)
			rport = port;
	}
	if (rport) {
		const char *sc = scheme && *scheme ? scheme : is_tls ? "https" : "http";
		if ((rport == 80 && strcmp(sc, "http") == 0) ||
		    (rport == 443 && strcmp(sc, "https") == 0))
			rport = 0;
		if (rport)
			jb_set_int(b, r, "port_redirect", rport);
	}
}

static void apply_direct_response(struct synth *s, struct node *out, const struct node *dr)
{
	struct jb *b = &s->jb;
	struct node *d = jb_set_map(b, out, "direct_response");
	long long status = 200;
	const char *v;
	node_int(node_get(dr, "status"), &status);
	jb_set_int(b, d, "status", status);
	if ((v = node_text(node_get(node_get(dr, "body"), "string"))))
		jb_set_str(b, jb_set_map(b, d, "body"), "inline_string", v);
	else if ((v = node_text(node_get(node_get(dr, "body"), "bytes"))))
		jb_set_str(b, jb_set_map(b, d, "body"), "inline_bytes", v);
}

/* TranslateRoute. NULL when the match does not apply to this proxy/port. */
static struct node *translate(struct synth *s, const struct cfg *vs, const struct node *http,
                              const struct node *m, const struct vs_route_opts *o)
{
	struct jb *b = &s->jb;
	struct node *out, *rmatch, *action = NULL, *tpfc = NULL, *f;
	const char *name = node_text(node_get(http, "name")), *mname, *cluster = NULL;
	const struct node *dests = node_get(http, "route");
	struct hdrs h;
	long long mport;
	if (m) {
		const struct node *gws = node_get(m, "gateways");
		const char *sns = node_text(node_get(m, "sourceNamespace"));
		if (node_int(node_get(m, "port"), &mport) == 0 && mport != o->listen_port)
			return NULL;
		if (gws && gws->type == NODE_SEQ && gws->len) {
			int hit = 0;
			for (size_t i = 0; i < gws->len && !hit; i++) {
				const char *g = node_text(gws->items[i]);
				for (size_t k = 0; g && o->gateways[k]; k++)
					if (strcmp(o->gateways[k], g) == 0 ||
					    (strchr(g, '/') == NULL && strcmp(g, "mesh") != 0 &&
					     strcmp(o->gateways[k],
					            jb_fmt(b, "%s/%s", vs->ns, g)) == 0))
						hit = 1;
			}
			if (!hit)
				return NULL;
		} else {
			if (!labels_match_node(node_get(m, "sourceLabels"), &s->pod->labels))
				return NULL;
			if (sns && *sns && strcmp(sns, s->ns) != 0)
				return NULL;
		}
	}
	mname = m ? node_text(node_get(m, "name")) : NULL;
	if (mname && *mname)
		name = jb_fmt(b, "%s.%s", name ? name : "", mname);

	out = jb_map(b);
	rmatch = route_match(s, m);
	jb_set(b, out, "match", rmatch);
	hdrs_init(s, &h);
	hdrs_read(s, &h, node_get(http, "headers"));

	if (node_get(http, "redirect")) {
		apply_redirect(s, out, node_get(http, "redirect"), o->listen_port, 0);
	} else if (node_get(http, "directResponse")) {
		apply_direct_response(s, out, node_get(http, "directResponse"));
	} else {
		const struct node *rw = node_get(http, "rewrite"),
		                  *mirror = node_get(http, "mirror");
		const char *timeout = duration_json(s, node_text(node_get(http, "timeout")));
		struct node *weighted = NULL, *hashes = jb_seq(b);
		size_t nd = dests && dests->type == NODE_SEQ ? dests->len : 0;
		const char *authority = h.authority;
		int hashed = 0;
		action = jb_map(b);
		if (nd == 1 || (s->prof->legacy_route_api && nd > 0)) {
			/* one destination (1.9: one with a non-zero weight) */
			size_t pick = 0, nonzero = 0;
			for (size_t i = 0; i < nd; i++) {
				long long w = 0;
				node_int(node_get(dests->items[i], "weight"), &w);
				if (w != 0 || nd == 1) {
					nonzero++;
					pick = i;
				}
			}
			if (nonzero == 1) {
				const struct node *d =
				    vs_dest(s, vs, node_get(dests->items[pick], "destination"));
				struct node *hp;
				struct hdrs dh;
				cluster = destination_cluster(s, d, o->listen_port);
				hdrs_init(s, &dh);
				hdrs_read(s, &dh, node_get(dests->items[pick], "headers"));
				for (size_t i = 0; i < dh.req_add->len; i++)
					jb_push(b, h.req_add, dh.req_add->items[i]);
				for (size_t i = 0; i < dh.req_rm->len; i++)
					jb_push(b, h.req_rm, dh.req_rm->items[i]);
				for (size_t i = 0; i < dh.resp_add->len; i++)
					jb_push(b, h.resp_add, dh.resp_add->items[i]);
				for (size_t i = 0; i < dh.resp_rm->len; i++)
					jb_push(b, h.resp_rm, dh.resp_rm->items[i]);
				if (dh.authority && !authority)
					authority = dh.authority;
				{
					int p = 0;
					sscanf(cluster, "outbound|%d|", &p);
					if ((hp = hash_policy_for(s, node_text(node_get(d, "host")),
					                          p))) {
						jb_push(b, hashes, hp);
						hashed = 1;
					}
				}
				nd = 0;
			}
		}
		if (nd > 0) {
			weighted = jb_map(b);
			struct node *cl = jb_set_seq(b, weighted, "clusters");
			for (size_t i = 0; i < nd; i++) {
				const struct node *d =
				    vs_dest(s, vs, node_get(dests->items[i], "destination"));
				long long w = 0;
				struct node *cw, *hp;
				const char *cn;
				struct hdrs dh;
				node_int(node_get(dests->items[i], "weight"), &w);
				if (w == 0)
					continue;
				cn = destination_cluster(s, d, o->listen_port);
				cw = jb_map(b);
				jb_set_lit(b, cw, "name", cn);
				jb_set_int(b, cw, "weight", w);
				hdrs_init(s, &dh);
				hdrs_read(s, &dh, node_get(dests->items[i], "headers"));
				if (dh.req_add->len)
					jb_set(b, cw, "request_headers_to_add", dh.req_add);
				if (dh.resp_add->len)
					jb_set(b, cw, "response_headers_to_add", dh.resp_add);
				if (dh.resp_rm->len)
					jb_set(b, cw, "response_headers_to_remove", dh.resp_rm);
				if (dh.req_rm->len)
					jb_set(b, cw, "request_headers_to_remove", dh.req_rm);
				if (dh.authority)
					jb_set_str(b, cw, "host_rewrite_literal", dh.authority);
				jb_push(b, cl, cw);
				{
					int p = 0;
					sscanf(cn, "outbound|%d|", &p);
					if ((hp = hash_policy_for(s, node_text(node_get(d, "host")),
					                          p))) {
						jb_push(b, hashes, hp);
						hashed = 1;
					}
				}
			}
		}
		/* RouteAction in field order. */
		if (cluster)
			jb_set_lit(b, action, "cluster", cluster);
		if (weighted)
			jb_set(b, action, "weighted_clusters", weighted);
		if (rw && node_text(node_get(rw, "uri")) && *node_text(node_get(rw, "uri")) &&
		    !node_get(rw, "uriRegexRewrite"))
			jb_set_str(b, action, "prefix_rewrite", node_text(node_get(rw, "uri")));
		if (rw && node_text(node_get(rw, "authority")) &&
		    *node_text(node_get(rw, "authority")))
			authority = node_text(node_get(rw, "authority"));
		if (authority)
			jb_set_str(b, action, "host_rewrite_literal", authority);
		jb_set_lit(b, action, "timeout", timeout ? timeout : "0s");
		{
			struct node *rp = convert_retries(s, node_get(http, "retries"), hashed);
			if (rp)
				jb_set(b, action, "retry_policy", rp);
		}
		if (hashes->len)
			jb_set(b, action, "hash_policy", hashes);
		if (!s->prof->route_max_stream_duration)
			jb_set_lit(b, action, "max_grpc_timeout", timeout ? timeout : "0s");
		if (mirror) {
			const char *pv =
			    node_text(node_get(node_get(http, "mirrorPercentage"), "value"));
			long long mp = 100;
			node_int(node_get(http, "mirrorPercent"), &mp);
			if (!(pv && atof(pv) <= 0) && mp > 0) {
				struct node *mpol = jb_map(b), *rf;
				jb_set_lit(
				    b, mpol, "cluster",
				    destination_cluster(s, vs_dest(s, vs, mirror), o->listen_port));
				rf = jb_set_map(b, mpol, "runtime_fraction");
				jb_set(b, rf, "default_value",
				       fractional(s, node_get(http, "mirrorPercentage"), mp));
				jb_set_bool(b, mpol, "trace_sampled", 0);
				jb_push(b, jb_set_seq(b, action, "request_mirror_policies"), mpol);
			}
		}
		if (rw && node_get(rw, "uriRegexRewrite")) {
			const struct node *rr = node_get(rw, "uriRegexRewrite");
			struct node *rx = jb_set_map(b, action, "regex_rewrite");
			jb_set(b, rx, "pattern",
			       regex_matcher(s, node_text(node_get(rr, "match"))
			                            ? node_text(node_get(rr, "match"))
			                            : ""));
			jb_set_str(b, rx, "substitution",
			           node_text(node_get(rr, "rewrite"))
			               ? node_text(node_get(rr, "rewrite"))
			               : "");
		}
		if (s->prof->route_max_stream_duration)
			route_set_timeout(s, action, timeout ? timeout : "0s");
		jb_set(b, out, "route", action);
	}
	jb_set(b, out, "metadata", route_metadata(s, vs, "virtual-service"));
	jb_set_lit(b, jb_set_map(b, out, "decorator"), "operation",
	           route_operation(s, rmatch, cluster, vs->name, o->listen_port));
	hdrs_set(s, out, &h);
	if (node_get(http, "fault") && (f = fault_config(s, node_get(http, "fault")))) {
		tpfc = jb_set_map(b, out, "typed_per_filter_config");
		jb_set(b, tpfc, "envoy.filters.http.fault", f);
	}
	if (name && *name)
		jb_set_str(b, out, "name", name);
	return out;
}

size_t vs_http_routes(struct synth *s, const struct cfg *vs, const struct vs_route_opts *o,
                      struct node *seq)
{
	const struct node *http = node_get(vs->spec, "http");
	size_t n = 0;
	if (!http || http->type != NODE_SEQ)
		return 0;
	for (size_t i = 0; i < http->len; i++) {
		const struct node *h = http->items[i], *matches = node_get(h, "match");
		int all = 0;
		if (!matches || matches->type != NODE_SEQ || matches->len == 0) {
			struct node *r = translate(s, vs, h, NULL, o);
			if (r) {
				jb_push(&s->jb, seq, r);
				n++;
			}
			all = 1;
		} else {
			for (size_t k = 0; k < matches->len; k++) {
				struct node *r = translate(s, vs, h, matches->items[k], o);
				if (!r)
					continue;
				jb_push(&s->jb, seq, r);
				n++;
				if (catch_all(matches->items[k])) {
					all = 1;
					break;
				}
			}
		}
		if (all)
			break;
	}
	return n;
}
