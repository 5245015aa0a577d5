/* DestinationRule traffic policies on clusters (pilot/pkg/networking/core/
 * cluster_traffic_policy.go applyTrafficPolicy, util.MergeTrafficPolicy,
 * GetPortLevelTrafficPolicy; route.go ConsistentHashToHashPolicy). The
 * policy of a cluster is the DR's top-level one with the matching
 * portLevelSettings entry replacing its parts, then the subset's (and its
 * port level) replacing those. Each part maps onto the cluster: the
 * connection pool onto circuit breakers and timeouts, the load balancer onto
 * lb_policy (ORIGINAL_DST for PASSTHROUGH, ring hash or Maglev for
 * consistent hashing), outlier detection onto outlier_detection and the
 * panic threshold, tls onto the transport socket. */
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

#define T_HPO "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
#define K_HPO "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"

struct policy {
	const struct node *conn, *lb, *outlier, *tls;
};

static void take(struct policy *out, const struct node *p)
{
	out->conn = node_get(p, "connectionPool");
	out->lb = node_get(p, "loadBalancer");
	out->outlier = node_get(p, "outlierDetection");
	out->tls = node_get(p, "tls");
}

static const struct node *port_level(const struct node *policy, int port)
{
	const struct node *pls = node_get(policy, "portLevelSettings");
	if (!pls || pls->type != NODE_SEQ)
		return NULL;
	for (size_t i = 0; i < pls->len; i++) {
		long long n;
		if (node_int(node_get(node_get(pls->items[i], "port"), "number"), &n) == 0 &&
		    n == port)
			return pls->items[i];
	}
	return NULL;
}

/* GetPortLevelTrafficPolicy then MergeTrafficPolicy with the subset's. */
static struct policy resolve(const struct node *policy, const struct node *subset, int port)
{
	struct policy r = {0, 0, 0, 0};
	const struct node *pl;
	take(&r, policy);
	if ((pl = port_level(policy, port))) {
		struct policy p;
		take(&p, pl);
		r.conn = p.conn ? p.conn : r.conn;
		r.lb = p.lb ? p.lb : r.lb;
		r.outlier = p.outlier ? p.outlier : r.outlier;
		r.tls = p.tls ? p.tls : r.tls;
	}
	if (subset) {
		struct policy p;
		take(&p, subset);
		r.conn = p.conn ? p.conn : r.conn;
		r.lb = p.lb ? p.lb : r.lb;
		r.outlier = p.outlier ? p.outlier : r.outlier;
		r.tls = p.tls ? p.tls : r.tls;
		if ((pl = port_level(subset, port))) {
			/* Port-level settings of a subset do not inherit. */
			take(&r, pl);
		}
	}
	return r;
}

static void set_threshold(struct synth *s, struct cfields *f, const char *field,
                          const struct node *value)
{
	long long v;
	if (node_int(value, &v) != 0 || v <= 0)
		return;
	for (size_t i = 0; i < f->thresholds->len; i++)
		if (strcmp(f->thresholds->pairs[i].key->str, field) == 0)
			f->thresholds->pairs[i].value = jb_int(&s->jb, v);
}

static void connection_pool(struct synth *s, struct cfields *f, const struct node *cp)
{
	const struct node *tcp = node_get(cp, "tcp"), *http = node_get(cp, "http");
	const char *ct, *idle;
	long long mrpc;
	f->thresholds = jb_copy_map(&s->jb, f->thresholds ? f->thresholds : default_thresholds(s));
	set_threshold(s, f, "max_connections", node_get(tcp, "maxConnections"));
	set_threshold(s, f, "max_pending_requests", node_get(http, "http1MaxPendingRequests"));
	set_threshold(s, f, "max_requests", node_get(http, "http2MaxRequests"));
	set_threshold(s, f, "max_retries", node_get(http, "maxRetries"));
	if ((ct = duration_json(s, node_text(node_get(tcp, "connectTimeout")))))
		f->connect_timeout = ct;
	idle = duration_json(s, node_text(node_get(http, "idleTimeout")));
	if (node_int(node_get(http, "maxRequestsPerConnection"), &mrpc) != 0)
		mrpc = 0;
	if (idle || mrpc > 0) {
		if (s->prof->cluster_legacy_protocol) {
			if (mrpc > 0)
				f->max_requests_per_connection = mrpc;
		} else {
			struct jb *b = &s->jb;
			const struct node *hpo =
			    f->typed_ext ? node_get(f->typed_ext, K_HPO) : NULL;
			struct node *copy = hpo ? jb_copy_map(b, hpo) : jb_typed(b, T_HPO);
			struct node *common = jb_map(b);
			if (idle)
				jb_set_lit(b, common, "idle_timeout", idle);
			if (mrpc > 0)
				jb_set_int(b, common, "max_requests_per_connection", mrpc);
			/* common_http_protocol_options (1) comes before the protocol config. */
			{
				struct node *ordered = jb_typed(b, T_HPO);
				jb_set(b, ordered, "common_http_protocol_options", common);
				for (size_t i = 1; i < copy->len; i++)
					jb_set(b, ordered, copy->pairs[i].key->str,
					       copy->pairs[i].value);
				if (copy->len <= 1)
					jb_set_map(b,
					           jb_set_map(b, ordered, "explicit_http_config"),
					           "http_protocol_options");
				copy = ordered;
			}
			f->typed_ext = jb_map(b);
			jb_set(b, f->typed_ext, K_HPO, copy);
		}
	}
}

static void load_balancer(struct synth *s, struct cfields *f, const struct node *lb)
{
	struct jb *b = &s->jb;
	const char *simple = node_text(node_get(lb, "simple"));
	const struct node *ch = node_get(lb, "consistentHash");
	if (simple) {
		if (strcmp(simple, "ROUND_ROBIN") == 0)
			f->lb_policy = NULL;
		else if (strcmp(simple, "LEAST_CONN") == 0 || strcmp(simple, "LEAST_REQUEST") == 0)
			f->lb_policy = "LEAST_REQUEST";
		else if (strcmp(simple, "RANDOM") == 0)
			f->lb_policy = "RANDOM";
		else if (strcmp(simple, "PASSTHROUGH") == 0) {
			f->type = "ORIGINAL_DST";
			f->lb_policy = "CLUSTER_PROVIDED";
			f->eds = NULL;
		}
		return;
	}
	if (ch) {
		long long ring = 1024;
		if (node_get(ch, "maglev")) {
			long long table;
			f->lb_policy = "MAGLEV";
			if (node_int(node_get(node_get(ch, "maglev"), "tableSize"), &table) == 0) {
				f->maglev = jb_map(b);
				jb_set_str(b, f->maglev, "table_size", jb_fmt(b, "%lld", table));
			}
			return;
		}
		f->lb_policy = "RING_HASH";
		if (node_int(node_get(node_get(ch, "ringHash"), "minimumRingSize"), &ring) != 0)
			node_int(node_get(ch, "minimumRingSize"), &ring);
		f->ring_hash = jb_map(b);
		jb_set_str(b, f->ring_hash, "minimum_ring_size", jb_fmt(b, "%lld", ring));
	}
}

static void outlier(struct synth *s, struct cfields *f, const struct node *od)
{
	struct jb *b = &s->jb;
	struct node *o = jb_map(b);
	long long v, mhp;
	const char *d;
	int have5 = node_int(node_get(od, "consecutive5xxErrors"), &v) == 0;
	long long c5 = v;
	if (have5)
		jb_set_int(b, o, "consecutive_5xx", c5);
	if ((d = duration_json(s, node_text(node_get(od, "interval")))))
		jb_set_lit(b, o, "interval", d);
	if ((d = duration_json(s, node_text(node_get(od, "baseEjectionTime")))))
		jb_set_lit(b, o, "base_ejection_time", d);
	if (node_int(node_get(od, "maxEjectionPercent"), &v) == 0 && v > 0)
		jb_set_int(b, o, "max_ejection_percent", v);
	if (have5)
		jb_set_int(b, o, "enforcing_consecutive_5xx", c5 > 0 ? 100 : 0);
	jb_set_int(b, o, "enforcing_success_rate", 0);
	if (node_int(node_get(od, "consecutiveGatewayErrors"), &v) == 0) {
		jb_set_int(b, o, "consecutive_gateway_failure", v);
		jb_set_int(b, o, "enforcing_consecutive_gateway_failure", v > 0 ? 100 : 0);
	}
	f->outlier = o;
	/* minHealthPercent (0 by default) becomes the panic threshold; with
	 * unhealthy endpoints sent, it is disabled. */
	if (node_int(node_get(od, "minHealthPercent"), &mhp) != 0)
		mhp = 0;
	if (s->prof->send_unhealthy_endpoints)
		mhp = 0;
	f->common_lb = jb_copy_map(b, f->common_lb);
	jb_set(b, jb_set_map(b, f->common_lb, "healthy_panic_threshold"), "value", jb_int(b, mhp));
}

static void tls(struct synth *s, struct cfields *f, const struct svc *v, const struct sport *p,
                const struct node *t, const char *subset)
{
	struct jb *b = &s->jb;
	const char *mode = node_text(node_get(t, "mode"));
	const char *sni = node_text(node_get(t, "sni"));
	struct node *ts, *ctx, *common;
	if (!mode || strcmp(mode, "DISABLE") == 0) {
		f->tsm = NULL;
		return;
	}
	f->tsm = NULL;
	if (strcmp(mode, "ISTIO_MUTUAL") == 0) {
		f->transport_socket = istio_upstream_tls(
		    s,
		    jb_fmt(b, "outbound_.%d_.%s_.%s", p->port, subset ? subset : "", v->hostname),
		    NULL);
		return;
	}
	ts = jb_map(b);
	jb_set_lit(b, ts, "name", "envoy.transport_sockets.tls");
	ctx = jb_set_typed(b, ts, "typed_config",
	                   "type.googleapis.com/"
	                   "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext");
	common = jb_set_map(b, ctx, "common_tls_context");
	if (strcmp(mode, "MUTUAL") == 0) {
		const char *cred = node_text(node_get(t, "credentialName"));
		if (cred) {
			jb_push(b, jb_set_seq(b, common, "tls_certificate_sds_secret_configs"),
			        sds_secret_config(s, jb_fmt(b, "kubernetes://%s", cred)));
		} else {
			struct node *cert = jb_map(b);
			jb_set_str(b, jb_set_map(b, cert, "certificate_chain"), "filename",
			           node_text(node_get(t, "clientCertificate"))
			               ? node_text(node_get(t, "clientCertificate"))
			               : "");
			jb_set_str(b, jb_set_map(b, cert, "private_key"), "filename",
			           node_text(node_get(t, "privateKey"))
			               ? node_text(node_get(t, "privateKey"))
			               : "");
			jb_push(b, jb_set_seq(b, common, "tls_certificates"), cert);
		}
	}
	jb_set_map(b, common, "combined_validation_context");
	jb_set_str(b, ctx, "sni", sni ? sni : v->hostname);
	f->transport_socket = ts;
}

void apply_traffic_policy(struct synth *s, struct cfields *f, const struct svc *v,
                          const struct sport *p, const struct node *policy,
                          const struct node *subset_policy, const char *subset)
{
	struct policy r = resolve(policy, subset_policy, p->port);
	if (r.conn)
		connection_pool(s, f, r.conn);
	if (r.lb)
		load_balancer(s, f, r.lb);
	if (r.outlier)
		outlier(s, f, r.outlier);
	if (r.tls)
		tls(s, f, v, p, r.tls, subset);
}

struct node *hash_policy_for(struct synth *s, const char *host, int port)
{
	struct jb *b = &s->jb;
	const struct cfg *dr;
	struct policy r;
	const struct node *ch, *cookie;
	struct node *h, *inner;
	const char *v;
	int source_ip = 0;
	if (!host)
		return NULL;
	dr = scope_dr(s, host);
	if (!dr)
		return NULL;
	r = resolve(node_get(dr->spec, "trafficPolicy"), NULL, port);
	ch = node_get(r.lb, "consistentHash");
	if (!ch)
		return NULL;
	h = jb_map(b);
	if ((v = node_text(node_get(ch, "httpHeaderName")))) {
		inner = jb_set_map(b, h, "header");
		jb_set_str(b, inner, "header_name", v);
	} else if ((cookie = node_get(ch, "httpCookie"))) {
		const char *ttl = duration_json(s, node_text(node_get(cookie, "ttl")));
		inner = jb_set_map(b, h, "cookie");
		jb_set_str(b, inner, "name",
		           node_text(node_get(cookie, "name")) ? node_text(node_get(cookie, "name"))
		                                               : "");
		if (ttl)
			jb_set_lit(b, inner, "ttl", ttl);
		if ((v = node_text(node_get(cookie, "path"))))
			jb_set_str(b, inner, "path", v);
	} else if (node_bool(node_get(ch, "useSourceIp"), &source_ip) == 0 && source_ip) {
		jb_set_bool(b, jb_set_map(b, h, "connection_properties"), "source_ip", 1);
	} else if ((v = node_text(node_get(ch, "httpQueryParameterName")))) {
		inner = jb_set_map(b, h, "query_parameter");
		jb_set_str(b, inner, "name", v);
	} else {
		return NULL;
	}
	return h;
}
