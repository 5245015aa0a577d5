/* xds_views: the rows of istioctl's proxy-config tables that need walking
 * many resources (clusters and EDS endpoints reach tens of thousands), in
 * istioctl's order, ready for a presenter to print. Strings point into the
 * snapshot or the view's own arena; a view lives until xds_view_free. The
 * other tables (listeners, routes, secrets ...) are built by the Lua
 * presenters from the resources. No Lua here. */
#ifndef MESHLUA_XDS_VIEWS_H
#define MESHLUA_XDS_VIEWS_H

#include <stddef.h>

#include "meshlua/strbuf.h"
#include "meshlua/xds.h"

/* One row of `proxy-config clusters` (ClusterFilter order applied). */
struct xds_cluster_row {
	const struct xds_resource *res;
	const char *name;      /* the cluster name */
	int parsed;            /* the name has more than 3 '|' parts */
	const char *fqdn;      /* parsed: the host part (may be ""); else the name */
	long port;             /* parsed: the port part (0 when not a number) */
	const char *subset;    /* parsed: the subset part ("" when none) */
	const char *direction; /* parsed: "outbound", "inbound", "inbound-vip" ... */
	const char *type;      /* the discovery type enum name; STATIC by default */
	const char *dest_rule; /* "<name>.<ns>" from istio.config metadata, "<unknown>", or "" */
};

/* istioctl's ClusterFilter: substring matches on the name (NULL/0 = any). */
struct xds_cluster_filter {
	const char *fqdn;
	long port;
	const char *subset;
	const char *direction;
	/* istio.config paths the DESTINATION RULE column reads (the profile's
	 * management_prefix); NULL means "/apis/networking.istio.io/". */
	const char *management_prefix;
	int go_sort; /* the profile's go_sort (enum go_sort_algo) */
};

/* One row of `proxy-config eds` (an LbEndpoint of a ClusterLoadAssignment). */
struct xds_eds_row {
	const struct xds_resource *res; /* the ClusterLoadAssignment */
	const struct node *lb_endpoint; /* the LbEndpoint */
	const char *address;            /* "ip:port", a pipe path or envoy://listener/id (joined
	                                   with ',' when there are additional addresses) */
	long port;                      /* the socket address port, 0 when none */
	const char *status;             /* HealthStatus name; UNKNOWN by default */
	const char *locality;           /* region[/zone[/sub_zone]] */
	const char *cluster;            /* cluster_name */
};

/* istioctl's EndpointFilter (NULL/0 = any): address compares "ip:port",
 * cluster and status are case-insensitive equality. */
struct xds_eds_filter {
	const char *address;
	long port;
	const char *cluster;
	const char *status;
	int go_sort; /* the profile's go_sort (enum go_sort_algo) */
};

/* A computed view: rows plus the memory they use. */
struct xds_view {
	struct arena arena;
	size_t count;
	void *rows; /* struct xds_cluster_row or struct xds_eds_row */
	/* eds only: the filtered ClusterLoadAssignments, in table order, for -o json */
	size_t cla_count;
	const struct node **clas;
};

/* The cluster rows of s (dynamic active, then static; warming ones are
 * left out as istioctl does), filtered and sorted by (fqdn, subset, port,
 * direction) with Go's sort.Slice. Returns 0 or -1 (out of memory). */
int xds_view_clusters(struct xds_view *v, const struct xds_snapshot *s,
                      const struct xds_cluster_filter *f);

/* The EDS rows of s (dynamic then static endpoint configs), filtered per
 * LbEndpoint; assignments left empty are dropped; sorted as istioctl sorts
 * them. v->clas are copies with only the matching endpoints. */
int xds_view_eds(struct xds_view *v, const struct xds_snapshot *s, const struct xds_eds_filter *f);

/* Releases a view's memory. */
void xds_view_free(struct xds_view *v);

/* Parses a cluster name as istio's ParseSubsetKey, when it has more than 3
 * '|' parts; returns 0 and fills the parts (pointing into buf), else -1. */
int xds_parse_subset_key(const char *name, char *buf, size_t cap, const char **direction,
                         long *port, const char **subset, const char **fqdn);

/* istioctl's describeManagement: "<name>.<ns>" for a metadata
 * filter_metadata.istio.config path starting with prefix (NULL:
 * "/apis/networking.istio.io/") and of 8 '/' parts, "" for other such
 * paths, "<unknown>" for any other path, "" when there is none. Written
 * into buf. */
const char *xds_describe_management(const struct node *metadata, const char *prefix, char *buf,
                                    size_t cap);

#endif
