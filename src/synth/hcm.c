/* The pieces many resources share: the HTTP connection manager of an
 * outbound chain (pilot/pkg/networking/core/listener_builder.go
 * buildHTTPConnectionManager: stat prefix, RDS from ADS, Istio's HTTP
 * filters ending with the router, websocket upgrades, no idle timeout,
 * normalized paths), tcp_proxy filters with Istio's stats filter in front,
 * ADS config sources, SDS secret configs, the istio.config metadata of
 * routes and clusters, and Istio durations as protobuf JSON. Fields are
 * written in field-number order, as Envoy's admin API prints them. Shared
 * subtrees are built once per snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

#define T_HCM                                                                                      \
	"type.googleapis.com/"                                                                     \
	"envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
#define T_TCP "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"

struct node *ads_config_source(struct synth *s)
{
	struct jb *b = &s->jb;
	if (!s->ads_source) {
		s->ads_source = jb_map(b);
		jb_set_map(b, s->ads_source, "ads");
		jb_set_lit(b, s->ads_source, "initial_fetch_timeout", "0s");
		jb_set_lit(b, s->ads_source, "resource_api_version", "V3");
	}
	return s->ads_source;
}

/* RDS's config source: without initial_fetch_timeout before 1.10. */
static struct node *rds_config_source(struct synth *s)
{
	struct jb *b = &s->jb;
	struct node *m;
	if (s->prof->rds_fetch_timeout)
		return ads_config_source(s);
	m = jb_map(b);
	jb_set_map(b, m, "ads");
	jb_set_lit(b, m, "resource_api_version", "V3");
	return m;
}

static struct node *typed_filter(struct synth *s, const char *name, const char *type)
{
	struct jb *b = &s->jb;
	struct node *f = jb_map(b);
	jb_set_lit(b, f, "name", name);
	jb_set_typed(b, f, "typed_config", type);
	return f;
}

/* Istio's outbound HTTP filter chain (what matters for routing: fault,
 * cors and the router; the telemetry filters as Istio names them). */
static struct node *http_filters(struct synth *s)
{
	struct jb *b = &s->jb;
	struct node *list, *f, *cfg;
	if (s->http_filters_out)
		return s->http_filters_out;
	list = jb_seq(b);
	f = jb_map(b);
	jb_set_lit(b, f, "name", "istio.metadata_exchange");
	cfg = jb_set_typed(b, f, "typed_config",
	                   "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm");
	cfg = jb_set_map(b, jb_set_map(b, cfg, "config"), "vm_config");
	jb_set_lit(b, cfg, "runtime", "envoy.wasm.runtime.null");
	jb_set_lit(b, jb_set_map(b, jb_set_map(b, cfg, "code"), "local"), "inline_string",
	           "envoy.wasm.metadata_exchange");
	jb_push(b, list, f);
	jb_push(
	    b, list,
	    typed_filter(s, "envoy.filters.http.fault",
	                 "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault"));
	jb_push(b, list,
	        typed_filter(s, "envoy.filters.http.cors",
	                     "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors"));
	jb_push(b, list, typed_filter(s, "istio.stats", "type.googleapis.com/stats.PluginConfig"));
	jb_push(b, list,
	        typed_filter(s, "envoy.filters.http.router",
	                     "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"));
	s->http_filters_out = list;
	return list;
}

/* The HCM typed_config fields after the route (rds or route_config). */
static void hcm_tail(struct synth *s, struct node *h, enum proto p)
{
	struct jb *b = &s->jb;
	struct node *up;
	jb_set(b, h, "http_filters", http_filters(s));
	if (proto_is_http2(p))
		jb_set_map(b, h, "http2_protocol_options");
	jb_set_bool(b, h, "use_remote_address", 0);
	up = jb_map(b);
	jb_set_lit(b, up, "upgrade_type", "websocket");
	jb_push(b, jb_set_seq(b, h, "upgrade_configs"), up);
	jb_set_lit(b, h, "stream_idle_timeout", "0s");
	jb_set_bool(b, h, "normalize_path", 1);
	jb_set_typed(b, jb_set_map(b, h, "request_id_extension"), "typed_config",
	             "type.googleapis.com/envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig");
	jb_set_lit(b, h, "path_with_escaped_slashes_action", "KEEP_UNCHANGED");
}

struct node *hcm_outbound(struct synth *s, const char *stat_prefix, const char *rds, enum proto p)
{
	struct jb *b = &s->jb;
	struct node *f = jb_map(b), *h, *r;
	jb_set_lit(b, f, "name", "envoy.filters.network.http_connection_manager");
	h = jb_set_typed(b, f, "typed_config", T_HCM);
	jb_set_str(b, h, "stat_prefix", stat_prefix);
	r = jb_set_map(b, h, "rds");
	jb_set(b, r, "config_source", rds_config_source(s));
	jb_set_str(b, r, "route_config_name", rds);
	hcm_tail(s, h, p);
	return f;
}

struct node *hcm_inline(struct synth *s, const char *stat_prefix, struct node *route_config,
                        enum proto p, int inbound)
{
	struct jb *b = &s->jb;
	struct node *f = jb_map(b), *h;
	jb_set_lit(b, f, "name", "envoy.filters.network.http_connection_manager");
	h = jb_set_typed(b, f, "typed_config", T_HCM);
	jb_set_str(b, h, "stat_prefix", stat_prefix);
	jb_set(b, h, "route_config", route_config);
	if (inbound) {
		struct jb *bb = b;
		struct node *list = jb_seq(bb), *shared = http_filters(s);
		if (shared->len)
			jb_push(bb, list, shared->items[0]);
		jb_push(
		    bb, list,
		    typed_filter(
		        s, "envoy.filters.http.fault",
		        "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault"));
		jb_push(bb, list,
		        typed_filter(
		            s, "envoy.filters.http.router",
		            "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"));
		jb_set(bb, h, "http_filters", list);
		if (proto_is_http2(p))
			jb_set_map(bb, h, "http2_protocol_options");
		jb_set_bool(bb, h, "use_remote_address", 0);
		jb_set_lit(bb, h, "forward_client_cert_details", "APPEND_FORWARD");
		{
			struct node *cc = jb_set_map(bb, h, "set_current_client_cert_details");
			jb_set_bool(bb, cc, "subject", 1);
			jb_set_bool(bb, cc, "dns", 1);
			jb_set_bool(bb, cc, "uri", 1);
		}
		jb_set_lit(bb, h, "stream_idle_timeout", "0s");
		jb_set_bool(bb, h, "normalize_path", 1);
		jb_set_lit(bb, h, "path_with_escaped_slashes_action", "KEEP_UNCHANGED");
		return f;
	}
	hcm_tail(s, h, p);
	return f;
}

struct node *tcp_proxy_filter(struct synth *s, const char *stat_prefix, const char *cluster)
{
	struct jb *b = &s->jb;
	struct node *f = jb_map(b), *t;
	jb_set_lit(b, f, "name", "envoy.filters.network.tcp_proxy");
	t = jb_set_typed(b, f, "typed_config", T_TCP);
	jb_set_str(b, t, "stat_prefix", stat_prefix);
	jb_set_str(b, t, "cluster", cluster);
	return f;
}

struct node *net_stats_filter(struct synth *s)
{
	if (!s->tcp_stats_filter)
		s->tcp_stats_filter =
		    typed_filter(s, "istio.stats", "type.googleapis.com/stats.PluginConfig");
	return s->tcp_stats_filter;
}

struct node *filter_stack_tcp(struct synth *s, const char *stat_prefix, const char *cluster)
{
	struct node *list = jb_seq(&s->jb);
	jb_push(&s->jb, list, net_stats_filter(s));
	jb_push(&s->jb, list, tcp_proxy_filter(s, stat_prefix, cluster));
	return list;
}

struct node *tls_inspector(struct synth *s)
{
	if (!s->tls_inspector)
		s->tls_inspector =
		    typed_filter(s, "envoy.filters.listener.tls_inspector",
		                 "type.googleapis.com/"
		                 "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector");
	return s->tls_inspector;
}

struct node *http_inspector(struct synth *s)
{
	if (!s->http_inspector)
		s->http_inspector = typed_filter(
		    s, "envoy.filters.listener.http_inspector",
		    "type.googleapis.com/"
		    "envoy.extensions.filters.listener.http_inspector.v3.HttpInspector");
	return s->http_inspector;
}

const char *config_path(struct synth *s, const struct cfg *c, const char *kind_path)
{
	return jb_fmt(&s->jb, "/apis/networking.istio.io/%s/namespaces/%s/%s/%s",
	              s->prof->config_api, c->ns, kind_path, c->name);
}

struct node *route_metadata(struct synth *s, const struct cfg *c, const char *kind_path)
{
	struct jb *b = &s->jb;
	struct node *m = jb_map(b);
	struct node *istio = jb_set_map(b, jb_set_map(b, m, "filter_metadata"), "istio");
	jb_set_lit(b, istio, "config", config_path(s, c, kind_path));
	return m;
}

struct node *sds_secret_config(struct synth *s, const char *name)
{
	struct jb *b = &s->jb;
	struct node *m = jb_map(b), *sds, *api, *g;
	jb_set_lit(b, m, "name", name);
	sds = jb_set_map(b, m, "sds_config");
	api = jb_set_map(b, sds, "api_config_source");
	jb_set_lit(b, api, "api_type", "GRPC");
	g = jb_map(b);
	jb_set_lit(b, jb_set_map(b, g, "envoy_grpc"), "cluster_name", "sds-grpc");
	jb_push(b, jb_set_seq(b, api, "grpc_services"), g);
	jb_set_bool(b, api, "set_node_on_first_message_only", 1);
	jb_set_lit(b, api, "transport_api_version", "V3");
	jb_set_lit(b, sds, "initial_fetch_timeout", "0s");
	jb_set_lit(b, sds, "resource_api_version", "V3");
	return m;
}

/* Go's time.ParseDuration for what Istio's API accepts ("1h2m3.5s",
 * "100ms", "250us"), into nanoseconds. -1 when text is not a duration. */
static long long parse_duration(const char *t)
{
	long long total = 0;
	if (!t || !*t)
		return -1;
	if (strcmp(t, "0") == 0)
		return 0;
	while (*t) {
		char *end;
		double v = strtod(t, &end);
		long long unit;
		if (end == t || v < 0)
			return -1;
		t = end;
		if (strncmp(t, "ns", 2) == 0)
			unit = 1, t += 2;
		else if (strncmp(t, "us", 2) == 0 || strncmp(t, "\xc2\xb5s", 3) == 0)
			unit = 1000, t += t[0] == 'u' ? 2 : 3;
		else if (strncmp(t, "ms", 2) == 0)
			unit = 1000000, t += 2;
		else if (*t == 's')
			unit = 1000000000LL, t += 1;
		else if (*t == 'm')
			unit = 60 * 1000000000LL, t += 1;
		else if (*t == 'h')
			unit = 3600 * 1000000000LL, t += 1;
		else
			return -1;
		total += (long long)(v * (double)unit + 0.5);
	}
	return total;
}

const char *duration_json(struct synth *s, const char *text)
{
	long long ns = parse_duration(text), sec, frac;
	if (ns < 0)
		return NULL;
	sec = ns / 1000000000LL;
	frac = ns % 1000000000LL;
	/* protobuf's JSON: 0, 3, 6 or 9 fractional digits. */
	if (frac == 0)
		return jb_fmt(&s->jb, "%llds", sec);
	if (frac % 1000000 == 0)
		return jb_fmt(&s->jb, "%lld.%03llds", sec, frac / 1000000);
	if (frac % 1000 == 0)
		return jb_fmt(&s->jb, "%lld.%06llds", sec, frac / 1000);
	return jb_fmt(&s->jb, "%lld.%09llds", sec, frac);
}
