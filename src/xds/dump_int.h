/* Internal to the config dump shaping (src/xds/dump*.c, see xds_dump.h):
 * what Envoy's ConfigDump protos declare (which fields are repeated, what
 * their elements are), answer trees built in a request's arena that share
 * the snapshot's subtrees without changing them, name_regex filtering,
 * FieldMasks, and the EndpointsConfigDump built from the clusters. */
#ifndef MESHLUA_XDS_DUMP_INT_H
#define MESHLUA_XDS_DUMP_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "meshlua/arena.h"
#include "meshlua/node.h"
#include "meshlua/strbuf.h"
#include "meshlua/xds.h"

#define DUMP_ADMIN_TYPE "type.googleapis.com/envoy.admin.v3."

/* The rank of EndpointsConfigDump in Envoy's order (its tracker key,
 * "endpoint", sorts between "ecds_filter_*" and "listeners"). */
#define DUMP_RANK_ENDPOINTS 3

/* An element message of a repeated dump field: its name and its fields,
 * the one holding the resource's Any marked with '*'. */
struct dump_element {
	const char *name;            /* "DynamicCluster" */
	const char *const fields[8]; /* "*cluster", "version_info" ... */
	/* The list inside each element whose entries name_regex filters, when
	 * Envoy matches those rather than the element ("scoped_route_configs":
	 * each ScopedRouteConfiguration by its name); NULL: the element. */
	const char *named_list;
};

struct dump_field {
	const char *name;
	const struct dump_element *element; /* NULL: not a repeated field */
	int message;                        /* a singular message field (masks go deeper) */
};

/* A ConfigDump message type and its fields. */
struct dump_type {
	const char *type; /* "ClustersConfigDump" */
	int rank;         /* Envoy's order: the sorted config tracker keys */
	struct dump_field fields[5];
};

/* A FieldMask as a tree: each node a field name and its sub-masks. A node
 * with no children keeps the whole field. */
struct dump_mask {
	const char *name;
	size_t count;
	struct dump_mask *children[32];
	int unusable; /* an empty path component or more paths than we keep: fits nothing */
};

/* ---- dump_shape.c: the protos, trees, name_regex ---- */

/* The ConfigDump type of a dump map (by its "@type"), or NULL. */
const struct dump_type *dump_type_of(const struct node *dump);

/* The field of dt named name (proto snake_case name), or NULL. */
const struct dump_field *dump_field_of(const struct dump_type *dt, const char *name);

/* A string scalar (copied into ar), or NULL when out of memory. */
struct node *dump_node_str(struct arena *ar, const char *s);

/* An empty map or list with room for cap entries, or NULL. */
struct node *dump_node_new(struct arena *ar, enum node_type type, size_t cap);

/* Adds key: value to a map made by dump_node_new (value is shared, never
 * written). Returns 0, or -1 (nothing added) when key or value is NULL,
 * as after a failed allocation. */
int dump_node_put(struct node *map, struct node *key, const struct node *value);

/* dump with each repeated resource field reduced to the entries whose
 * resource name re matches in full, as each Envoy config tracker filters
 * its own dump (the dump itself when re or dt is NULL). NULL when out of
 * memory. */
const struct node *dump_filter_names(struct arena *ar, const struct node *dump,
                                     const struct dump_type *dt, pcre2_code *re,
                                     pcre2_match_data *md);

/* ---- dump_mask.c: FieldMasks (mask=) ---- */

/* Parses "a.b,c" (FieldMaskUtil::FromString), or NULL when out of memory. */
struct dump_mask *dump_mask_parse(struct arena *ar, const char *text);

/* msg keeping only what m names ("@type" always), or NULL when out of memory. */
const struct node *dump_mask_trim(struct arena *ar, const struct node *msg,
                                  const struct dump_mask *m);

/* 1 when m fits a dump of type dt (each path names one of its fields; only
 * message fields have sub-paths), as Envoy checks before TrimMessage. */
int dump_mask_fits_dump(const struct dump_mask *m, const struct dump_type *dt);

/* 1 when m fits an element of a repeated dump field (and may enter its Any). */
int dump_mask_fits_element(const struct dump_mask *m, const struct dump_element *el);

/* Appends Envoy's FieldMask DebugString of text: `paths: "a.b"\n` per path.
 * Returns 0 or -1 when out of memory. */
int dump_mask_debug_string(struct strbuf *out, const char *text);

/* ---- dump_eds.c ---- */

/* An EndpointsConfigDump of s's live clusters, as Envoy builds it from its
 * host sets (dumpEndpointConfigs): one ClusterLoadAssignment per cluster,
 * static or dynamic as the cluster was added. NULL when out of memory. */
const struct node *dump_endpoints_from_clusters(struct arena *ar, const struct xds_snapshot *s);

#endif
