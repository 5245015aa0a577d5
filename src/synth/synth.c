/* The synthesizer's entry point (see include/meshlua/synth.h): reads the
 * registry and the proxy's scope, builds the listeners (and through them
 * the route configurations they name), clusters, endpoints, bootstrap and
 * secrets into a config dump tree in a new snapshot's arena, then hands the
 * tree to xds_snapshot_ingest like any loaded dump. Every failure leaves no
 * snapshot behind. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synth_int.h"

int synth_fail(struct synth *s, const char *fmt, ...)
{
	va_list ap;
	if (s->failed)
		return -1;
	s->failed = 1;
	va_start(ap, fmt);
	mesh_error_vset(s->err, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int synth_check(struct synth *s)
{
	if (s->jb.oom)
		return synth_fail(s, "out of memory building the Envoy configuration");
	return s->failed ? -1 : 0;
}

void need_rds(struct synth *s, const char *name)
{
	if (strmap_get(&s->rds, name))
		return;
	if (strmap_put(&s->rds, name, (void *)1) != 0) {
		s->jb.oom = 1;
		return;
	}
	if ((s->nrds & (s->nrds - 1)) == 0) { /* grow at powers of two */
		size_t cap = s->nrds ? s->nrds * 2 : 8;
		const char **grown = arena_alloc(&s->tmp, cap * sizeof *grown);
		if (!grown) {
			s->jb.oom = 1;
			return;
		}
		if (s->nrds)
			memcpy(grown, s->rds_names, s->nrds * sizeof *grown);
		s->rds_names = grown;
	}
	s->rds_names[s->nrds++] = name;
}

void static_route_add(struct synth *s, struct node *route_config)
{
	struct jb *b = &s->jb;
	struct node *typed =
	    jb_typed(b, "type.googleapis.com/envoy.config.route.v3.RouteConfiguration");
	struct node *e = jb_map(b);
	for (size_t i = 0; i < route_config->len; i++)
		jb_set(b, typed, route_config->pairs[i].key->str, route_config->pairs[i].value);
	jb_set(b, e, "route_config", typed);
	jb_set_lit(b, e, "last_updated", s->last_updated);
	jb_push(b, s->static_routes, e);
}

void dynamic_route_add(struct synth *s, struct node *rc)
{
	struct jb *b = &s->jb;
	struct node *e = jb_map(b);
	jb_set_lit(b, e, "version_info", s->version_info);
	jb_set(b, e, "route_config", rc);
	jb_set_lit(b, e, "last_updated", s->last_updated);
	jb_push(b, s->dynamic_routes, e);
}

static void stamps(struct synth *s)
{
	time_t t = (time_t)mesh_now(s->m);
	struct tm tm;
	char when[32];
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	s->last_updated = jb_fmt(&s->jb, "%s.000Z", when);
	s->version_info = jb_fmt(&s->jb, "%sZ/%llu", when, (unsigned long long)mesh_version(s->m));
}

static void shared_parts(struct synth *s)
{
	struct jb *b = &s->jb;
	s->tls_params = jb_map(b);
	jb_set_lit(b, s->tls_params, "tls_minimum_protocol_version", "TLSv1_2");
	jb_set_lit(b, s->tls_params, "tls_maximum_protocol_version", "TLSv1_3");
	s->sds_default = sds_secret_config(s, "default");
	s->sds_rootca = sds_secret_config(s, "ROOTCA");
}

static struct node *config(struct synth *s, const char *type)
{
	return jb_typed(&s->jb, type);
}

/* The whole dump: {"configs": [Bootstrap, Clusters, Endpoints, Listeners,
 * Routes, Secrets]}, Envoy's order. */
static struct node *assemble(struct synth *s)
{
	struct jb *b = &s->jb;
	struct node *root = jb_map(b), *configs = jb_set_seq(b, root, "configs"), *c;
	c = config(s, "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump");
	jb_set(b, c, "bootstrap", bootstrap_build(s));
	jb_set_lit(b, c, "last_updated", s->last_updated);
	jb_push(b, configs, c);
	c = config(s, "type.googleapis.com/envoy.admin.v3.ClustersConfigDump");
	jb_set_lit(b, c, "version_info", s->version_info);
	jb_set(b, c, "static_clusters", s->static_clusters);
	jb_set(b, c, "dynamic_active_clusters", s->dynamic_clusters);
	jb_push(b, configs, c);
	c = config(s, "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump");
	jb_set(b, c, "static_endpoint_configs", s->static_eds);
	jb_set(b, c, "dynamic_endpoint_configs", s->dynamic_eds);
	jb_push(b, configs, c);
	c = config(s, "type.googleapis.com/envoy.admin.v3.ListenersConfigDump");
	jb_set_lit(b, c, "version_info", s->version_info);
	jb_set(b, c, "static_listeners", s->static_listeners);
	jb_set(b, c, "dynamic_listeners", s->dynamic_listeners);
	jb_push(b, configs, c);
	c = config(s, "type.googleapis.com/envoy.admin.v3.RoutesConfigDump");
	jb_set(b, c, "static_route_configs", s->static_routes);
	jb_set(b, c, "dynamic_route_configs", s->dynamic_routes);
	jb_push(b, configs, c);
	c = config(s, "type.googleapis.com/envoy.admin.v3.SecretsConfigDump");
	if (s->secrets->len)
		jb_set(b, c, "dynamic_active_secrets", s->secrets);
	jb_push(b, configs, c);
	return root;
}

static int build_sidecar(struct synth *s)
{
	if (outbound_listeners(s) != 0 || virtual_outbound(s) != 0 || inbound_listener(s) != 0)
		return -1;
	/* RDS: the route configurations the listeners named, in that order. */
	for (size_t i = 0; i < s->nrds && !s->jb.oom; i++)
		dynamic_route_add(s, sidecar_route_config(s, s->rds_names[i]));
	if (outbound_clusters(s, 0) != 0 || fixed_clusters(s) != 0 || inbound_clusters(s) != 0 ||
	    inbound_passthrough_cluster_add(s) != 0)
		return -1;
	return synth_check(s);
}

static int build_gateway(struct synth *s)
{
	struct cfields f;
	if (gateway_build(s) != 0 || outbound_clusters(s, 1) != 0)
		return -1;
	memset(&f, 0, sizeof f);
	f.name = "BlackHoleCluster";
	f.type = "STATIC";
	f.connect_timeout = "10s";
	if (s->prof->cluster_extras)
		f.alt_stat_name = "BlackHoleCluster;";
	cluster_add(s, cluster_emit(s, &f), 0);
	endpoints_add_empty(s, "BlackHoleCluster", 0);
	return synth_check(s);
}

struct xds_snapshot *synth_build(const struct mesh *m, const struct mesh_object *pod,
                                 const struct istio_profile *profile, struct mesh_error *err)
{
	struct synth s;
	struct xds_snapshot *snap;
	char source[600];
	struct node *root = NULL;
	int rc = -1;
	mesh_error_clear(err);
	if (!pod || pod->kind != MESH_POD || !pod->pod) {
		mesh_error_set(err, NULL, 0, 0, "synth_build: not a pod");
		return NULL;
	}
	if (mesh_pod_proxy_check(pod, err) != 0)
		return NULL;
	if (!pod->pod->ip) {
		mesh_error_set(err, NULL, 0, 0, "pod %s.%s has no IP yet", pod->name,
		               pod->namespace_);
		return NULL;
	}
	snprintf(source, sizeof source, "synth:%s.%s", pod->name, pod->namespace_);
	snap = xds_snapshot_new(source);
	if (!snap) {
		mesh_error_set(err, NULL, 0, 0, "out of memory");
		return NULL;
	}
	memset(&s, 0, sizeof s);
	s.m = m;
	s.prof = profile ? profile : istio_profile_default();
	s.pod = pod;
	s.gateway = pod->pod->proxy == MESH_PROXY_GATEWAY;
	s.ns = pod->namespace_;
	s.ip = pod->pod->ip;
	s.err = err;
	s.config_ns = "istio-system";
	jb_init(&s.jb, &snap->arena);
	arena_init(&s.tmp, 256 * 1024);
	strmap_init_borrowed(&s.rds);
	strmap_init_borrowed(&s.cache);
	s.domain = mesh_options(m)->cluster_domain;
	s.dns_domain = jb_fmt(&s.jb, "%s.svc.%s", s.ns, s.domain);
	s.static_listeners = jb_seq(&s.jb);
	s.dynamic_listeners = jb_seq(&s.jb);
	s.static_clusters = jb_seq(&s.jb);
	s.dynamic_clusters = jb_seq(&s.jb);
	s.static_routes = jb_seq(&s.jb);
	s.dynamic_routes = jb_seq(&s.jb);
	s.static_eds = jb_seq(&s.jb);
	s.dynamic_eds = jb_seq(&s.jb);
	s.secrets = jb_seq(&s.jb);
	stamps(&s);
	shared_parts(&s);
	if (registry_build(&s) == 0 && scope_build(&s) == 0 && static_resources(&s) == 0 &&
	    (s.gateway ? build_gateway(&s) : build_sidecar(&s)) == 0 && secrets_build(&s) == 0) {
		root = assemble(&s);
		rc = synth_check(&s);
	}
	if (rc == 0) {
		snap->version = mesh_version(m);
		if (xds_snapshot_ingest(snap, root, err) != 0)
			rc = -1;
	}
	scope_free(&s);
	registry_free(&s);
	routes_cache_free(&s);
	strmap_free(&s.cache);
	strmap_free(&s.rds);
	jb_free(&s.jb);
	arena_free(&s.tmp);
	if (rc != 0) {
		xds_snapshot_unref(snap);
		return NULL;
	}
	return snap;
}
