/* controlz: istiod's introspection pages (pkg/ctrlz in istio/istio) for the
 * simulated mesh: the logging scopes (levels changeable from the page and
 * from Lua), memory, environment, process info, arguments, version, and a
 * mesh page of meshlua's own (proxies with their config versions and push
 * counts, the objects in the store). Each topic has an HTML page under
 * /<topic>z/ and JSON under /<topic>j/, as ControlZ lays them out.
 *
 * The server thread reads only what this object holds: the scope table
 * (under its lock) and an immutable, reference-counted mesh summary that the
 * Lua side republishes after each mutation. No Lua, no mesh store here. */
#ifndef MESHLUA_CONTROLZ_H
#define MESHLUA_CONTROLZ_H

#include <stddef.h>
#include <stdint.h>

#include "meshlua/server.h"

/* istio.io/istio/pkg/log levels, as ControlZ names them. */
enum controlz_level { CONTROLZ_NONE, CONTROLZ_ERROR, CONTROLZ_WARN, CONTROLZ_INFO, CONTROLZ_DEBUG };

/* "none", "error", "warn", "info", "debug". */
const char *controlz_level_name(enum controlz_level level);

/* The level named name, or -1. */
int controlz_level_parse(const char *name);

struct controlz_scope {
	char name[64];
	char description[192];
	enum controlz_level output_level;
	enum controlz_level stack_trace_level;
	int log_callers;
};

/* ---- the mesh summary ----------------------------------------------------- */

/* What the mesh page shows, built on the Lua thread and published whole. */
struct controlz_mesh;

/* An empty summary of a mesh at version, one reference. NULL when out of memory. */
struct controlz_mesh *controlz_mesh_new(uint64_t version);

/* Adds a proxy: its name, kind ("sidecar", "gateway", "dump"), the mesh
 * version its configuration was built at, and how many configurations it
 * was pushed. Strings are copied. Returns 0 or -1 (out of memory). */
int controlz_mesh_add_proxy(struct controlz_mesh *m, const char *name, const char *kind,
                            uint64_t config_version, uint64_t pushes);

/* Sets the config version and push count of the proxy called name (an
 * admin server counted the pushes). Returns 0, or -1 when m lists no such
 * proxy. Only before publishing m. */
int controlz_mesh_set_pushes(struct controlz_mesh *m, const char *name, uint64_t config_version,
                             uint64_t pushes);

/* Adds an object of the store ("Deployment", "default", "customers-v1", its
 * resource version). Returns 0 or -1. */
int controlz_mesh_add_object(struct controlz_mesh *m, const char *kind, const char *namespace_,
                             const char *name, uint64_t resource_version);

void controlz_mesh_ref(struct controlz_mesh *m);

/* Drops a reference; the last frees. NULL is ignored. */
void controlz_mesh_unref(struct controlz_mesh *m);

/* ---- the ControlZ state ------------------------------------------------------ */

struct controlz_info {
	const char *instance;      /* shown in the header: "istiod-65878485df-72w4s.istio-system" */
	const char *istio_version; /* the simulated istiod's release (the profile's) */
	const char *meshlua_version;
};

struct controlz;

/* New ControlZ state with istiod's logging scopes at their defaults (info,
 * stack traces none, no callers). Strings in info are copied. NULL when out
 * of memory. */
struct controlz *controlz_new(const struct controlz_info *info);

/* Frees cz (after the server using it stopped). NULL is ignored. */
void controlz_free(struct controlz *cz);

/* Number of scopes, and a copy of the i-th (sorted by name). Thread-safe. */
size_t controlz_scope_count(struct controlz *cz);
int controlz_scope_at(struct controlz *cz, size_t i, struct controlz_scope *out);

/* A copy of the scope called name. Returns 0, or -1 when there is none. */
int controlz_scope_get(struct controlz *cz, const char *name, struct controlz_scope *out);

/* Changes scope name: output and stack trace levels by name (NULL or an
 * unknown name leaves that level as it is, as ControlZ's PUT does),
 * log_callers 0/1 (-1 leaves it). Returns 0, or -1 when there is no such
 * scope. Thread-safe. */
int controlz_scope_set(struct controlz *cz, const char *name, const char *output_level,
                       const char *stack_trace_level, int log_callers);

/* How many times scopes were changed (from the page or from Lua). */
uint64_t controlz_scope_changes(struct controlz *cz);

/* Replaces the mesh summary served (takes a reference; NULL clears it). */
void controlz_publish_mesh(struct controlz *cz, struct controlz_mesh *m);

/* The http_handler of ControlZ: ctx is a struct controlz. */
void controlz_handle(void *ctx, const struct http_request *req, struct http_response *resp);

#endif
