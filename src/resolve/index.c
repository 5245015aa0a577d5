/* The snapshot's resolution index (xds_snapshot_derived slot
 * XDS_DERIVED_RESOLVE), built on the first resolve from the resources' JSON
 * trees on top of the snapshot's compiled route configurations (slot
 * XDS_DERIVED_ROUTES, route_set.c, which loading builds on its own):
 * clusters with their endpoints by name, listeners by address:port with
 * their filter chains, then RDS names and route clusters linked to what
 * they name. Then resolve() follows a request: listener (exact
 * address:port, then 0.0.0.0:port, else the use_original_dst listener),
 * filter chain, HTTP connection manager (host port stripping, path
 * normalization) or TCP proxy, route configuration, cluster, endpoint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"

struct resolve_index {
	struct arena arena;
	struct rs_regex *regexes;
	struct rs_listener *listeners;
	size_t listener_count;
	struct rs_strtab listener_by_addr;  /* "addr:port", "[v6]:port" */
	struct rs_inttab listener_by_v4;    /* IPv4 << 16 | port: the hot path */
	const struct rs_listener **wild_v4; /* 0.0.0.0:port, by port */
	struct rs_strtab listener_by_name;
	const struct rs_listener *virtual_listener;
	const struct resolve_route_set *routes; /* the snapshot's, freed with it */
	struct rs_cluster *clusters;
	size_t cluster_count;
	struct rs_strtab cluster_by_name;
	size_t max_chains;
	size_t edf_count, edf_entries; /* locality schedulers a resolver keeps */
};

static void index_free(void *p)
{
	struct resolve_index *idx = p;
	if (!idx)
		return;
	rs_regex_free_all(idx->regexes);
	arena_free(&idx->arena);
	free(idx);
}

static const char *addr_key(struct arena *a, const char *address, uint32_t port)
{
	char buf[128];
	snprintf(buf, sizeof buf, strchr(address, ':') ? "[%s]:%u" : "%s:%u", address,
	         (unsigned)port);
	return arena_strdup(a, buf);
}

static int build_clusters(struct rs_build *b, struct xds_snapshot *s, struct resolve_index *idx)
{
	size_t n = s->count[XDS_CLUSTER], ne = s->count[XDS_ENDPOINT];
	struct rs_strtab cla;
	if (rs_strtab_init(&cla, b->arena, ne) < 0 ||
	    rs_strtab_init(&idx->cluster_by_name, b->arena, n) < 0 ||
	    !(idx->clusters = arena_calloc(b->arena, n ? n : 1, sizeof *idx->clusters)))
		return rs_fail(b, NULL, "out of memory");
	for (size_t i = 0; i < ne; i++) {
		const struct xds_resource *r = &s->items[XDS_ENDPOINT][i];
		if (rs_serving(r))
			rs_strtab_put(&cla, r->name, strlen(r->name), (void *)r->json);
	}
	for (size_t i = 0; i < n; i++) {
		const struct xds_resource *r = &s->items[XDS_CLUSTER][i];
		struct rs_cluster *cl = &idx->clusters[idx->cluster_count];
		const char *service =
		    rs_text(node_field(r->json, "eds_cluster_config"), "service_name");
		const struct node *assignment;
		if (!rs_serving(r) ||
		    rs_strtab_get(&idx->cluster_by_name, r->name, strlen(r->name)))
			continue;
		if (!service || !*service)
			service = r->name;
		assignment = rs_strtab_get(&cla, service, strlen(service));
		if (!assignment)
			assignment = rs_strtab_get(&cla, r->name, strlen(r->name));
		cl->index = idx->cluster_count;
		/* A dump with endpoint data tells about every cluster; one without
		 * leaves EDS clusters' endpoints unknown. */
		if (rs_cluster_compile(b, r->json, r->name, assignment, ne > 0, cl) < 0)
			return -1;
		rs_strtab_put(&idx->cluster_by_name, r->name, strlen(r->name), cl);
		idx->cluster_count++;
		/* Locality weighted: two schedulers per priority (healthy,
		 * degraded) in every resolver, one entry per locality each. */
		for (size_t p = 0; cl->locality_weighted && p < cl->prio_count; p++) {
			cl->prios[p].edf = idx->edf_count;
			cl->prios[p].edf_slot = idx->edf_entries;
			idx->edf_count += 2;
			idx->edf_entries += 2 * cl->prios[p].loc_count;
		}
	}
	return 0;
}

static uint64_t v4_key(const struct rs_ip *ip, uint32_t port)
{
	return ((uint64_t)ip->addr[0] << 40 | (uint64_t)ip->addr[1] << 32 |
	        (uint64_t)ip->addr[2] << 24 | (uint64_t)ip->addr[3] << 16 | port) +
	       1; /* never 0 */
}

static int build_listeners(struct rs_build *b, struct xds_snapshot *s, struct resolve_index *idx)
{
	size_t n = s->count[XDS_LISTENER];
	if (rs_strtab_init(&idx->listener_by_addr, b->arena, n) < 0 ||
	    rs_inttab_init(&idx->listener_by_v4, b->arena, n) < 0 ||
	    !(idx->wild_v4 = arena_calloc(b->arena, 65536, sizeof *idx->wild_v4)) ||
	    rs_strtab_init(&idx->listener_by_name, b->arena, n) < 0 ||
	    !(idx->listeners = arena_calloc(b->arena, n ? n : 1, sizeof *idx->listeners)))
		return rs_fail(b, NULL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct xds_resource *r = &s->items[XDS_LISTENER][i];
		struct rs_listener *l = &idx->listeners[idx->listener_count];
		const char *key;
		struct rs_ip ip;
		if (!rs_serving(r) ||
		    rs_strtab_get(&idx->listener_by_name, r->name, strlen(r->name)))
			continue;
		if (rs_listener_compile(b, r->json, r->name, l) < 0)
			return -1;
		if (*r->name)
			rs_strtab_put(&idx->listener_by_name, r->name, strlen(r->name), l);
		if (l->chain_count > idx->max_chains)
			idx->max_chains = l->chain_count;
		idx->listener_count++;
		if (!l->address) /* an internal listener: reached by name only */
			continue;
		if (!(key = addr_key(b->arena, l->address, l->port)))
			return rs_fail(b, r->json, "out of memory");
		if (rs_strtab_get(&idx->listener_by_addr, key, strlen(key)))
			continue;
		rs_strtab_put(&idx->listener_by_addr, key, strlen(key), l);
		if (rs_ip_parse(l->address, &ip) == 0 && !ip.v6) {
			static const unsigned char any[4];
			if (memcmp(ip.addr, any, 4) == 0)
				idx->wild_v4[l->port] = l;
			else
				rs_inttab_put(&idx->listener_by_v4, v4_key(&ip, l->port), l);
		}
		if (l->use_original_dst && !idx->virtual_listener)
			idx->virtual_listener = l;
	}
	return 0;
}

static void link_routes(struct resolve_index *idx, struct rs_route_config *rc)
{
	for (size_t v = 0; v < rc->vhost_count; v++)
		for (size_t i = 0; i < rc->vhosts[v]->route_count; i++) {
			struct rs_route *r = &rc->vhosts[v]->routes[i];
			if (r->action == ACT_CLUSTER)
				r->cluster_ref = rs_strtab_get(&idx->cluster_by_name, r->cluster,
				                               strlen(r->cluster));
			for (size_t w = 0; w < r->weight_count; w++)
				r->weights[w].cluster =
				    rs_strtab_get(&idx->cluster_by_name, r->weights[w].name,
				                  strlen(r->weights[w].name));
		}
}

/* Points the routes of every route configuration at their clusters and
 * RDS chains at their route configurations. The route set's
 * configurations are written here, once, under the snapshot's lock. */
static void link_all(struct resolve_index *idx, struct resolve_route_set *set)
{
	for (size_t i = 0; i < set->rc_count; i++)
		link_routes(idx, &set->rcs[i]);
	for (size_t i = 0; i < idx->listener_count; i++) {
		struct rs_listener *l = &idx->listeners[i];
		for (size_t k = 0; k <= l->chain_count; k++) {
			struct rs_chain *ch = k < l->chain_count ? &l->chains[k] : l->default_chain;
			if (!ch)
				continue;
			if (ch->inline_rc)
				link_routes(idx, ch->inline_rc);
			else if (ch->rds_name)
				ch->rc = rs_strtab_get(&set->rc_by_name, ch->rds_name,
				                       strlen(ch->rds_name));
		}
	}
}

/* Runs under the snapshot's lock, which is recursive: asking for the
 * route set (another slot) from here is allowed (see xds.h). */
static void *index_build(struct xds_snapshot *s, void *ctx, struct mesh_error *err)
{
	struct resolve_route_set *set = rs_route_set_get(s, err);
	struct resolve_index *idx;
	struct rs_build b;
	(void)ctx;
	if (!set)
		return NULL;
	if (!(idx = calloc(1, sizeof *idx))) {
		mesh_error_set(err, s->source, 0, 0, "out of memory");
		return NULL;
	}
	arena_init(&idx->arena, 0);
	idx->routes = set;
	b.arena = &idx->arena;
	b.regexes = &idx->regexes;
	b.source = s->source;
	b.err = err;
	b.flags = 0;
	b.where[0] = '\0';
	b.routes = set;
	if (build_clusters(&b, s, idx) < 0 || build_listeners(&b, s, idx) < 0) {
		index_free(idx);
		return NULL;
	}
	link_all(idx, set);
	return idx;
}

const struct resolve_index *resolve_index_get(struct xds_snapshot *s, struct mesh_error *err)
{
	return xds_snapshot_derived(s, XDS_DERIVED_RESOLVE, index_build, NULL, index_free, err);
}

/* ---- following a request ---- */

/* "addr:port" (or "[addr]:port") into buf without printf: on the hot path. */
static size_t listener_key(char *buf, size_t cap, const char *addr, int v6, uint32_t port)
{
	char digits[8];
	size_t n = 0, alen = strlen(addr), d = 0;
	if (alen + 10 > cap)
		alen = cap - 10;
	if (v6)
		buf[n++] = '[';
	memcpy(buf + n, addr, alen);
	n += alen;
	if (v6)
		buf[n++] = ']';
	buf[n++] = ':';
	do {
		digits[d++] = (char)('0' + port % 10);
		port /= 10;
	} while (port);
	while (d)
		buf[n++] = digits[--d];
	buf[n] = '\0';
	return n;
}

static const struct rs_listener *find_listener(struct rs_ctx *c, const struct resolve_index *idx,
                                               const struct rs_ip *dst)
{
	char key[128];
	const struct rs_listener *l;
	int len;
	if (c->req->listener) {
		l = rs_strtab_get(&idx->listener_by_name, c->req->listener,
		                  strlen(c->req->listener));
		rs_note(c, RESOLVE_STEP_LISTENER, l ? RESOLVE_CHOSEN : RESOLVE_REJECTED,
		        c->req->listener, -1, l ? "named" : "no_such_listener", NULL, NULL, 0, NULL,
		        0);
		return l;
	}
	if (!dst->v6 && !c->note) {
		/* The hot path: integer keys, no text. */
		if ((l = rs_inttab_get(&idx->listener_by_v4, v4_key(dst, c->req->port))))
			return l;
		if ((l = idx->wild_v4[c->req->port]))
			return l;
		return idx->virtual_listener;
	}
	len = (int)listener_key(key, sizeof key, c->req->address, dst->v6, c->req->port);
	if ((l = rs_strtab_get(&idx->listener_by_addr, key, (size_t)len))) {
		rs_note(c, RESOLVE_STEP_LISTENER, RESOLVE_CHOSEN, *l->name ? l->name : key, -1,
		        "exact", NULL, key, (size_t)len, NULL, 0);
		return l;
	}
	rs_note(c, RESOLVE_STEP_LISTENER, RESOLVE_REJECTED, "", -1, "no_exact", NULL, key,
	        (size_t)len, NULL, 0);
	len = (int)listener_key(key, sizeof key, dst->v6 ? "::" : "0.0.0.0", dst->v6, c->req->port);
	if ((l = rs_strtab_get(&idx->listener_by_addr, key, (size_t)len))) {
		rs_note(c, RESOLVE_STEP_LISTENER, RESOLVE_CHOSEN, *l->name ? l->name : key, -1,
		        "wildcard", NULL, key, (size_t)len, NULL, 0);
		return l;
	}
	rs_note(c, RESOLVE_STEP_LISTENER, RESOLVE_REJECTED, "", -1, "no_wildcard", NULL, key,
	        (size_t)len, NULL, 0);
	if ((l = idx->virtual_listener))
		rs_note(c, RESOLVE_STEP_LISTENER, RESOLVE_CHOSEN, l->name, -1, "use_original_dst",
		        NULL, NULL, 0, NULL, 0);
	return l;
}

/* HCM: strip_trailing_host_dot, then strip_matching_host_port (port ==
 * the listener's) or strip_any_host_port. */
static void host_for_routing(const struct rs_chain *ch, const struct resolve_request *req,
                             const char **host, size_t *len)
{
	size_t p;
	*host = req->authority;
	*len = req->authority ? strlen(req->authority) : 0;
	if (!*host || (!ch->strip_trailing_dot && !ch->strip_any_port && !ch->strip_matching_port))
		return;
	p = rs_port_start(*host, *len);
	if (ch->strip_trailing_dot) {
		size_t end = p;
		if (end > 0 && (*host)[end - 1] == '.' && p == *len)
			(*len)--;
	}
	if (p < *len) {
		if (ch->strip_any_port ||
		    (ch->strip_matching_port && (unsigned)atoi(*host + p + 1) == req->port))
			*len = p;
	}
}

/* normalize_path (RFC 3986 dot segments) and merge_slashes, into the
 * resolver's buffer; the original when nothing changes or it is too long. */
static const char *normalized_path(struct rs_ctx *c, const struct rs_chain *ch, const char *path)
{
	char *out = c->resolver->path_buf;
	size_t len, qpos, o = 0;
	if (!path || (!ch->normalize_path && !ch->merge_slashes))
		return path;
	/* Most paths have no dot segment and no double slash: nothing to do. */
	for (qpos = 0; path[qpos] && path[qpos] != '?' && path[qpos] != '#'; qpos++)
		if (path[qpos] == '/' && (path[qpos + 1] == '.' || path[qpos + 1] == '/'))
			break;
	if (!path[qpos] || path[qpos] == '?' || path[qpos] == '#')
		return path;
	len = strlen(path);
	qpos = strcspn(path, "?#");
	if (len >= sizeof c->resolver->path_buf)
		return path;
	for (size_t i = 0; i < qpos;) {
		if (ch->merge_slashes && path[i] == '/' && o > 0 && out[o - 1] == '/') {
			i++;
			continue;
		}
		if (ch->normalize_path && o > 0 && out[o - 1] == '/' && path[i] == '.') {
			/* "." and ".." segments */
			if (i + 1 == qpos || path[i + 1] == '/') {
				i += i + 1 == qpos ? 1 : 2;
				continue;
			}
			if (path[i + 1] == '.' && (i + 2 == qpos || path[i + 2] == '/')) {
				if (o > 1) {
					o--; /* drop the trailing '/' */
					while (o > 0 && out[o - 1] != '/')
						o--;
				}
				i += i + 2 == qpos ? 2 : 3;
				continue;
			}
		}
		out[o++] = path[i++];
	}
	if (o == 0)
		out[o++] = '/';
	memcpy(out + o, path + qpos, len - qpos + 1);
	if (strcmp(out, path) == 0)
		return path;
	rs_note(c, RESOLVE_STEP_NETWORK_FILTER, RESOLVE_INFO, "", -1, "path_normalized", NULL, out,
	        strlen(out), path, len);
	return out;
}

static void http_step(struct rs_ctx *c, const struct rs_chain *ch, struct resolve_result *out)
{
	const char *host;
	size_t hlen;
	if (!ch->rc) {
		rs_note(c, RESOLVE_STEP_ROUTE_CONFIG, RESOLVE_INFO,
		        ch->rds_name ? ch->rds_name : "", -1, "rds_missing", NULL, NULL, 0, NULL,
		        0);
		/* Envoy routes with an empty configuration until RDS delivers
		 * one: no virtual host, 404 NR (a dump without this route
		 * configuration, e.g. one filtered by resource=, reads the same). */
		out->route_config = ch->rds_name;
		out->outcome = RESOLVE_NOT_FOUND;
		out->status = 404;
		out->flags = "NR";
		return;
	}
	rs_note(c, RESOLVE_STEP_ROUTE_CONFIG, RESOLVE_CHOSEN, ch->rc->name, -1,
	        ch->inline_rc ? "inline" : "rds", NULL, NULL, 0, NULL, 0);
	host_for_routing(ch, c->req, &host, &hlen);
	out->authority = host;
	out->authority_len = hlen;
	c->full_path = normalized_path(c, ch, c->req->path);
	rs_hview_build(&c->h, c->req, host, hlen, c->full_path);
	rs_route_request(c, ch->rc, out);
}

static void tcp_step(struct rs_ctx *c, const struct rs_chain *ch, struct resolve_result *out)
{
	out->tcp = 1;
	if (ch->tcp_cluster) {
		out->cluster = ch->tcp_cluster;
		out->cluster_len = strlen(ch->tcp_cluster);
		rs_note(c, RESOLVE_STEP_ACTION, RESOLVE_CHOSEN, ch->tcp_cluster, -1, "tcp_proxy",
		        NULL, NULL, 0, NULL, 0);
	} else {
		uint64_t v = c->random_value % ch->tcp_total, begin = 0;
		out->weighted_value = c->random_value;
		out->weighted_total = ch->tcp_total;
		for (size_t i = 0; i < ch->tcp_weight_count; i++) {
			const struct rs_weight *w = &ch->tcp_weights[i];
			int hit = v >= begin && v < begin + w->weight;
			rs_note(c, RESOLVE_STEP_ACTION, hit ? RESOLVE_CHOSEN : RESOLVE_REJECTED,
			        w->name, (int)i, "weighted", "random_value", NULL, 0, NULL, 0);
			if (hit) {
				out->weighted_index = (int)i;
				out->cluster = w->name;
				out->cluster_len = strlen(w->name);
				break;
			}
			begin += w->weight;
		}
	}
	out->outcome = RESOLVE_FORWARDED;
}

static void cluster_step(struct rs_ctx *c, const struct resolve_index *idx,
                         struct resolve_result *out)
{
	const struct rs_route *route = out->priv_route;
	const struct rs_cluster *cl = NULL;
	int has_hash = 0;
	uint64_t hash = 0;
	if (route && route->action == ACT_CLUSTER && route->cluster_ref)
		cl = route->cluster_ref;
	else if (out->priv_weight && ((const struct rs_weight *)out->priv_weight)->cluster)
		cl = ((const struct rs_weight *)out->priv_weight)->cluster;
	else
		cl = rs_strtab_get(&idx->cluster_by_name, out->cluster, out->cluster_len);
	if (!cl) {
		rs_note(c, RESOLVE_STEP_CLUSTER, RESOLVE_REJECTED, "", -1, "cluster_not_found",
		        NULL, out->cluster, out->cluster_len, NULL, 0);
		out->outcome = RESOLVE_NO_CLUSTER;
		out->status = out->tcp ? 0 : route ? route->not_found_code : 503;
		out->flags = "NC";
		return;
	}
	out->cluster_json = cl->json;
	out->cluster_type = cl->type_name;
	out->lb_policy = cl->lb_name;
	rs_note(c, RESOLVE_STEP_CLUSTER, RESOLVE_CHOSEN, cl->name, (int)cl->index, "found", NULL,
	        cl->type_name, strlen(cl->type_name), cl->lb_name, strlen(cl->lb_name));
	if (route && route->hash_count && !out->tcp)
		hash = rs_route_hash(c, route, &has_hash);
	if (!has_hash && c->req->has_hash_key) {
		hash = resolve_xxhash64(c->req->hash_key, strlen(c->req->hash_key), 0);
		has_hash = 1;
	}
	rs_endpoint_pick(c, cl, has_hash, hash, out);
	if (out->tcp && out->outcome == RESOLVE_NO_HEALTHY)
		out->status = 0;
}

static int pipeline(struct resolver *r, struct xds_snapshot *s, const struct resolve_request *req,
                    const struct resolve_result *prev, struct resolve_result *out,
                    resolve_note_fn note, void *note_ctx, struct mesh_error *err)
{
	const struct resolve_index *idx;
	const struct rs_listener *l;
	const struct rs_chain *ch;
	struct rs_ctx c;
	struct rs_ip dst, src;
	rs_result_init(out);
	if (req->route_config && !req->address) {
		memset(&dst, 0, sizeof dst);
	} else if (!req->address || rs_ip_parse(req->address, &dst) < 0) {
		mesh_error_set(err, NULL, 0, 0,
		               "the request needs a destination IP address, got %s%s%s",
		               req->address ? "\"" : "", req->address ? req->address : "none",
		               req->address ? "\"" : "");
		return -1;
	}
	if ((req->port < 1 || req->port > 65535) && !req->route_config) {
		mesh_error_set(err, NULL, 0, 0, "port %u must be from 1 to 65535",
		               (unsigned)req->port);
		return -1;
	}
	if (req->source_address && rs_ip_parse(req->source_address, &src) < 0) {
		mesh_error_set(err, NULL, 0, 0, "source \"%s\" is not an IP address",
		               req->source_address);
		return -1;
	}
	if (!req->source_address)
		memset(&src, 0, sizeof src);
	if (r->snap == s) {
		/* The resolver holds a reference to its last snapshot, so the
		 * index it remembers cannot have been freed: no lock taken. */
		idx = r->index;
	} else {
		if (!(idx = resolve_index_get(s, err)))
			return -1;
		if (rs_resolver_prepare(r, idx, idx->cluster_count, idx->max_chains, idx->edf_count,
		                        idx->edf_entries) < 0) {
			mesh_error_set(err, NULL, 0, 0, "out of memory");
			return -1;
		}
		xds_snapshot_ref(s);
		xds_snapshot_unref(r->snap);
		r->snap = s;
		r->index = idx;
	}
	if (rs_ctx_init(&c, r, req, prev, note, note_ctx, err) < 0)
		return -1;
	out->random_value = c.random_value;
	c.full_path = req->path;
	/* The header view is built by http_step for HTTP, below for TCP: only
	 * the endpoint pick (ORIGINAL_DST) reads it, after those. */
	if (req->route_config) {
		static const struct rs_chain plain = {.index = -1};
		struct rs_chain direct = plain;
		direct.kind = CHAIN_HCM;
		direct.rds_name = req->route_config;
		direct.rc = rs_strtab_get(&idx->routes->rc_by_name, req->route_config,
		                          strlen(req->route_config));
		http_step(&c, &direct, out);
		if (out->outcome == RESOLVE_FORWARDED)
			cluster_step(&c, idx, out);
		return 0;
	}
	if (!(l = find_listener(&c, idx, &dst))) {
		out->outcome = RESOLVE_NO_LISTENER;
		return 0;
	}
	out->listener = l->name;
	out->listener_json = l->json;
	if (!(ch = rs_chain_select(&c, l, &dst, &src))) {
		out->outcome = RESOLVE_NO_FILTER_CHAIN;
		out->flags = "NR";
		return 0;
	}
	out->chain_index = ch->index;
	out->chain_name = ch->name;
	out->chain_json = ch->json;
	out->priv_chain = ch;
	out->network_filter = ch->filter_name;
	rs_note(&c, RESOLVE_STEP_NETWORK_FILTER,
	        ch->kind == CHAIN_OTHER ? RESOLVE_INFO : RESOLVE_CHOSEN,
	        ch->filter_name ? ch->filter_name : "", -1,
	        ch->kind == CHAIN_HCM   ? "http"
	        : ch->kind == CHAIN_TCP ? "tcp"
	                                : "unsupported",
	        NULL, NULL, 0, NULL, 0);
	if (ch->kind == CHAIN_TCP) {
		rs_hview_build(&c.h, req, req->authority,
		               req->authority ? strlen(req->authority) : 0, req->path);
		tcp_step(&c, ch, out);
	} else if (ch->kind == CHAIN_HCM) {
		if (req->protocol == RESOLVE_PROTO_TLS && !ch->terminates_tls) {
			rs_note(&c, RESOLVE_STEP_NETWORK_FILTER, RESOLVE_INFO, "", -1,
			        "tls_on_http", NULL, NULL, 0, NULL, 0);
			out->outcome = RESOLVE_UNSUPPORTED;
			return 0;
		}
		http_step(&c, ch, out);
	} else {
		out->outcome = RESOLVE_UNSUPPORTED;
		return 0;
	}
	if (out->outcome != RESOLVE_FORWARDED)
		return 0;
	cluster_step(&c, idx, out);
	return 0;
}

int resolve(struct resolver *r, struct xds_snapshot *s, const struct resolve_request *req,
            struct resolve_result *out, resolve_note_fn note, void *note_ctx,
            struct mesh_error *err)
{
	return pipeline(r, s, req, NULL, out, note, note_ctx, err);
}

int resolve_explain(struct resolver *r, struct xds_snapshot *s, const struct resolve_request *req,
                    const struct resolve_result *prev, resolve_note_fn note, void *note_ctx,
                    struct mesh_error *err)
{
	struct resolve_result again;
	return pipeline(r, s, req, prev, &again, note, note_ctx, err);
}
