/* xds_dump: a snapshot written back as Envoy's admin GET /config_dump
 * (snake_case, 2-space indent, configs in Envoy's order: Bootstrap,
 * Clusters, ECDS, Endpoints (include_eds), Listeners, ScopedRoutes, Routes,
 * Secrets), for proxy:config_dump() and the admin server. Loading the text
 * back gives the same snapshot. No Lua here. */
#ifndef MESHLUA_XDS_DUMP_H
#define MESHLUA_XDS_DUMP_H

#include "meshlua/error.h"
#include "meshlua/strbuf.h"
#include "meshlua/xds.h"

/* The query parameters of GET /config_dump (NULL/0: absent). */
struct xds_dump_opts {
	const char *resource;   /* ?resource=: each element of the first dump's repeated
	                           field of that name, as its own Any */
	const char *mask;       /* ?mask=a,b.c: a FieldMask on each dump (on each element
	                           with resource=; it goes through Anys and lists) */
	const char *name_regex; /* ?name_regex=: keeps resources whose name it matches
	                           (POSIX extended regex, searched as Envoy does) */
	int include_eds;        /* ?include_eds: keep the EndpointsConfigDump */
};

/* Appends the dump of s. Returns 0, or the HTTP status Envoy would answer
 * with err filled and nothing appended: 400 (a bad regex; resource= names a
 * field that is not repeated: "<f> is not a repeated field. Use ?mask=<f> to
 * get only this field"), 404 ("<f> not found in config dump"), 500 (out of
 * memory). */
int xds_write_config_dump(struct strbuf *out, const struct xds_snapshot *s,
                          const struct xds_dump_opts *opts, struct mesh_error *err);

#endif
