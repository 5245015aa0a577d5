/* synth: istiod in C. Given the simulated cluster (mesh.h) and one proxy (the
 * sidecar of a pod, or an Istio gateway pod), builds the Envoy configuration
 * istiod would push to it, following Istio's own rules for the release line
 * of an Istio profile (profile.h): listeners, route configurations,
 * clusters, endpoints, the bootstrap and the secrets. The result is the tree
 * a real Envoy reports at GET /config_dump?include_eds (snake_case, resources
 * wrapped in Any with "@type", configs in Envoy's order), built directly in
 * a new snapshot's arena and then read by xds_snapshot_ingest, exactly as a
 * loaded dump is: one path in. No Lua here. */
#ifndef MESHLUA_SYNTH_H
#define MESHLUA_SYNTH_H

#include <stddef.h>

#include "meshlua/error.h"
#include "meshlua/mesh.h"
#include "meshlua/profile.h"
#include "meshlua/xds.h"

/* Builds the snapshot of the Envoy in pod (a Pod object of m whose
 * pod->proxy is not MESH_PROXY_NONE) under profile (NULL: the default).
 * The snapshot is named "synth:<pod>.<ns>" and its version is the mesh
 * version. Returns a new snapshot (one reference, the caller's), or NULL
 * with err filled: the pod has no Envoy (err says why, as
 * mesh_pod_proxy_check words it), or memory ran out. The mesh is only read. */
struct xds_snapshot *synth_build(const struct mesh *m, const struct mesh_object *pod,
                                 const struct istio_profile *profile, struct mesh_error *err);

/* What kube-dns answers a pod in namespace ns that looks host up: the
 * Service's cluster IP for "name" (in ns), "name.ns", "name.ns.svc",
 * "name.ns.svc.<domain>" (a trailing dot allowed), the first ready pod IP
 * of a headless Service, the target of an ExternalName Service resolved in
 * turn; else the first address of a ServiceEntry that names host. Writes
 * the address into buf (cap bytes) and returns 0, or returns -1 when the
 * mesh knows no such name (an IP literal is returned as is). */
int synth_resolve_host(const struct mesh *m, const char *ns, const char *host, char *buf,
                       size_t cap);

#endif
