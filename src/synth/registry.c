/* istiod's service registry, built from the simulated cluster for one build:
 * Kubernetes Services (pilot/pkg/serviceregistry/kube/conversion.go) and
 * ServiceEntries (serviceentry/conversion.go: one service per host and
 * address), their ports with protocols, and their endpoints (the selected
 * pods, ServiceEntry endpoints or workload-selected pods, DNS hosts).
 * Services are sorted as the push context sorts them: creation time, then
 * host name. Istio configs (VirtualService, DestinationRule, ...) become
 * struct cfg with their hosts resolved in their namespace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "synth_int.h"

/* ---- small helpers --------------------------------------------------- */

static void *tmp_calloc(struct synth *s, size_t n, size_t size)
{
	void *p = arena_calloc(&s->tmp, n ? n : 1, size);
	if (!p)
		s->jb.oom = 1;
	return p;
}

static const char *tmp_strdup(struct synth *s, const char *str)
{
	char *p = arena_strdup(&s->tmp, str ? str : "");
	if (!p) {
		s->jb.oom = 1;
		return "";
	}
	return p;
}

static int is_ipv4ish(const char *s)
{
	int dots = 0;
	if (!*s)
		return 0;
	for (; *s; s++) {
		if (*s == '.')
			dots++;
		else if (*s < '0' || *s > '9')
			return 0;
	}
	return dots == 3;
}

const char *resolve_short(struct synth *s, const char *host, const char *ns)
{
	if (!host || !*host || strcmp(host, "*") == 0 || strchr(host, '.') || strchr(host, ':') ||
	    is_ipv4ish(host))
		return jb_own(&s->jb, host);
	return jb_fmt(&s->jb, "%s.%s.svc.%s", host, ns, s->domain);
}

/* host.Name.Matches (pkg/config/host/name.go): wildcards on either side. */
int host_matches(const char *a, const char *b)
{
	int aw = a[0] == '*', bw = b[0] == '*';
	size_t la = strlen(a), lb = strlen(b);
	if (aw && !bw) /* *.foo.com matches bar.foo.com */
		return lb >= la - 1 && strcasecmp(b + lb - (la - 1), a + 1) == 0;
	if (!aw && bw)
		return la >= lb - 1 && strcasecmp(a + la - (lb - 1), b + 1) == 0;
	if (aw && bw) { /* the shorter suffix contains the other */
		if (la < lb)
			return strcasecmp(b + lb - (la - 1), a + 1) == 0;
		return strcasecmp(a + la - (lb - 1), b + 1) == 0;
	}
	return strcasecmp(a, b) == 0;
}

int exported_to(int all, int priv, const char *const *list, size_t n, const char *ns,
                const char *to)
{
	if (all)
		return 1;
	if (priv && strcmp(ns, to) == 0)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], "*") == 0 || strcmp(list[i], to) == 0 ||
		    (strcmp(list[i], ".") == 0 && strcmp(ns, to) == 0))
			return 1;
	return 0;
}

/* Reads an exportTo list (a YAML sequence, or the comma-separated
 * annotation text) into the fields of a service or config. No list means
 * exported everywhere (the mesh default). */
static void read_export(struct synth *s, const struct node *seq, const char *text, int *all,
                        int *priv, const char ***list, size_t *n)
{
	*all = 0;
	*priv = 0;
	*list = NULL;
	*n = 0;
	if (seq && seq->type == NODE_SEQ && seq->len > 0) {
		*list = tmp_calloc(s, seq->len, sizeof **list);
		if (!*list)
			return;
		for (size_t i = 0; i < seq->len; i++) {
			const char *t = node_text(seq->items[i]);
			if (t)
				(*list)[(*n)++] = tmp_strdup(s, t);
		}
		return;
	}
	if (text && *text) {
		size_t cap = 1;
		for (const char *p = text; *p; p++)
			cap += *p == ',';
		*list = tmp_calloc(s, cap, sizeof **list);
		if (!*list)
			return;
		while (*text) {
			const char *end = strchr(text, ',');
			size_t len = end ? (size_t)(end - text) : strlen(text);
			while (len && (*text == ' ')) {
				text++;
				len--;
			}
			while (len && text[len - 1] == ' ')
				len--;
			if (len) {
				char *v = arena_strndup(&s->tmp, text, len);
				if (!v) {
					s->jb.oom = 1;
					return;
				}
				(*list)[(*n)++] = v;
			}
			text += end ? (size_t)(end - text) + 1 : strlen(text);
		}
		return;
	}
	*all = 1;
}

/* ---- pods by label --------------------------------------------------- */

struct podvec {
	size_t n, cap;
	const struct mesh_object **items;
};

struct podindex {
	struct strmap by_label; /* "ns\x1fkey=value" -> struct podvec */
};

static int podindex_add(struct synth *s, struct podindex *ix, const char *key,
                        const struct mesh_object *pod)
{
	struct podvec *v = strmap_get(&ix->by_label, key);
	if (!v) {
		const char *kept = arena_strdup(&s->tmp, key); /* the map borrows it */
		v = tmp_calloc(s, 1, sizeof *v);
		if (!v || !kept || strmap_put(&ix->by_label, kept, v) != 0)
			return -1;
	}
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 4;
		const struct mesh_object **items = arena_alloc(&s->tmp, cap * sizeof *items);
		if (!items)
			return -1;
		if (v->n)
			memcpy(items, v->items, v->n * sizeof *items);
		v->items = items;
		v->cap = cap;
	}
	v->items[v->n++] = pod;
	return 0;
}

/* "ns\x1fkey=value" into buf (cap bytes); 0, or -1 when it does not fit. */
static int label_key(char *buf, size_t cap, const char *ns, const char *key, const char *value)
{
	size_t a = strlen(ns), k = strlen(key), v = strlen(value);
	if (a + k + v + 3 > cap)
		return -1;
	memcpy(buf, ns, a);
	buf[a] = '\x1f';
	memcpy(buf + a + 1, key, k);
	buf[a + 1 + k] = '=';
	memcpy(buf + a + 2 + k, value, v + 1);
	return 0;
}

/* Records the first key of a selector: only those label keys are indexed. */
static int note_selector_key(struct strmap *keys, const struct mesh_labels *sel)
{
	if (!sel || sel->count == 0 || strmap_get(keys, sel->items[0].key))
		return 0;
	return strmap_put(keys, sel->items[0].key, (void *)1);
}

static const struct mesh_labels *labels_of(struct synth *s, const struct node *map);

/* Indexes the pods by the label pairs that start a selector of a Service
 * or a ServiceEntry's workloadSelector (the only lookups made). */
static int podindex_build(struct synth *s, struct podindex *ix)
{
	struct mesh_iter it;
	struct mesh_object *o;
	struct strmap keys; /* the label keys selectors start with */
	char key[1024];
	int rc = -1;
	strmap_init_borrowed(&ix->by_label);
	strmap_init_borrowed(&keys);
	mesh_iter_init(&it, s->m, MESH_SERVICE, NULL, NULL);
	while ((o = mesh_iter_next(&it)))
		if (o->service->has_selector &&
		    note_selector_key(&keys, &o->service->selector) != 0)
			goto out;
	mesh_iter_init(&it, s->m, MESH_SERVICEENTRY, NULL, NULL);
	while ((o = mesh_iter_next(&it))) {
		const struct node *sel =
		    node_get(node_get(mesh_object_spec(o), "workloadSelector"), "labels");
		if (sel && sel->type == NODE_MAP &&
		    note_selector_key(&keys, labels_of(s, sel)) != 0)
			goto out;
	}
	if (strmap_reserve(&ix->by_label, mesh_count(s->m, MESH_POD, NULL) + 16) != 0)
		goto out;
	mesh_iter_init(&it, s->m, MESH_POD, NULL, NULL);
	while ((o = mesh_iter_next(&it))) {
		if (!o->pod || !o->pod->ip)
			continue;
		for (size_t i = 0; i < o->labels.count; i++) {
			if (!strmap_get(&keys, o->labels.items[i].key))
				continue;
			if (label_key(key, sizeof key, o->namespace_, o->labels.items[i].key,
			              o->labels.items[i].value) != 0)
				continue;
			if (podindex_add(s, ix, key, o) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	strmap_free(&keys);
	return rc;
}

/* The pods of ns whose labels contain every pair of sel (none when sel is
 * empty: a Service without selector selects nothing). */
static const struct podvec *podindex_candidates(struct podindex *ix, const char *ns,
                                                const struct mesh_labels *sel)
{
	char key[1024];
	if (!sel || sel->count == 0)
		return NULL;
	if (label_key(key, sizeof key, ns, sel->items[0].key, sel->items[0].value) != 0)
		return NULL;
	return strmap_get(&ix->by_label, key);
}

/* ---- Kubernetes Services ---------------------------------------------- */

static const struct mesh_labels no_labels = {0, NULL};

static int add_pod_eps(struct synth *s, struct svc *v, struct podindex *ix,
                       const struct mesh_labels *sel, const char *ns)
{
	const struct podvec *pv = podindex_candidates(ix, ns, sel);
	size_t n = 0;
	if (!pv)
		return 0;
	v->eps = tmp_calloc(s, pv->n, sizeof *v->eps);
	if (!v->eps)
		return -1;
	for (size_t i = 0; i < pv->n; i++) {
		const struct mesh_object *pod = pv->items[i];
		struct ep *e;
		if (!mesh_labels_match(sel, &pod->labels))
			continue;
		if (!pod->pod->ready && !s->prof->send_unhealthy_endpoints)
			continue;
		e = &v->eps[n++];
		e->address = jb_own(&s->jb, pod->pod->ip);
		e->pod = pod;
		e->labels = &pod->labels;
		e->sa = jb_own(&s->jb, pod->pod->spec.service_account);
		e->healthy = pod->pod->ready;
	}
	v->neps = n;
	return 0;
}

static int add_kube_service(struct synth *s, struct svc *v, struct mesh_object *o,
                            struct podindex *ix)
{
	const struct mesh_service *k = o->service;
	const char *exp = mesh_labels_get(&o->annotations, "networking.istio.io/exportTo");
	v->obj = o;
	v->k8s = 1;
	v->name = jb_own(&s->jb, o->name);
	v->ns = jb_own(&s->jb, o->namespace_);
	v->uid = o->uid;
	v->created = o->created;
	v->hostname = jb_fmt(&s->jb, "%s.%s.svc.%s", o->name, o->namespace_, s->domain);
	v->headless = k->headless;
	v->res = RES_EDS;
	v->address = "0.0.0.0";
	if (k->type == MESH_SVC_EXTERNAL_NAME) {
		v->alias_target = jb_own(&s->jb, k->external_name);
		v->res = s->prof->external_name_alias ? RES_ALIAS : RES_DNS;
		v->mesh_external = 1;
	} else if (k->headless) {
		v->res = RES_PASSTHROUGH;
	} else if (k->cluster_ip) {
		v->address = jb_own(&s->jb, k->cluster_ip);
	}
	if (strcmp(v->address, "0.0.0.0") != 0) {
		v->naddr = 1;
		v->addrs = tmp_calloc(s, 1, sizeof *v->addrs);
		if (!v->addrs)
			return -1;
		v->addrs[0] = v->address;
	}
	v->nports = 0;
	v->ports = tmp_calloc(s, k->port_count, sizeof *v->ports);
	if (!v->ports)
		return -1;
	for (size_t i = 0; i < k->port_count; i++) {
		struct sport *p = &v->ports[v->nports++];
		p->name = k->ports[i].name ? jb_own(&s->jb, k->ports[i].name) : "";
		p->port = k->ports[i].port;
		p->proto = proto_of_kube_port(&k->ports[i]);
		p->kport = &k->ports[i];
	}
	read_export(s, NULL, exp, &v->export_all, &v->export_private, &v->export_ns, &v->nexport);
	if (k->apiserver_ip) {
		/* kube-apiserver keeps the endpoints of `kubernetes` itself. */
		v->eps = tmp_calloc(s, 1, sizeof *v->eps);
		if (!v->eps)
			return -1;
		v->neps = 1;
		v->eps[0].address = jb_own(&s->jb, k->apiserver_ip);
		v->eps[0].labels = &no_labels;
		v->eps[0].healthy = 1;
		v->eps[0].port = k->apiserver_port;
		return 0;
	}
	if (v->res == RES_DNS) {
		/* Before the alias rules: an ExternalName is a DNS service whose
		 * one endpoint is the name it points at. */
		v->eps = tmp_calloc(s, 1, sizeof *v->eps);
		if (!v->eps)
			return -1;
		v->neps = 1;
		v->eps[0].address = jb_own(&s->jb, k->external_name);
		v->eps[0].labels = &no_labels;
		v->eps[0].healthy = 1;
		return 0;
	}
	if (k->has_selector)
		return add_pod_eps(s, v, ix, &k->selector, o->namespace_);
	return 0;
}

/* ---- ServiceEntries --------------------------------------------------- */

static enum resolution se_resolution(const char *r)
{
	if (!r || strcmp(r, "NONE") == 0)
		return RES_PASSTHROUGH;
	if (strcmp(r, "STATIC") == 0)
		return RES_EDS;
	if (strcmp(r, "DNS_ROUND_ROBIN") == 0)
		return RES_DNS_RR;
	return RES_DNS;
}

/* Labels of a ServiceEntry endpoint (a YAML map), sorted as mesh_labels. */
static const struct mesh_labels *labels_of(struct synth *s, const struct node *map)
{
	struct mesh_labels *l;
	struct mesh_label *items;
	if (!map || map->type != NODE_MAP || map->len == 0)
		return &no_labels;
	l = tmp_calloc(s, 1, sizeof *l);
	items = tmp_calloc(s, map->len, sizeof *items);
	if (!l || !items)
		return &no_labels;
	for (size_t i = 0; i < map->len; i++) {
		items[l->count].key = map->pairs[i].key->str;
		items[l->count].value = node_text(map->pairs[i].value);
		if (items[l->count].value)
			l->count++;
	}
	for (size_t i = 1; i < l->count; i++) /* insertion sort: a few labels */
		for (size_t j = i; j > 0 && strcmp(items[j - 1].key, items[j].key) > 0; j--) {
			struct mesh_label t = items[j];
			items[j] = items[j - 1];
			items[j - 1] = t;
		}
	l->items = items;
	return l;
}

static int se_endpoints(struct synth *s, struct svc *v, const struct node *spec,
                        struct podindex *ix, const struct mesh_object *o)
{
	const struct node *eps = node_get(spec, "endpoints");
	const struct node *wsel = node_get(node_get(spec, "workloadSelector"), "labels");
	if (eps && eps->type == NODE_SEQ && eps->len) {
		v->eps = tmp_calloc(s, eps->len, sizeof *v->eps);
		if (!v->eps)
			return -1;
		for (size_t i = 0; i < eps->len; i++) {
			const struct node *e = eps->items[i];
			struct ep *d;
			long long w;
			const char *addr = node_text(node_get(e, "address"));
			if (!addr)
				continue;
			d = &v->eps[v->neps++];
			d->address = jb_own(&s->jb, addr);
			d->labels = labels_of(s, node_get(e, "labels"));
			d->ports = node_get(e, "ports");
			d->sa = jb_own(&s->jb, node_text(node_get(e, "serviceAccount")));
			d->network = jb_own(&s->jb, node_text(node_get(e, "network")));
			d->locality = jb_own(&s->jb, node_text(node_get(e, "locality")));
			if (node_int(node_get(e, "weight"), &w) == 0 && w > 0 && w < 1 << 30)
				d->weight = (int)w;
			d->healthy = 1;
		}
		return 0;
	}
	if (wsel && wsel->type == NODE_MAP) {
		const struct mesh_labels *sel = labels_of(s, wsel);
		return add_pod_eps(s, v, ix, sel, o->namespace_);
	}
	if (v->res == RES_DNS || v->res == RES_DNS_RR) {
		/* DNS with no endpoints: the host itself is resolved. */
		v->eps = tmp_calloc(s, 1, sizeof *v->eps);
		if (!v->eps)
			return -1;
		v->neps = 1;
		v->eps[0].address = v->hostname;
		v->eps[0].labels = &no_labels;
		v->eps[0].healthy = 1;
	}
	return 0;
}

/* Appends the services of one ServiceEntry: one per host and address. */
static int add_service_entry(struct synth *s, struct mesh_object *o, struct podindex *ix,
                             struct svc **all, size_t *n, size_t *cap)
{
	const struct node *spec = mesh_object_spec(o);
	const struct node *hosts = node_get(spec, "hosts");
	const struct node *addrs = node_get(spec, "addresses");
	const struct node *ports = node_get(spec, "ports");
	const char *loc = node_text(node_get(spec, "location"));
	size_t naddr = addrs && addrs->type == NODE_SEQ ? addrs->len : 0;
	if (!hosts || hosts->type != NODE_SEQ)
		return 0;
	for (size_t h = 0; h < hosts->len; h++) {
		const char *host = node_text(hosts->items[h]);
		struct svc proto;
		if (!host)
			continue;
		memset(&proto, 0, sizeof proto);
		proto.obj = o;
		proto.is_se = 1;
		proto.name = jb_own(&s->jb, o->name);
		proto.ns = jb_own(&s->jb, o->namespace_);
		proto.uid = o->uid;
		proto.created = o->created;
		proto.hostname = jb_own(&s->jb, host);
		proto.res = se_resolution(node_text(node_get(spec, "resolution")));
		proto.mesh_external = !loc || strcmp(loc, "MESH_INTERNAL") != 0;
		read_export(s, node_get(spec, "exportTo"), NULL, &proto.export_all,
		            &proto.export_private, &proto.export_ns, &proto.nexport);
		if (ports && ports->type == NODE_SEQ) {
			proto.ports = tmp_calloc(s, ports->len, sizeof *proto.ports);
			if (!proto.ports)
				return -1;
			for (size_t i = 0; i < ports->len; i++) {
				const struct node *p = ports->items[i];
				long long num, tp;
				struct sport *d;
				if (node_int(node_get(p, "number"), &num) != 0)
					continue;
				d = &proto.ports[proto.nports++];
				d->port = (int)num;
				d->name = jb_own(&s->jb, node_text(node_get(p, "name")));
				if (!d->name)
					d->name = "";
				d->proto =
				    proto_of_name(node_text(node_get(p, "protocol")), d->port);
				if (node_int(node_get(p, "targetPort"), &tp) == 0)
					d->target_port = (int)tp;
			}
		}
		if (naddr) {
			proto.naddr = naddr;
			proto.addrs = tmp_calloc(s, naddr, sizeof *proto.addrs);
			if (!proto.addrs)
				return -1;
			for (size_t a = 0; a < naddr; a++)
				proto.addrs[a] = node_text(addrs->items[a])
				                     ? jb_own(&s->jb, node_text(addrs->items[a]))
				                     : "";
		}
		if (se_endpoints(s, &proto, spec, ix, o) != 0)
			return -1;
		for (size_t a = 0; a < (naddr ? naddr : 1); a++) {
			if (*n == *cap) {
				size_t ncap = *cap ? *cap * 2 : 64;
				struct svc *grown = realloc(*all, ncap * sizeof **all);
				if (!grown)
					return -1;
				*all = grown;
				*cap = ncap;
			}
			(*all)[*n] = proto;
			(*all)[*n].address = naddr ? proto.addrs[a] : "0.0.0.0";
			(*n)++;
		}
	}
	return 0;
}

/* ---- configs ---------------------------------------------------------- */

static int cfg_cmp(const void *a, const void *b)
{
	const struct cfg *x = *(const struct cfg *const *)a, *y = *(const struct cfg *const *)b;
	int c;
	if (x->obj->created != y->obj->created)
		return x->obj->created < y->obj->created ? -1 : 1;
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return strcmp(x->ns, y->ns);
}

void cfg_sort(struct cfg **list, size_t n)
{
	qsort(list, n, sizeof *list, cfg_cmp);
}

static int read_configs(struct synth *s, enum mesh_kind kind)
{
	size_t n = mesh_count(s->m, kind, NULL), i = 0;
	struct mesh_iter it;
	struct mesh_object *o;
	static struct node empty = {NODE_MAP, NODE_TAG_NONE, 1, 1, 0, NULL, NULL, NULL};
	s->cfgs[kind] = tmp_calloc(s, n, sizeof(struct cfg));
	if (!s->cfgs[kind])
		return -1;
	mesh_iter_init(&it, s->m, kind, NULL, NULL);
	while ((o = mesh_iter_next(&it)) && i < n) {
		struct cfg *c = &s->cfgs[kind][i++];
		const struct node *hosts;
		c->obj = o;
		c->spec = mesh_object_spec(o) ? mesh_object_spec(o) : &empty;
		c->name = jb_own(&s->jb, o->name);
		c->ns = jb_own(&s->jb, o->namespace_);
		read_export(s, node_get(c->spec, "exportTo"), NULL, &c->export_all,
		            &c->export_private, &c->export_ns, &c->nexport);
		hosts = kind == MESH_VIRTUALSERVICE ? node_get(c->spec, "hosts") : NULL;
		if (hosts && hosts->type == NODE_SEQ) {
			c->hosts = tmp_calloc(s, hosts->len, sizeof *c->hosts);
			if (!c->hosts)
				return -1;
			for (size_t h = 0; h < hosts->len; h++)
				if (node_text(hosts->items[h]))
					c->hosts[c->nhosts++] =
					    resolve_short(s, node_text(hosts->items[h]), c->ns);
		} else if (kind == MESH_DESTINATIONRULE && node_text(node_get(c->spec, "host"))) {
			c->hosts = tmp_calloc(s, 1, sizeof *c->hosts);
			if (!c->hosts)
				return -1;
			c->hosts[c->nhosts++] =
			    resolve_short(s, node_text(node_get(c->spec, "host")), c->ns);
		}
	}
	s->ncfg[kind] = i;
	return 0;
}

/* ---- the registry ------------------------------------------------------ */

static int svc_cmp(const void *a, const void *b)
{
	const struct svc *x = a, *y = b;
	int c;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	if ((c = strcmp(x->hostname, y->hostname)) != 0)
		return c;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

int registry_build(struct synth *s)
{
	struct podindex ix;
	struct mesh_iter it;
	struct mesh_object *o;
	struct svc *all = NULL;
	size_t n = 0, cap = mesh_count(s->m, MESH_SERVICE, NULL) + 16;
	int rc = -1;
	strmap_init_borrowed(&s->all_by_host);
	if (podindex_build(s, &ix) != 0)
		goto out;
	all = calloc(cap, sizeof *all);
	if (!all)
		goto out;
	mesh_iter_init(&it, s->m, MESH_SERVICE, NULL, NULL);
	while ((o = mesh_iter_next(&it))) {
		if (n == cap) {
			struct svc *grown = realloc(all, cap * 2 * sizeof *all);
			if (!grown)
				goto out;
			all = grown;
			cap *= 2;
		}
		memset(&all[n], 0, sizeof all[n]);
		if (add_kube_service(s, &all[n], o, &ix) != 0)
			goto out;
		n++;
	}
	mesh_iter_init(&it, s->m, MESH_SERVICEENTRY, NULL, NULL);
	while ((o = mesh_iter_next(&it)))
		if (add_service_entry(s, o, &ix, &all, &n, &cap) != 0)
			goto out;
	qsort(all, n, sizeof *all, svc_cmp);
	s->all = arena_alloc(&s->tmp, (n ? n : 1) * sizeof *all);
	if (!s->all)
		goto out;
	if (n)
		memcpy(s->all, all, n * sizeof *all);
	s->nall = n;
	for (size_t i = 0; i < n; i++)
		if (!strmap_get(&s->all_by_host, s->all[i].hostname) &&
		    strmap_put(&s->all_by_host, s->all[i].hostname, &s->all[i]) != 0)
			goto out;
	/* ExternalName aliases: the concrete service learns its aliases. */
	for (size_t i = 0; i < n; i++) {
		struct svc *v = &s->all[i], *target;
		if (v->res != RES_ALIAS)
			continue;
		target = strmap_get(&s->all_by_host, v->alias_target);
		if (!target || target->res == RES_ALIAS) {
			/* Istio only aliases Services of the mesh; anything else
			 * stays a DNS name. */
			v->res = RES_DNS;
			v->eps = tmp_calloc(s, 1, sizeof *v->eps);
			if (!v->eps)
				goto out;
			v->neps = 1;
			v->eps[0].address = v->alias_target;
			v->eps[0].labels = &no_labels;
			v->eps[0].healthy = 1;
			continue;
		}
		{
			struct svc **grown =
			    arena_alloc(&s->tmp, (target->naliases + 1) * sizeof *grown);
			if (!grown)
				goto out;
			if (target->naliases)
				memcpy(grown, target->aliases, target->naliases * sizeof *grown);
			grown[target->naliases++] = v;
			target->aliases = grown;
		}
	}
	for (int k = MESH_VIRTUALSERVICE; k <= MESH_PEERAUTHENTICATION; k++)
		if (read_configs(s, (enum mesh_kind)k) != 0)
			goto out;
	rc = s->jb.oom ? -1 : 0;
out:
	free(all);
	strmap_free(&ix.by_label);
	if (rc != 0)
		synth_fail(s, "out of memory building the service registry");
	return rc;
}

void registry_free(struct synth *s)
{
	strmap_free(&s->all_by_host);
}

struct svc *registry_find(struct synth *s, const char *hostname)
{
	return strmap_get(&s->all_by_host, hostname);
}

const struct sport *svc_port(const struct svc *v, int port)
{
	for (size_t i = 0; i < v->nports; i++)
		if (v->ports[i].port == port)
			return &v->ports[i];
	return NULL;
}

int ep_port(const struct svc *v, const struct ep *e, const struct sport *p)
{
	(void)v;
	if (e->port)
		return e->port;
	if (e->pod && p->kport)
		return mesh_pod_target_port(e->pod, p->kport);
	if (e->ports && e->ports->type == NODE_MAP) {
		long long n;
		const struct node *named = node_get(e->ports, p->name);
		if (named && node_int(named, &n) == 0)
			return (int)n;
	}
	return p->target_port ? p->target_port : p->port;
}
