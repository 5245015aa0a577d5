/* The EndpointsConfigDump of ?include_eds for a snapshot that came without
 * one, built from its live clusters as Envoy builds it from its host sets
 * (config_dump_handler.cc dumpEndpointConfigs), and the hosts of a cluster
 * (xds_cluster_load_assignment, also read by the admin pages). */
#include <stdio.h>
#include <string.h>

#include "dump_int.h"
#include "meshlua/xds_dump.h"

const struct node *xds_cluster_load_assignment(const struct xds_snapshot *s,
                                               const struct node *cluster)
{
	const char *type = node_text(node_field(cluster, "type"));
	const struct node *eds = node_field(cluster, "eds_cluster_config");
	const char *name = node_text(node_field(cluster, "name"));
	const char *service = node_text(node_field(eds, "service_name"));
	/* Envoy's EDS dump is made from its host sets, static clusters
	 * included: when the snapshot has one for this cluster, it is the truth. */
	const struct xds_resource *r =
	    name ? xds_snapshot_find(s, XDS_ENDPOINT, service && *service ? service : name) : NULL;
	if (r)
		return r->json;
	if ((type && strcmp(type, "EDS") == 0) || eds)
		return NULL;
	return node_field(cluster, "load_assignment");
}

/* ---- one host as Envoy's host sets hold it ---------------------------- */

#define PUT(map, key, value) dump_node_put((map), dump_node_str(ar, (key)), (value))

static struct node *int_node(struct arena *ar, long long v)
{
	char text[32];
	struct node *n;
	snprintf(text, sizeof text, "%lld", v);
	if ((n = dump_node_str(ar, text)))
		n->tag = NODE_TAG_INT;
	return n;
}

/* An integer field (or a wrapper's value), else dflt. */
static long long int_field(const struct node *msg, const char *name, long long dflt)
{
	const struct node *v = node_field_value(msg, name);
	long long out = dflt;
	if (v)
		node_int(v, &out);
	return out;
}

/* The coarse health Envoy reports for a host of EDS status eds (no active
 * health checking or outlier detection in a dump): HEALTHY, UNHEALTHY or
 * DEGRADED (upstream_impl.cc setEdsHealthFlag; DRAINING counts as
 * unhealthy where it is not excluded). */
static const char *coarse_health(const char *eds)
{
	if (!eds || !strcmp(eds, "UNKNOWN") || !strcmp(eds, "HEALTHY"))
		return "HEALTHY";
	if (!strcmp(eds, "DEGRADED"))
		return "DEGRADED";
	return "UNHEALTHY";
}

/* The address as Network::Utility::addressToProtobufAddress writes it back:
 * socket_address {address, port_value} or pipe {path}. */
static const struct node *address_of(struct arena *ar, const struct node *addr)
{
	const struct node *sa = node_field(addr, "socket_address");
	struct node *out, *inner;
	long long port = int_field(sa, "port_value", 0);
	if (!sa)
		return addr; /* a pipe or an internal address, kept as it is */
	if (!(out = dump_node_new(ar, NODE_MAP, 1)) || !(inner = dump_node_new(ar, NODE_MAP, 2)) ||
	    PUT(inner, "address",
	        dump_node_str(ar, node_text(node_field(sa, "address"))
	                              ? node_text(node_field(sa, "address"))
	                              : "")) != 0 ||
	    (port && PUT(inner, "port_value", int_node(ar, port)) != 0) ||
	    PUT(out, "socket_address", inner) != 0)
		return NULL;
	return out;
}

/* One LbEndpoint as dumpEndpointConfigs writes it from the host:
 * endpoint {address, health_check_config {port_value, hostname}, hostname},
 * health_status, metadata (when it has some), load_balancing_weight. */
static struct node *lb_endpoint(struct arena *ar, const struct node *in)
{
	const struct node *ep = node_field(in, "endpoint");
	const struct node *hc_in = node_field(ep, "health_check_config");
	const struct node *meta = node_field(in, "metadata");
	const char *hostname = node_text(node_field(ep, "hostname"));
	const char *hc_host = node_text(node_field(hc_in, "hostname"));
	long long hc_port = int_field(hc_in, "port_value", 0);
	struct node *out = dump_node_new(ar, NODE_MAP, 4), *e = dump_node_new(ar, NODE_MAP, 3);
	struct node *hc = dump_node_new(ar, NODE_MAP, 2);
	if (!out || !e || !hc ||
	    PUT(e, "address", address_of(ar, node_field(ep, "address"))) != 0 ||
	    (hc_port && PUT(hc, "port_value", int_node(ar, hc_port)) != 0) ||
	    (hc_host && *hc_host && PUT(hc, "hostname", dump_node_str(ar, hc_host)) != 0) ||
	    PUT(e, "health_check_config", hc) != 0 ||
	    (hostname && *hostname && PUT(e, "hostname", dump_node_str(ar, hostname)) != 0) ||
	    PUT(out, "endpoint", e) != 0 ||
	    PUT(out, "health_status",
	        dump_node_str(ar, coarse_health(node_text(node_field(in, "health_status"))))) !=
	        0 ||
	    (meta && meta->type == NODE_MAP && meta->len && PUT(out, "metadata", meta) != 0) ||
	    PUT(out, "load_balancing_weight",
	        int_node(ar, int_field(in, "load_balancing_weight", 1))) != 0)
		return NULL;
	return out;
}

/* One LocalityLbEndpoints: locality, its hosts, the locality's weight and
 * priority when set; NULL when out of memory, or (*empty set) when it has
 * no host, as Envoy keeps no locality without hosts. */
static struct node *locality_endpoints(struct arena *ar, const struct node *in, int *empty)
{
	const struct node *hosts = node_field(in, "lb_endpoints");
	const struct node *locality = node_field(in, "locality");
	size_t n = hosts && hosts->type == NODE_SEQ ? hosts->len : 0;
	long long weight = int_field(in, "load_balancing_weight", 0);
	long long priority = int_field(in, "priority", 0);
	struct node *out = dump_node_new(ar, NODE_MAP, 4), *list = dump_node_new(ar, NODE_SEQ, n);
	*empty = n == 0;
	if (!out || !list)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(list->items[list->len++] = lb_endpoint(ar, hosts->items[i])))
			return NULL;
	if (PUT(out, "locality", locality ? locality : dump_node_new(ar, NODE_MAP, 0)) != 0 ||
	    PUT(out, "lb_endpoints", list) != 0 ||
	    (weight && PUT(out, "load_balancing_weight", int_node(ar, weight)) != 0) ||
	    (priority && PUT(out, "priority", int_node(ar, priority)) != 0))
		return NULL;
	return out;
}

/* The ClusterLoadAssignment of cluster r as Envoy dumps it from its host
 * sets (config_dump_handler.cc dumpEndpointConfigs; the shape of the real
 * sidecar dumps in ../shared/fixtures): named after its eds_service_name,
 * else the cluster, its hosts rebuilt field by field, and the policy's
 * overprovisioning factor (140 unless the assignment sets one). NULL when
 * out of memory. */
static struct node *assignment(struct arena *ar, const struct xds_snapshot *s,
                               const struct xds_resource *r)
{
	const struct node *cla = xds_cluster_load_assignment(s, r->json);
	const char *service =
	    node_text(node_field(node_field(r->json, "eds_cluster_config"), "service_name"));
	const struct node *in = node_field(cla, "endpoints");
	size_t n = in && in->type == NODE_SEQ ? in->len : 0;
	struct node *out = dump_node_new(ar, NODE_MAP, 4), *list = dump_node_new(ar, NODE_SEQ, n);
	struct node *policy = dump_node_new(ar, NODE_MAP, 1);
	long long factor = int_field(node_field(cla, "policy"), "overprovisioning_factor", 140);
	if (!out || !list || !policy ||
	    PUT(out, "@type",
	        dump_node_str(ar, "type.googleapis.com/"
	                          "envoy.config.endpoint.v3.ClusterLoadAssignment")) != 0 ||
	    PUT(out, "cluster_name", dump_node_str(ar, service && *service ? service : r->name)) !=
	        0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int empty;
		struct node *loc = locality_endpoints(ar, in->items[i], &empty);
		if (!loc)
			return NULL;
		if (!empty)
			list->items[list->len++] = loc;
	}
	if ((list->len && PUT(out, "endpoints", list) != 0) ||
	    PUT(policy, "overprovisioning_factor", int_node(ar, factor)) != 0 ||
	    PUT(out, "policy", policy) != 0)
		return NULL;
	return out;
}

const struct node *dump_endpoints_from_clusters(struct arena *ar, const struct xds_snapshot *s)
{
	size_t n = s->count[XDS_CLUSTER];
	struct node *dump = dump_node_new(ar, NODE_MAP, 3);
	struct node *st = dump_node_new(ar, NODE_SEQ, n), *dy = dump_node_new(ar, NODE_SEQ, n);
	if (!dump || !st || !dy ||
	    dump_node_put(dump, dump_node_str(ar, "@type"),
	                  dump_node_str(ar, DUMP_ADMIN_TYPE "EndpointsConfigDump")) != 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct xds_resource *r = &s->items[XDS_CLUSTER][i];
		struct node *cla, *wrap;
		/* Envoy's active clusters: warming ones are left out. */
		if (r->state != XDS_STATIC && r->state != XDS_DYNAMIC_ACTIVE)
			continue;
		if (!(cla = assignment(ar, s, r)) || !(wrap = dump_node_new(ar, NODE_MAP, 1)) ||
		    dump_node_put(wrap, dump_node_str(ar, "endpoint_config"), cla) != 0)
			return NULL;
		/* static or dynamic as the cluster was added (added_via_api) */
		if (r->state == XDS_STATIC)
			st->items[st->len++] = wrap;
		else
			dy->items[dy->len++] = wrap;
	}
	if ((st->len &&
	     dump_node_put(dump, dump_node_str(ar, "static_endpoint_configs"), st) != 0) ||
	    (dy->len &&
	     dump_node_put(dump, dump_node_str(ar, "dynamic_endpoint_configs"), dy) != 0))
		return NULL;
	return dump;
}
