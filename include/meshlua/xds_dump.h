/* xds_dump: a snapshot as Envoy's admin GET /config_dump answers it, the
 * one implementation behind proxy:config_dump() and the admin server's
 * /config_dump (source/server/admin/config_dump_handler.cc;
 * ../shared/reference/envoy.md section 1): protobuf's JSON printer as
 * Envoy calls it (XDS_JSON_ENVOY of xds_json.h: snake_case, one space of
 * indent a level, a newline at the end), configs in Envoy's order
 * (Bootstrap, Clusters, ECDS, Endpoints, Listeners, ScopedRoutes, Routes,
 * Secrets), shaped by resource=, mask=, name_regex= and include_eds (an
 * empty resource= or mask= counts as absent, as in Envoy). The answer is
 * built as a tree that shares the snapshot's subtrees (never changing
 * them), then written out. Loading the unshaped text back gives the same
 * snapshot. No Lua, no HTTP here. */
#ifndef MESHLUA_XDS_DUMP_H
#define MESHLUA_XDS_DUMP_H

#include "meshlua/error.h"
#include "meshlua/node.h"
#include "meshlua/strbuf.h"
#include "meshlua/xds.h"

/* Which EndpointsConfigDump the answer has. */
enum xds_dump_eds {
	XDS_DUMP_EDS_NONE,  /* none (GET /config_dump without include_eds) */
	XDS_DUMP_EDS_ENVOY, /* ?include_eds: the snapshot's own, else one built from its
	                       live clusters' hosts (as Envoy builds it from its host
	                       sets) when it has clusters */
	XDS_DUMP_EDS_KEPT,  /* the snapshot's own when it has one, none built: the
	                       snapshot written back as it came */
};

/* The query parameters of GET /config_dump (NULL: absent). */
struct xds_dump_opts {
	const char *resource;          /* ?resource=: each element of the first dump's
	                                  repeated field of that name, as its own Any */
	const char *mask;              /* ?mask=a,b.c: a FieldMask on each dump (dumps it does
	                                  not fit are left out), or on each element with
	                                  resource= (it may enter the element's Any) */
	const char *name_regex;        /* ?name_regex=: keeps the resources whose name it
	                                  matches in full (RE2 FullMatch, PCRE2 here); "" keeps
	                                  all */
	enum xds_dump_eds include_eds; /* ?include_eds: XDS_DUMP_EDS_ENVOY */
};

/* Appends Envoy's answer to GET /config_dump of s and returns its status:
 * - 0 (200): the JSON;
 * - 400 or 404: Envoy's text for it, appended to out and set in err (named
 *   after s->source): a bad name_regex ("INVALID_ARGUMENT: Error while
 *   parsing name_regex from <re>: <why>"), resource= naming a field that is
 *   not repeated ("<f> is not a repeated field. Use ?mask=<f> to get only
 *   this field") or no field at all ("<f> not found in config dump"), a
 *   mask that fits no element ("FieldMask paths: \"<p>\"\n could not be
 *   successfully used.") or no dump ("FieldMask <m> could not be
 *   successfully applied to any configs.");
 * - 500: out of memory, err set, nothing appended. */
int xds_write_config_dump(struct strbuf *out, const struct xds_snapshot *s,
                          const struct xds_dump_opts *opts, struct mesh_error *err);

/* The hosts of cluster (a Cluster message of s): s's ClusterLoadAssignment
 * for it (by eds_service_name, else its name), else for a non-EDS cluster
 * its own load_assignment; NULL when it has none. */
const struct node *xds_cluster_load_assignment(const struct xds_snapshot *s,
                                               const struct node *cluster);

#endif
