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
	void *lock; /* private: a recursive mutex (see xds_snapshot_derived) */
};

/* Slots of xds_snapshot.derived, one per derived object. */
enum xds_derived_slot {
	XDS_DERIVED_RESOLVE, /* the resolution index: listeners, clusters, endpoints, links;
	                      * built on the first resolve, on top of XDS_DERIVED_ROUTES */
	XDS_DERIVED_VIEWS,
	XDS_DERIVED_ROUTES, /* the compiled route configurations (RDS and inline), which
	                     * meshlua.load builds at once to report what Envoy rejects */
	XDS_DERIVED_SPARE
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
 * data, or NULL with err filled (a later call tries again).
 *
 * Locking: one mutex per snapshot, held while build runs, so other threads
 * asking for any slot wait for it. The mutex is recursive: a build may ask
 * for another slot of the same snapshot (the resolution index builds on the
 * compiled route configurations: XDS_DERIVED_RESOLVE asks for
 * XDS_DERIVED_ROUTES), which is then built or found inside the same lock.
 * Slots must not ask for each other in a cycle (a build asking for its own
 * slot would build again, without end). A build may write into a slot it
 * asked for only while that slot's other users cannot run: the index links
 * the route configurations' routes to its clusters inside its own build,
 * and nothing but the index reads them. */
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

/* Ingest (src/xds/ingest.c): fills s from an Envoy admin config dump tree
 * that lives in s->arena (or outlives s). root is one of:
 * - {"configs": [...]} as GET /config_dump writes it (the file of `istioctl
 *   proxy-config all -o json` too): Bootstrap, Clusters (static, dynamic
 *   active and warming), Listeners (static; dynamic active, warming and
 *   draining states, one resource each), Routes (static, where Envoy lists
 *   inline HCM route configs, then dynamic), ScopedRoutes (raw), Secrets,
 *   Endpoints (?include_eds) and ECDS dumps; others are kept in the tree;
 * - one XConfigDump map on its own ("@type" at the top);
 * - {"bootstrap": {...}} (istioctl proxy-config bootstrap -o json);
 * - {"cluster_statuses": [...]} (GET /clusters?format=json);
 * - {} (an empty dump).
 * Field names may be snake_case or lowerCamel (s->key_case says which);
 * resources are the Any messages as found. Resources are appended to what s
 * already holds, in dump order; s->root is set when it was NULL.
 * Returns 0, or -1 with err naming s->source and the node's line:col, and s
 * unchanged (configs not a list, an entry not a map, a listener with no
 * address that is not an internal listener ...). */
int xds_snapshot_ingest(struct xds_snapshot *s, const struct node *root, struct mesh_error *err);

/* Sets s->clusters_status to root, Envoy's /clusters?format=json
 * (admin.v3.Clusters: {"cluster_statuses": [...]}, or {}), after checking
 * its shape. source names that input in errors (NULL: s->source). Returns 0
 * or -1 with err filled and s unchanged. */
int xds_snapshot_set_clusters_status(struct xds_snapshot *s, const char *source,
                                     const struct node *root, struct mesh_error *err);

/* Loading (src/xds/load.c). A new snapshot (one reference, the caller's)
 * named source, from the len bytes at data (copied): JSON or YAML, judged by
 * the first significant byte, then xds_snapshot_ingest. NULL with err
 * filled (source:line:col and the byte offset for JSON syntax errors). */
struct xds_snapshot *xds_load(const char *source, const char *data, size_t len,
                              struct mesh_error *err);

/* As xds_load from the file at path, read straight into the snapshot's
 * arena (no second copy: dumps reach hundreds of MB). */
struct xds_snapshot *xds_load_file(const char *path, struct mesh_error *err);

/* Parses the JSON at data (copied into s's arena) as Envoy's
 * /clusters?format=json and sets it as s->clusters_status. source names it
 * in errors. Returns 0 or -1 with err filled. Only for snapshots not yet
 * shared (snapshots are immutable once published). */
int xds_snapshot_load_clusters(struct xds_snapshot *s, const char *source, const char *data,
                               size_t len, struct mesh_error *err);

/* As xds_snapshot_load_clusters from the file at path. */
int xds_snapshot_load_clusters_file(struct xds_snapshot *s, const char *path,
                                    struct mesh_error *err);

#endif
