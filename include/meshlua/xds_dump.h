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
	const char *resource;   /* ?resource=: not supported yet (an error says so) */
	const char *mask;       /* ?mask=: not supported yet (an error says so) */
	const char *name_regex; /* ?name_regex=: keeps resources whose name it matches
	                           (POSIX extended regex, searched as Envoy does) */
	int include_eds;        /* ?include_eds: keep the EndpointsConfigDump */
};

/* Appends the dump of s. Returns 0, or -1 with err filled (a bad regex, an
 * option not supported, out of memory) and nothing appended. */
int xds_write_config_dump(struct strbuf *out, const struct xds_snapshot *s,
                          const struct xds_dump_opts *opts, struct mesh_error *err);

#endif
