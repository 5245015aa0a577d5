/* Sidecar outbound route configurations (pilot/pkg/networking/core/
 * httproute.go buildSidecarOutboundHTTPRouteConfig and
 * BuildSidecarOutboundVirtualHosts; route.go BuildSidecarVirtualHostWrapper):
 * route "<port>" holds a virtual host per service with an HTTP (or sniffed)
 * port of that number, named "<fqdn>:<port>", with the default route; a
 * VirtualService (oldest first) takes over the vhosts of the services its
 * hosts name (an exact host before the most specific wildcard), and hosts
 * outside the registry get vhosts on port 80 only; vhosts are sorted by
 * name, a domain belongs to the first vhost that claims it, and the
 * allow_any (ALLOW_ANY) or block_all (REGISTRY_ONLY) catch-all ends the
 * list. A sniffed port's route "<fqdn>:<port>" holds that service's vhost
 * only (its domains become "*" since 1.12), and no catch-all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "synth_int.h"

struct wrapper {
	int port;
	size_t nsvcs;
	struct svc **svcs;
	size_t nhosts;
	const char **hosts; /* VirtualService hosts outside the registry */
	struct node *routes;
};

struct wrappers {
	size_t n, cap;
	struct wrapper *items;
};

static struct wrapper *wrapper_new(struct synth *s, struct wrappers *w)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct wrapper *items = arena_alloc(&s->tmp, cap * sizeof *items);
		if (!items) {
			s->jb.oom = 1;
			return NULL;
		}
		if (w->n)
			memcpy(items, w->items, w->n * sizeof *items);
		w->items = items;
		w->cap = cap;
	}
	memset(&w->items[w->n], 0, sizeof w->items[0]);
	return &w->items[w->n++];
}

static int http_or_sniffed(enum proto p)
{
	return proto_is_http(p) || p == P_UNSUPPORTED;
}

/* The registry view of one listener port: service -> included. */
struct portview {
	struct strmap by_host; /* hostname -> svc with that port */
	size_t n;
	struct svc **svcs;
};

static void portview_build(struct synth *s, struct portview *pv, int port)
{
	strmap_init_borrowed(&pv->by_host);
	pv->n = 0;
	pv->svcs = arena_calloc(&s->tmp, s->sc.nsvcs + 1, sizeof *pv->svcs);
	if (!pv->svcs) {
		s->jb.oom = 1;
		return;
	}
	for (size_t i = 0; i < s->sc.nsvcs; i++) {
		struct svc *v = s->sc.svcs[i];
		/* Aliases (ExternalName) live in their concrete service's vhost. */
		if (v->res == RES_ALIAS || !svc_port(v, port))
			continue;
		/* servicesByName: the last service of a host name wins. */
		if (!strmap_get(&pv->by_host, v->hostname))
			pv->svcs[pv->n++] = v;
		else
			for (size_t k = 0; k < pv->n; k++)
				if (strcmp(pv->svcs[k]->hostname, v->hostname) == 0)
					pv->svcs[k] = v;
		if (strmap_put(&pv->by_host, v->hostname, v) != 0)
			s->jb.oom = 1;
	}
}

/* selectVirtualServices: on ports other than 80, only VirtualServices one
 * of whose hosts matches a service on the port (only wildcards, on either
 * side, need the walk over the services). */
static int vs_selected(const struct cfg *c, const struct portview *pv)
{
	for (size_t h = 0; h < c->nhosts; h++) {
		if (strmap_get(&pv->by_host, c->hosts[h]))
			return 1;
		for (size_t i = 0; i < pv->n; i++)
			if ((c->hosts[h][0] == '*' || pv->svcs[i]->hostname[0] == '*') &&
			    host_matches(c->hosts[h], pv->svcs[i]->hostname))
				return 1;
	}
	return 0;
}

static void build_wrappers(struct synth *s, struct portview *pv, int port, struct wrappers *out,
                           struct sset *claimed)
{
	static const char *const mesh[] = {"mesh", NULL};
	struct vs_route_opts o = {port, mesh, 0};
	for (size_t k = 0; k < s->sc.nvs; k++) {
		const struct cfg *c = s->sc.vs[k];
		struct node *routes;
		struct wrapper *w;
		if (port != 80 && !vs_selected(c, pv))
			continue;
		routes = jb_seq(&s->jb);
		if (vs_http_routes(s, c, &o, routes) == 0)
			continue;
		w = wrapper_new(s, out);
		if (!w)
			return;
		w->port = port;
		w->routes = routes;
		{
			/* room for the services the hosts can claim */
			size_t room = 0;
			for (size_t h = 0; h < c->nhosts; h++) {
				if (c->hosts[h][0] != '*') {
					room++;
					continue;
				}
				for (size_t i = 0; i < pv->n; i++)
					room += host_matches(pv->svcs[i]->hostname, c->hosts[h]);
			}
			w->hosts = arena_calloc(&s->tmp, c->nhosts + 1, sizeof *w->hosts);
			w->svcs = arena_calloc(&s->tmp, room + 1, sizeof *w->svcs);
		}
		if (!w->hosts || !w->svcs) {
			s->jb.oom = 1;
			return;
		}
		for (size_t h = 0; h < c->nhosts; h++) {
			const char *host = c->hosts[h];
			if (host[0] != '*') {
				struct svc *v = strmap_get(&pv->by_host, host);
				if (v)
					w->svcs[w->nsvcs++] = v;
				else
					w->hosts[w->nhosts++] = host;
				continue;
			}
			{
				int found = 0;
				for (size_t i = 0; i < pv->n; i++) {
					struct svc *v = pv->svcs[i];
					if (!host_matches(v->hostname, host))
						continue;
					found = 1;
					if (scope_vs_most_specific(s, v->hostname) == c)
						w->svcs[w->nsvcs++] = v;
				}
				if (!found)
					w->hosts[w->nhosts++] = host;
			}
		}
		/* serviceByPort: only services whose port here is HTTP or sniffed. */
		{
			size_t keep = 0;
			for (size_t i = 0; i < w->nsvcs; i++) {
				const struct sport *p = svc_port(w->svcs[i], port);
				if (p && http_or_sniffed(p->proto))
					w->svcs[keep++] = w->svcs[i];
			}
			w->nsvcs = keep;
		}
		if (w->nsvcs == 0 && port != 80) {
			out->n--; /* no vhost of this VirtualService on this port */
			continue;
		}
		for (size_t i = 0; i < w->nsvcs; i++)
			if (sset_add(claimed, w->svcs[i]->hostname) < 0)
				s->jb.oom = 1;
	}
	for (size_t i = 0; i < pv->n; i++) {
		struct svc *v = pv->svcs[i];
		const struct sport *p = svc_port(v, port);
		struct wrapper *w;
		struct node *r, *hp;
		if (sset_has(claimed, v->hostname) || v->res == RES_ALIAS || !p ||
		    !http_or_sniffed(p->proto))
			continue;
		w = wrapper_new(s, out);
		if (!w)
			return;
		w->port = port;
		w->svcs = arena_calloc(&s->tmp, 1, sizeof *w->svcs);
		if (!w->svcs) {
			s->jb.oom = 1;
			return;
		}
		w->svcs[w->nsvcs++] = v;
		r = default_route(s, cluster_name(s, "outbound", port, NULL, v->hostname),
		                  jb_fmt(&s->jb, "%s:%d/*", v->hostname, port));
		if ((hp = hash_policy_for(s, v->hostname, port))) {
			struct node *action = (struct node *)node_get(r, "route");
			struct node *seq = jb_seq(&s->jb);
			jb_push(&s->jb, seq, hp);
			if (action)
				jb_set(&s->jb, action, "hash_policy", seq);
		}
		w->routes = jb_seq(&s->jb);
		jb_push(&s->jb, w->routes, r);
	}
}

static struct node *vhost(struct synth *s, const char *name, struct node *domains,
                          struct node *routes)
{
	struct jb *b = &s->jb;
	struct node *vh = jb_map(b);
	jb_set_lit(b, vh, "name", name);
	jb_set(b, vh, "domains", domains);
	jb_set(b, vh, "routes", routes);
	jb_set_bool(b, vh, "include_request_attempt_count", 1);
	return vh;
}

static int vh_cmp(const void *a, const void *b)
{
	const struct node *x = *(const struct node *const *)a, *y = *(const struct node *const *)b;
	return strcmp(x->pairs[0].value->str, y->pairs[0].value->str);
}

/* The sorted vhosts of listener port (without catch-all), as a seq. */
static struct node *port_vhosts(struct synth *s, int port)
{
	struct portview pv;
	struct wrappers w = {0, 0, NULL};
	struct sset claimed, names, taken, known;
	struct node *list = jb_seq(&s->jb);
	sset_init(&claimed);
	sset_init(&names);
	sset_init(&taken);
	sset_init(&known);
	portview_build(s, &pv, port);
	/* room for every name the vhosts may claim: no rehash on the way */
	if (sset_reserve(&taken, pv.n * 8 + 64) != 0 || sset_reserve(&names, pv.n + 64) != 0 ||
	    sset_reserve(&known, pv.n * 2 + 64) != 0)
		s->jb.oom = 1;
	build_wrappers(s, &pv, port, &w, &claimed);
	for (size_t i = 0; i < w.n; i++)
		for (size_t k = 0; k < w.items[i].nsvcs; k++) {
			const char *h = w.items[i].svcs[k]->hostname;
			if (sset_add(&known, h) < 0 ||
			    (s->prof->domains_with_port &&
			     sset_add(&known, jb_fmt(&s->jb, "%s:%d", h, port)) < 0))
				s->jb.oom = 1;
		}
	for (size_t i = 0; i < w.n && !s->jb.oom; i++) {
		struct wrapper *wr = &w.items[i];
		if (!wr->routes || wr->routes->len == 0)
			continue;
		for (size_t h = 0; h < wr->nhosts; h++) {
			const char *name = jb_fmt(&s->jb, "%s:%d", wr->hosts[h], wr->port);
			struct node *domains = jb_seq(&s->jb);
			int added = sset_add(&names, name);
			if (added == 0)
				continue;
			if (added < 0)
				s->jb.oom = 1;
			if (sset_add(&taken, wr->hosts[h]) > 0)
				jb_push_lit(&s->jb, domains, wr->hosts[h]);
			if (s->prof->domains_with_port && sset_add(&taken, name) > 0)
				jb_push_lit(&s->jb, domains, name);
			if (domains->len)
				jb_push(&s->jb, list, vhost(s, name, domains, wr->routes));
		}
		for (size_t k = 0; k < wr->nsvcs; k++) {
			const struct svc *v = wr->svcs[k];
			const char *name = jb_fmt(&s->jb, "%s:%d", v->hostname, wr->port);
			struct node *domains;
			int added = sset_add(&names, name);
			if (added == 0)
				continue;
			if (added < 0)
				s->jb.oom = 1;
			domains = jb_seq(&s->jb);
			vhost_domains(s, v, wr->port, domains, &taken, &known);
			if (domains->len)
				jb_push(&s->jb, list, vhost(s, name, domains, wr->routes));
		}
	}
	if (!s->jb.oom && list->len > 1) {
		/* util.SortVirtualHosts: stable by name; names are unique here. */
		qsort(list->items, list->len, sizeof *list->items, vh_cmp);
	}
	sset_free(&claimed);
	sset_free(&names);
	sset_free(&taken);
	sset_free(&known);
	strmap_free(&pv.by_host);
	return list;
}

static struct node *catch_all_vhost(struct synth *s)
{
	struct jb *b = &s->jb;
	struct node *routes = jb_seq(b), *r = jb_map(b), *d;
	const char *name = s->sc.registry_only ? "block_all" : "allow_any";
	jb_set_lit(b, jb_set_map(b, r, "match"), "prefix", "/");
	if (s->sc.registry_only) {
		jb_set_int(b, jb_set_map(b, r, "direct_response"), "status", 502);
	} else {
		struct node *a = jb_set_map(b, r, "route");
		jb_set_lit(b, a, "cluster", "PassthroughCluster");
		jb_set_lit(b, a, "timeout", "0s");
		route_set_timeout(s, a, "0s");
	}
	jb_set_lit(b, r, "name", name);
	jb_push(b, routes, r);
	d = jb_seq(b);
	jb_push_lit(b, d, "*");
	return vhost(s, name, d, routes);
}

static struct node *route_config(struct synth *s, const char *name, struct node *vhosts)
{
	struct jb *b = &s->jb;
	struct node *rc =
	    jb_typed(b, "type.googleapis.com/envoy.config.route.v3.RouteConfiguration");
	jb_set_str(b, rc, "name", name);
	jb_set(b, rc, "virtual_hosts", vhosts);
	jb_set_bool(b, rc, "validate_clusters", 0);
	if (s->prof->route_max_direct_body)
		jb_set_int(b, rc, "max_direct_response_body_size_bytes", 1048576);
	if (s->prof->route_ignore_port)
		jb_set_bool(b, rc, "ignore_port_in_host_matching", 1);
	return rc;
}

/* The vhosts of a listener port, built once per port per snapshot (the
 * vHostCache of buildSidecarOutboundHTTPRouteConfig). */
static struct node *cached_vhosts(struct synth *s, int port)
{
	const char *key = jb_fmt(&s->jb, "\x02vh:%d", port);
	struct node *list;
	list = strmap_get(&s->cache, key);
	if (list)
		return list;
	list = port_vhosts(s, port);
	if (strmap_put(&s->cache, key, list) != 0)
		s->jb.oom = 1;
	return list;
}

static int has_domain(const struct node *vh, const char *d)
{
	const struct node *domains = node_get(vh, "domains");
	for (size_t i = 0; domains && i < domains->len; i++)
		if (strcmp(domains->items[i]->str, d) == 0)
			return 1;
	return 0;
}

struct node *sidecar_route_config(struct synth *s, const char *name)
{
	const char *colon = strrchr(name, ':');
	int sniffed = colon != NULL, port = atoi(colon ? colon + 1 : name);
	struct node *all = cached_vhosts(s, port), *vhosts;
	if (!sniffed) {
		vhosts = jb_seq(&s->jb);
		for (size_t i = 0; i < all->len; i++)
			jb_push(&s->jb, vhosts, all->items[i]);
		jb_push(&s->jb, vhosts, catch_all_vhost(s));
		return route_config(s, name, vhosts);
	}
	/* getVirtualHostsForSniffedServicePort */
	vhosts = jb_seq(&s->jb);
	if (s->prof->sniffed_route_keeps_domains) {
		for (size_t i = 0; i < all->len; i++)
			if (has_domain(all->items[i], name))
				jb_push(&s->jb, vhosts, all->items[i]);
		if (vhosts->len == 0)
			for (size_t i = 0; i < all->len; i++)
				jb_push(&s->jb, vhosts, all->items[i]);
	} else {
		char host[512];
		snprintf(host, sizeof host, "%.*s", (int)(colon - name), name);
		for (size_t i = 0; i < all->len; i++)
			if (has_domain(all->items[i], name) || has_domain(all->items[i], host))
				jb_push(&s->jb, vhosts, all->items[i]);
		if (vhosts->len == 1) {
			struct node *copy = jb_copy_map(&s->jb, vhosts->items[0]);
			struct node *star = jb_seq(&s->jb);
			jb_push_lit(&s->jb, star, "*");
			for (size_t i = 0; i < copy->len; i++)
				if (strcmp(copy->pairs[i].key->str, "domains") == 0)
					copy->pairs[i].value = star;
			vhosts->items[0] = copy;
		}
	}
	return route_config(s, name, vhosts);
}

void routes_cache_free(struct synth *s)
{
	(void)s; /* the memo holds arena nodes only */
}
