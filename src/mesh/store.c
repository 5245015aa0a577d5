/* The store: creation and release of a mesh (with k3s's starting objects),
 * its indexes (by key, by kind, by namespace and kind, all in creation
 * order), lookups and iteration. Mutations go through txn.c, which calls
 * the store_* functions here at commit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh_internal.h"

/* 2021-06-01T00:00:00Z: the seed walkthrough's era. */
#define DEFAULT_START_TIME 1622505600

void mesh_key(char *buf, size_t cap, enum mesh_kind kind, const char *ns, const char *name)
{
	/* "<kind letter>\x1f<namespace>\x1f<name>", truncated to cap (a hot path:
	 * every lookup of apply builds one, so no snprintf). */
	size_t n = 0;
	const char *parts[2] = {mesh_kind_info(kind)->namespaced ? ns : "", name};
	if (cap < 3)
		return;
	buf[n++] = (char)('A' + (int)kind);
	for (int p = 0; p < 2; p++) {
		size_t len = strlen(parts[p]);
		if (n + 1 < cap)
			buf[n++] = '\x1f';
		if (len > cap - 1 - n)
			len = cap - 1 - n;
		memcpy(buf + n, parts[p], len);
		n += len;
	}
	buf[n] = '\0';
}

struct nsbucket *mesh_bucket(const struct mesh *m, const char *ns)
{
	return strmap_get(&m->namespaces, ns);
}

/* ---- commit-time changes (see txn.c) ---------------------------------- */

/* Reserves what inserting t's added objects needs: index slots, vector
 * room, namespace buckets. Returns 0 or -1 (nothing changed but empty
 * buckets). */
/* The bucket of ns, looked up only when ns differs from *last (objects come
 * grouped by namespace: an apply of 20,000 looks up 40 namespaces). */
static struct nsbucket *bucket_of(const struct mesh *m, const char *ns, const char **last,
                                  struct nsbucket **last_bucket)
{
	if (!*last || strcmp(*last, ns) != 0) {
		*last = ns;
		*last_bucket = mesh_bucket(m, ns);
	}
	return *last_bucket;
}

int store_reserve(struct mesh *m, const struct txn *t)
{
	size_t per_kind[MESH_KIND_COUNT] = {0};
	const char *last = NULL;
	struct nsbucket *last_bucket = NULL;
	int rc = 0;
	if (strmap_reserve(&m->index, t->adds.count) != 0)
		return -1;
	/* Count what each namespace bucket receives, then make room. */
	for (size_t i = 0; i < t->adds.count; i++) {
		const struct mesh_object *o = t->adds.items[i];
		per_kind[o->kind]++;
		if (mesh_kind_info(o->kind)->namespaced) {
			struct nsbucket *b = bucket_of(m, o->namespace_, &last, &last_bucket);
			if (!b) {
				b = calloc(1, sizeof *b);
				if (!b || strmap_put(&m->namespaces, o->namespace_, b) != 0) {
					free(b);
					rc = -1;
					break;
				}
				last_bucket = b;
			}
			b->pending[o->kind]++;
		}
	}
	last = NULL;
	for (size_t i = 0; i < t->adds.count; i++) {
		const struct mesh_object *o = t->adds.items[i];
		struct nsbucket *b;
		if (!mesh_kind_info(o->kind)->namespaced ||
		    !(b = bucket_of(m, o->namespace_, &last, &last_bucket)))
			continue;
		if (b->pending[o->kind] && rc == 0 &&
		    objvec_reserve(&b->kinds[o->kind], b->pending[o->kind]) != 0)
			rc = -1;
		b->pending[o->kind] = 0;
	}
	for (int k = 0; k < MESH_KIND_COUNT && rc == 0; k++)
		if (objvec_reserve(&m->kinds[k], per_kind[k]) != 0)
			rc = -1;
	return rc;
}

void store_insert(struct mesh *m, struct mesh_object *o)
{
	strmap_put(&m->index, o->key, o); /* reserved: cannot fail */
	m->kinds[o->kind].items[m->kinds[o->kind].count++] = o;
	if (mesh_kind_info(o->kind)->namespaced) {
		struct objvec *v = &mesh_bucket(m, o->namespace_)->kinds[o->kind];
		v->items[v->count++] = o;
	}
}

static void vec_swap(struct objvec *v, struct mesh_object *old, struct mesh_object *o)
{
	long at = objvec_find_uid(v, old->uid);
	if (at >= 0 && v->items[at] == old)
		v->items[at] = o;
}

void store_replace(struct mesh *m, struct mesh_object *old, struct mesh_object *o)
{
	strmap_put(&m->index, o->key, o); /* existing key: no allocation */
	vec_swap(&m->kinds[o->kind], old, o);
	if (mesh_kind_info(o->kind)->namespaced)
		vec_swap(&mesh_bucket(m, o->namespace_)->kinds[o->kind], old, o);
	old->deleted = 1;
}

void store_remove(struct mesh *m, struct mesh_object *o)
{
	if (strmap_get(&m->index, o->key) == o)
		strmap_remove(&m->index, o->key);
	o->deleted = 1;
	m->kinds[o->kind].dirty = 1;
	if (mesh_kind_info(o->kind)->namespaced) {
		struct nsbucket *b = mesh_bucket(m, o->namespace_);
		if (b)
			b->kinds[o->kind].dirty = 1;
	}
}

static void compact_bucket(void *ctx, const char *key, void *value)
{
	struct nsbucket *b = value;
	(void)ctx;
	(void)key;
	for (int k = 0; k < MESH_KIND_COUNT; k++) {
		if (b->kinds[k].dirty) {
			objvec_compact(&b->kinds[k]);
			b->kinds[k].dirty = 0;
		}
	}
}

void store_compact(struct mesh *m)
{
	for (int k = 0; k < MESH_KIND_COUNT; k++) {
		if (m->kinds[k].dirty) {
			objvec_compact(&m->kinds[k]);
			m->kinds[k].dirty = 0;
		}
	}
	strmap_each(&m->namespaces, compact_bucket, NULL);
}

/* ---- lookups ----------------------------------------------------------- */

struct mesh_object *mesh_find(const struct mesh *m, enum mesh_kind kind, const char *ns,
                              const char *name)
{
	char key[MESH_KEY_MAX];
	mesh_key(key, sizeof key, kind, ns ? ns : "default", name);
	return strmap_get(&m->index, key);
}

static const struct objvec *list_of(const struct mesh *m, enum mesh_kind kind, const char *ns)
{
	const struct nsbucket *b;
	if (!ns || !mesh_kind_info(kind)->namespaced)
		return &m->kinds[kind];
	b = mesh_bucket(m, ns);
	return b ? &b->kinds[kind] : NULL;
}

size_t mesh_count(const struct mesh *m, enum mesh_kind kind, const char *ns)
{
	const struct objvec *v = list_of(m, kind, ns);
	return v ? v->count : 0;
}

void mesh_iter_init(struct mesh_iter *it, const struct mesh *m, enum mesh_kind kind, const char *ns,
                    const struct mesh_labels *match)
{
	it->m = m;
	it->kind = kind;
	it->match = match;
	it->list = list_of(m, kind, ns);
	it->pos = 0;
}

struct mesh_object *mesh_iter_next(struct mesh_iter *it)
{
	const struct objvec *v = it->list;
	while (v && it->pos < v->count) {
		struct mesh_object *o = v->items[it->pos++];
		if (!it->match || mesh_labels_match(it->match, &o->labels))
			return o;
	}
	return NULL;
}

void mesh_iter_service_pods(struct mesh_iter *it, const struct mesh *m,
                            const struct mesh_object *service)
{
	mesh_iter_init(it, m, MESH_POD, service->namespace_, &service->service->selector);
	if (!service->service->has_selector || service->service->type == MESH_SVC_EXTERNAL_NAME)
		it->list = NULL;
}

uint64_t mesh_version(const struct mesh *m)
{
	return m->version;
}

int64_t mesh_now(const struct mesh *m)
{
	return m->now;
}

int mesh_advance(struct mesh *m, int64_t seconds)
{
	if (seconds > MESH_MAX_TIME - m->now)
		return -1;
	if (seconds > 0)
		m->now += seconds;
	return 0;
}

const struct mesh_options *mesh_options(const struct mesh *m)
{
	return &m->opts;
}

/* ---- creation ---------------------------------------------------------- */

static const char *opt(struct mesh *m, const char *given, const char *fallback)
{
	return arena_strdup(&m->arena, given && given[0] ? given : fallback);
}

/* k3s's starting objects. The Service addresses follow the service CIDR:
 * kubernetes at its first address, kube-dns at its tenth. */
static int bootstrap(struct mesh *m, struct mesh_error *err)
{
	char api_ip[16], dns_ip[16], text[2048];
	struct mesh_object *k8s;
	ipam_format(&m->service_ips, 1, api_ip, sizeof api_ip);
	ipam_format(&m->service_ips, 10, dns_ip, sizeof dns_ip);
	snprintf(text, sizeof text,
	         "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n---\n"
	         "apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n---\n"
	         "apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-public}\n---\n"
	         "apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-node-lease}\n---\n"
	         "apiVersion: v1\nkind: Service\nmetadata:\n  name: kubernetes\n"
	         "  namespace: default\n  labels: {component: apiserver, provider: kubernetes}\n"
	         "spec:\n  clusterIP: %s\n  ports:\n"
	         "  - {name: https, port: 443, protocol: TCP, targetPort: 6443}\n---\n"
	         "apiVersion: v1\nkind: Service\nmetadata:\n  name: kube-dns\n"
	         "  namespace: kube-system\n  labels:\n    k8s-app: kube-dns\n"
	         "    kubernetes.io/cluster-service: \"true\"\n    kubernetes.io/name: CoreDNS\n"
	         "  annotations: {prometheus.io/port: \"9153\", prometheus.io/scrape: \"true\"}\n"
	         "spec:\n  clusterIP: %s\n  selector: {k8s-app: kube-dns}\n  ports:\n"
	         "  - {name: dns, port: 53, protocol: UDP, targetPort: 53}\n"
	         "  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}\n"
	         "  - {name: metrics, port: 9153, protocol: TCP, targetPort: 9153}\n",
	         api_ip, dns_ip);
	if (mesh_apply(m, "<k3s>", text, strlen(text), NULL, NULL, err) != 0)
		return -1;
	/* They were there before anyone ran kubectl apply. */
	for (int k = 0; k < MESH_KIND_COUNT; k++)
		for (size_t i = 0; i < m->kinds[k].count; i++)
			m->kinds[k].items[i]->applied = 0;
	k8s = mesh_find(m, MESH_SERVICE, "default", "kubernetes");
	if (k8s) {
		k8s->service->apiserver_ip = object_strdup(k8s, m->opts.node_ip);
		k8s->service->apiserver_port = 6443;
	}
	return 0;
}

struct mesh *mesh_new(const struct mesh_options *opts, struct mesh_error *err)
{
	static const struct mesh_options none = {0};
	struct mesh *m = calloc(1, sizeof *m);
	if (!opts)
		opts = &none;
	if (!m) {
		mesh_error_set(err, NULL, 0, 0, "out of memory");
		return NULL;
	}
	arena_init(&m->arena, 1024);
	strmap_init_borrowed(&m->index);
	strmap_init(&m->namespaces);
	m->opts.pod_cidr = opt(m, opts->pod_cidr, "10.42.0.0/16");
	m->opts.service_cidr = opt(m, opts->service_cidr, "10.43.0.0/16");
	m->opts.cluster_domain = opt(m, opts->cluster_domain, "cluster.local");
	m->opts.node_name = opt(m, opts->node_name, "k3s-server");
	m->opts.node_ip = opt(m, opts->node_ip, "172.18.0.2");
	m->opts.start_time = opts->start_time ? opts->start_time : DEFAULT_START_TIME;
	m->opts.bare = opts->bare;
	m->now = m->opts.start_time;
	m->next_uid = 1;
	if (!m->opts.pod_cidr || !m->opts.service_cidr || !m->opts.cluster_domain ||
	    !m->opts.node_name || !m->opts.node_ip) {
		mesh_error_set(err, NULL, 0, 0, "out of memory");
		mesh_free(m);
		return NULL;
	}
	if (m->opts.start_time < 0 || m->opts.start_time > MESH_MAX_TIME) {
		mesh_error_set(err, NULL, 0, 0,
		               "start_time %lld: the clock runs from 0 to %lld "
		               "(9999-12-31T23:59:59Z)",
		               (long long)m->opts.start_time, (long long)MESH_MAX_TIME);
		mesh_free(m);
		return NULL;
	}
	if (dns_subdomain_problem(m->opts.cluster_domain)) {
		mesh_error_set(err, NULL, 0, 0, "cluster_domain \"%s\": %s", m->opts.cluster_domain,
		               dns_subdomain_problem(m->opts.cluster_domain));
		mesh_free(m);
		return NULL;
	}
	/* Pods from .2 (the bridge has .1), Services from .1 (kubernetes). */
	if (ipam_init_cidr(&m->pod_ips, m->opts.pod_cidr, 2, err) != 0 ||
	    ipam_init_cidr(&m->service_ips, m->opts.service_cidr, 1, err) != 0 ||
	    ipam_init_ports(&m->node_ports, 30000, 32767) != 0) {
		char msg[sizeof err->message];
		snprintf(msg, sizeof msg, "%s", err->message[0] ? err->message : "out of memory");
		mesh_error_set(err, NULL, 0, 0, "mesh options: %s", msg);
		mesh_free(m);
		return NULL;
	}
	if (!m->opts.bare && bootstrap(m, err) != 0) {
		mesh_free(m);
		return NULL;
	}
	m->version = m->opts.bare ? 0 : 1;
	return m;
}

static void free_bucket(void *ctx, const char *key, void *value)
{
	struct nsbucket *b = value;
	(void)ctx;
	(void)key;
	for (int k = 0; k < MESH_KIND_COUNT; k++)
		objvec_free(&b->kinds[k]);
	free(b);
}

void mesh_free(struct mesh *m)
{
	if (!m)
		return;
	for (int k = 0; k < MESH_KIND_COUNT; k++) {
		for (size_t i = 0; i < m->kinds[k].count; i++) {
			struct mesh_object *o = m->kinds[k].items[i];
			if (!o->deleted) {
				o->deleted = 1;
				mesh_object_unref(o);
			}
		}
		objvec_free(&m->kinds[k]);
	}
	strmap_each(&m->namespaces, free_bucket, NULL);
	strmap_free(&m->namespaces);
	strmap_free(&m->index);
	ipam_free(&m->pod_ips);
	ipam_free(&m->service_ips);
	ipam_free(&m->node_ports);
	arena_free(&m->arena);
	free(m);
}
