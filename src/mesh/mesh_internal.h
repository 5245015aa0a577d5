/* Private to src/mesh/: the store's layout, the transaction every operation
 * runs in, manifest decoding and the controllers. Nothing outside src/mesh/
 * includes this. */
#ifndef MESHLUA_MESH_INTERNAL_H
#define MESHLUA_MESH_INTERNAL_H

#include <stdint.h>

#include "meshlua/mesh.h"
#include "meshlua/strbuf.h"
#include "meshlua/strmap.h"
#include "meshlua/yaml_load.h"

/* ---- vectors of objects ------------------------------------------------ */

/* Objects in creation (uid) order. Removal marks o->deleted and leaves the
 * pointer until objvec_compact, so positions found by uid stay valid during
 * a commit. */
struct objvec {
	struct mesh_object **items;
	size_t count, cap;
	int dirty; /* holds deleted objects: compact before reading */
};

/* Makes room for extra more items. Returns 0 or -1 (out of memory). */
int objvec_reserve(struct objvec *v, size_t extra);
/* Appends (room must have been reserved when failure is not an option).
 * Returns 0 or -1. */
int objvec_push(struct objvec *v, struct mesh_object *o);
/* The position of the object with this uid (binary search), or -1. */
long objvec_find_uid(const struct objvec *v, uint64_t uid);
/* Drops entries whose object is marked deleted (without unref). */
void objvec_compact(struct objvec *v);
void objvec_free(struct objvec *v);

/* ---- the manifests objects were applied from -------------------------- */

/* One parsed input, shared by the objects made from it. */
struct mesh_doc {
	int refs;
	struct yaml_stream stream;
};

void mesh_doc_ref(struct mesh_doc *d);
void mesh_doc_unref(struct mesh_doc *d);

/* ---- IP and port allocation ------------------------------------------- */

/* A range of addresses (or ports) handed out in order, host-local style: the
 * search starts after the last one given, wraps around, skips those in use. */
struct ipam {
	uint32_t base;  /* first address of the range (network address) */
	uint32_t size;  /* addresses in the range */
	uint32_t first; /* first offset that may be handed out */
	uint32_t next;  /* where the next search starts */
	unsigned char *bits;
	int is_port; /* node ports: offsets print as numbers, not addresses */
};

/* Sets up the range of cidr ("10.42.0.0/16"; prefix /8 to /30). first is
 * the first offset handed out. Returns 0 or -1 with err. */
int ipam_init_cidr(struct ipam *p, const char *cidr, uint32_t first, struct mesh_error *err);
/* A range of port numbers [lo, hi]. Returns 0 or -1 (out of memory). */
int ipam_init_ports(struct ipam *p, uint32_t lo, uint32_t hi);
void ipam_free(struct ipam *p);
/* Takes the next free offset; -1 when the range is exhausted. */
long ipam_next(struct ipam *p);
/* The offset of a textual address or port in the range, or -1. */
long ipam_offset(const struct ipam *p, const char *text);
int ipam_in_use(const struct ipam *p, uint32_t offset);
void ipam_set(struct ipam *p, uint32_t offset, int used);
/* Writes the address (or port) at offset into buf (at least 16 bytes). */
void ipam_format(const struct ipam *p, uint32_t offset, char *buf, size_t cap);

/* ---- the store --------------------------------------------------------- */

struct nsbucket {
	struct objvec kinds[MESH_KIND_COUNT];
	size_t pending[MESH_KIND_COUNT]; /* store_reserve's count of objects about to come */
};

struct mesh {
	struct mesh_options opts; /* strings in arena */
	struct arena arena;
	uint64_t version;
	int64_t now;
	uint64_t next_uid;
	struct objvec kinds[MESH_KIND_COUNT]; /* every object, by kind */
	struct strmap index;                  /* object key -> object */
	struct strmap namespaces;             /* namespace name -> struct nsbucket */
	struct ipam pod_ips, service_ips, node_ports;
};

/* The index key of kind/ns/name into buf. */
void mesh_key(char *buf, size_t cap, enum mesh_kind kind, const char *ns, const char *name);
#define MESH_KEY_MAX 600

/* The bucket of namespace ns, or NULL. */
struct nsbucket *mesh_bucket(const struct mesh *m, const char *ns);

/* ---- objects ----------------------------------------------------------- */

/* A new object with one reference and an empty arena. NULL when out of memory. */
struct mesh_object *object_new(enum mesh_kind kind);
/* Copies s into o's arena (NULL stays NULL); NULL when out of memory. */
char *object_strdup(struct mesh_object *o, const char *s);
/* Sets o's labels to a fresh block holding the pairs (n of them, keys
 * unique, any order). Returns 0 or -1. The old block is freed. */
int object_set_labels(struct mesh_object *o, const struct mesh_label *pairs, size_t n);

/* Builds a sorted label set in arena a from pairs (copied). Returns 0 or -1. */
int labels_build(struct arena *a, const struct mesh_label *pairs, size_t n,
                 struct mesh_labels *out);
/* A malloc'd block (freed with free) holding a sorted copy of pairs. */
void *labels_block_new(const struct mesh_label *pairs, size_t n, struct mesh_labels *out);

/* Validation of label keys and values (Kubernetes' rules). Return NULL when
 * valid, else a reason ("must be 63 characters or less"). */
const char *label_key_problem(const char *key);
const char *label_value_problem(const char *value);
/* DNS-1123 subdomain (most object names), DNS-1123 label (namespaces,
 * containers, port names), DNS-1035 label (services). */
const char *dns_subdomain_problem(const char *s);
const char *dns_label_problem(const char *s);
const char *dns1035_label_problem(const char *s);

/* ---- transactions ------------------------------------------------------ */

/* Every operation plans its changes in a txn (the store untouched), then
 * commits them at once, or aborts and leaves the mesh as it was. Commit
 * cannot fail: it reserves every byte it needs before it changes anything. */
struct txn_ip {
	struct ipam *pool;
	uint32_t offset;
};

struct txn_labels {
	struct mesh_object *o;
	void *block;
	struct mesh_labels labels;
};

struct txn_int {
	int *field;
	int value;
};

struct txn_touch {
	enum mesh_kind kind;
	char *ns;
	char *name;
};

struct txn {
	struct mesh *m;
	struct objvec adds;         /* new objects (references held) */
	struct objvec replaced_old; /* store objects replaced by ... */
	struct objvec replaced_new; /* ... these, same positions (references held) */
	struct objvec removes;      /* store objects to remove */
	struct strmap staged;       /* key -> staged object, or TXN_REMOVED */
	struct txn_ip *allocs;      /* handed out during the plan (undone on abort) */
	size_t alloc_count, alloc_cap;
	struct txn_ip *frees; /* released at commit */
	size_t free_count, free_cap;
	struct txn_labels *labels;
	size_t label_count, label_cap;
	struct txn_int *ints; /* int fields set at commit (readiness, replicas ...) */
	size_t int_count, int_cap;
	uint32_t saved_next[3];  /* allocator cursors before the plan */
	uint64_t saved_uid;      /* next_uid before the plan */
	struct txn_touch *touch; /* workloads to reconcile, in the order touched */
	size_t touch_count, touch_cap;
	struct strmap touched; /* their keys, to touch each once */
	struct mesh_changes changes;
	size_t change_cap;
	int changed; /* something will change: bump the version */
	struct mesh_error *err;
};

extern char txn_removed_mark;
#define TXN_REMOVED ((void *)&txn_removed_mark)

void txn_begin(struct txn *t, struct mesh *m, struct mesh_error *err);
/* The object under kind/ns/name as the plan sees it, or NULL. */
struct mesh_object *txn_find(struct txn *t, enum mesh_kind kind, const char *ns, const char *name);
/* Stages a new object (takes over the caller's reference); assigns uid and
 * creation time. Returns 0 or -1. */
int txn_add(struct txn *t, struct mesh_object *o);
/* Stages o as the new version of cur (a store object, or one staged in
 * this txn); o keeps cur's uid and creation time. Takes over o. Returns 0
 * or -1. */
int txn_replace(struct txn *t, struct mesh_object *cur, struct mesh_object *o);
/* Stages the removal of o (a store object or a staged one). Idempotent.
 * Returns 0 or -1. */
int txn_remove(struct txn *t, struct mesh_object *o);
/* Takes the next address or port of pool for the plan. Returns the offset,
 * or -1 with t->err filled when exhausted. */
long txn_alloc(struct txn *t, struct ipam *pool, const char *what);
/* Claims a specific offset; -1 when it is taken. */
int txn_claim(struct txn *t, struct ipam *pool, uint32_t offset);
/* Releases an offset at commit. Returns 0 or -1. */
int txn_release(struct txn *t, struct ipam *pool, uint32_t offset);
/* Sets o's labels at commit to a copy of pairs. Returns 0 or -1. */
int txn_set_labels(struct txn *t, struct mesh_object *o, const struct mesh_label *pairs, size_t n);
/* Sets *field to value at commit. Returns 0 or -1. */
int txn_set_int(struct txn *t, int *field, int value);
/* Records a change to report. Returns 0 or -1. */
int txn_report(struct txn *t, enum mesh_kind kind, const char *ns, const char *name,
               enum mesh_action action);
/* Marks a workload (kind Deployment/StatefulSet/DaemonSet) for the
 * controller pass before commit. Returns 0 or -1. */
int txn_touch(struct txn *t, enum mesh_kind kind, const char *ns, const char *name);
/* Runs the controllers over the touched workloads, then commits. Returns 0,
 * or -1 after aborting (t->err says why). */
int txn_commit(struct txn *t, struct mesh_changes *out);
void txn_abort(struct txn *t);
/* Out of memory: fills t->err and returns -1. */
int txn_oom(struct txn *t);

/* ---- decoding manifests ------------------------------------------------ */

/* Decodes one manifest document (a map with apiVersion, kind, metadata)
 * into a new object with all its typed parts, validated as the API server
 * and istioctl validate would. ns is the namespace to use when the manifest
 * names none. Returns the object (one reference), or NULL with err. */
struct mesh_object *decode_object(const struct node *doc, const char *source, const char *ns,
                                  struct mesh_error *err);

/* Reads just enough of doc to name it (for delete -f): kind, namespace,
 * name. Returns 0 or -1 with err. */
int decode_identity(const struct node *doc, const char *source, const char *default_ns,
                    enum mesh_kind *kind, const char **ns, const char **name,
                    struct mesh_error *err);

/* Stages the deletion of o and what it owns (a Namespace's objects, a
 * workload's pods). Refuses the namespaces default, kube-system and
 * kube-public as the API server does. Returns 0 or -1 with t->err. */
int mesh_delete_staged(struct txn *t, struct mesh_object *o);

/* ---- controllers ------------------------------------------------------- */

/* Brings the pods of workload kind/ns/name in line with its staged state
 * (creates, replaces or removes pods). Returns 0 or -1. */
int controller_reconcile(struct txn *t, enum mesh_kind kind, const char *ns, const char *name);
/* Recomputes every workload's status from its pods (after a commit). */
void controller_update_status(struct mesh *m);
/* Decides sidecar injection for a pod created now in namespace ns with these
 * labels and annotations: sets pod->proxy, pod->injection and pod->injection_fix
 * (literals).
 * Also used for bare Pods. */
void controller_decide_proxy(const struct mesh_object *ns_obj, const char *ns,
                             const struct mesh_labels *labels,
                             const struct mesh_labels *annotations,
                             const struct mesh_pod_spec *spec, struct mesh_pod *pod);
/* The pod-template-hash of a template node (k8s: FNV-32a, decimal, safe
 * alphabet), mixed with salt (rollout restarts). buf >= 16 bytes. */
void controller_template_hash(const struct node *template, uint32_t salt, char *buf, size_t cap);

/* Inserts staged objects into the store and removes others; used by
 * txn_commit and by mesh_new. Cannot fail once reserved. */
int store_reserve(struct mesh *m, const struct txn *t);
void store_insert(struct mesh *m, struct mesh_object *o);
void store_replace(struct mesh *m, struct mesh_object *old, struct mesh_object *o);
void store_remove(struct mesh *m, struct mesh_object *o);
void store_compact(struct mesh *m);

#endif
