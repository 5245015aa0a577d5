/* xds: one proxy's Envoy configuration at one version (a snapshot), the
 * model every other part shares. A snapshot is built once from a config
 * dump tree (loaded from a file or URL, or made by the synthesizer: one
 * path in), is immutable afterwards and is reference-counted. Each resource
 * keeps its original JSON subtree, so no field of a real dump is lost;
 * typed views and resolution indexes are derived from those subtrees.
 * No Lua here. */
#ifndef MESHLUA_XDS_H
#define MESHLUA_XDS_H

#include <stddef.h>
#include <stdint.h>

#include "meshlua/arena.h"
#include "meshlua/error.h"
#include "meshlua/node.h"

/* The resource families of an Envoy admin config dump. */
enum xds_type {
	XDS_LISTENER,     /* envoy.config.listener.v3.Listener */
	XDS_ROUTE_CONFIG, /* envoy.config.route.v3.RouteConfiguration */
	XDS_CLUSTER,      /* envoy.config.cluster.v3.Cluster */
	XDS_ENDPOINT,     /* envoy.config.endpoint.v3.ClusterLoadAssignment (EDS) */
	XDS_SECRET,       /* extensions.transport_sockets.tls.v3.Secret */
	XDS_ECDS,         /* a TypedExtensionConfig from an EcdsConfigDump */
	XDS_SCOPED_ROUTE, /* ScopedRouteConfiguration, kept raw */
	XDS_TYPE_COUNT
};

/* Where a resource sits in the dump. */
enum xds_state {
	XDS_STATIC,           /* static_listeners, static_clusters, static_route_configs ... */
	XDS_DYNAMIC_ACTIVE,   /* dynamic_active_clusters, dynamic_listeners[].active_state ... */
	XDS_DYNAMIC_WARMING,  /* not serving yet: resolution ignores it */
	XDS_DYNAMIC_DRAINING, /* listeners being drained: resolution ignores it */
};

struct xds_resource {
	enum xds_type type;
	enum xds_state state;
	const char *name;         /* Listener/Cluster/RouteConfiguration/Secret name; a
	                           * ClusterLoadAssignment's cluster_name; "" when unnamed */
	const char *version_info; /* NULL when the dump gives none */
	const char *last_updated; /* RFC 3339, NULL when none */
	const struct node *json;  /* the resource message itself (the Any's fields,
	                           * "@type" included), in the dump's own field-name form */
	const struct node *entry; /* the dump entry it came from (the DynamicCluster,
	                           * the DynamicListener ...), for error_state, client_status */
};

/* Which field-name form the input used. Both are read everywhere (see
 * node_field); this says how it came in. */
enum xds_key_case { XDS_KEYS_SNAKE, XDS_KEYS_CAMEL };

struct xds_snapshot {
	int refs;           /* private: xds_snapshot_ref/unref */
	struct arena arena; /* owns the tree, the resources and every string */
	const char *source; /* "dump.json", a URL, "synth:web-frontend-....default" */
	uint64_t version;   /* the mesh version it was synthesized at; 0 for loaded dumps */
	enum xds_key_case key_case;
	const struct node *root;      /* the whole input tree ({"configs": [...]}) */
	const struct node *bootstrap; /* the Bootstrap message, or NULL */
	/* The resources of each family, in dump order. */
	size_t count[XDS_TYPE_COUNT];
	struct xds_resource *items[XDS_TYPE_COUNT];
	/* Envoy's /clusters?format=json (admin.v3.Clusters), when it came with
	 * the dump (meshlua.fetch of an admin endpoint, or a file); else NULL.
	 * `proxy-config endpoints` reads it. */
	const struct node *clusters_status;
	/* Derived data other parts build once per snapshot, on first use, and
	 * free with it (resolution indexes, typed views). Guarded by
	 * xds_snapshot_derived; never touch these fields directly. */
	void *derived[4];
	void (*derived_free[4])(void *);
	void *lock; /* private */
};

/* Slots of xds_snapshot.derived, one per part that derives data. */
enum xds_derived_slot {
	XDS_DERIVED_RESOLVE,
	XDS_DERIVED_VIEWS,
	XDS_DERIVED_SPARE1,
	XDS_DERIVED_SPARE2
};

/* A new, empty snapshot with one reference, named source (copied). NULL
 * when memory runs out. Fill it with xds_snapshot_ingest. */
struct xds_snapshot *xds_snapshot_new(const char *source);

/* Takes a reference. Thread-safe. */
void xds_snapshot_ref(struct xds_snapshot *s);

/* Drops a reference; the last frees the snapshot, its arena and its derived
 * data. Thread-safe. NULL is ignored. */
void xds_snapshot_unref(struct xds_snapshot *s);

/* The derived data of slot, building it with build(s, ctx, err) on first
 * use (once, even with several threads asking). build returns the data or
 * NULL with err filled; free_fn releases it with the snapshot. Returns the
 * data, or NULL with err filled (a later call tries again). */
void *xds_snapshot_derived(struct xds_snapshot *s, enum xds_derived_slot slot,
                           void *(*build)(struct xds_snapshot *s, void *ctx,
                                          struct mesh_error *err),
                           void *ctx, void (*free_fn)(void *), struct mesh_error *err);

/* The resource of type named name, active or static (warming and draining
 * ones are skipped), or NULL. Linear; indexes are built by their users. */
const struct xds_resource *xds_snapshot_find(const struct xds_snapshot *s, enum xds_type type,
                                             const char *name);

/* "listener", "route configuration", "cluster", "endpoint", "secret",
 * "extension config", "scoped route configuration". */
const char *xds_type_name(enum xds_type type);

#endif
