/* What the Istio agent's bootstrap gives every proxy (tools/packaging/common/
 * envoy_bootstrap.json in istio/istio), as the BootstrapConfigDump and the
 * static parts of the other dumps show it: the node (id
 * "sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local", or "router~..." for
 * gateways, the Istio version of the profile in its metadata, the Envoy
 * build version), the static listeners 0.0.0.0:15090 (/stats/prometheus)
 * and 0.0.0.0:15021 (/healthz/ready) with inline routes, and the STATIC
 * clusters prometheus_stats, agent, sds-grpc and xds-grpc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

static struct node *static_listener(struct synth *s, int port, const char *stat, const char *prefix,
                                    const char *cluster)
{
	struct jb *b = &s->jb;
	struct node *l = jb_typed(b, "type.googleapis.com/envoy.config.listener.v3.Listener");
	struct node *fc = jb_map(b), *rc = jb_map(b), *vh = jb_map(b), *r = jb_map(b), *filters;
	jb_set(b, l, "address", address_node(s, "0.0.0.0", port));
	jb_set_lit(b, vh, "name", "backend");
	jb_push_lit(b, jb_set_seq(b, vh, "domains"), "*");
	jb_set_lit(b, jb_set_map(b, r, "match"), "prefix", prefix);
	jb_set_lit(b, jb_set_map(b, r, "route"), "cluster", cluster);
	jb_push(b, jb_set_seq(b, vh, "routes"), r);
	jb_push(b, jb_set_seq(b, rc, "virtual_hosts"), vh);
	filters = jb_seq(b);
	{
		struct node *f = jb_map(b), *h, *hf, *router;
		jb_set_lit(b, f, "name", "envoy.filters.network.http_connection_manager");
		h = jb_set_typed(b, f, "typed_config",
		                 "type.googleapis.com/envoy.extensions.filters.network."
		                 "http_connection_manager.v3.HttpConnectionManager");
		jb_set_lit(b, h, "stat_prefix", stat);
		jb_set(b, h, "route_config", rc);
		hf = jb_set_seq(b, h, "http_filters");
		router = jb_map(b);
		jb_set_lit(b, router, "name", "envoy.filters.http.router");
		jb_set_typed(b, router, "typed_config",
		             "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router");
		jb_push(b, hf, router);
		jb_push(b, filters, f);
	}
	jb_set(b, fc, "filters", filters);
	jb_push(b, jb_set_seq(b, l, "filter_chains"), fc);
	static_route_add(s, rc);
	return l;
}

static struct node *pipe_address(struct synth *s, const char *path)
{
	struct node *a = jb_map(&s->jb);
	jb_set_lit(&s->jb, jb_set_map(&s->jb, a, "pipe"), "path", path);
	return a;
}

/* A STATIC cluster of one endpoint, and its EndpointsConfigDump entry. */
static struct node *static_cluster(struct synth *s, const char *name, const char *timeout,
                                   struct node *address, const char *ip, int port, int h2)
{
	struct jb *b = &s->jb;
	struct cfields f;
	struct node *g, *le, *cla;
	memset(&f, 0, sizeof f);
	f.name = name;
	f.type = "STATIC";
	f.connect_timeout = timeout;
	f.load_assignment = jb_map(b);
	jb_set_lit(b, f.load_assignment, "cluster_name", name);
	g = jb_map(b);
	le = jb_map(b);
	jb_set(b, jb_set_map(b, le, "endpoint"), "address", address);
	jb_push(b, jb_set_seq(b, g, "lb_endpoints"), le);
	jb_push(b, jb_set_seq(b, f.load_assignment, "endpoints"), g);
	if (h2) {
		struct node *hpo =
		    jb_typed(b, "type.googleapis.com/"
		                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
		jb_set_map(b, jb_set_map(b, hpo, "explicit_http_config"), "http2_protocol_options");
		f.typed_ext = jb_map(b);
		jb_set(b, f.typed_ext, "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
		       hpo);
	}
	cla = jb_typed(b, "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment");
	jb_set_lit(b, cla, "cluster_name", name);
	{
		struct node *grp = jb_map(b), *ep = jb_map(b), *e = jb_map(b);
		jb_set_map(b, grp, "locality");
		jb_set(b, e, "address", ip ? address_node(s, ip, port) : address);
		jb_set_map(b, e, "health_check_config");
		jb_set(b, ep, "endpoint", e);
		jb_set_lit(b, ep, "health_status", "HEALTHY");
		jb_set_int(b, ep, "load_balancing_weight", 1);
		jb_push(b, jb_set_seq(b, grp, "lb_endpoints"), ep);
		jb_push(b, jb_set_seq(b, cla, "endpoints"), grp);
		jb_set_int(b, jb_set_map(b, cla, "policy"), "overprovisioning_factor", 140);
		{
			struct node *entry = jb_map(b);
			jb_set(b, entry, "endpoint_config", cla);
			jb_push(b, s->static_eds, entry);
		}
	}
	return cluster_emit(s, &f);
}

int static_resources(struct synth *s)
{
	struct jb *b = &s->jb;
	struct node *l15090 =
	    static_listener(s, 15090, "stats", "/stats/prometheus", "prometheus_stats");
	struct node *l15021 = static_listener(s, 15021, "agent", "/healthz/ready", "agent");
	struct node *e;
	e = jb_map(b);
	jb_set(b, e, "listener", l15090);
	jb_set_lit(b, e, "last_updated", s->last_updated);
	jb_push(b, s->static_listeners, e);
	e = jb_map(b);
	jb_set(b, e, "listener", l15021);
	jb_set_lit(b, e, "last_updated", s->last_updated);
	jb_push(b, s->static_listeners, e);
	cluster_add(s,
	            static_cluster(s, "prometheus_stats", "0.250s",
	                           address_node(s, "127.0.0.1", 15000), "127.0.0.1", 15000, 0),
	            1);
	cluster_add(s,
	            static_cluster(s, "agent", "0.250s", address_node(s, "127.0.0.1", 15020),
	                           "127.0.0.1", 15020, 0),
	            1);
	cluster_add(s,
	            static_cluster(s, "sds-grpc", "1s",
	                           pipe_address(s, "./var/run/secrets/workload-spiffe-uds/socket"),
	                           NULL, 0, 1),
	            1);
	cluster_add(s,
	            static_cluster(s, "xds-grpc", "1s", pipe_address(s, "./etc/istio/proxy/XDS"),
	                           NULL, 0, 1),
	            1);
	return synth_check(s);
}

/* The app label or workload name: the bootstrap node's cluster. */
static const char *service_cluster(struct synth *s)
{
	const char *app = mesh_labels_get(&s->pod->labels, "app");
	if (!app)
		app = s->pod->pod->owner_name ? s->pod->pod->owner_name : s->pod->name;
	return jb_fmt(&s->jb, "%s.%s", app, s->ns);
}

struct node *bootstrap_build(struct synth *s)
{
	struct jb *b = &s->jb;
	struct node *bs = jb_map(b), *node, *md, *labels, *ua, *ver, *bmd;
	int major = 0, minor = 0, patch = 0;
	node = jb_set_map(b, bs, "node");
	jb_set_str(b, node, "id",
	           jb_fmt(b, "%s~%s~%s.%s~%s.svc.%s", s->gateway ? "router" : "sidecar", s->ip,
	                  s->pod->name, s->ns, s->ns, s->domain));
	jb_set_str(b, node, "cluster", service_cluster(s));
	md = jb_set_map(b, node, "metadata");
	jb_set_lit(b, md, "CLUSTER_ID", "Kubernetes");
	jb_set_lit(b, md, "INTERCEPTION_MODE", "REDIRECT");
	jb_set_lit(b, md, "ISTIO_VERSION", s->prof->istio_version);
	labels = jb_set_map(b, md, "LABELS");
	for (size_t i = 0; i < s->pod->labels.count; i++)
		jb_set(b, labels, s->pod->labels.items[i].key,
		       jb_str(b, s->pod->labels.items[i].value));
	jb_set_str(b, md, "MESH_ID", s->domain);
	jb_set_str(b, md, "NAME", s->pod->name);
	jb_set_str(b, md, "NAMESPACE", s->ns);
	if (s->pod->pod->owner_kind)
		jb_set_str(b, md, "OWNER",
		           jb_fmt(b, "kubernetes://apis/apps/v1/namespaces/%s/%ss/%s", s->ns,
		                  strcmp(s->pod->pod->owner_kind, "Deployment") == 0 ? "deployment"
		                  : strcmp(s->pod->pod->owner_kind, "StatefulSet") == 0
		                      ? "statefulset"
		                      : "daemonset",
		                  s->pod->pod->owner_name));
	jb_set_str(b, md, "SERVICE_ACCOUNT",
	           s->pod->pod->spec.service_account ? s->pod->pod->spec.service_account
	                                             : "default");
	jb_set_str(b, md, "WORKLOAD_NAME",
	           s->pod->pod->owner_name ? s->pod->pod->owner_name : s->pod->name);
	jb_set_map(b, node, "locality");
	jb_set_lit(b, node, "user_agent_name", "envoy");
	sscanf(s->prof->envoy_version, "%d.%d.%d", &major, &minor, &patch);
	ua = jb_set_map(b, node, "user_agent_build_version");
	ver = jb_set_map(b, ua, "version");
	jb_set_int(b, ver, "major_number", major);
	jb_set_int(b, ver, "minor_number", minor);
	jb_set_int(b, ver, "patch", patch);
	bmd = jb_set_map(b, ua, "metadata");
	jb_set_lit(b, bmd, "build.type", "RELEASE");
	jb_set_lit(b, bmd, "revision.status", "Clean");
	jb_set_lit(b, bmd, "ssl.version", "BoringSSL");
	{
		struct node *sr = jb_set_map(b, bs, "static_resources");
		struct node *ls = jb_set_seq(b, sr, "listeners"),
		            *cs = jb_set_seq(b, sr, "clusters");
		for (size_t i = 0; i < s->static_listeners->len; i++)
			jb_push(b, ls,
			        (struct node *)node_get(s->static_listeners->items[i], "listener"));
		for (size_t i = 0; i < s->static_clusters->len; i++)
			jb_push(b, cs,
			        (struct node *)node_get(s->static_clusters->items[i], "cluster"));
	}
	{
		struct node *dr = jb_set_map(b, bs, "dynamic_resources"), *ads, *g;
		jb_set(b, dr, "lds_config", ads_config_source(s));
		jb_set(b, dr, "cds_config", ads_config_source(s));
		ads = jb_set_map(b, dr, "ads_config");
		jb_set_lit(b, ads, "api_type", "GRPC");
		g = jb_map(b);
		jb_set_lit(b, jb_set_map(b, g, "envoy_grpc"), "cluster_name", "xds-grpc");
		jb_push(b, jb_set_seq(b, ads, "grpc_services"), g);
		jb_set_bool(b, ads, "set_node_on_first_message_only", 1);
		jb_set_lit(b, ads, "transport_api_version", "V3");
	}
	{
		struct node *adm = jb_set_map(b, bs, "admin");
		jb_set(b, adm, "address", address_node(s, "127.0.0.1", 15000));
	}
	return bs;
}
