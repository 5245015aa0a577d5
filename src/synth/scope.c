/* What one proxy imports (pilot/pkg/model/sidecar.go): the Sidecar resource
 * in force (the proxy namespace's one selecting the workload, else its
 * namespace-wide one, else the root namespace's), its egress hosts
 * ("ns/host", default "*\/\*") filtering services by exportTo and host and
 * VirtualServices by namespace and host; the DestinationRule that applies to
 * a host (proxy namespace, then the service's, then the root namespace;
 * exact host before wildcards); the PeerAuthentication mode of a port
 * (workload, namespace, mesh; portLevelMtls; PERMISSIVE by default). */
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

struct egress_host {
	const char *ns;   /* "*", "." already resolved to the proxy namespace, "~" */
	const char *host; /* "*" or a (wildcard) host */
};

struct egress {
	size_t n;
	struct egress_host *items;
};

static const struct egress_host everything = {"*", "*"};

static int selector_matches(const struct node *labels, const struct mesh_labels *have)
{
	return labels_match_node(labels, have);
}

int labels_match_node(const struct node *want, const struct mesh_labels *have)
{
	if (!want || want->type != NODE_MAP)
		return 1;
	for (size_t i = 0; i < want->len; i++) {
		const char *v = mesh_labels_get(have, want->pairs[i].key->str);
		const char *w = node_text(want->pairs[i].value);
		if (!v || !w || strcmp(v, w) != 0)
			return 0;
	}
	return 1;
}

/* The Sidecar in force for the proxy, or NULL. */
static const struct cfg *find_sidecar(struct synth *s)
{
	const struct cfg *ns_wide = NULL, *root = NULL, *selected = NULL;
	for (size_t i = 0; i < s->ncfg[MESH_SIDECAR]; i++) {
		const struct cfg *c = &s->cfgs[MESH_SIDECAR][i];
		const struct node *sel = node_get(node_get(c->spec, "workloadSelector"), "labels");
		if (strcmp(c->ns, s->ns) == 0) {
			if (sel) {
				if (!selected && selector_matches(sel, &s->pod->labels))
					selected = c;
			} else if (!ns_wide) {
				ns_wide = c;
			}
		} else if (strcmp(c->ns, s->config_ns) == 0 && !sel && !root) {
			root = c;
		}
	}
	return selected ? selected : ns_wide ? ns_wide : root;
}

static int read_egress(struct synth *s, const struct cfg *sidecar, struct egress *eg)
{
	const struct node *list = sidecar ? node_get(sidecar->spec, "egress") : NULL;
	size_t total = 0;
	eg->n = 0;
	eg->items = NULL;
	if (!list || list->type != NODE_SEQ || list->len == 0) {
		eg->n = 1;
		eg->items = (struct egress_host *)&everything;
		return 0;
	}
	for (size_t i = 0; i < list->len; i++) {
		const struct node *hosts = node_get(list->items[i], "hosts");
		total += hosts && hosts->type == NODE_SEQ ? hosts->len : 0;
	}
	eg->items = arena_calloc(&s->tmp, total ? total : 1, sizeof *eg->items);
	if (!eg->items)
		return -1;
	for (size_t i = 0; i < list->len; i++) {
		const struct node *hosts = node_get(list->items[i], "hosts");
		if (!hosts || hosts->type != NODE_SEQ)
			continue;
		for (size_t h = 0; h < hosts->len; h++) {
			const char *t = node_text(hosts->items[h]), *slash;
			struct egress_host *e;
			if (!t || !(slash = strchr(t, '/')))
				continue;
			e = &eg->items[eg->n++];
			e->ns = arena_strndup(&s->tmp, t, (size_t)(slash - t));
			e->host = slash + 1;
			if (!e->ns)
				return -1;
			if (strcmp(e->ns, ".") == 0)
				e->ns = s->ns;
		}
	}
	return 0;
}

static int egress_ns_ok(const struct egress_host *e, const char *ns)
{
	return strcmp(e->ns, "*") == 0 || strcmp(e->ns, ns) == 0;
}

static int egress_host_ok(const struct egress_host *e, const char *host)
{
	return strcmp(e->host, "*") == 0 || host_matches(e->host, host);
}

static int svc_imported(struct synth *s, const struct egress *eg, const struct svc *v)
{
	if (!exported_to(v->export_all, v->export_private, v->export_ns, v->nexport, v->ns, s->ns))
		return 0;
	for (size_t i = 0; i < eg->n; i++)
		if (egress_ns_ok(&eg->items[i], v->ns) &&
		    egress_host_ok(&eg->items[i], v->hostname))
			return 1;
	return 0;
}

static int cfg_visible(struct synth *s, const struct cfg *c)
{
	if (strcmp(c->ns, s->ns) == 0)
		return 1;
	return exported_to(c->export_all, c->export_private, c->export_ns, c->nexport, c->ns,
	                   s->ns);
}

/* A VirtualService bound to the mesh (no gateways, or "mesh" among them). */
static int vs_for_mesh(const struct cfg *c)
{
	const struct node *gws = node_get(c->spec, "gateways");
	if (!gws || gws->type != NODE_SEQ || gws->len == 0)
		return 1;
	for (size_t i = 0; i < gws->len; i++) {
		const char *g = node_text(gws->items[i]);
		if (g && strcmp(g, "mesh") == 0)
			return 1;
	}
	return 0;
}

static int vs_imported(const struct egress *eg, const struct cfg *c)
{
	for (size_t i = 0; i < eg->n; i++) {
		if (!egress_ns_ok(&eg->items[i], c->ns))
			continue;
		for (size_t h = 0; h < c->nhosts; h++)
			if (egress_host_ok(&eg->items[i], c->hosts[h]))
				return 1;
	}
	return 0;
}

/* The host index of the scope's VirtualServices. */
static int index_vs(struct synth *s)
{
	struct scope *sc = &s->sc;
	size_t total = 0, w = 0;
	for (size_t i = 0; i < sc->nvs; i++)
		total += sc->vs[i]->nhosts;
	strmap_init_borrowed(&sc->vs_by_host);
	sc->vs_wild = arena_calloc(&s->tmp, total + 1, sizeof *sc->vs_wild);
	if (!sc->vs_wild)
		return -1;
	for (size_t i = 0; i < sc->nvs; i++) {
		const struct cfg *c = sc->vs[i];
		for (size_t h = 0; h < c->nhosts; h++) {
			struct vsref *r, *at;
			if (c->hosts[h][0] == '*') {
				r = &sc->vs_wild[w++];
				r->vs = c;
				r->host = c->hosts[h];
				r->order = i;
				continue;
			}
			r = arena_calloc(&s->tmp, 1, sizeof *r);
			if (!r)
				return -1;
			r->vs = c;
			r->host = c->hosts[h];
			r->order = i;
			at = strmap_get(&sc->vs_by_host, c->hosts[h]);
			if (!at) {
				if (strmap_put(&sc->vs_by_host, c->hosts[h], r) != 0)
					return -1;
				continue;
			}
			while (at->next)
				at = at->next;
			if (at->vs != c)
				at->next = r;
		}
	}
	sc->nvs_wild = w;
	return 0;
}

size_t scope_vs_for_host(struct synth *s, const char *host, const struct cfg **out, size_t cap)
{
	struct scope *sc = &s->sc;
	const struct vsref *r = host[0] == '*' ? NULL : strmap_get(&sc->vs_by_host, host);
	size_t n = 0, w = 0;
	if (host[0] == '*') { /* a wildcard service: the slow way */
		for (size_t i = 0; i < sc->nvs && n < cap; i++)
			for (size_t h = 0; h < sc->vs[i]->nhosts; h++)
				if (host_matches(sc->vs[i]->hosts[h], host)) {
					out[n++] = sc->vs[i];
					break;
				}
		return n;
	}
	/* Merge the exact chain and the matching wildcards by VS order. */
	while ((r || w < sc->nvs_wild) && n < cap) {
		const struct vsref *x = w < sc->nvs_wild ? &sc->vs_wild[w] : NULL;
		if (x && !host_matches(x->host, host)) {
			w++;
			continue;
		}
		if (r && (!x || r->order <= x->order)) {
			if (!n || out[n - 1] != r->vs)
				out[n++] = r->vs;
			r = r->next;
		} else {
			if (!n || out[n - 1] != x->vs)
				out[n++] = x->vs;
			w++;
		}
	}
	return n;
}

const struct cfg *scope_vs_most_specific(struct synth *s, const char *hostname)
{
	struct scope *sc = &s->sc;
	const struct vsref *r = strmap_get(&sc->vs_by_host, hostname);
	const struct cfg *best = NULL;
	size_t best_len = 0;
	if (r)
		return r->vs;
	for (size_t w = 0; w < sc->nvs_wild; w++) {
		const struct vsref *x = &sc->vs_wild[w];
		if (host_matches(x->host, hostname) && strlen(x->host) > best_len) {
			best = x->vs;
			best_len = strlen(x->host);
		}
	}
	return best;
}

int scope_build(struct synth *s)
{
	struct egress eg;
	struct scope *sc = &s->sc;
	const char *mode;
	memset(sc, 0, sizeof *sc);
	strmap_init_borrowed(&sc->by_host);
	sc->sidecar = s->gateway ? NULL : find_sidecar(s);
	if (read_egress(s, sc->sidecar, &eg) != 0)
		return synth_fail(s, "out of memory");
	mode =
	    sc->sidecar
	        ? node_text(node_get(node_get(sc->sidecar->spec, "outboundTrafficPolicy"), "mode"))
	        : NULL;
	sc->registry_only = mode && strcmp(mode, "REGISTRY_ONLY") == 0;

	sc->svcs = arena_calloc(&s->tmp, s->nall ? s->nall : 1, sizeof *sc->svcs);
	if (!sc->svcs)
		return synth_fail(s, "out of memory");
	for (size_t i = 0; i < s->nall; i++) {
		struct svc *v = &s->all[i];
		if (!svc_imported(s, &eg, v))
			continue;
		sc->svcs[sc->nsvcs++] = v;
		v->dup_of = strmap_get(&sc->by_host, v->hostname);
		if (!v->dup_of && strmap_put(&sc->by_host, v->hostname, v) != 0)
			return synth_fail(s, "out of memory");
	}

	sc->vs = arena_calloc(&s->tmp, s->ncfg[MESH_VIRTUALSERVICE] + 1, sizeof *sc->vs);
	sc->dr = arena_calloc(&s->tmp, s->ncfg[MESH_DESTINATIONRULE] + 1, sizeof *sc->dr);
	if (!sc->vs || !sc->dr)
		return synth_fail(s, "out of memory");
	for (size_t i = 0; i < s->ncfg[MESH_VIRTUALSERVICE]; i++) {
		struct cfg *c = &s->cfgs[MESH_VIRTUALSERVICE][i];
		if (!cfg_visible(s, c))
			continue;
		if (!s->gateway && (!vs_for_mesh(c) || !vs_imported(&eg, c)))
			continue;
		sc->vs[sc->nvs++] = c;
	}
	cfg_sort(sc->vs, sc->nvs);
	if (index_vs(s) != 0)
		return synth_fail(s, "out of memory");
	for (size_t i = 0; i < s->ncfg[MESH_DESTINATIONRULE]; i++) {
		struct cfg *c = &s->cfgs[MESH_DESTINATIONRULE][i];
		const struct node *sel = node_get(node_get(c->spec, "workloadSelector"), "labels");
		if (!cfg_visible(s, c) || c->nhosts == 0)
			continue;
		if (sel && (strcmp(c->ns, s->ns) != 0 || !selector_matches(sel, &s->pod->labels)))
			continue;
		sc->dr[sc->ndr++] = c;
	}
	cfg_sort(sc->dr, sc->ndr);
	/* An index: exact hosts chained oldest first, wildcards in a list. */
	strmap_init_borrowed(&sc->dr_by_host);
	sc->dr_wild = arena_calloc(&s->tmp, sc->ndr + 1, sizeof *sc->dr_wild);
	if (!sc->dr_wild)
		return synth_fail(s, "out of memory");
	for (size_t i = 0; i < sc->ndr; i++) {
		struct cfg *c = sc->dr[i], *at;
		c->dr_next = NULL;
		if (c->hosts[0][0] == '*') {
			sc->dr_wild[sc->ndr_wild++] = c;
			continue;
		}
		at = strmap_get(&sc->dr_by_host, c->hosts[0]);
		if (!at) {
			if (strmap_put(&sc->dr_by_host, c->hosts[0], c) != 0)
				return synth_fail(s, "out of memory");
			continue;
		}
		while (at->dr_next)
			at = at->dr_next;
		at->dr_next = c;
	}
	return 0;
}

void scope_free(struct synth *s)
{
	strmap_free(&s->sc.by_host);
	strmap_free(&s->sc.vs_by_host);
	strmap_free(&s->sc.dr_by_host);
}

struct svc *scope_find(struct synth *s, const char *hostname)
{
	return strmap_get(&s->sc.by_host, hostname);
}

/* How well DestinationRule host pattern matches hostname: 0 not at all,
 * else higher is more specific (exact beats the longest wildcard). */
static size_t dr_match(const char *pattern, const char *hostname)
{
	if (strcmp(pattern, hostname) == 0)
		return (size_t)-1;
	if (pattern[0] == '*' && host_matches(pattern, hostname))
		return strlen(pattern);
	return 0;
}

const struct cfg *scope_dr(struct synth *s, const char *hostname)
{
	/* Namespaces in order of precedence: the proxy's, then every other
	 * (the service's own among them), then the root namespace. */
	const struct cfg *best = NULL;
	size_t best_score = 0;
	int best_rank = 3;
	const struct cfg *c = strmap_get(&s->sc.dr_by_host, hostname);
	size_t w = 0;
	/* The exact ones (oldest first), then the wildcards (oldest first). */
	for (;;) {
		size_t score;
		int rank;
		if (!c) {
			if (w == s->sc.ndr_wild)
				break;
			c = s->sc.dr_wild[w++];
			score = dr_match(c->hosts[0], hostname);
			if (!score) {
				c = NULL;
				continue;
			}
		} else {
			score = (size_t)-1;
		}
		rank = strcmp(c->ns, s->ns) == 0 ? 0 : strcmp(c->ns, s->config_ns) == 0 ? 2 : 1;
		if (!best || rank < best_rank || (rank == best_rank && score > best_score)) {
			best = c;
			best_rank = rank;
			best_score = score;
		}
		c = c->dr_next && score == (size_t)-1 ? c->dr_next : NULL;
	}
	return best;
}

static const char *pa_mode(const struct cfg *c, int port)
{
	const char *mode = NULL;
	const struct node *plm = node_get(c->spec, "portLevelMtls");
	if (port && plm && plm->type == NODE_MAP) {
		for (size_t i = 0; i < plm->len; i++) {
			long long p;
			if (node_int(plm->pairs[i].key, &p) != 0)
				p = atoll(plm->pairs[i].key->str);
			if (p == port)
				mode = node_text(node_get(plm->pairs[i].value, "mode"));
		}
	}
	if (!mode)
		mode = node_text(node_get(node_get(c->spec, "mtls"), "mode"));
	if (mode && strcmp(mode, "UNSET") == 0)
		return NULL;
	return mode;
}

const char *scope_mtls_mode(struct synth *s, int port)
{
	const struct cfg *workload = NULL, *ns_wide = NULL, *mesh = NULL;
	const char *m;
	for (size_t i = 0; i < s->ncfg[MESH_PEERAUTHENTICATION]; i++) {
		const struct cfg *c = &s->cfgs[MESH_PEERAUTHENTICATION][i];
		const struct node *sel = node_get(node_get(c->spec, "selector"), "matchLabels");
		if (strcmp(c->ns, s->ns) == 0) {
			if (sel) {
				if (!workload && selector_matches(sel, &s->pod->labels))
					workload = c;
			} else if (!ns_wide) {
				ns_wide = c;
			}
		} else if (strcmp(c->ns, s->config_ns) == 0 && !sel && !mesh) {
			mesh = c;
		}
	}
	if (workload && (m = pa_mode(workload, port)))
		return m;
	if (ns_wide && (m = pa_mode(ns_wide, port)))
		return m;
	if (mesh && (m = pa_mode(mesh, port)))
		return m;
	return "PERMISSIVE";
}
