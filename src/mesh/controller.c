/* The controllers, deterministically: a Deployment keeps `replicas` pods of
 * its current template (named <deployment>-<pod-template-hash>-<5 chars>), a
 * StatefulSet <name>-<ordinal>, a DaemonSet one pod on the one node. New pods
 * get the next pod IP and, when Istio's injection rules say so, a sidecar.
 * Workload status (ready, up-to-date, available) is recounted after every
 * change. Names come from stable hashes, never from a clock or a random
 * source, so the same operations give the same pods in every run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh_internal.h"

/* kubectl's and the API server's "safe" alphabet (no vowels, no 0/1/3). */
static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";

/* ---- pod-template-hash ------------------------------------------------- */

static void fnv32(uint32_t *h, const void *bytes, size_t n)
{
	const unsigned char *p = bytes;
	for (size_t i = 0; i < n; i++) {
		*h ^= p[i];
		*h *= 16777619u;
	}
}

static int pair_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct node_pair *const *)a)->key->str,
	              (*(const struct node_pair *const *)b)->key->str);
}

/* Hashes n with map keys in sorted order, so key order does not matter
 * (Kubernetes hashes the decoded struct). */
static void hash_node(uint32_t *h, const struct node *n)
{
	char tag = (char)('0' + n->type * 8 + n->tag);
	fnv32(h, &tag, 1);
	if (n->type == NODE_SCALAR) {
		fnv32(h, n->str, n->len + 1);
	} else if (n->type == NODE_SEQ) {
		for (size_t i = 0; i < n->len; i++)
			hash_node(h, n->items[i]);
	} else {
		const struct node_pair *stack[32];
		const struct node_pair **order =
		    n->len <= 32 ? stack : malloc(n->len * sizeof *order);
		if (!order) {
			for (size_t i = 0; i < n->len; i++)
				hash_node(h, n->pairs[i].value);
			return;
		}
		for (size_t i = 0; i < n->len; i++)
			order[i] = &n->pairs[i];
		qsort(order, n->len, sizeof *order, pair_cmp);
		for (size_t i = 0; i < n->len; i++) {
			fnv32(h, order[i]->key->str, order[i]->key->len + 1);
			hash_node(h, order[i]->value);
		}
		if (order != stack)
			free(order);
	}
}

void controller_template_hash(const struct node *template, uint32_t salt, char *buf, size_t cap)
{
	uint32_t h = 2166136261u;
	char digits[16];
	size_t i;
	hash_node(&h, template);
	if (salt)
		fnv32(&h, &salt, sizeof salt);
	/* As controller.ComputeHash: the decimal digits of the 32-bit hash, each
	 * mapped through the safe alphabet (so 9 or 10 characters). */
	snprintf(digits, sizeof digits, "%u", (unsigned)h);
	for (i = 0; digits[i] && i + 1 < cap; i++)
		buf[i] = alphabet[(unsigned char)digits[i] % (sizeof alphabet - 1)];
	buf[i] = '\0';
}

/* ---- sidecar injection ------------------------------------------------- */

static int is_gateway(const struct mesh_labels *labels, const struct mesh_pod_spec *spec)
{
	const char *istio = mesh_labels_get(labels, "istio");
	if (istio && (strcmp(istio, "ingressgateway") == 0 || strcmp(istio, "egressgateway") == 0))
		return 1;
	for (size_t i = 0; i < spec->container_count; i++)
		if (strcmp(spec->containers[i].name, "istio-proxy") == 0)
			return 1;
	return 0;
}

void controller_decide_proxy(const struct mesh_object *ns_obj, const char *ns,
                             const struct mesh_labels *labels,
                             const struct mesh_labels *annotations,
                             const struct mesh_pod_spec *spec, struct mesh_pod *pod)
{
	const struct mesh_labels *ns_labels = ns_obj ? &ns_obj->labels : NULL;
	const char *inject = mesh_labels_get(labels, "sidecar.istio.io/inject");
	const char *inject_annotation = mesh_labels_get(annotations, "sidecar.istio.io/inject");
	const char *ns_inject = mesh_labels_get(ns_labels, "istio-injection");
	const char *ns_rev = mesh_labels_get(ns_labels, "istio.io/rev");
	static const char relabel[] =
	    "label the namespace istio-injection=enabled, then restart the "
	    "workload: kubectl rollout restart";
	pod->proxy = MESH_PROXY_NONE;
	pod->injection_fix = NULL;
	if (is_gateway(labels, spec)) {
		pod->proxy = MESH_PROXY_GATEWAY;
		pod->injection = "it is an Istio gateway: its istio-proxy container is the Envoy";
	} else if (spec->host_network) {
		pod->injection = "pods on the host network are never injected";
	} else if (strcmp(ns, "kube-system") == 0 || strcmp(ns, "kube-public") == 0 ||
	           strcmp(ns, "kube-node-lease") == 0) {
		pod->injection = "Istio never injects pods in the Kubernetes system namespaces";
	} else if (ns_inject && strcmp(ns_inject, "disabled") == 0) {
		pod->injection = "its namespace is labelled istio-injection=disabled";
		pod->injection_fix =
		    "label the namespace istio-injection=enabled --overwrite, then "
		    "restart the workload: kubectl rollout restart";
	} else if ((inject && strcmp(inject, "false") == 0) ||
	           (inject_annotation && strcmp(inject_annotation, "false") == 0)) {
		pod->injection = "its template says sidecar.istio.io/inject: \"false\"";
		pod->injection_fix =
		    "remove sidecar.istio.io/inject: \"false\" from the pod template";
	} else if (ns_inject && strcmp(ns_inject, "enabled") == 0) {
		pod->proxy = MESH_PROXY_SIDECAR;
		pod->injection = "its namespace was labelled istio-injection=enabled when it was "
		                 "created";
	} else if (ns_rev && !ns_inject) {
		pod->proxy = MESH_PROXY_SIDECAR;
		pod->injection = "its namespace was labelled istio.io/rev when it was created";
	} else if (inject && strcmp(inject, "true") == 0 && !ns_inject) {
		pod->proxy = MESH_PROXY_SIDECAR;
		pod->injection = "it is labelled sidecar.istio.io/inject=true";
	} else {
		pod->injection =
		    "its namespace was not labelled istio-injection=enabled when it was "
		    "created";
		pod->injection_fix = relabel;
	}
}

/* ---- making pods ------------------------------------------------------- */

static uint64_t fnv64(const char *s, uint64_t h)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Appends the decimal digits of v at p; returns the end. */
static char *put_decimal(char *p, unsigned long long v)
{
	char digits[24];
	size_t k = 0;
	do {
		digits[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k)
		*p++ = digits[--k];
	return p;
}

/* base + 5 characters from a hash of (namespace, base, the pod's uid), as
 * the API server's generateName does with random ones. (Formatted by hand:
 * every pod of an apply comes through here.) */
static void generate_name(struct txn *t, const char *ns, const char *base, char *out, size_t cap)
{
	char seed[64], trimmed[64];
	size_t n = strnlen(base, 58); /* maxGeneratedNameLength */
	memcpy(trimmed, base, n);
	trimmed[n] = '\0';
	for (unsigned salt = 0;; salt++) {
		uint64_t h = 14695981039346656037ULL;
		char suffix[6], *p = seed;
		*p++ = '/';
		p = put_decimal(p, (unsigned long long)t->m->next_uid);
		*p++ = '/';
		p = put_decimal(p, salt);
		*p = '\0';
		h = fnv64(seed, fnv64(trimmed, fnv64(ns, h)));
		for (int i = 0; i < 5; i++) {
			suffix[i] = alphabet[h % (sizeof alphabet - 1)];
			h /= sizeof alphabet - 1;
		}
		suffix[5] = '\0';
		if (n + sizeof suffix <= cap) {
			memcpy(out, trimmed, n);
			memcpy(out + n, suffix, sizeof suffix);
		} else {
			snprintf(out, cap, "%s%s", trimmed, suffix);
		}
		if (!txn_find(t, MESH_POD, ns, out))
			return;
	}
}

/* Writes a, b and c one after the other into out (cap > 0 bytes, cut as
 * snprintf cuts); returns the length written. */
static size_t join(char *out, size_t cap, const char *a, const char *b, const char *c)
{
	const char *parts[3] = {a, b, c};
	size_t n = 0;
	for (int i = 0; i < 3; i++) {
		size_t len = strlen(parts[i]);
		if (len > cap - 1 - n)
			len = cap - 1 - n;
		memcpy(out + n, parts[i], len);
		n += len;
	}
	out[n] = '\0';
	return n;
}

/* The labels the controllers and the injector give a pod. */
static int pod_labels(struct mesh_object *pod, const struct mesh_object *w, const char *hash_key,
                      const char *statefulset_name)
{
	const struct mesh_labels *tl = &w->workload->pod_labels;
	struct mesh_label extra[6];
	struct mesh_label *pairs;
	size_t n = 0, e = 0;
	int rc;
	extra[e].key = hash_key;
	extra[e++].value = w->workload->template_hash;
	if (statefulset_name) {
		extra[e].key = "statefulset.kubernetes.io/pod-name";
		extra[e++].value = statefulset_name;
	}
	if (pod->pod->proxy == MESH_PROXY_SIDECAR) {
		const char *name = mesh_labels_get(tl, "app.kubernetes.io/name");
		const char *rev = mesh_labels_get(tl, "app.kubernetes.io/version");
		if (!name)
			name = mesh_labels_get(tl, "app");
		if (!rev)
			rev = mesh_labels_get(tl, "version");
		extra[e].key = "security.istio.io/tlsMode";
		extra[e++].value = "istio";
		extra[e].key = "service.istio.io/canonical-name";
		extra[e++].value = name ? name : w->name;
		extra[e].key = "service.istio.io/canonical-revision";
		extra[e++].value = rev ? rev : "latest";
	}
	pairs = malloc((tl->count + e) * sizeof *pairs);
	if (!pairs)
		return -1;
	for (size_t i = 0; i < tl->count; i++) {
		int overridden = 0;
		for (size_t j = 0; j < e; j++)
			overridden |= strcmp(extra[j].key, tl->items[i].key) == 0;
		if (!overridden)
			pairs[n++] = tl->items[i];
	}
	for (size_t j = 0; j < e; j++)
		pairs[n++] = extra[j];
	rc = object_set_labels(pod, pairs, n);
	free(pairs);
	return rc;
}

/* Creates one pod of workload w named name (generated when NULL). */
static int make_pod(struct txn *t, struct mesh_object *w, const char *name)
{
	struct mesh *m = t->m;
	struct mesh_workload *wl = w->workload;
	struct mesh_object *o = object_new(MESH_POD);
	struct mesh_pod *pod = o ? arena_calloc(&o->arena, 1, sizeof *pod) : NULL;
	const char *hash_key =
	    w->kind == MESH_DEPLOYMENT ? "pod-template-hash" : "controller-revision-hash";
	char buf[128], base[300], ip[16]; /* base: a 253-byte name, '-', a hash, '-' */
	const char *ready;
	if (!pod) {
		mesh_object_unref(o);
		return txn_oom(t);
	}
	o->pod = pod;
	if (w->kind == MESH_DEPLOYMENT) {
		size_t n = join(base, sizeof base, w->name, "-", wl->template_hash);
		pod->replica_set = object_strdup(o, base);
		join(base + n, sizeof base - n, "-", "", "");
		generate_name(t, w->namespace_, base, buf, sizeof buf);
	} else if (w->kind == MESH_DAEMONSET) {
		join(base, sizeof base, w->name, "-", "");
		generate_name(t, w->namespace_, base, buf, sizeof buf);
	} else {
		snprintf(buf, sizeof buf, "%s", name);
	}
	o->name = object_strdup(o, buf);
	o->namespace_ = object_strdup(o, w->namespace_);
	o->api_version = "v1";
	mesh_object_ref(w);
	o->borrowed = w; /* the pod's spec and annotations point into w */
	pod->spec = wl->pod;
	pod->owner_kind = mesh_kind_info(w->kind)->kind;
	pod->owner_name = w->name;
	pod->template_hash = wl->template_hash;
	pod->node_name = object_strdup(o, m->opts.node_name);
	ready = mesh_labels_get(&wl->pod_annotations, "meshlua.io/ready");
	pod->ready = !(ready && strcmp(ready, "false") == 0);
	o->annotations = wl->pod_annotations;
	controller_decide_proxy(txn_find(t, MESH_NAMESPACE, "", w->namespace_), w->namespace_,
	                        &wl->pod_labels, &wl->pod_annotations, &wl->pod, pod);
	if (!o->name || !o->namespace_ || !pod->node_name ||
	    pod_labels(o, w, hash_key, w->kind == MESH_STATEFULSET ? o->name : NULL) != 0) {
		mesh_object_unref(o);
		return txn_oom(t);
	}
	if (wl->pod.host_network) {
		pod->ip = object_strdup(o, m->opts.node_ip);
		if (!pod->ip) {
			mesh_object_unref(o);
			return txn_oom(t);
		}
	} else {
		long off = txn_alloc(t, &m->pod_ips, "pod IP addresses");
		if (off < 0) {
			char msg[sizeof t->err->message];
			snprintf(msg, sizeof msg, "%s", t->err->message);
			mesh_error_set(t->err, w->source, 0, 0,
			               "%s \"%s\": cannot start pod %s: %s (pod CIDR %s)",
			               mesh_kind_info(w->kind)->kind, w->name, o->name, msg,
			               m->opts.pod_cidr);
			if (w->manifest) {
				t->err->line = w->manifest->line;
				t->err->column = w->manifest->column;
			}
			mesh_object_unref(o);
			return -1;
		}
		ipam_format(&m->pod_ips, (uint32_t)off, ip, sizeof ip);
		pod->ip = object_strdup(o, ip);
		if (!pod->ip) {
			mesh_object_unref(o);
			return txn_oom(t);
		}
	}
	return txn_add(t, o);
}

/* ---- reconciling ------------------------------------------------------- */

static int owned_by(const struct mesh_object *pod, enum mesh_kind kind, const char *name)
{
	return pod->pod->owner_kind &&
	       strcmp(pod->pod->owner_kind, mesh_kind_info(kind)->kind) == 0 &&
	       strcmp(pod->pod->owner_name, name) == 0;
}

/* ReplicaSet scale-down order: not-ready pods first, then the newest. */
static int victim_cmp(const void *a, const void *b)
{
	const struct mesh_object *x = *(struct mesh_object *const *)a;
	const struct mesh_object *y = *(struct mesh_object *const *)b;
	if (x->pod->ready != y->pod->ready)
		return x->pod->ready - y->pod->ready;
	return x->uid < y->uid ? 1 : x->uid > y->uid ? -1 : 0;
}

static int ordinal_of(const struct mesh_object *pod, const char *name)
{
	size_t n = strlen(name);
	char *end;
	long v;
	if (strncmp(pod->name, name, n) != 0 || pod->name[n] != '-')
		return -1;
	v = strtol(pod->name + n + 1, &end, 10);
	return *end || v < 0 ? -1 : (int)v;
}

int controller_reconcile(struct txn *t, enum mesh_kind kind, const char *ns, const char *name)
{
	struct mesh_object *w = txn_find(t, kind, ns, name);
	struct nsbucket *b = mesh_bucket(t->m, ns);
	struct objvec keep = {0};
	int rc = 0, want;
	/* The pods of this workload in the store that the plan still has. */
	for (size_t i = 0; b && i < b->kinds[MESH_POD].count; i++) {
		struct mesh_object *pod = b->kinds[MESH_POD].items[i];
		if (!owned_by(pod, kind, name) || txn_find(t, MESH_POD, ns, pod->name) != pod)
			continue;
		if (!w || strcmp(pod->pod->template_hash, w->workload->template_hash) != 0 ||
		    (kind == MESH_STATEFULSET && ordinal_of(pod, name) >= w->workload->replicas)) {
			if ((rc = txn_remove(t, pod)) != 0)
				goto out;
		} else if (objvec_push(&keep, pod) != 0) {
			rc = txn_oom(t);
			goto out;
		}
	}
	if (!w)
		goto out;
	want = w->workload->replicas;
	if (kind == MESH_STATEFULSET) {
		for (int ordinal = 0; ordinal < want && rc == 0; ordinal++) {
			char pod_name[300];
			snprintf(pod_name, sizeof pod_name, "%s-%d", name, ordinal);
			if (!txn_find(t, MESH_POD, ns, pod_name))
				rc = make_pod(t, w, pod_name);
		}
		goto out;
	}
	if ((int)keep.count > want) {
		qsort(keep.items, keep.count, sizeof *keep.items, victim_cmp);
		for (size_t i = 0; i < keep.count - (size_t)want && rc == 0; i++)
			rc = txn_remove(t, keep.items[i]);
	}
	for (int i = (int)keep.count; i < want && rc == 0; i++)
		rc = make_pod(t, w, NULL);
out:
	objvec_free(&keep);
	return rc;
}

static void reset_status(struct mesh *m, enum mesh_kind kind)
{
	for (size_t i = 0; i < m->kinds[kind].count; i++) {
		struct mesh_workload *w = m->kinds[kind].items[i]->workload;
		w->status_replicas = w->ready_replicas = 0;
		w->updated_replicas = w->available_replicas = 0;
	}
}

void controller_update_status(struct mesh *m)
{
	static const enum mesh_kind kinds[] = {MESH_DEPLOYMENT, MESH_STATEFULSET, MESH_DAEMONSET};
	for (size_t k = 0; k < 3; k++)
		reset_status(m, kinds[k]);
	for (size_t i = 0; i < m->kinds[MESH_POD].count; i++) {
		const struct mesh_object *pod = m->kinds[MESH_POD].items[i];
		struct mesh_object *w = NULL;
		for (size_t k = 0; k < 3 && !w && pod->pod->owner_kind; k++)
			if (strcmp(pod->pod->owner_kind, mesh_kind_info(kinds[k])->kind) == 0)
				w = mesh_find(m, kinds[k], pod->namespace_, pod->pod->owner_name);
		if (!w)
			continue;
		w->workload->status_replicas++;
		if (strcmp(pod->pod->template_hash, w->workload->template_hash) == 0)
			w->workload->updated_replicas++;
		if (pod->pod->ready) {
			w->workload->ready_replicas++;
			w->workload->available_replicas++;
		}
	}
}
