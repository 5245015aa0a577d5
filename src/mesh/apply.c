/* `kubectl apply -f` and `kubectl delete -f`: manifests (YAML or JSON,
 * multi-document, kind List) in, objects created, configured (a new
 * version, with kubectl's three-way merge for labels and replicas) or left
 * unchanged; addresses claimed; the controllers run; all in one
 * transaction, so an error anywhere leaves the mesh as it was. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

struct apply_ctx {
	struct txn *t;
	struct mesh_doc *doc;
	const char *source;
	const char *default_ns;
	struct mesh_error *err;
	int deleting;
	int missing; /* delete: objects not found */
	size_t docs; /* documents seen so far */
	int rc;      /* 0, or -1 once one failed (err says why) */
};

static int fail_at(struct apply_ctx *a, const struct node *at, const struct mesh_object *o,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail_at(struct apply_ctx *a, const struct node *at, const struct mesh_object *o,
                   const char *fmt, ...)
{
	char what[800];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	mesh_error_set(a->err, a->source, at ? at->line : 0, at ? at->column : 0, "%s \"%s\": %s",
	               mesh_kind_info(o->kind)->kind, o->name, what);
	return -1;
}

/* ---- Services: addresses and node ports -------------------------------- */

static const struct node *spec_field(const struct mesh_object *o, const char *key)
{
	return node_get(node_get(o->manifest, "spec"), key);
}

static int claim_cluster_ip(struct apply_ctx *a, struct mesh_object *o)
{
	struct mesh *m = a->t->m;
	struct mesh_service *s = o->service;
	char ip[16];
	long off;
	if (s->type == MESH_SVC_EXTERNAL_NAME || s->headless)
		return 0;
	if (s->cluster_ip) {
		off = ipam_offset(&m->service_ips, s->cluster_ip);
		if (off < 0 || off == 0 || (uint32_t)off >= m->service_ips.size - 1)
			return fail_at(
			    a, spec_field(o, "clusterIP"), o,
			    "spec.clusterIP: Invalid value: \"%s\": provided IP is not in the "
			    "valid range. The range of valid IPs is %s",
			    s->cluster_ip, m->opts.service_cidr);
		if (txn_claim(a->t, &m->service_ips, (uint32_t)off) != 0)
			return fail_at(
			    a, spec_field(o, "clusterIP"), o,
			    "spec.clusterIP: Invalid value: \"%s\": provided IP is already "
			    "allocated",
			    s->cluster_ip);
		return 0;
	}
	off = txn_alloc(a->t, &m->service_ips, "service cluster IPs");
	if (off < 0)
		return fail_at(a, o->manifest, o, "spec.clusterIP: %s (service CIDR %s)",
		               a->err->message, m->opts.service_cidr);
	ipam_format(&m->service_ips, (uint32_t)off, ip, sizeof ip);
	s->cluster_ip = object_strdup(o, ip);
	return s->cluster_ip ? 0 : txn_oom(a->t);
}

/* Node ports for NodePort and LoadBalancer Services: kept from old (the
 * version being replaced) for the same port, claimed when asked, else the
 * next free one. */
static int claim_node_ports(struct apply_ctx *a, struct mesh_object *o,
                            const struct mesh_object *old)
{
	struct mesh *m = a->t->m;
	struct mesh_service *s = o->service;
	int wants = s->type == MESH_SVC_NODE_PORT || s->type == MESH_SVC_LOAD_BALANCER;
	for (size_t i = 0; i < s->port_count; i++) {
		struct mesh_port *p = (struct mesh_port *)&s->ports[i];
		int kept = 0;
		char text[16];
		long off;
		for (size_t j = 0; old && wants && j < old->service->port_count; j++) {
			const struct mesh_port *q = &old->service->ports[j];
			if (q->node_port && q->port == p->port &&
			    strcmp(q->protocol, p->protocol) == 0 &&
			    (!p->node_port || p->node_port == q->node_port)) {
				p->node_port = q->node_port;
				kept = 1;
			}
		}
		if (!wants || kept)
			continue;
		if (p->node_port) {
			snprintf(text, sizeof text, "%d", p->node_port);
			off = ipam_offset(&m->node_ports, text);
			if (off < 0 || txn_claim(a->t, &m->node_ports, (uint32_t)off) != 0)
				return fail_at(
				    a, o->manifest, o,
				    "spec.ports[%zu].nodePort: Invalid value: %d: provided port "
				    "is already allocated",
				    i, p->node_port);
			continue;
		}
		off = txn_alloc(a->t, &m->node_ports, "node ports");
		if (off < 0)
			return fail_at(a, o->manifest, o, "spec.ports[%zu].nodePort: %s", i,
			               a->err->message);
		p->node_port = (int)(m->node_ports.base + (uint32_t)off);
	}
	/* Node ports of the old version that the new one no longer uses. */
	for (size_t j = 0; old && j < old->service->port_count; j++) {
		int used = 0;
		char text[16];
		long off;
		if (!old->service->ports[j].node_port)
			continue;
		for (size_t i = 0; i < s->port_count; i++)
			used |= s->ports[i].node_port == old->service->ports[j].node_port;
		snprintf(text, sizeof text, "%d", old->service->ports[j].node_port);
		off = ipam_offset(&m->node_ports, text);
		if (!used && off >= 0 && txn_release(a->t, &m->node_ports, (uint32_t)off) != 0)
			return txn_oom(a->t);
	}
	return 0;
}

/* A new version of a Service keeps its cluster IP (immutable). */
static int update_service(struct apply_ctx *a, struct mesh_object *o, const struct mesh_object *cur)
{
	struct mesh_service *s = o->service;
	const struct mesh_service *c = cur->service;
	int had_ip = c->cluster_ip && !c->headless, needs_ip = s->type != MESH_SVC_EXTERNAL_NAME;
	if (s->cluster_ip && c->cluster_ip && strcmp(s->cluster_ip, c->cluster_ip) != 0 &&
	    !(c->type == MESH_SVC_EXTERNAL_NAME))
		return fail_at(a, spec_field(o, "clusterIP"), o,
		               "spec.clusterIP: Invalid value: \"%s\": field is immutable",
		               s->cluster_ip);
	if (s->headless != c->headless && c->type != MESH_SVC_EXTERNAL_NAME &&
	    s->type != MESH_SVC_EXTERNAL_NAME)
		return fail_at(a, o->manifest, o,
		               "spec.clusterIP: Invalid value: \"%s\": field is immutable",
		               s->headless ? "None" : "");
	if (had_ip && needs_ip && !s->headless) {
		s->cluster_ip = object_strdup(o, c->cluster_ip);
		if (!s->cluster_ip)
			return txn_oom(a->t);
	} else if (had_ip) {
		long off = ipam_offset(&a->t->m->service_ips, c->cluster_ip);
		if (off >= 0 && txn_release(a->t, &a->t->m->service_ips, (uint32_t)off) != 0)
			return txn_oom(a->t);
	} else if (needs_ip && claim_cluster_ip(a, o) != 0) {
		return -1;
	}
	if (c->apiserver_ip) {
		s->apiserver_ip = object_strdup(o, c->apiserver_ip);
		s->apiserver_port = c->apiserver_port;
		if (!s->apiserver_ip)
			return txn_oom(a->t);
	}
	return claim_node_ports(a, o, cur);
}

/* ---- kubectl's three-way merge, where it shows ------------------------- */

/* Labels of the new version: the live labels, minus those the previous
 * manifest set and the new one drops, plus the new manifest's. So labels
 * added with `kubectl label` survive a re-apply, as with kubectl apply. */
static int merge_labels(struct mesh_object *o, const struct mesh_object *cur)
{
	const struct node *old_labels = node_get(node_get(cur->manifest, "metadata"), "labels");
	struct mesh_label *pairs =
	    malloc((cur->labels.count + o->labels.count + 1) * sizeof *pairs);
	size_t n = 0;
	int rc;
	if (!pairs)
		return -1;
	for (size_t i = 0; i < o->labels.count; i++)
		pairs[n++] = o->labels.items[i];
	for (size_t i = 0; i < cur->labels.count; i++) {
		const char *k = cur->labels.items[i].key;
		if (mesh_labels_get(&o->labels, k) || node_get(old_labels, k))
			continue;
		pairs[n++] = cur->labels.items[i];
	}
	rc = object_set_labels(o, pairs, n);
	free(pairs);
	return rc;
}

/* A new version of a workload keeps what kubectl scale and rollout restart
 * did, unless the manifest now says otherwise. */
static int update_workload(struct apply_ctx *a, struct mesh_object *o,
                           const struct mesh_object *cur)
{
	struct mesh_workload *w = o->workload;
	const struct mesh_workload *c = cur->workload;
	const struct node *tmpl = node_get(node_get(o->manifest, "spec"), "template");
	if (!spec_field(o, "replicas") && !spec_field(cur, "replicas"))
		w->replicas = c->replicas;
	if (c->restarts) {
		char hash[16];
		const char *stamp =
		    mesh_labels_get(&c->pod_annotations, "kubectl.kubernetes.io/restartedAt");
		w->restarts = c->restarts;
		controller_template_hash(tmpl, (uint32_t)w->restarts, hash, sizeof hash);
		w->template_hash = object_strdup(o, hash);
		if (!w->template_hash)
			return txn_oom(a->t);
		if (stamp &&
		    !mesh_labels_get(&w->pod_annotations, "kubectl.kubernetes.io/restartedAt")) {
			struct mesh_label *pairs =
			    malloc((w->pod_annotations.count + 1) * sizeof *pairs);
			int rc;
			if (!pairs)
				return txn_oom(a->t);
			memcpy(pairs, w->pod_annotations.items,
			       w->pod_annotations.count * sizeof *pairs);
			pairs[w->pod_annotations.count].key = "kubectl.kubernetes.io/restartedAt";
			pairs[w->pod_annotations.count].value = stamp;
			rc = labels_build(&o->arena, pairs, w->pod_annotations.count + 1,
			                  &w->pod_annotations);
			free(pairs);
			if (rc != 0)
				return txn_oom(a->t);
		}
	}
	return 0;
}

/* ---- one manifest ------------------------------------------------------ */

static int prepare_new(struct apply_ctx *a, struct mesh_object *o)
{
	struct mesh *m = a->t->m;
	if (o->service)
		return claim_cluster_ip(a, o) != 0 || claim_node_ports(a, o, NULL) != 0 ? -1 : 0;
	if (o->pod) {
		char ip[16];
		struct mesh_pod *pod = o->pod;
		pod->node_name = object_strdup(o, m->opts.node_name);
		if (!pod->node_name)
			return txn_oom(a->t);
		controller_decide_proxy(txn_find(a->t, MESH_NAMESPACE, "", o->namespace_),
		                        o->namespace_, &o->labels, &o->annotations, &pod->spec,
		                        pod);
		if (pod->spec.host_network) {
			pod->ip = object_strdup(o, m->opts.node_ip);
			return pod->ip ? 0 : txn_oom(a->t);
		}
		long off = txn_alloc(a->t, &m->pod_ips, "pod IP addresses");
		if (off < 0)
			return fail_at(a, o->manifest, o, "%s (pod CIDR %s)", a->err->message,
			               m->opts.pod_cidr);
		ipam_format(&m->pod_ips, (uint32_t)off, ip, sizeof ip);
		pod->ip = object_strdup(o, ip);
		return pod->ip ? 0 : txn_oom(a->t);
	}
	return 0;
}

static int prepare_update(struct apply_ctx *a, struct mesh_object *o, struct mesh_object *cur)
{
	o->generation = cur->generation + 1;
	if (merge_labels(o, cur) != 0)
		return txn_oom(a->t);
	if (o->service)
		return update_service(a, o, cur);
	if (o->workload)
		return update_workload(a, o, cur);
	if (o->pod) {
		/* A pod keeps its address, node and injection. */
		struct mesh_pod *p = o->pod;
		p->ip = object_strdup(o, cur->pod->ip);
		p->node_name = object_strdup(o, cur->pod->node_name);
		p->proxy = cur->pod->proxy;
		p->injection = cur->pod->injection;
		p->injection_fix = cur->pod->injection_fix;
		p->ready = cur->pod->ready;
		if (!p->ip || !p->node_name)
			return txn_oom(a->t);
	}
	return 0;
}

static int apply_one(struct apply_ctx *a, const struct node *manifest)
{
	struct txn *t = a->t;
	struct mesh_object *o = decode_object(manifest, a->source, a->default_ns, a->err), *cur;
	int workload;
	if (!o)
		return -1;
	o->doc = a->doc;
	mesh_doc_ref(a->doc);
	workload = o->workload != NULL;
	if (mesh_kind_info(o->kind)->namespaced &&
	    !txn_find(t, MESH_NAMESPACE, "", o->namespace_)) {
		fail_at(a, manifest, o, "namespaces \"%s\" not found", o->namespace_);
		mesh_object_unref(o);
		return -1;
	}
	cur = txn_find(t, o->kind, o->namespace_, o->name);
	if (!cur) {
		if (prepare_new(a, o) != 0) {
			mesh_object_unref(o);
			return -1;
		}
		if (txn_report(t, o->kind, o->namespace_, o->name, MESH_CREATED) != 0 ||
		    (workload && txn_touch(t, o->kind, o->namespace_, o->name) != 0)) {
			mesh_object_unref(o);
			return -1;
		}
		return txn_add(t, o);
	}
	if (cur->manifest && node_equal(cur->manifest, manifest)) {
		int rc = txn_report(t, o->kind, o->namespace_, o->name, MESH_UNCHANGED);
		mesh_object_unref(o);
		return rc;
	}
	if (prepare_update(a, o, cur) != 0 ||
	    txn_report(t, o->kind, o->namespace_, o->name, MESH_CONFIGURED) != 0 ||
	    (workload && txn_touch(t, o->kind, o->namespace_, o->name) != 0)) {
		mesh_object_unref(o);
		return -1;
	}
	return txn_replace(t, cur, o);
}

/* ---- delete ------------------------------------------------------------ */

int mesh_delete_staged(struct txn *t, struct mesh_object *o)
{
	if (o->kind == MESH_NAMESPACE) {
		struct nsbucket *b = mesh_bucket(t->m, o->name);
		if (strcmp(o->name, "default") == 0 || strcmp(o->name, "kube-system") == 0 ||
		    strcmp(o->name, "kube-public") == 0) {
			mesh_error_set(t->err, NULL, 0, 0,
			               "namespaces \"%s\" is forbidden: this namespace may not be "
			               "deleted",
			               o->name);
			return -1;
		}
		/* Everything in it goes too (kubectl returns before the namespace
		 * controller finishes; the simulation finishes at once). */
		for (int k = 0; b && k < MESH_KIND_COUNT; k++)
			for (size_t i = 0; i < b->kinds[k].count; i++)
				if (txn_remove(t, b->kinds[k].items[i]) != 0)
					return -1;
		/* Objects staged into it by the same operation. */
		for (size_t i = t->adds.count; i > 0; i--) {
			struct mesh_object *added = t->adds.items[i - 1];
			if (mesh_kind_info(added->kind)->namespaced &&
			    strcmp(added->namespace_, o->name) == 0 && txn_remove(t, added) != 0)
				return -1;
		}
	}
	if (txn_remove(t, o) != 0)
		return -1;
	if (o->workload)
		return txn_touch(t, o->kind, o->namespace_, o->name);
	return 0;
}

static int delete_one(struct apply_ctx *a, const struct node *manifest)
{
	enum mesh_kind kind;
	const char *ns, *name;
	struct mesh_object *cur;
	if (decode_identity(manifest, a->source, a->default_ns, &kind, &ns, &name, a->err) != 0)
		return -1;
	cur = txn_find(a->t, kind, ns, name);
	/* Gone with its namespace, deleted earlier in the same file: kubectl
	 * would still find it terminating and report it deleted. */
	if (!cur && mesh_find(a->t->m, kind, ns, name))
		return txn_report(a->t, kind, ns, name, MESH_DELETED);
	if (!cur) {
		if (!a->missing++)
			mesh_error_set(
			    a->err, NULL, 0, 0,
			    "Error from server (NotFound): error when deleting \"%s\": %s "
			    "\"%s\" not found",
			    a->source, mesh_kind_info(kind)->plural_group, name);
		return txn_report(a->t, kind, ns, name, MESH_NOT_FOUND);
	}
	if (mesh_delete_staged(a->t, cur) != 0) {
		if (a->err->source[0] == '\0') {
			char msg[sizeof a->err->message];
			snprintf(msg, sizeof msg, "%s", a->err->message);
			mesh_error_set(a->err, a->source, manifest->line, manifest->column, "%s",
			               msg);
		}
		return -1;
	}
	return txn_report(a->t, kind, ns, name, MESH_DELETED);
}

/* ---- streams ----------------------------------------------------------- */

/* Calls fn for each manifest of a document: the document itself, or the
 * items of a List (kind List, or any kind ending in "List" with items). */
static int each_manifest(struct apply_ctx *a, const struct node *doc,
                         int (*fn)(struct apply_ctx *, const struct node *))
{
	const struct node *kind = node_get(doc, "kind"), *items;
	size_t len;
	if (!kind || !node_is_str(kind) || (len = strlen(kind->str)) < 4 ||
	    strcmp(kind->str + len - 4, "List") != 0)
		return fn(a, doc);
	items = node_get(doc, "items");
	if (!items || (items->type != NODE_SEQ &&
	               !(items->type == NODE_SCALAR && items->tag == NODE_TAG_NULL))) {
		mesh_error_set(a->err, a->source, doc->line, doc->column,
		               "%s: items: must be a list of manifests", kind->str);
		return -1;
	}
	for (size_t i = 0; items->type == NODE_SEQ && i < items->len; i++)
		if (each_manifest(a, items->items[i], fn) != 0)
			return -1;
	return 0;
}

/* Applies (or deletes) one document, as the loader hands it over. */
static int on_document(void *ctx, const struct node *root, int line)
{
	struct apply_ctx *a = ctx;
	(void)line;
	a->source = a->doc->stream.source; /* the stream's copy: objects keep it */
	a->docs++;
	a->rc = each_manifest(a, root, a->deleting ? delete_one : apply_one);
	return a->rc;
}

/* About how many documents data holds (its "---" lines, plus one), to make
 * room for what the stream stages in one go; at most 65,536, so that a file
 * of separators alone does not reserve much (the tables grow when needed). */
static size_t count_documents(const char *data, size_t len)
{
	size_t n = 1;
	for (const char *p = data, *end = data + len;
	     n < 65536 && (p = memchr(p, '-', (size_t)(end - p))); p++)
		if ((p == data || p[-1] == '\n') && end - p >= 3 && p[1] == '-' && p[2] == '-')
			n++;
	return n;
}

static int run(struct mesh *m, const char *source, const char *data, size_t len,
               const char *default_ns, struct mesh_changes *changes, struct mesh_error *err,
               int deleting)
{
	struct apply_ctx a = {0};
	struct txn t;
	struct mesh_doc *doc;
	size_t room = count_documents(data, len);
	int rc = 0;
	if (changes) {
		changes->count = 0;
		changes->items = NULL;
	}
	mesh_error_clear(err);
	source = source ? source : "<string>";
	doc = calloc(1, sizeof *doc);
	if (!doc) {
		mesh_error_set(err, source, 0, 0, "out of memory");
		return -1;
	}
	doc->refs = 1;
	a.doc = doc;
	a.default_ns = default_ns;
	a.err = err;
	a.deleting = deleting;
	a.t = &t;
	txn_begin(&t, m, err);
	/* Room for what a stream of this size stages, in one go. */
	if (strmap_reserve(&t.staged, room) != 0 || objvec_reserve(&t.adds, room) != 0)
		a.rc = txn_oom(&t);
	/* Each document is applied as soon as it is read, while its nodes are
	 * in the cache; a YAML error anywhere still wins, as the whole input is
	 * parsed before anything is committed. */
	if (yaml_load_each(&doc->stream, source, data, len, a.rc == 0 ? on_document : NULL, &a,
	                   err) != 0) {
		txn_abort(&t);
		mesh_doc_unref(doc);
		return -1;
	}
	if (a.rc == 0 && a.docs == 0) {
		mesh_error_set(err, doc->stream.source, 0, 0, "no objects passed to %s",
		               deleting ? "delete" : "apply");
		a.rc = -1;
	}
	if (a.rc != 0) {
		txn_abort(&t);
		mesh_doc_unref(doc);
		return -1;
	}
	if (a.missing) {
		/* The NotFound text survives the commit. */
		struct mesh_error keep = *err;
		rc = txn_commit(&t, changes);
		if (rc == 0)
			*err = keep;
	} else {
		rc = txn_commit(&t, changes);
	}
	mesh_doc_unref(doc);
	if (rc != 0)
		return -1;
	return a.missing ? 1 : 0;
}

int mesh_apply(struct mesh *m, const char *source, const char *data, size_t len,
               const char *default_ns, struct mesh_changes *changes, struct mesh_error *err)
{
	return run(m, source, data, len, default_ns, changes, err, 0);
}

int mesh_delete_manifests(struct mesh *m, const char *source, const char *data, size_t len,
                          const char *default_ns, struct mesh_changes *changes,
                          struct mesh_error *err)
{
	return run(m, source, data, len, default_ns, changes, err, 1);
}
