/* Private to src/mesh/: what the Istio validators share (decode_istio.c,
 * decode_istio_edge.c). Each check returns 0, or -1 with the error recorded
 * in c->err (see decode.h). */
#ifndef MESHLUA_MESH_DECODE_ISTIO_H
#define MESHLUA_MESH_DECODE_ISTIO_H

#include "decode.h"

/* Istio's ValidateWildcardDomain: a wildcard only in the first label ("*",
 * "*.x", "*x", "*-x"). Writes the problem into buf; 0 when valid. */
int istio_wildcard_domain_problem(const char *host, char *buf, size_t cap);
/* h is a string and a valid (wildcard) host. */
int istio_check_host(struct dctx *c, const struct node *h, const char *path);
/* parent[key] is absent or a list of strings (*out, NULL when absent). */
int istio_string_list(struct dctx *c, const struct node *parent, const char *key, const char *path,
                      const struct node **out);
/* parent[key] is a port number 1..65535 (required or not). */
int istio_check_port_number(struct dctx *c, const struct node *parent, const char *key,
                            const char *path, int required);
/* parent[key] is absent or a Go duration ("10s", "1.5s", "100ms", "1m30s"). */
int istio_check_duration(struct dctx *c, const struct node *parent, const char *key,
                         const char *path);
/* map is absent or a valid label map. */
int istio_check_labels(struct dctx *c, const struct node *map, const char *path);
/* parent[key] is absent or one of values. */
int istio_check_enum(struct dctx *c, const struct node *parent, const char *key, const char *path,
                     const char *const *values);

int istio_check_gateway(struct dctx *c, const struct node *spec);
int istio_check_service_entry(struct dctx *c, const struct node *spec);
int istio_check_sidecar(struct dctx *c, const struct node *spec);
int istio_check_peer_authentication(struct dctx *c, const struct node *spec);

#endif
