/* mesh: the simulated cluster. A store of Kubernetes and Istio objects with
 * kubectl's operations (apply, delete, label, scale, rollout restart) and
 * the controllers' behaviour (Deployments make pods, pods get IPs, Istio
 * injects sidecars). Every operation is all or nothing: on error the mesh is
 * exactly as before. Every operation that changed something bumps the
 * version. Deterministic: the same calls give the same names, IPs and times
 * in every run. No Lua here.
 *
 * Reading: mesh_find, the iterators (kind, namespace, label match, creation
 * order), mesh_resolve_pod (istioctl's pod references) and the typed parts of
 * each object. Pointers returned by the store stay valid until the next
 * mutating call; take a reference (mesh_object_ref) to keep an object longer:
 * it stays readable after it left the mesh (o->deleted says so). An apply
 * that changes an object replaces it with a new version (same uid and
 * creation time); label, scale, readiness and controller status change the
 * object in place. */
#ifndef MESHLUA_MESH_H
#define MESHLUA_MESH_H

#include <stddef.h>
#include <stdint.h>

#include "meshlua/arena.h"
#include "meshlua/error.h"
#include "meshlua/node.h"

/* ---- kinds -------------------------------------------------------------- */

enum mesh_kind {
	MESH_NAMESPACE,
	MESH_SERVICEACCOUNT,
	MESH_SERVICE,
	MESH_DEPLOYMENT,
	MESH_STATEFULSET,
	MESH_DAEMONSET,
	MESH_POD,
	MESH_VIRTUALSERVICE,
	MESH_DESTINATIONRULE,
	MESH_GATEWAY,
	MESH_SERVICEENTRY,
	MESH_SIDECAR,
	MESH_PEERAUTHENTICATION,
	MESH_KIND_COUNT
};

/* What kubectl knows of a kind. */
struct mesh_kind_info {
	const char *kind;           /* "Deployment" */
	const char *group;          /* "apps"; "" for the core group */
	const char *versions[4];    /* served versions, NULL-terminated: "v1" */
	const char *plural;         /* "deployments" */
	const char *singular;       /* "deployment" */
	const char *short_names[3]; /* "deploy"; NULL-terminated */
	const char *resource;       /* kubectl's "<resource>/<name> created": "deployment.apps" */
	const char *plural_group;   /* NotFound errors: "deployments.apps" */
	int namespaced;
};

/* The table entry of kind. */
const struct mesh_kind_info *mesh_kind_info(enum mesh_kind kind);

/* Looks a kind up by any name kubectl accepts for it: "Deployment",
 * "deployment", "deployments", "deploy", "deployments.apps",
 * "virtualservices.networking.istio.io", "vs" (case-insensitive). Returns 0
 * and sets *kind, or -1 when unknown. */
int mesh_kind_lookup(const char *name, enum mesh_kind *kind);

/* The kind a manifest's apiVersion and kind name ("apps/v1", "Deployment"),
 * exactly as the API server matches them. Returns 0, or -1 when no served
 * version matches (kubectl: no matches for kind "X" in version "Y"). */
int mesh_kind_from_manifest(const char *api_version, const char *kind, enum mesh_kind *out);

/* ---- labels and selectors ---------------------------------------------- */

struct mesh_label {
	const char *key;
	const char *value;
};

/* Labels, annotations and match-label selectors: sorted by key, keys
 * unique. The strings live with the object (or block) that holds them. */
struct mesh_labels {
	size_t count;
	const struct mesh_label *items;
};

/* The value of key, or NULL. */
const char *mesh_labels_get(const struct mesh_labels *l, const char *key);

/* 1 when every key=value of selector is in labels (an empty selector
 * matches everything). */
int mesh_labels_match(const struct mesh_labels *selector, const struct mesh_labels *labels);

/* A label selector as `kubectl get -l` takes it: requirements joined by
 * commas, each `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`
 * (exists) or `!k` (does not exist). Also the form of a workload's
 * matchLabels plus matchExpressions. */
enum mesh_selector_op {
	MESH_SEL_EQ,
	MESH_SEL_NE,
	MESH_SEL_IN,
	MESH_SEL_NOTIN,
	MESH_SEL_EXISTS,
	MESH_SEL_NOT_EXISTS
};

struct mesh_requirement {
	const char *key;
	enum mesh_selector_op op;
	size_t value_count; /* EQ and NE: 1 */
	const char *const *values;
};

struct mesh_selector {
	size_t count;
	const struct mesh_requirement *items; /* count 0: matches everything */
	struct arena arena;                   /* private: owns the strings */
};

/* Parses text into sel (freed with mesh_selector_free, also after an
 * error). Returns 0, or -1 with err naming what is wrong. */
int mesh_selector_parse(struct mesh_selector *sel, const char *text, struct mesh_error *err);

/* 1 when labels satisfy every requirement of sel. */
int mesh_selector_matches(const struct mesh_selector *sel, const struct mesh_labels *labels);

void mesh_selector_free(struct mesh_selector *sel);

/* ---- typed parts of objects ------------------------------------------- */

/* A Service port. */
struct mesh_port {
	const char *name;         /* "" when unnamed */
	const char *protocol;     /* "TCP", "UDP", "SCTP" */
	const char *app_protocol; /* NULL when unset */
	int port;
	int target_port;              /* 0 when given by name */
	const char *target_port_name; /* NULL when numeric */
	int node_port;                /* NodePort/LoadBalancer; 0 when none */
};

enum mesh_service_type {
	MESH_SVC_CLUSTER_IP,
	MESH_SVC_NODE_PORT,
	MESH_SVC_LOAD_BALANCER,
	MESH_SVC_EXTERNAL_NAME
};

struct mesh_service {
	enum mesh_service_type type;
	const char *type_name;     /* "ClusterIP", "NodePort", "LoadBalancer", "ExternalName" */
	const char *cluster_ip;    /* "10.43.0.15"; "None" when headless; NULL for ExternalName */
	int headless;              /* clusterIP: None */
	const char *external_name; /* ExternalName only */
	int has_selector; /* 0: the Service selects no pods (endpoints managed elsewhere) */
	struct mesh_labels selector;
	size_t port_count;
	const struct mesh_port *ports;
	/* The API server's own address for the built-in `kubernetes` Service
	 * (its endpoint, as kube-apiserver maintains it); NULL otherwise. */
	const char *apiserver_ip;
	int apiserver_port;
};

struct mesh_container_port {
	const char *name; /* NULL when unnamed */
	int port;         /* containerPort */
	const char *protocol;
};

struct mesh_container {
	const char *name;
	const char *image;
	size_t port_count;
	const struct mesh_container_port *ports;
};

/* What a pod is made of: a workload's template, or a bare Pod's spec. */
struct mesh_pod_spec {
	size_t container_count; /* application containers (no injected sidecar) */
	const struct mesh_container *containers;
	const char *service_account; /* "default" unless set */
	int host_network;
};

/* Deployment, StatefulSet, DaemonSet. */
struct mesh_workload {
	int replicas;                         /* desired; DaemonSet: 1 (the one node) */
	const struct mesh_selector *selector; /* spec.selector */
	struct mesh_labels pod_labels;        /* spec.template.metadata.labels */
	struct mesh_labels pod_annotations;   /* spec.template.metadata.annotations */
	struct mesh_pod_spec pod;             /* spec.template.spec */
	const char *template_hash;            /* pod-template-hash / controller-revision-hash */
	int restarts; /* rollout restarts so far: each one changes the template hash */
	/* Status, kept by the controller: pods that exist, are ready, run the
	 * current template (and are ready with it). */
	int status_replicas;
	int ready_replicas;
	int updated_replicas;
	int available_replicas;
};

/* What runs an Envoy in a pod. */
enum mesh_proxy_type {
	MESH_PROXY_NONE,
	MESH_PROXY_SIDECAR, /* injected istio-proxy container */
	MESH_PROXY_GATEWAY, /* an Istio gateway: label istio=ingressgateway|egressgateway, or
	                       an application container named istio-proxy */
};

struct mesh_pod {
	const char *ip;        /* pod IP (the node's IP for hostNetwork pods) */
	const char *node_name; /* the one node */
	int ready;             /* every container ready (the Ready condition) */
	enum mesh_proxy_type proxy;
	const char *injection;     /* why the pod has or lacks a sidecar, a sentence */
	const char *injection_fix; /* how to give it one, a sentence; NULL when nothing can
	                            * (system namespaces, host network) or it has one */
	const char *owner_kind;  /* "Deployment", "StatefulSet", "DaemonSet"; NULL for a bare pod */
	const char *owner_name;  /* the workload's name */
	const char *replica_set; /* Deployments: "<deployment>-<hash>"; NULL otherwise */
	const char *template_hash; /* the hash it was made with; NULL for a bare pod */
	struct mesh_pod_spec spec;
};

/* ---- objects ----------------------------------------------------------- */

struct mesh_doc;

struct mesh_object {
	enum mesh_kind kind;
	const char *name;
	const char *namespace_;    /* "" for cluster-scoped kinds */
	const char *api_version;   /* as applied ("networking.istio.io/v1beta1"); the served
	                            * default for generated objects */
	uint64_t uid;              /* creation order: unique in the mesh, never reused */
	int64_t created;           /* simulated clock (Unix seconds) at creation */
	uint64_t generation;       /* bumped when the spec changes */
	uint64_t resource_version; /* the mesh version of the last change */
	struct mesh_labels labels;
	struct mesh_labels annotations;
	/* The applied manifest with positions (NULL for generated objects such
	 * as a Deployment's pods), and the name of the input it came from. The
	 * tree lives as long as the object. */
	const struct node *manifest;
	const char *source;
	int applied; /* 1: made by apply (kubectl keeps its last-applied-configuration); 0: the
	                mesh's starting objects and generated ones */
	struct mesh_service *service;   /* Service */
	struct mesh_workload *workload; /* Deployment, StatefulSet, DaemonSet */
	struct mesh_pod *pod;           /* Pod (applied or made by a workload) */
	int deleted;                    /* 1 once removed from (or replaced in) the mesh */
	/* private */
	int refs;
	struct mesh_doc *doc;
	struct arena arena;
	void *labels_block;
	const char *key;              /* the store's index key */
	struct mesh_object *borrowed; /* holds strings this object points to (a pod's workload) */
};

/* The manifest's `spec` (the Istio objects' whole configuration), or NULL. */
const struct node *mesh_object_spec(const struct mesh_object *o);

/* Takes a reference: the object stays readable after it leaves the mesh. */
void mesh_object_ref(struct mesh_object *o);

/* Drops a reference; the last one frees the object. NULL is ignored. */
void mesh_object_unref(struct mesh_object *o);

/* ---- the mesh ---------------------------------------------------------- */

struct mesh_options {
	const char *pod_cidr;       /* default "10.42.0.0/16" (k3s) */
	const char *service_cidr;   /* default "10.43.0.0/16" */
	const char *cluster_domain; /* default "cluster.local" */
	const char *node_name;      /* default "k3s-server" */
	const char *node_ip;        /* default "172.18.0.2" (hostNetwork pods, the API server) */
	int64_t start_time;         /* simulated clock at creation, Unix seconds; 0: 2021-06-01;
	                               at most MESH_MAX_TIME */
	int bare;                   /* 1: no starting namespaces or Services */
};

struct mesh;

/* A new mesh with k3s's starting objects (namespaces default, kube-system,
 * kube-public, kube-node-lease; Services kubernetes at <service net>.1:443
 * and kube-dns at <service net>.10, ports 53/UDP dns, 53/TCP dns-tcp,
 * 9153/TCP metrics). opts may be NULL. NULL with err filled when an option
 * is invalid. The caller frees it with mesh_free. */
struct mesh *mesh_new(const struct mesh_options *opts, struct mesh_error *err);

/* Frees the mesh; objects still referenced elsewhere stay valid. */
void mesh_free(struct mesh *m);

/* The version: bumped by every operation that changed something. */
uint64_t mesh_version(const struct mesh *m);

/* The last second the simulated clock can show: 9999-12-31T23:59:59Z, the
 * latest time RFC 3339 (Kubernetes' timestamps) can write. */
#define MESH_MAX_TIME INT64_C(253402300799)

/* The simulated clock (Unix seconds); it moves only with mesh_advance.
 * mesh_advance returns 0, or -1 with the clock unchanged when it would pass
 * MESH_MAX_TIME; a negative step leaves it unchanged (it never goes back). */
int64_t mesh_now(const struct mesh *m);
int mesh_advance(struct mesh *m, int64_t seconds);

/* The options in force (defaults filled in); strings owned by the mesh. */
const struct mesh_options *mesh_options(const struct mesh *m);

/* The object kind/namespace/name (ns ignored for cluster-scoped kinds; NULL
 * means "default"), or NULL. */
struct mesh_object *mesh_find(const struct mesh *m, enum mesh_kind kind, const char *ns,
                              const char *name);

/* How many objects of kind the mesh holds (ns NULL: in all namespaces). */
size_t mesh_count(const struct mesh *m, enum mesh_kind kind, const char *ns);

/* Iteration over the objects of one kind, in creation order (uid), in one
 * namespace or all (ns NULL), optionally only those whose labels contain
 * match (match NULL: all). No mutation may happen while iterating. */
struct mesh_iter {
	/* private */
	const struct mesh *m;
	enum mesh_kind kind;
	const struct mesh_labels *match;
	const void *list;
	size_t pos;
};

void mesh_iter_init(struct mesh_iter *it, const struct mesh *m, enum mesh_kind kind, const char *ns,
                    const struct mesh_labels *match);

/* The next object, or NULL at the end. */
struct mesh_object *mesh_iter_next(struct mesh_iter *it);

/* Iterates the pods a Service selects (its namespace, its selector; none
 * when it has no selector), whatever their readiness. */
void mesh_iter_service_pods(struct mesh_iter *it, const struct mesh *m,
                            const struct mesh_object *service);

/* The port number a pod serves a Service port on: the numeric targetPort,
 * or the pod's container port named targetPort. 0 when the pod has no
 * container port of that name (kube-proxy skips the pod then). */
int mesh_pod_target_port(const struct mesh_object *pod, const struct mesh_port *port);

/* One address of a Service's Endpoints. */
struct mesh_endpoint {
	const struct mesh_object *pod; /* NULL for the API server's own address */
	const struct mesh_port *port;  /* the Service port; NULL for a headless Service without
	                                  ports */
	const char *ip;
	int target_port; /* the port on the pod; 0 when the Service has no ports */
	int ready;       /* not ready: in notReadyAddresses (kubectl's ENDPOINTS leaves it out) */
};

/* The Endpoints of a Service as the endpoints controller and kube-apiserver
 * keep them: for each Service port in order, the selected pods with an IP
 * that serve it (named target ports resolved), by IP; the API server's
 * address for `kubernetes`. On success returns 0 and a malloc'd array the
 * caller frees (NULL when empty); -1 when memory runs out. Pointers into
 * the mesh stay valid until the next mutation. */
int mesh_service_endpoints(const struct mesh *m, const struct mesh_object *service,
                           struct mesh_endpoint **out, size_t *count);

/* 1 when the cluster holds an Endpoints object for the Service: the
 * endpoints controller makes one for each Service with a selector that is
 * not ExternalName, kube-apiserver keeps `kubernetes`'s; 0 otherwise
 * (selector-less Services get theirs from outside, ExternalName none). */
int mesh_service_has_endpoints(const struct mesh_object *service);

/* Finds a pod the way istioctl and kubectl accept one: "<kind>/<name>" for a
 * Deployment, StatefulSet, DaemonSet or Service (its first pod: ready
 * before not ready, then the oldest) or a Pod ("pod/<name>", "po/<name>"),
 * "<pod>.<namespace>", or "<pod>" in ns (NULL: "default"). Returns the pod,
 * or NULL with err as kubectl words it (`deployments.apps "x" not found`,
 * `pods "x" not found`, `no pods found for deployment x`). */
struct mesh_object *mesh_resolve_pod(const struct mesh *m, const char *ref, const char *ns,
                                     struct mesh_error *err);

/* Returns 0 when pod runs an Envoy (o->pod->proxy is not MESH_PROXY_NONE),
 * else -1 with err saying why it has none and what would give it one. */
int mesh_pod_proxy_check(const struct mesh_object *pod, struct mesh_error *err);

/* ---- operations -------------------------------------------------------- */

/* What an operation did to one object, in input order. */
enum mesh_action {
	MESH_CREATED,
	MESH_CONFIGURED,
	MESH_UNCHANGED,
	MESH_DELETED,
	MESH_NOT_FOUND, /* delete of something absent */
	MESH_LABELED,
	MESH_NOT_LABELED,
	MESH_SCALED,
	MESH_RESTARTED,
};

struct mesh_change {
	enum mesh_kind kind;
	char *namespace_; /* "" for cluster-scoped kinds; one malloc'd block with name */
	char *name;
	enum mesh_action action;
};

struct mesh_changes {
	size_t count;
	struct mesh_change *items;
};

/* The word kubectl prints for an action: "created", "configured",
 * "unchanged", "deleted", "labeled", "not labeled", "scaled", "restarted". */
const char *mesh_action_name(enum mesh_action action);

/* Fills *c with copies of ns (NULL: "") and name in one block (freed by
 * mesh_changes_free). Returns 0 or -1 when memory runs out (c untouched). */
int mesh_change_set(struct mesh_change *c, enum mesh_kind kind, const char *ns, const char *name,
                    enum mesh_action action);

/* Releases what an operation reported (the struct itself is the caller's). */
void mesh_changes_free(struct mesh_changes *c);

/* Applies the manifests in data (YAML or JSON, multi-document, kind List),
 * named source in errors. default_ns is the namespace of objects that name
 * none (NULL: "default"). All or nothing: on error returns -1 with err
 * positioned (source:line:col: Kind "name": field: problem) and the mesh
 * unchanged. On success returns 0 and fills *changes (may be NULL). */
int mesh_apply(struct mesh *m, const char *source, const char *data, size_t len,
               const char *default_ns, struct mesh_changes *changes, struct mesh_error *err);

/* Deletes the objects the manifests in data name, as `kubectl delete -f`
 * (with what they own: a Deployment's pods, a Namespace's objects). Objects
 * that do not exist are reported as MESH_NOT_FOUND changes while the others
 * are deleted; returns 0 when all existed, 1 when some did not (err then
 * holds kubectl's NotFound text for the first), -1 when data is invalid
 * (nothing deleted). */
int mesh_delete_manifests(struct mesh *m, const char *source, const char *data, size_t len,
                          const char *default_ns, struct mesh_changes *changes,
                          struct mesh_error *err);

/* Deletes one object and what it owns. Returns 0, or -1 with err as
 * kubectl's NotFound (`deployments.apps "nope" not found`) or Forbidden
 * (the namespaces default, kube-system and kube-public). */
int mesh_delete(struct mesh *m, enum mesh_kind kind, const char *ns, const char *name,
                struct mesh_error *err);

/* One label change: value NULL removes key ("key-"). */
struct mesh_label_change {
	const char *key;
	const char *value;
};

/* `kubectl label`: applies changes to the object's labels. Without
 * overwrite, giving an existing label another value fails as kubectl does
 * ("'k' already has a value (v), and --overwrite is false"). Validates keys
 * and values. Returns 0 and sets *changed (0: kubectl's "not labeled"), or
 * -1. Labels of a namespace affect pods created afterwards only. */
int mesh_label(struct mesh *m, enum mesh_kind kind, const char *ns, const char *name,
               const struct mesh_label_change *changes, size_t count, int overwrite, int *changed,
               struct mesh_error *err);

/* `kubectl scale`: sets a Deployment's or StatefulSet's replicas; the
 * controller adds pods (new names, new IPs) or removes the newest. Returns
 * 0 or -1. */
int mesh_scale(struct mesh *m, enum mesh_kind kind, const char *ns, const char *name, int replicas,
               struct mesh_error *err);

/* `kubectl rollout restart`: stamps the template (restartedAt) so every pod
 * is replaced (new names, new IPs, sidecar injection decided again).
 * Deployment, StatefulSet or DaemonSet. Returns 0 or -1. */
int mesh_rollout_restart(struct mesh *m, enum mesh_kind kind, const char *ns, const char *name,
                         struct mesh_error *err);

/* Marks a pod ready or not ready (its readiness probe passing or failing).
 * Returns 0, or -1 when there is no such pod. */
int mesh_set_pod_ready(struct mesh *m, const char *ns, const char *name, int ready,
                       struct mesh_error *err);

#endif
