/* mesh: the simulated cluster. A store of Kubernetes and Istio objects with
 * kubectl's operations (apply, delete, label, scale, rollout restart) and
 * the controllers' behaviour (Deployments make pods, pods get IPs, Istio
 * injects sidecars). Every mutation is all or nothing and bumps the
 * version. No Lua here. */
#ifndef MESHLUA_MESH_H
#define MESHLUA_MESH_H

#include <stddef.h>
#include <stdint.h>

#include "meshlua/error.h"
#include "meshlua/node.h"

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
	const char *short_names[3]; /* "deploy" */
	int namespaced;
};

/* The table entry of kind. */
const struct mesh_kind_info *mesh_kind_info(enum mesh_kind kind);

/* Looks a kind up by any name kubectl accepts for it: "Deployment",
 * "deployment", "deployments", "deploy", "deployments.apps",
 * "virtualservices.networking.istio.io", "vs". Returns 0 and sets *kind,
 * or -1 when unknown. */
int mesh_kind_lookup(const char *name, enum mesh_kind *kind);

/* "deployment.apps", "service", "virtualservice.networking.istio.io": the
 * name kubectl prints in "<resource>/<name> created". */
const char *mesh_kind_resource_name(enum mesh_kind kind);

/* The plural with its group for NotFound errors: "deployments.apps". */
const char *mesh_kind_plural_group(enum mesh_kind kind);

struct mesh_label {
	char *key;
	char *value;
};

/* Labels, annotations and selectors: sorted by key, keys unique. */
struct mesh_labels {
	size_t count;
	struct mesh_label *items;
};

/* The value of key, or NULL. */
const char *mesh_labels_get(const struct mesh_labels *l, const char *key);

/* 1 when every key=value of selector is in labels (an empty selector
 * matches everything). */
int mesh_labels_match(const struct mesh_labels *selector, const struct mesh_labels *labels);

struct mesh_port {
	char *name;         /* "" when unnamed */
	char *protocol;     /* "TCP", "UDP", "SCTP" */
	char *app_protocol; /* NULL when unset */
	int port;
	int target_port;        /* 0 when given by name */
	char *target_port_name; /* NULL when numeric */
	int node_port;          /* 0 when none */
};

enum mesh_service_type {
	MESH_SVC_CLUSTER_IP,
	MESH_SVC_NODE_PORT,
	MESH_SVC_LOAD_BALANCER,
	MESH_SVC_EXTERNAL_NAME
};

struct mesh_service {
	enum mesh_service_type type;
	char *cluster_ip;    /* "None" for headless; NULL for ExternalName */
	char *external_name; /* ExternalName only */
	struct mesh_labels selector;
	size_t port_count;
	struct mesh_port *ports;
};

struct mesh_container_port {
	char *name;
	int port;
	char *protocol;
};

/* A workload (Deployment, StatefulSet, DaemonSet) and what its pods copy. */
struct mesh_workload {
	int replicas; /* desired; DaemonSet: 1 (one node) */
	struct mesh_labels selector;
	struct mesh_labels pod_labels;
	struct mesh_labels pod_annotations;
	size_t container_count;
	char **container_names;
	size_t port_count;
	struct mesh_container_port *ports;
	char *service_account;
	int restart_count; /* rollout restarts: change the template hash */
};

struct mesh_pod {
	char *ip;
	char *node_name;
	int ready; /* readiness (all containers) */
	int has_sidecar;
	char *owner_kind; /* "Deployment", ...; NULL for a bare pod */
	char *owner_name;
	char *template_hash;    /* pod-template-hash; NULL for a bare pod */
	size_t container_count; /* application containers (the sidecar not counted) */
	char **container_names;
	size_t port_count;
	struct mesh_container_port *ports;
	char *service_account;
};

struct mesh_object {
	enum mesh_kind kind;
	char *name;
	char *namespace_;  /* "" for cluster-scoped kinds */
	char *api_version; /* as applied ("networking.istio.io/v1beta1") */
	uint64_t uid;      /* creation order, unique in the mesh */
	int64_t created;   /* simulated clock, seconds */
	uint64_t generation;
	uint64_t resource_version;
	struct mesh_labels labels;
	struct mesh_labels annotations;
	char *manifest_json; /* the applied manifest, compact JSON; NULL for generated objects */
	const struct node *manifest;    /* the same as a tree (NULL for generated objects) */
	struct mesh_service *service;   /* Service */
	struct mesh_workload *workload; /* Deployment, StatefulSet, DaemonSet */
	struct mesh_pod *pod;           /* Pod */
	int deleted; /* removed from the mesh; the memory lives while referenced */
	/* private */
	int refs;
	struct mesh_doc *doc;
};

/* Takes a reference: the object stays readable after it leaves the mesh. */
void mesh_object_ref(struct mesh_object *o);

/* Drops a reference; the last one frees the object. */
void mesh_object_unref(struct mesh_object *o);

struct mesh_options {
	const char *pod_cidr;       /* default "10.42.0.0/16" (k3s) */
	const char *service_cidr;   /* default "10.43.0.0/16" */
	const char *cluster_domain; /* default "cluster.local" */
	const char *node_name;      /* default "k3s-server" */
	int64_t start_time;         /* simulated clock at creation, Unix seconds */
	int bare;                   /* 1: no default namespaces or services */
};

struct mesh;

/* A new mesh with k3s's starting objects (namespaces default, kube-system,
 * kube-public, kube-node-lease; Services kubernetes and kube-dns). NULL with
 * err filled when an option is invalid. The caller frees it with mesh_free. */
struct mesh *mesh_new(const struct mesh_options *opts, struct mesh_error *err);

/* Frees the mesh; objects still referenced elsewhere stay valid. */
void mesh_free(struct mesh *m);

/* The version: bumped by every mutation that changed something. */
uint64_t mesh_version(const struct mesh *m);

/* The simulated clock (Unix seconds) and a way to move it forward. */
int64_t mesh_now(const struct mesh *m);
void mesh_advance(struct mesh *m, int64_t seconds);

/* The cluster domain ("cluster.local"). */
const char *mesh_cluster_domain(const struct mesh *m);

/* The objects, in kind order then creation order. The pointers stay valid
 * until the next mutation (take a reference to keep one longer). */
size_t mesh_count(const struct mesh *m);
struct mesh_object *mesh_object_at(const struct mesh *m, size_t i);

/* The object kind/namespace/name (namespace ignored for cluster-scoped
 * kinds), or NULL. */
struct mesh_object *mesh_find(const struct mesh *m, enum mesh_kind kind, const char *ns,
                              const char *name);

/* What apply or delete did to one object, in input order. */
enum mesh_action { MESH_CREATED, MESH_CONFIGURED, MESH_UNCHANGED, MESH_DELETED };

struct mesh_change {
	enum mesh_kind kind;
	char *namespace_;
	char *name;
	enum mesh_action action;
};

struct mesh_changes {
	size_t count;
	struct mesh_change *items;
};

/* Releases what apply or delete reported. */
void mesh_changes_free(struct mesh_changes *c);

/* Applies the manifests in data (YAML or JSON, multi-document, kind List),
 * named source in errors. default_ns is the namespace of objects that name
 * none (NULL: "default"). All or nothing: on error returns -1 with err
 * positioned (source:line:col: Kind "name": field: problem) and the mesh
 * unchanged. On success returns 0 and fills *changes (may be NULL). */
int mesh_apply(struct mesh *m, const char *source, const char *data, size_t len,
               const char *default_ns, struct mesh_changes *changes, struct mesh_error *err);

/* Deletes the objects the manifests in data name, as `kubectl delete -f`.
 * Objects that do not exist are reported in err (NotFound) after the others
 * are deleted: returns 0 when all existed, 1 when some did not (err names
 * them), -1 when data is invalid (nothing deleted). */
int mesh_delete_manifests(struct mesh *m, const char *source, const char *data, size_t len,
                          const char *default_ns, struct mesh_changes *changes,
                          struct mesh_error *err);

/* Deletes one object, and what it owns (a Deployment's pods, a namespace's
 * objects). Returns 0, or -1 with err as kubectl's NotFound. */
int mesh_delete(struct mesh *m, enum mesh_kind kind, const char *ns, const char *name,
                struct mesh_error *err);

/* One label change: value NULL removes key ("key-"). */
struct mesh_label_change {
	const char *key;
	const char *value;
};

/* `kubectl label`: applies changes to the object's labels. Without
 * overwrite, changing an existing label to another value fails as kubectl
 * does. Validates keys and values. Returns 0 (sets *changed), or -1. */
int mesh_label(struct mesh *m, enum mesh_kind kind, const char *ns, const char *name,
               const struct mesh_label_change *changes, size_t count, int overwrite, int *changed,
               struct mesh_error *err);

/* `kubectl scale`: sets a Deployment's or StatefulSet's replicas and lets
 * the controller add or remove pods. Returns 0 or -1. */
int mesh_scale(struct mesh *m, enum mesh_kind kind, const char *ns, const char *name, int replicas,
               struct mesh_error *err);

/* `kubectl rollout restart`: replaces the workload's pods with new ones
 * (new names, new IPs; sidecar injection decided again). Returns 0 or -1. */
int mesh_rollout_restart(struct mesh *m, enum mesh_kind kind, const char *ns, const char *name,
                         struct mesh_error *err);

/* Marks a pod ready or not ready. Returns 0, or -1 when there is no such pod. */
int mesh_set_pod_ready(struct mesh *m, const char *ns, const char *name, int ready,
                       struct mesh_error *err);

#endif
