/* The EndpointsConfigDump of ?include_eds for a snapshot that came without
 * one, built from its live clusters as Envoy builds it from its host sets
 * (config_dump_handler.cc dumpEndpointConfigs), and the hosts of a cluster
 * (xds_cluster_load_assignment, also read by the admin pages). */
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

/* The ClusterLoadAssignment of cluster r as Envoy dumps it: named after
 * its eds_service_name, else the cluster, with the hosts it has. NULL when
 * out of memory. */
static struct node *assignment(struct arena *ar, const struct xds_snapshot *s,
                               const struct xds_resource *r)
{
	const struct node *cla = xds_cluster_load_assignment(s, r->json);
	const char *service =
	    node_text(node_field(node_field(r->json, "eds_cluster_config"), "service_name"));
	size_t n = cla && cla->type == NODE_MAP ? cla->len : 0;
	struct node *out = dump_node_new(ar, NODE_MAP, n + 2);
	if (!out ||
	    dump_node_put(out, dump_node_str(ar, "@type"),
	                  dump_node_str(ar, "type.googleapis.com/"
	                                    "envoy.config.endpoint.v3.ClusterLoadAssignment")) !=
	        0 ||
	    dump_node_put(out, dump_node_str(ar, "cluster_name"),
	                  dump_node_str(ar, service && *service ? service : r->name)) != 0)
		return NULL;
	for (size_t j = 0; j < n; j++) {
		const char *k = cla->pairs[j].key->str;
		if (strcmp(k, "@type") != 0 && !node_field_name_is(k, "cluster_name"))
			dump_node_put(out, cla->pairs[j].key, cla->pairs[j].value);
	}
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
