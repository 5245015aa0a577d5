/* Outbound clusters (pilot/pkg/networking/core/cluster.go
 * buildOutboundClusters, cluster_builder.go buildCluster, the defaults of
 * cluster_traffic_policy.go) and the fixed ones: one cluster
 * "outbound|<port>||<fqdn>" per service port (UDP excluded, aliases
 * excluded, a name twice keeps the first), typed by resolution (EDS,
 * ORIGINAL_DST for headless and resolution NONE, STRICT_DNS, LOGICAL_DNS),
 * with Istio's defaults (connect timeout 10s, LEAST_REQUEST since 1.14,
 * circuit breakers at 4294967295, the istio metadata naming the service and
 * the DestinationRule, auto-mTLS transport socket matches, the upstream
 * protocol of the port), a DestinationRule's traffic policy (policy.c), and
 * one cluster per subset; then BlackHoleCluster, PassthroughCluster. Fields
 * are emitted in field-number order, as Envoy prints them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

#define T_CLUSTER "type.googleapis.com/envoy.config.cluster.v3.Cluster"
#define T_HPO     "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
#define K_HPO     "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"

void cluster_add(struct synth *s, struct node *cluster, int is_static)
{
	struct jb *b = &s->jb;
	struct node *e = jb_map_n(b, 3);
	if (!is_static)
		jb_set_lit(b, e, "version_info", s->version_info);
	jb_set(b, e, "cluster", cluster);
	jb_set_lit(b, e, "last_updated", s->last_updated);
	jb_push(b, is_static ? s->static_clusters : s->dynamic_clusters, e);
}

/* Istio's default thresholds, shared: whoever changes them copies first
 * (policy.c). */
struct node *default_thresholds(struct synth *s)
{
	struct jb *b = &s->jb;
	struct node *th;
	if (s->default_thresholds)
		return s->default_thresholds;
	th = jb_map(b);
	jb_set_int(b, th, "max_connections", 4294967295LL);
	jb_set_int(b, th, "max_pending_requests", 4294967295LL);
	jb_set_int(b, th, "max_requests", 4294967295LL);
	jb_set_int(b, th, "max_retries", 4294967295LL);
	if (s->prof->cluster_extras)
		jb_set_bool(b, th, "track_remaining", 1);
	s->circuit_breakers = jb_map_n(b, 1);
	jb_push(b, jb_set_seq(b, s->circuit_breakers, "thresholds"), th);
	s->default_thresholds = th;
	return th;
}

struct node *cluster_emit(struct synth *s, const struct cfields *f)
{
	struct jb *b = &s->jb;
	const void *const fields[] = {f->eds,
	                              f->connect_timeout,
	                              f->lb_policy,
	                              f->thresholds,
	                              f->http2_legacy,
	                              f->dns_refresh_rate,
	                              f->dns_lookup_family,
	                              f->outlier,
	                              f->cleanup_interval,
	                              f->upstream_bind,
	                              f->ring_hash,
	                              f->transport_socket,
	                              f->metadata,
	                              f->protocol_selection,
	                              f->common_lb,
	                              f->alt_stat_name,
	                              f->load_assignment,
	                              f->original_dst_lb,
	                              f->typed_ext,
	                              f->least_request,
	                              f->filters,
	                              f->tsm,
	                              f->maglev};
	size_t n = 3 + (f->max_requests_per_connection != 0) + (f->respect_dns_ttl != 0);
	struct node *c;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		n += fields[i] != NULL;
	c = jb_map_n(b, n);
	jb_set_lit(b, c, "@type", T_CLUSTER);
	jb_set_lit(b, c, "name", f->name);
	jb_set_lit(b, c, "type", f->type);
	if (f->eds)
		jb_set(b, c, "eds_cluster_config", f->eds);
	if (f->connect_timeout)
		jb_set_lit(b, c, "connect_timeout", f->connect_timeout);
	if (f->lb_policy)
		jb_set_lit(b, c, "lb_policy", f->lb_policy);
	if (f->max_requests_per_connection)
		jb_set_int(b, c, "max_requests_per_connection", f->max_requests_per_connection);
	if (f->thresholds && f->thresholds == s->default_thresholds) {
		jb_set(b, c, "circuit_breakers", s->circuit_breakers);
	} else if (f->thresholds) {
		struct node *cb = jb_set_map(b, c, "circuit_breakers");
		jb_push(b, jb_set_seq(b, cb, "thresholds"), f->thresholds);
	}
	if (f->http2_legacy)
		jb_set(b, c, "http2_protocol_options", f->http2_legacy);
	if (f->dns_refresh_rate)
		jb_set_lit(b, c, "dns_refresh_rate", f->dns_refresh_rate);
	if (f->dns_lookup_family)
		jb_set_lit(b, c, "dns_lookup_family", f->dns_lookup_family);
	if (f->outlier)
		jb_set(b, c, "outlier_detection", f->outlier);
	if (f->cleanup_interval)
		jb_set_lit(b, c, "cleanup_interval", f->cleanup_interval);
	if (f->upstream_bind)
		jb_set(b, c, "upstream_bind_config", f->upstream_bind);
	if (f->ring_hash)
		jb_set(b, c, "ring_hash_lb_config", f->ring_hash);
	if (f->transport_socket)
		jb_set(b, c, "transport_socket", f->transport_socket);
	if (f->metadata)
		jb_set(b, c, "metadata", f->metadata);
	if (f->protocol_selection)
		jb_set_lit(b, c, "protocol_selection", f->protocol_selection);
	if (f->common_lb)
		jb_set(b, c, "common_lb_config", f->common_lb);
	if (f->alt_stat_name)
		jb_set_lit(b, c, "alt_stat_name", f->alt_stat_name);
	if (f->load_assignment)
		jb_set(b, c, "load_assignment", f->load_assignment);
	if (f->original_dst_lb)
		jb_set(b, c, "original_dst_lb_config", f->original_dst_lb);
	if (f->typed_ext)
		jb_set(b, c, "typed_extension_protocol_options", f->typed_ext);
	if (f->least_request)
		jb_set(b, c, "least_request_lb_config", f->least_request);
	if (f->respect_dns_ttl)
		jb_set_bool(b, c, "respect_dns_ttl", 1);
	if (f->filters)
		jb_set(b, c, "filters", f->filters);
	if (f->tsm)
		jb_set(b, c, "transport_socket_matches", f->tsm);
	if (f->maglev)
		jb_set(b, c, "maglev_lb_config", f->maglev);
	return c;
}

/* The istio metadata: default_original_port, services, config, subset. */
static struct node *cluster_metadata(struct synth *s, struct svc *v, int port, const struct cfg *dr,
                                     const char *subset)
{
	struct jb *b = &s->jb;
	struct node *m = jb_map_n(b, 1), *fm = jb_map_n(b, 1), *istio = jb_map_n(b, 4);
	jb_set(b, m, "filter_metadata", fm);
	jb_set(b, fm, "istio", istio);
	if (s->prof->cluster_extras)
		jb_set_int(b, istio, "default_original_port", port);
	if (!v->md_services) {
		struct node *one = jb_map_n(b, 3);
		v->md_services = jb_seq_n(b, 1);
		jb_set_lit(b, one, "host", v->hostname);
		jb_set_lit(b, one, "name", v->name);
		jb_set_lit(b, one, "namespace", v->ns);
		jb_push(b, v->md_services, one);
	}
	jb_set(b, istio, "services", v->md_services);
	if (dr)
		jb_set_lit(b, istio, "config", config_path(s, dr, "destination-rule"));
	if (subset)
		jb_set_str(b, istio, "subset", subset);
	return m;
}

static struct node *mx_cluster_filters(struct synth *s)
{
	struct jb *b = &s->jb;
	struct node *list, *f, *t;
	if (s->mx_cluster_filters)
		return s->mx_cluster_filters;
	list = jb_seq(b);
	f = jb_map(b);
	jb_set_lit(b, f, "name", "istio.metadata_exchange");
	t = jb_set_typed(b, f, "typed_config",
	                 "type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange");
	jb_set_lit(b, t, "protocol", "istio-peer-exchange");
	jb_push(b, list, f);
	s->mx_cluster_filters = list;
	return list;
}

/* The common_tls_context of Istio mTLS verifying the identities sans. */
struct node *istio_tls_common(struct synth *s, struct node *sans)
{
	static const char *const alpn[] = {"istio-peer-exchange", "istio", NULL};
	struct jb *b = &s->jb;
	struct node *common = jb_map_n(b, 4), *cvc;
	jb_set(b, common, "tls_params", s->tls_params);
	jb_set(b, common, "alpn_protocols", jb_lits(b, alpn));
	jb_push(b, jb_set_seq(b, common, "tls_certificate_sds_secret_configs"), s->sds_default);
	cvc = jb_set_map(b, common, "combined_validation_context");
	if (sans && sans->len)
		jb_set(b, jb_set_map(b, cvc, "default_validation_context"),
		       "match_subject_alt_names", sans);
	else
		jb_set(b, cvc, "default_validation_context", jb_empty(b));
	jb_set(b, cvc, "validation_context_sds_secret_config", s->sds_rootca);
	return common;
}

/* An Istio mTLS transport socket for sni with a common_tls_context. */
struct node *istio_upstream_tls(struct synth *s, const char *sni, struct node *common)
{
	struct jb *b = &s->jb;
	struct node *ts = jb_map_n(b, 2), *ctx = jb_map_n(b, 3);
	jb_set_lit(b, ts, "name", "envoy.transport_sockets.tls");
	jb_set(b, ts, "typed_config", ctx);
	jb_set_lit(
	    b, ctx, "@type",
	    "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext");
	jb_set(b, ctx, "common_tls_context", common ? common : istio_tls_common(s, NULL));
	jb_set_lit(b, ctx, "sni", sni);
	return ts;
}

/* The common_tls_context verifying the SPIFFE identities of v's endpoints
 * (sorted, unique), shared by the services whose endpoints have the same
 * identities (the services of one namespace and service account). */
static struct node *service_tls_common(struct synth *s, const struct svc *v)
{
	struct jb *b = &s->jb;
	const char *ids[64];
	size_t n = 0, len = 4;
	struct node *seq, *common;
	char *key, *k;
	const char *ns[64], *sa[64];
	size_t m = 0;
	/* the distinct (namespace, account) pairs first: formatting is dearer */
	for (size_t i = 0; i < v->neps && m < 64; i++) {
		const struct ep *e = &v->eps[i];
		const char *ens = e->pod ? e->pod->namespace_ : NULL;
		int dup = 0;
		if (!e->sa)
			continue;
		for (size_t k2 = 0; k2 < m && !dup; k2++)
			dup = strcmp(sa[k2], e->sa) == 0 &&
			      (ns[k2] == ens || (ns[k2] && ens && strcmp(ns[k2], ens) == 0));
		if (!dup) {
			ns[m] = ens;
			sa[m++] = e->sa;
		}
	}
	for (size_t i = 0; i < m; i++) {
		const char *id = sa[i];
		int dup = 0;
		if (ns[i]) {
			size_t l = strlen(s->domain) + strlen(ns[i]) + strlen(sa[i]) + 24;
			char *buf = arena_alloc(&s->tmp, l);
			if (!buf) {
				s->jb.oom = 1;
				return istio_tls_common(s, NULL);
			}
			snprintf(buf, l, "spiffe://%s/ns/%s/sa/%s", s->domain, ns[i], sa[i]);
			id = buf;
		}
		for (size_t k2 = 0; k2 < n && !dup; k2++)
			dup = strcmp(ids[k2], id) == 0;
		if (!dup) {
			ids[n++] = id;
			len += strlen(id) + 1;
		}
	}
	for (size_t i = 1; i < n; i++)
		for (size_t k2 = i; k2 > 0 && strcmp(ids[k2 - 1], ids[k2]) > 0; k2--) {
			const char *t = ids[k2];
			ids[k2] = ids[k2 - 1];
			ids[k2 - 1] = t;
		}
	/* "\x03sans:" then each identity and a newline */
	key = arena_alloc(&s->tmp, len + 8);
	if (!key) {
		s->jb.oom = 1;
		return istio_tls_common(s, NULL);
	}
	k = key + sprintf(key, "\x03sans:");
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(ids[i]);
		memcpy(k, ids[i], l);
		k[l] = '\n';
		k += l + 1;
	}
	*k = '\0';
	common = strmap_get(&s->cache, key);
	if (common)
		return common;
	seq = jb_seq_n(b, n);
	for (size_t i = 0; i < n; i++) {
		struct node *exact = jb_map_n(b, 1);
		jb_set_str(b, exact, "exact", ids[i]);
		jb_push(b, seq, exact);
	}
	common = istio_tls_common(s, seq);
	if (strmap_put(&s->cache, key, common) != 0)
		s->jb.oom = 1;
	return common;
}

struct node *auto_mtls_matches(struct synth *s, const char *sni, struct node *common)
{
	struct jb *b = &s->jb;
	struct node *list = jb_seq_n(b, 2), *istio = jb_map_n(b, 3);
	jb_set_lit(b, istio, "name", "tlsMode-istio");
	if (!s->match_istio) {
		s->match_istio = jb_map_n(b, 1);
		jb_set_lit(b, s->match_istio, "tlsMode", "istio");
	}
	jb_set(b, istio, "match", s->match_istio);
	jb_set(b, istio, "transport_socket", istio_upstream_tls(s, sni, common));
	jb_push(b, list, istio);
	if (!s->tsm_disabled) {
		struct node *d = jb_map(b), *ts;
		jb_set_lit(b, d, "name", "tlsMode-disabled");
		jb_set(b, d, "match", jb_empty(b));
		ts = jb_set_map(b, d, "transport_socket");
		jb_set_lit(b, ts, "name", "envoy.transport_sockets.raw_buffer");
		jb_set_typed(b, ts, "typed_config",
		             "type.googleapis.com/"
		             "envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer");
		s->tsm_disabled = d;
	}
	jb_push(b, list, s->tsm_disabled);
	return list;
}

/* The upstream protocol of the port (setUpstreamProtocol). */
static void upstream_protocol(struct synth *s, struct cfields *f, enum proto p)
{
	struct jb *b = &s->jb;
	if (s->prof->cluster_legacy_protocol) {
		if (proto_is_http2(p)) {
			f->http2_legacy = jb_map(b);
			jb_set_int(b, f->http2_legacy, "max_concurrent_streams", 1073741824);
		} else if (p == P_UNSUPPORTED) {
			f->protocol_selection = "USE_DOWNSTREAM_PROTOCOL";
		}
		return;
	}
	if (proto_is_http2(p) || p == P_UNSUPPORTED) {
		struct node **shared = proto_is_http2(p) ? &s->hpo_h2 : &s->hpo_auto;
		if (!*shared) {
			struct node *hpo = jb_typed(b, T_HPO);
			if (proto_is_http2(p)) {
				jb_set(b, jb_set_map(b, hpo, "explicit_http_config"),
				       "http2_protocol_options", jb_empty(b));
			} else {
				struct node *u =
				    jb_set_map(b, hpo, "use_downstream_protocol_config");
				jb_set(b, u, "http_protocol_options", jb_empty(b));
				jb_set(b, u, "http2_protocol_options", jb_empty(b));
			}
			*shared = jb_map_n(b, 1);
			jb_set(b, *shared, K_HPO, hpo);
		}
		f->typed_ext = *shared;
	}
}

static const char *type_of(enum resolution r)
{
	switch (r) {
	case RES_PASSTHROUGH:
		return "ORIGINAL_DST";
	case RES_DNS:
		return "STRICT_DNS";
	case RES_DNS_RR:
		return "LOGICAL_DNS";
	default:
		return "EDS";
	}
}

static struct node *eds_config(struct synth *s, const char *service_name)
{
	struct jb *b = &s->jb;
	struct node *e = jb_map_n(b, 2);
	jb_set(b, e, "eds_config", ads_config_source(s));
	jb_set_lit(b, e, "service_name", service_name);
	return e;
}

/* buildCluster for one service port (subset NULL) or one subset. Returns
 * 0, or 1 when the cluster is not built (DNS without endpoints). */
static int build(struct synth *s, struct svc *v, const struct sport *p, const struct cfg *dr,
                 const struct node *subset)
{
	struct jb *b = &s->jb;
	const char *sname = subset ? node_text(node_get(subset, "name")) : NULL;
	const struct node *sub_labels = subset ? node_get(subset, "labels") : NULL;
	const char *name = cluster_name(s, "outbound", p->port, sname, v->hostname);
	struct cfields f;
	const struct node *policy = dr ? node_get(dr->spec, "trafficPolicy") : NULL;
	memset(&f, 0, sizeof f);
	/* normalizeClusters: the first cluster of a name wins. Names can only
	 * repeat between services of one host name (a ServiceEntry with several
	 * addresses, a ServiceEntry naming a Kubernetes Service's host). */
	for (const struct svc *d = v->dup_of; d; d = d->dup_of)
		if (svc_port(d, p->port))
			return 1;
	f.name = name;
	f.type = type_of(v->res);
	f.connect_timeout = "10s";
	if (v->res == RES_PASSTHROUGH)
		f.lb_policy = "CLUSTER_PROVIDED";
	else if (s->prof->default_lb_least_request)
		f.lb_policy = "LEAST_REQUEST";
	if (v->res == RES_EDS)
		f.eds = eds_config(s, name);
	if (v->res == RES_DNS || v->res == RES_DNS_RR) {
		struct node *group = locality_endpoints(s, v, p, sub_labels);
		if (!group)
			return 1;
		f.load_assignment = jb_map(b);
		jb_set_str(b, f.load_assignment, "cluster_name", name);
		jb_push(b, jb_set_seq(b, f.load_assignment, "endpoints"), group);
		f.dns_refresh_rate = "60s";
		f.dns_lookup_family = "V4_ONLY";
		f.respect_dns_ttl = 1;
	}
	f.thresholds = default_thresholds(s);
	if (s->prof->cluster_extras) {
		f.common_lb = jb_empty(b);
		f.alt_stat_name = jb_fmt(b, "%s;", name);
	}
	f.metadata = cluster_metadata(s, v, p->port, dr, sname);
	if (!v->mesh_external) {
		f.filters = mx_cluster_filters(s);
		if (!v->tls_common)
			v->tls_common = service_tls_common(s, v);
		f.tsm = auto_mtls_matches(
		    s, jb_fmt(b, "outbound_.%d_.%s_.%s", p->port, sname ? sname : "", v->hostname),
		    v->tls_common);
	}
	upstream_protocol(s, &f, p->proto);
	if (policy || (subset && node_get(subset, "trafficPolicy")))
		apply_traffic_policy(s, &f, v, p, policy,
		                     subset ? node_get(subset, "trafficPolicy") : NULL, sname);
	cluster_add(s, cluster_emit(s, &f), 0);
	if (strcmp(f.type, "EDS") == 0)
		endpoints_add(s, name, v, p, sub_labels, 0);
	else if (strcmp(f.type, "ORIGINAL_DST") == 0)
		endpoints_add_empty(s, name, 0);
	else
		endpoints_add(s, name, v, p, sub_labels, 0);
	return 0;
}

int outbound_clusters(struct synth *s, int gateway)
{
	(void)gateway;
	for (size_t i = 0; i < s->sc.nsvcs && !s->jb.oom; i++) {
		struct svc *v = s->sc.svcs[i];
		const struct cfg *dr;
		const struct node *subsets;
		if (v->res == RES_ALIAS)
			continue;
		dr = scope_dr(s, v->hostname);
		subsets = dr ? node_get(dr->spec, "subsets") : NULL;
		for (size_t p = 0; p < v->nports; p++) {
			if (v->ports[p].proto == P_UDP)
				continue;
			build(s, v, &v->ports[p], dr, NULL);
			if (subsets && subsets->type == NODE_SEQ)
				for (size_t k = 0; k < subsets->len; k++)
					if (node_text(node_get(subsets->items[k], "name")))
						build(s, v, &v->ports[p], dr, subsets->items[k]);
		}
	}
	return synth_check(s);
}

/* BlackHoleCluster and PassthroughCluster (buildBlackHoleCluster,
 * buildDefaultPassthroughCluster). */
int fixed_clusters(struct synth *s)
{
	struct jb *b = &s->jb;
	struct cfields f;
	memset(&f, 0, sizeof f);
	f.name = "BlackHoleCluster";
	f.type = "STATIC";
	f.connect_timeout = "10s";
	if (s->prof->cluster_extras)
		f.alt_stat_name = "BlackHoleCluster;";
	cluster_add(s, cluster_emit(s, &f), 0);
	endpoints_add_empty(s, "BlackHoleCluster", 0);

	memset(&f, 0, sizeof f);
	f.name = "PassthroughCluster";
	f.type = "ORIGINAL_DST";
	f.connect_timeout = "10s";
	f.lb_policy = "CLUSTER_PROVIDED";
	f.thresholds = default_thresholds(s);
	if (s->prof->cluster_extras)
		f.alt_stat_name = "PassthroughCluster;";
	f.filters = mx_cluster_filters(s);
	if (s->prof->cluster_legacy_protocol) {
		f.protocol_selection = "USE_DOWNSTREAM_PROTOCOL";
	} else {
		struct node *hpo = jb_typed(b, T_HPO);
		struct node *u = jb_set_map(b, hpo, "use_downstream_protocol_config");
		jb_set_map(b, u, "http_protocol_options");
		jb_set_map(b, u, "http2_protocol_options");
		f.typed_ext = jb_map(b);
		jb_set(b, f.typed_ext, K_HPO, hpo);
	}
	cluster_add(s, cluster_emit(s, &f), 0);
	endpoints_add_empty(s, "PassthroughCluster", 0);
	return synth_check(s);
}
