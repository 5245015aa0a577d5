/* Finding pods the way istioctl and kubectl accept them (kind/name, the
 * first pod of a workload or Service, <pod>.<namespace>), the port a pod
 * serves a Service port on, a Service's Endpoints, and why a pod has no
 * Envoy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh_internal.h"

int mesh_pod_target_port(const struct mesh_object *pod, const struct mesh_port *port)
{
	const struct mesh_pod_spec *spec = &pod->pod->spec;
	if (!port->target_port_name)
		return port->target_port;
	for (size_t i = 0; i < spec->container_count; i++)
		for (size_t j = 0; j < spec->containers[i].port_count; j++) {
			const struct mesh_container_port *p = &spec->containers[i].ports[j];
			if (p->name && strcmp(p->name, port->target_port_name) == 0 &&
			    strcmp(p->protocol, port->protocol) == 0)
				return p->port;
		}
	return 0;
}

static int endpoint_cmp(const void *a, const void *b)
{
	const struct mesh_endpoint *x = a, *y = b;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return strcmp(x->ip, y->ip);
}

int mesh_service_endpoints(const struct mesh *m, const struct mesh_object *service,
                           struct mesh_endpoint **out, size_t *count)
{
	const struct mesh_service *s = service->service;
	struct mesh_iter it;
	struct mesh_object *pod;
	struct mesh_endpoint *eps;
	size_t n = 0, cap = 0, per_pod;
	*out = NULL;
	*count = 0;
	if (!s || service->deleted)
		return 0;
	if (s->apiserver_ip) {
		eps = calloc(1, sizeof *eps);
		if (!eps)
			return -1;
		eps->ip = s->apiserver_ip;
		eps->port = s->port_count ? &s->ports[0] : NULL;
		eps->target_port = s->apiserver_port;
		eps->ready = 1;
		*out = eps;
		*count = 1;
		return 0;
	}
	per_pod = s->port_count ? s->port_count : 1;
	mesh_iter_service_pods(&it, m, service);
	while (mesh_iter_next(&it))
		cap += per_pod;
	if (cap == 0)
		return 0;
	eps = calloc(cap, sizeof *eps);
	if (!eps)
		return -1;
	mesh_iter_service_pods(&it, m, service);
	while ((pod = mesh_iter_next(&it))) {
		if (!pod->pod->ip)
			continue;
		for (size_t i = 0; i < per_pod; i++) {
			int target = s->port_count ? mesh_pod_target_port(pod, &s->ports[i]) : 0;
			if (s->port_count && !target)
				continue; /* a named target port the pod does not have */
			eps[n].pod = pod;
			eps[n].port = s->port_count ? &s->ports[i] : NULL;
			eps[n].ip = pod->pod->ip;
			eps[n].target_port = target;
			eps[n++].ready = pod->pod->ready;
		}
	}
	qsort(eps, n, sizeof *eps, endpoint_cmp);
	if (n == 0) {
		free(eps);
		eps = NULL;
	}
	*out = eps;
	*count = n;
	return 0;
}

int mesh_service_has_endpoints(const struct mesh_object *service)
{
	const struct mesh_service *s = service->service;
	if (!s || service->deleted)
		return 0;
	return s->apiserver_ip || (s->has_selector && s->type != MESH_SVC_EXTERNAL_NAME);
}

/* kubectl's choice of "the" pod of a workload (podutils.ByLogging, as far as
 * the simulation has states): ready before not ready, then the oldest. */
static int better(const struct mesh_object *a, const struct mesh_object *b)
{
	if (!b)
		return 1;
	if (a->pod->ready != b->pod->ready)
		return a->pod->ready > b->pod->ready;
	if (a->created != b->created)
		return a->created < b->created;
	return a->uid < b->uid;
}

static struct mesh_object *first_pod(const struct mesh *m, const struct mesh_object *owner)
{
	struct mesh_object *best = NULL, *pod;
	struct mesh_iter it;
	if (owner->kind == MESH_SERVICE) {
		mesh_iter_service_pods(&it, m, owner);
	} else {
		mesh_iter_init(&it, m, MESH_POD, owner->namespace_, NULL);
	}
	while ((pod = mesh_iter_next(&it))) {
		if (owner->kind != MESH_SERVICE &&
		    !(pod->pod->owner_kind &&
		      strcmp(pod->pod->owner_kind, mesh_kind_info(owner->kind)->kind) == 0 &&
		      strcmp(pod->pod->owner_name, owner->name) == 0))
			continue;
		if (better(pod, best))
			best = pod;
	}
	return best;
}

struct mesh_object *mesh_resolve_pod(const struct mesh *m, const char *ref, const char *ns,
                                     struct mesh_error *err)
{
	const char *slash = strchr(ref, '/');
	char name[256], kind_name[64];
	enum mesh_kind kind = MESH_POD;
	struct mesh_object *o, *pod;
	mesh_error_clear(err);
	if (!ns || !ns[0])
		ns = "default";
	if (slash) {
		size_t n = (size_t)(slash - ref);
		snprintf(kind_name, sizeof kind_name, "%.*s", (int)n, ref);
		if (n >= sizeof kind_name || mesh_kind_lookup(kind_name, &kind) != 0) {
			mesh_error_set(err, NULL, 0, 0,
			               "the server doesn't have a resource type \"%.*s\"", (int)n,
			               ref);
			return NULL;
		}
		snprintf(name, sizeof name, "%s", slash + 1);
	} else {
		/* istioctl: "<pod>.<namespace>" names the namespace too. */
		const char *dot = strrchr(ref, '.');
		if (dot && dot != ref && dot[1]) {
			snprintf(name, sizeof name, "%.*s", (int)(dot - ref), ref);
			ns = dot + 1;
		} else {
			snprintf(name, sizeof name, "%s", ref);
		}
	}
	if (kind != MESH_POD && kind != MESH_DEPLOYMENT && kind != MESH_STATEFULSET &&
	    kind != MESH_DAEMONSET && kind != MESH_SERVICE) {
		mesh_error_set(err, NULL, 0, 0, "cannot find a pod for a %s",
		               mesh_kind_info(kind)->kind);
		return NULL;
	}
	o = mesh_find(m, kind, ns, name);
	if (!o) {
		mesh_error_set(err, NULL, 0, 0, "%s \"%s\" not found",
		               mesh_kind_info(kind)->plural_group, name);
		return NULL;
	}
	if (kind == MESH_POD)
		return o;
	pod = first_pod(m, o);
	if (!pod)
		mesh_error_set(err, NULL, 0, 0, "no pods found for %s %s in namespace %s",
		               mesh_kind_info(kind)->singular, name, ns);
	return pod;
}

int mesh_pod_proxy_check(const struct mesh_object *pod, struct mesh_error *err)
{
	if (pod->pod && pod->pod->proxy != MESH_PROXY_NONE)
		return 0;
	if (!pod->pod) {
		mesh_error_set(err, NULL, 0, 0, "%s \"%s\" is not a pod",
		               mesh_kind_info(pod->kind)->kind, pod->name);
		return -1;
	}
	if (pod->pod->injection_fix)
		mesh_error_set(
		    err, NULL, 0, 0,
		    "pod %s.%s has no Envoy: it has no istio-proxy sidecar because %s (%s)",
		    pod->name, pod->namespace_, pod->pod->injection, pod->pod->injection_fix);
	else
		mesh_error_set(err, NULL, 0, 0,
		               "pod %s.%s has no Envoy: it has no istio-proxy sidecar because %s",
		               pod->name, pod->namespace_, pod->pod->injection);
	return -1;
}
