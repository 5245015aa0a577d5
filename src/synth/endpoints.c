/* EDS (pilot/pkg/xds/endpoints/endpoint_builder.go) as Envoy's
 * EndpointsConfigDump shows it: one ClusterLoadAssignment per cluster,
 * named after it, with one locality group holding the endpoints (pod IP :
 * the port the pod serves the service port on, the targetPort resolved by
 * name per pod), HEALTHY for ready pods and UNHEALTHY for not-ready ones
 * (when the profile sends them), weight 1 unless a ServiceEntry endpoint
 * says otherwise, the istio workload and tlsMode metadata, the group weight
 * their sum, and Envoy's overprovisioning factor 140. A subset cluster keeps
 * the endpoints whose labels carry the subset's. Clusters without endpoints
 * (ORIGINAL_DST, empty services) still get their entry, as in Envoy. */
#include <stdio.h>
#include <string.h>

#include "synth_int.h"

static void eds_push(struct synth *s, struct node *cla, int is_static)
{
	struct jb *b = &s->jb;
	struct node *e = jb_map_n(b, 1);
	jb_set(b, e, "endpoint_config", cla);
	jb_push(b, is_static ? s->static_eds : s->dynamic_eds, e);
}

static struct node *policy(struct synth *s)
{
	if (!s->cla_policy) {
		s->cla_policy = jb_map(&s->jb);
		jb_set_int(&s->jb, s->cla_policy, "overprovisioning_factor", 140);
	}
	return s->cla_policy;
}

void endpoints_add_empty(struct synth *s, const char *cluster, int is_static)
{
	struct jb *b = &s->jb;
	struct node *cla =
	    jb_typed(b, "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment");
	jb_set_str(b, cla, "cluster_name", cluster);
	jb_set(b, cla, "policy", policy(s));
	eds_push(s, cla, is_static);
}

/* The parts of "<workload>;<ns>;<canonical service>;<canonical
 * revision>;<cluster>". Returns 0 when e has no pod. */
static int workload_parts(const struct ep *e, const char *part[4])
{
	const struct mesh_object *pod = e->pod;
	const char *svc, *rev;
	if (!pod)
		return 0;
	part[0] = pod->pod->owner_name ? pod->pod->owner_name : pod->name;
	part[1] = pod->namespace_;
	svc = mesh_labels_get(&pod->labels, "service.istio.io/canonical-name");
	if (!svc)
		svc = mesh_labels_get(&pod->labels, "app.kubernetes.io/name");
	if (!svc)
		svc = mesh_labels_get(&pod->labels, "app");
	if (!svc)
		svc = part[0];
	rev = mesh_labels_get(&pod->labels, "service.istio.io/canonical-revision");
	if (!rev)
		rev = mesh_labels_get(&pod->labels, "app.kubernetes.io/version");
	if (!rev)
		rev = mesh_labels_get(&pod->labels, "version");
	part[2] = svc;
	part[3] = rev ? rev : "latest";
	return 1;
}

/* Whether the endpoint runs Istio's mTLS (a sidecar, or the tlsMode label). */
static int istio_tls(const struct ep *e)
{
	const char *mode = mesh_labels_get(e->labels, "security.istio.io/tlsMode");
	if (mode)
		return strcmp(mode, "istio") == 0;
	return e->pod && e->pod->pod->proxy != MESH_PROXY_NONE;
}

/* The LbEndpoint metadata of e (tlsMode, workload), built once per
 * endpoint, and shared by the endpoints of one workload (the pods of a
 * Deployment, which come one after another); NULL when it has neither. */
static struct node *ep_metadata(struct synth *s, struct ep *e)
{
	struct jb *b = &s->jb;
	struct md_cache *c = &s->md_last;
	const char *part[4] = {NULL, NULL, NULL, NULL};
	struct node *fm;
	int tls, has_wl, same = 1;
	if (e->metadata || e->workload)
		return e->metadata;
	tls = istio_tls(e);
	has_wl = workload_parts(e, part);
	if (!tls && !has_wl) {
		e->workload = "";
		return NULL;
	}
	same = c->md && c->tls == tls && c->has_wl == has_wl;
	for (int i = 0; i < 4 && same && has_wl; i++)
		same = c->part[i] == part[i] || strcmp(c->part[i], part[i]) == 0;
	if (same) {
		e->workload = c->workload;
		e->metadata = c->md;
		return e->metadata;
	}
	e->workload =
	    has_wl ? jb_fmt(b, "%s;%s;%s;%s;Kubernetes", part[0], part[1], part[2], part[3]) : "";
	e->metadata = jb_map_n(b, 1);
	fm = jb_map_n(b, tls + has_wl);
	jb_set(b, e->metadata, "filter_metadata", fm);
	if (tls) {
		struct node *t = jb_map_n(b, 1);
		jb_set(b, fm, "envoy.transport_socket_match", t);
		jb_set_lit(b, t, "tlsMode", "istio");
	}
	if (has_wl) {
		struct node *w = jb_map_n(b, 1);
		jb_set(b, fm, "istio", w);
		jb_set_lit(b, w, "workload", e->workload);
	}
	c->tls = tls;
	c->has_wl = has_wl;
	memcpy(c->part, part, sizeof part);
	c->workload = e->workload;
	c->md = e->metadata;
	return e->metadata;
}

struct node *lb_endpoint(struct synth *s, const char *address, int port, int healthy,
                         const struct ep *ce)
{
	struct jb *b = &s->jb;
	/* The endpoints live in the build's scratch arena; their caches are
	 * this file's to fill. */
	struct ep *e = (struct ep *)ce;
	struct node *le, *ep, *md;
	if (e && e->cached_lbe && e->cached_port == port)
		return e->cached_lbe;
	le = jb_map_n(b, 5);
	ep = jb_map_n(b, 2);
	jb_set(b, le, "endpoint", ep);
	jb_set(b, ep, "address", address_node(s, address, port));
	jb_set(b, ep, "health_check_config", jb_empty(b));
	jb_set_lit(b, le, "health_status", healthy ? "HEALTHY" : "UNHEALTHY");
	if (e && (md = ep_metadata(s, e)))
		jb_set(b, le, "metadata", md);
	jb_set_int(b, le, "load_balancing_weight", e && e->weight > 0 ? e->weight : 1);
	if (e) {
		e->cached_lbe = le;
		e->cached_port = port;
	}
	return le;
}

/* The locality group of v's endpoints serving port p (subset labels
 * filter them). Returns NULL when there are none. */
struct node *locality_endpoints(struct synth *s, const struct svc *v, const struct sport *p,
                                const struct node *subset_labels)
{
	struct jb *b = &s->jb;
	struct node *group = NULL, *list = NULL;
	long long weight = 0;
	for (size_t i = 0; i < v->neps; i++) {
		const struct ep *e = &v->eps[i];
		int port = ep_port(v, e, p);
		if (!port || !labels_match_node(subset_labels, e->labels))
			continue;
		if (!group) {
			group = jb_map_n(b, 3);
			jb_set(b, group, "locality", jb_empty(b));
			list = jb_seq_n(b, v->neps - i);
			jb_set(b, group, "lb_endpoints", list);
		}
		jb_push(b, list, lb_endpoint(s, e->address, port, e->healthy, e));
		weight += e->weight > 0 ? e->weight : 1;
	}
	if (group)
		jb_set_int(b, group, "load_balancing_weight", weight);
	return group;
}

void endpoints_add(struct synth *s, const char *cluster, const struct svc *v, const struct sport *p,
                   const struct node *subset_labels, int is_static)
{
	struct jb *b = &s->jb;
	struct node *cla =
	    jb_typed(b, "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment");
	struct node *group = locality_endpoints(s, v, p, subset_labels);
	jb_set_str(b, cla, "cluster_name", cluster);
	if (group) {
		struct node *list = jb_seq_n(b, 1);
		jb_set(b, cla, "endpoints", list);
		jb_push(b, list, group);
	}
	jb_set(b, cla, "policy", policy(s));
	eds_push(s, cla, is_static);
}
