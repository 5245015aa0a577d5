/* Decoding of the core kinds: Namespace (with the kubernetes.io/metadata.name
 * label the API server adds) and Service (types, ports, selector, cluster IP
 * and node port requests), validated as the API server does
 * (pkg/apis/core/validation). Addresses are allocated later, by apply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

int decode_namespace(struct dctx *c, const struct node *doc)
{
	struct mesh_labels given;
	struct mesh_label *pairs;
	size_t n = 0;
	const struct node *meta = dc_get(doc, "metadata");
	if (dc_string_map(c, dc_get(meta, "labels"), "metadata.labels", 1, &given) != 0)
		return -1;
	pairs = malloc((given.count + 1) * sizeof *pairs);
	if (!pairs)
		return dc_fail(c, doc, "", "out of memory");
	for (size_t i = 0; i < given.count; i++)
		if (strcmp(given.items[i].key, "kubernetes.io/metadata.name") != 0)
			pairs[n++] = given.items[i];
	/* Since Kubernetes 1.21 every namespace carries its name as a label. */
	pairs[n].key = "kubernetes.io/metadata.name";
	pairs[n++].value = c->o->name;
	if (object_set_labels(c->o, pairs, n) != 0) {
		free(pairs);
		return dc_fail(c, doc, "", "out of memory");
	}
	free(pairs);
	return 0;
}

static const char *const service_types[] = {"ClusterIP", "NodePort", "LoadBalancer", "ExternalName",
                                            NULL};
static const char *const protocols[] = {"TCP", "UDP", "SCTP", NULL};

static int is_ipv4(const char *s)
{
	unsigned a, b, d, e;
	char tail;
	return sscanf(s, "%3u.%3u.%3u.%3u%c", &a, &b, &d, &e, &tail) == 4 && a < 256 && b < 256 &&
	       d < 256 && e < 256;
}

static int decode_port(struct dctx *c, const struct node *item, size_t i, size_t count,
                       struct mesh_service *svc, struct mesh_port *p)
{
	char path[80], sub[120];
	const struct node *tp;
	long long v;
	int present;
	const char *problem;
	dc_pathf(path, sizeof path, "spec.ports[%zu]", i);
	if (item->type != NODE_MAP)
		return dc_fail(c, item, path, "must be a map, got %s", node_type_name(item));
	dc_path_join(sub, sizeof sub, path, ".port");
	if (dc_int(c, item, "port", sub, 1, 1, 65535, &v, NULL) != 0)
		return -1;
	p->port = (int)v;
	dc_path_join(sub, sizeof sub, path, ".name");
	if (dc_str(c, item, "name", sub, 0, &p->name) != 0)
		return -1;
	if (!p->name)
		p->name = "";
	if (!p->name[0] && count > 1)
		return dc_fail(c, item, sub,
		               "Required value (every port of a multi-port Service "
		               "needs a name)");
	if (p->name[0] && (problem = dns_label_problem(p->name)))
		return dc_fail(c, node_get(item, "name"), sub, "Invalid value: \"%s\": %s", p->name,
		               problem);
	dc_path_join(sub, sizeof sub, path, ".protocol");
	if (dc_enum(c, item, "protocol", sub, protocols, "TCP", &p->protocol) != 0)
		return -1;
	dc_path_join(sub, sizeof sub, path, ".appProtocol");
	if (dc_str(c, item, "appProtocol", sub, 0, &p->app_protocol) != 0)
		return -1;
	dc_path_join(sub, sizeof sub, path, ".targetPort");
	tp = dc_get(item, "targetPort");
	p->target_port = p->port;
	p->target_port_name = NULL;
	if (tp && node_is_str(tp)) {
		if ((problem = iana_svc_name_problem(tp->str)))
			return dc_fail(c, tp, sub, "Invalid value: \"%s\": %s", tp->str, problem);
		p->target_port = 0;
		p->target_port_name = tp->str;
	} else if (tp) {
		if (dc_int(c, item, "targetPort", sub, 0, 1, 65535, &v, NULL) != 0)
			return -1;
		p->target_port = (int)v;
	}
	dc_path_join(sub, sizeof sub, path, ".nodePort");
	if (dc_int(c, item, "nodePort", sub, 0, 30000, 32767, &v, &present) != 0)
		return -1;
	p->node_port = present ? (int)v : 0;
	if (present && svc->type != MESH_SVC_NODE_PORT && svc->type != MESH_SVC_LOAD_BALANCER)
		return dc_fail(c, node_get(item, "nodePort"), sub,
		               "Forbidden: may not be used when `type` is '%s'", svc->type_name);
	/* Names and port/protocol pairs are unique. */
	for (size_t j = 0; j < i; j++) {
		const struct mesh_port *q = &svc->ports[j];
		if (p->name[0] && strcmp(q->name, p->name) == 0) {
			dc_path_join(sub, sizeof sub, path, ".name");
			return dc_fail(c, node_get(item, "name"), sub,
			               "Duplicate value: \"%s\" (also spec.ports[%zu])", p->name,
			               j);
		}
		if (q->port == p->port && strcmp(q->protocol, p->protocol) == 0)
			return dc_fail(c, item, path,
			               "Duplicate value: port %d/%s (also spec.ports[%zu])",
			               p->port, p->protocol, j);
	}
	return 0;
}

int decode_service(struct dctx *c, const struct node *spec)
{
	struct mesh_service *svc = arena_calloc(&c->o->arena, 1, sizeof *svc);
	const struct node *ports, *selector;
	const char *cluster_ip;
	if (!svc)
		return dc_fail(c, spec, "", "out of memory");
	c->o->service = svc;
	if (dc_enum(c, spec, "type", "spec.type", service_types, "ClusterIP", &svc->type_name) != 0)
		return -1;
	for (int i = 0; service_types[i]; i++)
		if (strcmp(service_types[i], svc->type_name) == 0)
			svc->type = (enum mesh_service_type)i;
	if (dc_str(c, spec, "clusterIP", "spec.clusterIP", 0, &cluster_ip) != 0)
		return -1;
	if (cluster_ip && !cluster_ip[0])
		cluster_ip = NULL;
	if (cluster_ip && strcmp(cluster_ip, "None") == 0) {
		if (svc->type != MESH_SVC_CLUSTER_IP)
			return dc_fail(c, node_get(spec, "clusterIP"), "spec.clusterIP",
			               "Invalid value: \"None\": may only be set to \"None\" for "
			               "ClusterIP services");
		svc->headless = 1;
		svc->cluster_ip = "None";
	} else if (cluster_ip) {
		if (!is_ipv4(cluster_ip))
			return dc_fail(c, node_get(spec, "clusterIP"), "spec.clusterIP",
			               "Invalid value: \"%s\": must be a valid IP address, (e.g. "
			               "10.9.8.7)",
			               cluster_ip);
		if (svc->type == MESH_SVC_EXTERNAL_NAME)
			return dc_fail(c, node_get(spec, "clusterIP"), "spec.clusterIP",
			               "Forbidden: may not be set for ExternalName services");
		svc->cluster_ip = cluster_ip; /* a request: apply checks and claims it */
	}
	if (svc->type == MESH_SVC_EXTERNAL_NAME) {
		const char *problem;
		if (dc_str(c, spec, "externalName", "spec.externalName", 1, &svc->external_name) !=
		    0)
			return -1;
		if ((problem = dns_subdomain_problem(svc->external_name)))
			return dc_fail(c, node_get(spec, "externalName"), "spec.externalName",
			               "Invalid value: \"%s\": %s", svc->external_name, problem);
	}
	if (dc_map(c, spec, "selector", "spec.selector", 0, &selector) != 0 ||
	    dc_string_map(c, selector, "spec.selector", 1, &svc->selector) != 0)
		return -1;
	svc->has_selector = svc->selector.count > 0;
	if (dc_seq(c, spec, "ports", "spec.ports", 0, &ports) != 0)
		return -1;
	if ((!ports || ports->len == 0) && !svc->headless && svc->type != MESH_SVC_EXTERNAL_NAME)
		return dc_fail(c, spec ? spec : NULL, "spec.ports", "Required value");
	svc->port_count = ports ? ports->len : 0;
	svc->ports = arena_calloc(&c->o->arena, svc->port_count + 1, sizeof *svc->ports);
	if (!svc->ports)
		return dc_fail(c, spec, "", "out of memory");
	for (size_t i = 0; i < svc->port_count; i++)
		if (decode_port(c, ports->items[i], i, svc->port_count, svc,
		                (struct mesh_port *)&svc->ports[i]) != 0)
			return -1;
	return 0;
}
