/* The sidecar's inbound side (pilot/pkg/networking/core/listener_inbound.go,
 * filterchain_options.go, cluster_builder.go buildInboundCluster):
 * virtualInbound 0.0.0.0:15006 with its chains in order (the blackhole for
 * port 15006 itself, the passthrough chains to InboundPassthroughCluster,
 * then per target port of the pod's services "0.0.0.0_<tp>" chains to
 * "inbound|<tp>||"), the chain sets of the PeerAuthentication mode
 * (PERMISSIVE: mTLS and plaintext, STRICT: mTLS only, DISABLE: plaintext
 * only) per protocol, the inline inbound route, and the inbound clusters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

enum lp2 { IN_HTTP, IN_TCP };

struct opt {
	const char *transport;
	const char *const *alpn; /* NULL: none; (const char *const *)1: plaintext HTTP */
	enum lp2 proto;
	int tls;
};

static const char *const mtls_http[] = {"istio-http/1.0", "istio-http/1.1", "istio-h2", NULL};
static const char *const mtls_tcp_mxc[] = {"istio-peer-exchange", "istio", NULL};
static const char *const all_istio[] = {
    "istio", "istio-peer-exchange", "istio-http/1.0", "istio-http/1.1", "istio-h2", NULL};
#define PLAIN_HTTP ((const char *const *)1)

static const struct opt permissive_auto[] = {
    {"tls", mtls_http, IN_HTTP, 1},   {"raw_buffer", PLAIN_HTTP, IN_HTTP, 0},
    {"tls", mtls_tcp_mxc, IN_TCP, 1}, {"raw_buffer", NULL, IN_TCP, 0},
    {"tls", NULL, IN_TCP, 0},         {NULL, NULL, 0, 0}};
static const struct opt permissive_http[] = {
    {"tls", all_istio, IN_HTTP, 1}, {"raw_buffer", NULL, IN_HTTP, 0}, {NULL, NULL, 0, 0}};
static const struct opt permissive_tcp[] = {{"tls", all_istio, IN_TCP, 1},
                                            {"tls", NULL, IN_TCP, 0},
                                            {"raw_buffer", NULL, IN_TCP, 0},
                                            {NULL, NULL, 0, 0}};
static const struct opt strict_auto[] = {
    {"tls", mtls_http, IN_HTTP, 1}, {"tls", NULL, IN_TCP, 1}, {NULL, NULL, 0, 0}};
static const struct opt strict_http[] = {{"tls", NULL, IN_HTTP, 1}, {NULL, NULL, 0, 0}};
static const struct opt strict_tcp[] = {{"tls", NULL, IN_TCP, 1}, {NULL, NULL, 0, 0}};
static const struct opt plain_auto[] = {
    {"raw_buffer", PLAIN_HTTP, IN_HTTP, 0}, {"raw_buffer", NULL, IN_TCP, 0}, {NULL, NULL, 0, 0}};
static const struct opt plain_http[] = {{"raw_buffer", NULL, IN_HTTP, 0}, {NULL, NULL, 0, 0}};
static const struct opt plain_tcp[] = {{"raw_buffer", NULL, IN_TCP, 0}, {NULL, NULL, 0, 0}};

/* getFilterChainMatchOptions */
static const struct opt *options(const char *mode, enum lproto lp)
{
	int strict = strcmp(mode, "STRICT") == 0, permissive = strcmp(mode, "PERMISSIVE") == 0;
	if (lp == LP_HTTP)
		return strict ? strict_http : permissive ? permissive_http : plain_http;
	if (lp == LP_AUTO)
		return strict ? strict_auto : permissive ? permissive_auto : plain_auto;
	return strict ? strict_tcp : permissive ? permissive_tcp : plain_tcp;
}

static const char *passthrough_cluster(struct synth *s)
{
	return s->prof->inbound_passthrough_v4 ? "InboundPassthroughClusterIpv4"
	                                       : "InboundPassthroughCluster";
}

static struct node *mx_filter(struct synth *s)
{
	struct jb *b = &s->jb;
	struct node *f = jb_map(b), *t;
	jb_set_lit(b, f, "name", "istio.metadata_exchange");
	t = jb_set_typed(b, f, "typed_config",
	                 "type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange");
	jb_set_lit(b, t, "protocol", "istio-peer-exchange");
	return f;
}

/* The DownstreamTlsContext of Istio mTLS (authn.MTLSSettings), with the
 * ALPNs the chain's protocol offers. */
static struct node *mtls_socket(struct synth *s, enum lp2 proto)
{
	static const char *const h[] = {"h2", "http/1.1", NULL};
	static const char *const t[] = {"istio-peer-exchange", "h2", "http/1.1", NULL};
	struct jb *b = &s->jb;
	struct node *ts = jb_map(b), *ctx, *common, *cvc, *san, *m;
	jb_set_lit(b, ts, "name", "envoy.transport_sockets.tls");
	ctx = jb_set_typed(b, ts, "typed_config",
	                   "type.googleapis.com/"
	                   "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext");
	common = jb_set_map(b, ctx, "common_tls_context");
	jb_set(b, common, "tls_params", s->tls_params);
	jb_set(b, common, "alpn_protocols", jb_lits(b, proto == IN_HTTP ? h : t));
	jb_push(b, jb_set_seq(b, common, "tls_certificate_sds_secret_configs"), s->sds_default);
	cvc = jb_set_map(b, common, "combined_validation_context");
	san = jb_set_seq(b, jb_set_map(b, cvc, "default_validation_context"),
	                 "match_subject_alt_names");
	m = jb_map(b);
	jb_set_str(b, m, "prefix", jb_fmt(b, "spiffe://%s/", s->domain));
	jb_push(b, san, m);
	jb_set(b, cvc, "validation_context_sds_secret_config", s->sds_rootca);
	jb_set_bool(b, ctx, "require_client_certificate", 1);
	return ts;
}

/* The inline route of an inbound HCM: one vhost "*", the default route. */
static struct node *inbound_route(struct synth *s, const char *cluster, int svc_port,
                                  const char *operation, int grpc)
{
	struct jb *b = &s->jb;
	struct node *rc = jb_map(b), *vh, *r, *a, *msd;
	jb_set_str(b, rc, "name", cluster);
	vh = jb_map(b);
	jb_set_str(b, vh, "name", jb_fmt(b, "inbound|http|%d", svc_port));
	jb_push_lit(b, jb_set_seq(b, vh, "domains"), "*");
	r = jb_map(b);
	jb_set_lit(b, jb_set_map(b, r, "match"), "prefix", "/");
	a = jb_set_map(b, r, "route");
	jb_set_str(b, a, "cluster", cluster);
	jb_set_lit(b, a, "timeout", "0s");
	if (s->prof->inbound_route_retries && !grpc) {
		struct node *rp = jb_set_map(b, a, "retry_policy");
		jb_set_lit(b, rp, "retry_on", "reset-before-request");
		jb_set_int(b, rp, "num_retries", 2);
	}
	msd = jb_set_map(b, a, "max_stream_duration");
	jb_set_lit(b, msd, "max_stream_duration", "0s");
	if (!s->prof->route_max_stream_duration)
		jb_set_lit(b, msd, "grpc_timeout_header_max", "0s");
	jb_set_lit(b, jb_set_map(b, r, "decorator"), "operation", operation);
	jb_set_lit(b, r, "name", "default");
	jb_push(b, jb_set_seq(b, vh, "routes"), r);
	jb_push(b, jb_set_seq(b, rc, "virtual_hosts"), vh);
	jb_set_bool(b, rc, "validate_clusters", 0);
	return rc;
}

/* An inbound chain config (inboundChainConfig). */
struct cc {
	int tport;            /* target port; 0 for passthrough */
	int sport;            /* service port */
	const char *hostname; /* the service, for the trace operation */
	enum proto proto;
	const char *cluster;
	int passthrough;
};

static struct node *chain(struct synth *s, const struct cc *cc, const struct opt *o)
{
	struct jb *b = &s->jb;
	struct node *fc = jb_map(b), *m = jb_map(b), *filters = jb_seq(b);
	const char *name;
	if (cc->passthrough && s->prof->inbound_passthrough_v4) {
		struct node *r = jb_map(b);
		jb_set_lit(b, r, "address_prefix", "0.0.0.0");
		jb_set_int(b, r, "prefix_len", 0);
		jb_push(b, jb_set_seq(b, m, "prefix_ranges"), r);
	}
	if (cc->tport)
		jb_set_int(b, m, "destination_port", cc->tport);
	if (o->transport)
		jb_set_lit(b, m, "transport_protocol", o->transport);
	if (o->alpn == PLAIN_HTTP)
		jb_set(b, m, "application_protocols", jb_lits(b, s->prof->http_alpn));
	else if (o->alpn)
		jb_set(b, m, "application_protocols", jb_lits(b, o->alpn));
	jb_set(b, fc, "filter_chain_match", m);
	jb_push(b, filters, mx_filter(s));
	if (o->proto == IN_HTTP) {
		const char *op =
		    cc->passthrough ? ":0/*" : jb_fmt(b, "%s:%d/*", cc->hostname, cc->sport);
		const char *stat =
		    cc->passthrough ? cc->cluster : jb_fmt(b, "inbound_0.0.0.0_%d", cc->tport);
		struct node *rc =
		    inbound_route(s, cc->cluster, cc->sport, op, proto_is_grpc(cc->proto));
		jb_push(b, filters, hcm_inline(s, stat, rc, cc->proto, 1));
		static_route_add(s, rc);
		name = cc->passthrough ? "virtualInbound-catchall-http"
		                       : jb_fmt(b, "0.0.0.0_%d", cc->tport);
	} else {
		jb_push(b, filters, net_stats_filter(s));
		jb_push(b, filters, tcp_proxy_filter(s, cc->cluster, cc->cluster));
		name = cc->passthrough ? "virtualInbound" : jb_fmt(b, "0.0.0.0_%d", cc->tport);
	}
	jb_set(b, fc, "filters", filters);
	if (o->tls)
		jb_set(b, fc, "transport_socket", mtls_socket(s, o->proto));
	jb_set_lit(b, fc, "name", name);
	return fc;
}

/* The pod's service targets by target port: the oldest service wins a
 * port. Fills tp/sp/host/proto arrays (cap entries); returns the count. */
struct target {
	int tport, sport;
	const struct svc *svc;
	enum proto proto;
};

static size_t targets(struct synth *s, struct target *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nall; i++) {
		const struct svc *v = &s->all[i];
		const struct ep *mine = NULL;
		for (size_t k = 0; k < v->neps && !mine; k++)
			if (v->eps[k].pod == s->pod)
				mine = &v->eps[k];
		if (!mine)
			continue;
		for (size_t p = 0; p < v->nports; p++) {
			int tp = ep_port(v, mine, &v->ports[p]), dup = 0;
			if (!tp || v->ports[p].proto == P_UDP)
				continue;
			for (size_t k = 0; k < n && !dup; k++)
				dup = out[k].tport == tp;
			if (dup || n == cap)
				continue;
			out[n].tport = tp;
			out[n].sport = v->ports[p].port;
			out[n].svc = v;
			out[n].proto = v->ports[p].proto;
			n++;
		}
	}
	/* a stable order: by target port */
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && out[k - 1].tport > out[k].tport; k--) {
			struct target t = out[k];
			out[k] = out[k - 1];
			out[k - 1] = t;
		}
	return n;
}

int inbound_listener(struct synth *s)
{
	struct jb *b = &s->jb;
	struct node *l = jb_typed(b, "type.googleapis.com/envoy.config.listener.v3.Listener");
	struct node *chains, *bh, *bhf, *lf;
	struct target t[64];
	size_t nt = targets(s, t, 64);
	const struct opt *o;
	struct cc pc = {0, 0, NULL, P_UNSUPPORTED, passthrough_cluster(s), 1};
	jb_set_lit(b, l, "name", "virtualInbound");
	jb_set(b, l, "address", address_node(s, "0.0.0.0", 15006));
	chains = jb_set_seq(b, l, "filter_chains");
	bh = jb_map(b);
	jb_set_int(b, jb_set_map(b, bh, "filter_chain_match"), "destination_port", 15006);
	bhf = jb_seq(b);
	jb_push(b, bhf, mx_filter(s));
	jb_push(b, bhf, net_stats_filter(s));
	jb_push(b, bhf, tcp_proxy_filter(s, "BlackHoleCluster", "BlackHoleCluster"));
	jb_set(b, bh, "filters", bhf);
	jb_set_lit(b, bh, "name", "virtualInbound-blackhole");
	jb_push(b, chains, bh);
	for (o = options(scope_mtls_mode(s, 0), LP_AUTO); o->transport; o++)
		jb_push(b, chains, chain(s, &pc, o));
	for (size_t i = 0; i < nt; i++) {
		struct cc cc;
		enum lproto lp = proto_listener(t[i].proto);
		cc.tport = t[i].tport;
		cc.sport = t[i].sport;
		cc.hostname = t[i].svc->hostname;
		cc.proto = t[i].proto;
		cc.cluster = jb_fmt(b, "inbound|%d||", t[i].tport);
		cc.passthrough = 0;
		for (o = options(scope_mtls_mode(s, t[i].tport), lp); o->transport; o++)
			jb_push(b, chains, chain(s, &cc, o));
	}
	lf = jb_set_seq(b, l, "listener_filters");
	jb_push(b, lf, tls_inspector(s));
	jb_push(b, lf, http_inspector(s));
	jb_set_lit(b, l, "listener_filters_timeout", "0s");
	jb_set_lit(b, l, "traffic_direction", "INBOUND");
	jb_set_bool(b, l, "continue_on_listener_filters_timeout", 1);
	listener_add(s, l, "virtualInbound");
	return synth_check(s);
}

int inbound_clusters(struct synth *s)
{
	struct jb *b = &s->jb;
	struct target t[64];
	size_t nt = targets(s, t, 64);
	for (size_t i = 0; i < nt; i++) {
		const char *name = jb_fmt(b, "inbound|%d||", t[i].tport);
		struct cfields f;
		struct node *istio, *one, *sa;
		memset(&f, 0, sizeof f);
		f.name = name;
		f.connect_timeout = "10s";
		if (s->prof->inbound_cluster_static) {
			struct node *ep, *le;
			f.type = "STATIC";
			f.load_assignment = jb_map(b);
			jb_set_str(b, f.load_assignment, "cluster_name", name);
			ep = jb_map(b);
			le = jb_map(b);
			jb_set(b, jb_set_map(b, le, "endpoint"), "address",
			       address_node(s, "127.0.0.1", t[i].tport));
			jb_push(b, jb_set_seq(b, ep, "lb_endpoints"), le);
			jb_push(b, jb_set_seq(b, f.load_assignment, "endpoints"), ep);
		} else {
			f.type = "ORIGINAL_DST";
			f.lb_policy = "CLUSTER_PROVIDED";
			f.cleanup_interval = "315576000000s";
		}
		f.thresholds = default_thresholds(s);
		f.upstream_bind = jb_map(b);
		sa = jb_set_map(b, f.upstream_bind, "source_address");
		jb_set_lit(b, sa, "address", "127.0.0.6");
		jb_set_int(b, sa, "port_value", 0);
		f.metadata = jb_map(b);
		istio = jb_set_map(b, jb_set_map(b, f.metadata, "filter_metadata"), "istio");
		one = jb_map(b);
		jb_set_lit(b, one, "host", t[i].svc->hostname);
		jb_set_lit(b, one, "name", t[i].svc->name);
		jb_set_lit(b, one, "namespace", t[i].svc->ns);
		jb_push(b, jb_set_seq(b, istio, "services"), one);
		if (s->prof->cluster_extras) {
			f.common_lb = jb_empty(b);
			f.alt_stat_name = jb_fmt(b, "%s;", name);
		}
		cluster_add(s, cluster_emit(s, &f), 0);
		if (s->prof->inbound_cluster_static) {
			struct node *cla = jb_typed(
			    b,
			    "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment");
			struct node *g = jb_map(b), *lst;
			jb_set_str(b, cla, "cluster_name", name);
			jb_set_map(b, g, "locality");
			lst = jb_set_seq(b, g, "lb_endpoints");
			jb_push(b, lst, lb_endpoint(s, "127.0.0.1", t[i].tport, 1, NULL));
			jb_set_int(b, g, "load_balancing_weight", 1);
			jb_push(b, jb_set_seq(b, cla, "endpoints"), g);
			{
				struct node *pol = jb_set_map(b, cla, "policy");
				jb_set_int(b, pol, "overprovisioning_factor", 140);
			}
			{
				struct node *e = jb_map(b);
				jb_set(b, e, "endpoint_config", cla);
				jb_push(b, s->dynamic_eds, e);
			}
		} else {
			endpoints_add_empty(s, name, 0);
		}
	}
	return synth_check(s);
}

int inbound_passthrough_cluster_add(struct synth *s)
{
	struct jb *b = &s->jb;
	const char *name = passthrough_cluster(s);
	struct cfields f;
	struct node *sa;
	memset(&f, 0, sizeof f);
	f.name = name;
	f.type = "ORIGINAL_DST";
	f.connect_timeout = "10s";
	f.lb_policy = "CLUSTER_PROVIDED";
	f.thresholds = default_thresholds(s);
	f.upstream_bind = jb_map(b);
	sa = jb_set_map(b, f.upstream_bind, "source_address");
	jb_set_lit(b, sa, "address", "127.0.0.6");
	jb_set_int(b, sa, "port_value", 0);
	if (s->prof->cluster_extras)
		f.alt_stat_name = jb_fmt(b, "%s;", name);
	cluster_add(s, cluster_emit(s, &f), 0);
	endpoints_add_empty(s, name, 0);
	return synth_check(s);
}
