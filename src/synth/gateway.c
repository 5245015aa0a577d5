/* An Istio ingress/egress gateway (pilot/pkg/networking/core/gateway.go;
 * model/gateway.go MergeGateways, gatewayRDSRouteName): the Gateways whose
 * selector matches the pod, their servers merged by port number, a listener
 * "0.0.0.0_<target port>" per port (the target port of the gateway's own
 * Service for that port number, else the number), an HCM chain with RDS
 * "http.<port>" for HTTP servers, "https.<port>.<name>.<gateway>.<ns>" with
 * SNI and TLS for terminated HTTPS servers, tcp_proxy chains for TCP and
 * passthrough TLS servers; and the route configurations: a vhost
 * "<host>:<port>" per host shared by a server and a VirtualService bound to
 * that Gateway (routes of several VirtualServices appended, oldest first),
 * or "blackhole:<port>" with no routes when there is none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

struct server {
	const struct cfg *gw;
	const struct node *spec;
	int port;
	const char *port_name;
	enum proto proto;
	const char *gw_name; /* "<ns>/<name>" */
};

static int gw_selects(struct synth *s, const struct cfg *gw)
{
	const struct node *sel = node_get(gw->spec, "selector");
	if (!sel || sel->type != NODE_MAP || sel->len == 0)
		return 0;
	return labels_match_node(sel, &s->pod->labels);
}

/* The port the gateway pod listens on for server port number. */
static int target_port(struct synth *s, int number)
{
	for (size_t i = 0; i < s->nall; i++) {
		const struct svc *v = &s->all[i];
		const struct sport *p = svc_port(v, number);
		if (!p)
			continue;
		for (size_t k = 0; k < v->neps; k++)
			if (v->eps[k].pod == s->pod) {
				int tp = ep_port(v, &v->eps[k], p);
				if (tp)
					return tp;
			}
	}
	return number;
}

/* Whether VirtualService vs is bound to the gateway named "<ns>/<name>". */
static int vs_bound(const struct cfg *vs, const char *gw_name)
{
	const struct node *gws = node_get(vs->spec, "gateways");
	char full[512];
	if (!gws || gws->type != NODE_SEQ)
		return 0;
	for (size_t i = 0; i < gws->len; i++) {
		const char *g = node_text(gws->items[i]);
		if (!g)
			continue;
		if (strchr(g, '/'))
			snprintf(full, sizeof full, "%s", g);
		else
			snprintf(full, sizeof full, "%s/%s", vs->ns, g);
		if (strcmp(full, gw_name) == 0)
			return 1;
	}
	return 0;
}

/* A server host "ns/host" or "host" visible to a VirtualService in vs_ns:
 * the host part, or NULL when the namespace part excludes it. */
static const char *server_host(const char *h, const char *vs_ns)
{
	const char *slash = strchr(h, '/');
	if (!slash)
		return h;
	if ((slash - h == 1 && (h[0] == '*' || h[0] == '.')) ||
	    (strncmp(h, vs_ns, (size_t)(slash - h)) == 0 && vs_ns[slash - h] == '\0'))
		return slash + 1;
	return NULL;
}

/* The intersection of a server host and a VirtualService host: the more
 * specific of the two when one matches the other. */
static const char *intersect(const char *server, const char *vs)
{
	if (!host_matches(server, vs))
		return NULL;
	if (server[0] == '*' && vs[0] != '*')
		return vs;
	if (vs[0] == '*' && server[0] != '*')
		return server;
	return strlen(server) >= strlen(vs) ? server : vs;
}

static struct node *gateway_domains(struct synth *s, const char *host, int port)
{
	struct node *d = jb_seq(&s->jb);
	jb_push_str(&s->jb, d, host);
	if (s->prof->gateway_domain_port && strcmp(host, "*") != 0)
		jb_push_str(&s->jb, d,
		            host[0] == '*' ? jb_fmt(&s->jb, "%s:%d", host, port)
		                           : jb_fmt(&s->jb, "%s:*", host));
	return d;
}

static int vh_cmp(const void *a, const void *b)
{
	const struct node *x = *(const struct node *const *)a, *y = *(const struct node *const *)b;
	return strcmp(x->pairs[0].value->str, y->pairs[0].value->str);
}

/* The route configuration name for servers sv[0..n) on one port. */
static struct node *gateway_route_config(struct synth *s, const char *name, struct server *sv,
                                         size_t n, int port)
{
	struct jb *b = &s->jb;
	struct node *vhosts = jb_seq(b), *rc;
	struct strmap by_host;
	strmap_init_borrowed(&by_host);
	for (size_t i = 0; i < n; i++) {
		const struct node *hosts = node_get(sv[i].spec, "hosts");
		const char *gwlist[2] = {sv[i].gw_name, NULL};
		struct vs_route_opts o = {port, gwlist, 1};
		int redirect = 0;
		node_bool(node_get(node_get(sv[i].spec, "tls"), "httpsRedirect"), &redirect);
		for (size_t k = 0; k < s->sc.nvs; k++) {
			const struct cfg *vs = s->sc.vs[k];
			struct node *routes = NULL;
			if (!vs_bound(vs, sv[i].gw_name))
				continue;
			for (size_t h = 0; hosts && h < hosts->len; h++) {
				const char *sh = node_text(hosts->items[h]);
				sh = sh ? server_host(sh, vs->ns) : NULL;
				if (!sh)
					continue;
				for (size_t vh = 0; vh < vs->nhosts; vh++) {
					const char *hit = intersect(sh, vs->hosts[vh]);
					struct node *v;
					if (!hit)
						continue;
					if (!routes) {
						routes = jb_seq(b);
						vs_http_routes(s, vs, &o, routes);
					}
					v = strmap_get(&by_host, hit);
					if (v) {
						struct node *rs =
						    (struct node *)node_get(v, "routes");
						for (size_t q = 0; rs && q < routes->len; q++)
							jb_push(b, rs, routes->items[q]);
						continue;
					}
					v = jb_map(b);
					jb_set_str(b, v, "name", jb_fmt(b, "%s:%d", hit, port));
					jb_set(b, v, "domains", gateway_domains(s, hit, port));
					{
						/* a copy: later VirtualServices append to it */
						struct node *own = jb_seq(b);
						for (size_t q = 0; q < routes->len; q++)
							jb_push(b, own, routes->items[q]);
						jb_set(b, v, "routes", own);
					}
					if (redirect)
						jb_set_lit(b, v, "require_tls", "ALL");
					jb_set_bool(b, v, "include_request_attempt_count", 1);
					if (strmap_put(&by_host, hit, v) != 0)
						s->jb.oom = 1;
					jb_push(b, vhosts, v);
				}
			}
		}
	}
	if (vhosts->len == 0) {
		struct node *v = jb_map(b);
		jb_set_str(b, v, "name", jb_fmt(b, "blackhole:%d", port));
		jb_push_lit(b, jb_set_seq(b, v, "domains"), "*");
		jb_set_seq(b, v, "routes");
		jb_set_bool(b, v, "include_request_attempt_count", 1);
		jb_push(b, vhosts, v);
	} else if (vhosts->len > 1) {
		qsort(vhosts->items, vhosts->len, sizeof *vhosts->items, vh_cmp);
	}
	strmap_free(&by_host);
	rc = jb_typed(b, "type.googleapis.com/envoy.config.route.v3.RouteConfiguration");
	jb_set_str(b, rc, "name", name);
	jb_set(b, rc, "virtual_hosts", vhosts);
	jb_set_bool(b, rc, "validate_clusters", 0);
	if (s->prof->route_ignore_port)
		jb_set_bool(b, rc, "ignore_port_in_host_matching", 1);
	return rc;
}

static struct node *downstream_tls(struct synth *s, const struct node *tls)
{
	static const char *const alpn[] = {"h2", "http/1.1", NULL};
	struct jb *b = &s->jb;
	struct node *ts = jb_map(b), *ctx, *common;
	const char *cred = node_text(node_get(tls, "credentialName"));
	const char *mode = node_text(node_get(tls, "mode"));
	jb_set_lit(b, ts, "name", "envoy.transport_sockets.tls");
	ctx = jb_set_typed(b, ts, "typed_config",
	                   "type.googleapis.com/"
	                   "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext");
	common = jb_set_map(b, ctx, "common_tls_context");
	jb_set(b, common, "alpn_protocols", jb_lits(b, alpn));
	jb_push(b, jb_set_seq(b, common, "tls_certificate_sds_secret_configs"),
	        sds_secret_config(s, cred ? jb_fmt(b, "kubernetes://%s", cred) : "default"));
	jb_set_bool(b, ctx, "require_client_certificate",
	            mode && (strcmp(mode, "MUTUAL") == 0 || strcmp(mode, "ISTIO_MUTUAL") == 0));
	return ts;
}

static void server_names(struct synth *s, struct node *match, const struct node *hosts)
{
	struct node *sn = NULL;
	for (size_t i = 0; hosts && i < hosts->len; i++) {
		const char *h = node_text(hosts->items[i]);
		const char *slash = h ? strchr(h, '/') : NULL;
		if (slash)
			h = slash + 1;
		if (!h || strcmp(h, "*") == 0)
			continue;
		if (!sn)
			sn = jb_set_seq(&s->jb, match, "server_names");
		jb_push_str(&s->jb, sn, h);
	}
}

/* TCP chains for a TCP server or a passthrough TLS server: the tcp/tls
 * routes of the VirtualServices bound to the gateway. */
static void tcp_server_chains(struct synth *s, const struct server *sv, struct node *chains,
                              int *need_tls)
{
	struct jb *b = &s->jb;
	int tls = proto_is_tls(sv->proto);
	for (size_t k = 0; k < s->sc.nvs; k++) {
		const struct cfg *vs = s->sc.vs[k];
		const struct node *list = node_get(vs->spec, tls ? "tls" : "tcp");
		if (!vs_bound(vs, sv->gw_name) || !list || list->type != NODE_SEQ)
			continue;
		for (size_t r = 0; r < list->len; r++) {
			const struct node *routes = node_get(list->items[r], "route");
			const struct node *dest;
			struct node *fc, *copy;
			const char *cl, *host;
			if (!routes || routes->type != NODE_SEQ || routes->len == 0)
				continue;
			dest = node_get(routes->items[0], "destination");
			copy = jb_copy_map(b, dest);
			host = node_text(node_get(dest, "host"));
			for (size_t i = 0; i < copy->len; i++)
				if (strcmp(copy->pairs[i].key->str, "host") == 0 && host)
					copy->pairs[i].value =
					    jb_lit(b, resolve_short(s, host, vs->ns));
			cl = destination_cluster(s, copy, sv->port);
			fc = jb_map(b);
			if (tls) {
				const struct node *m = node_get(list->items[r], "match");
				struct node *fm = jb_map(b);
				if (m && m->type == NODE_SEQ && m->len)
					server_names(s, fm, node_get(m->items[0], "sniHosts"));
				jb_set(b, fc, "filter_chain_match", fm);
				*need_tls = 1;
			}
			jb_set(b, fc, "filters", filter_stack_tcp(s, cl, cl));
			jb_push(b, chains, fc);
		}
	}
}

int gateway_build(struct synth *s)
{
	struct jb *b = &s->jb;
	struct server *sv;
	size_t n = 0, cap = 0;
	struct strmap rds_done;
	for (size_t i = 0; i < s->ncfg[MESH_GATEWAY]; i++) {
		const struct node *servers = node_get(s->cfgs[MESH_GATEWAY][i].spec, "servers");
		if (gw_selects(s, &s->cfgs[MESH_GATEWAY][i]) && servers &&
		    servers->type == NODE_SEQ)
			cap += servers->len;
	}
	sv = arena_calloc(&s->tmp, cap + 1, sizeof *sv);
	if (!sv)
		return synth_fail(s, "out of memory");
	for (size_t i = 0; i < s->ncfg[MESH_GATEWAY]; i++) {
		const struct cfg *gw = &s->cfgs[MESH_GATEWAY][i];
		const struct node *servers = node_get(gw->spec, "servers");
		if (!gw_selects(s, gw) || !servers || servers->type != NODE_SEQ)
			continue;
		for (size_t k = 0; k < servers->len; k++) {
			const struct node *port = node_get(servers->items[k], "port");
			long long num;
			if (node_int(node_get(port, "number"), &num) != 0)
				continue;
			sv[n].gw = gw;
			sv[n].spec = servers->items[k];
			sv[n].port = (int)num;
			sv[n].port_name = node_text(node_get(port, "name"));
			if (!sv[n].port_name)
				sv[n].port_name = "";
			sv[n].proto = proto_parse(node_text(node_get(port, "protocol")));
			sv[n].gw_name = jb_fmt(b, "%s/%s", gw->ns, gw->name);
			n++;
		}
	}
	strmap_init_borrowed(&rds_done);
	/* One listener per distinct port number, in first-seen order. */
	for (size_t i = 0; i < n && !s->jb.oom; i++) {
		int port = sv[i].port, tp, need_tls = 0, dup = 0;
		struct node *l, *chains, *http_chain = NULL;
		const char *lname;
		for (size_t k = 0; k < i && !dup; k++)
			dup = sv[k].port == port;
		if (dup)
			continue;
		tp = target_port(s, port);
		lname = jb_fmt(b, "0.0.0.0_%d", tp);
		l = jb_typed(b, "type.googleapis.com/envoy.config.listener.v3.Listener");
		jb_set_str(b, l, "name", lname);
		jb_set(b, l, "address", address_node(s, "0.0.0.0", tp));
		chains = jb_seq(b);
		for (size_t k = i; k < n; k++) {
			const struct server *x = &sv[k];
			const struct node *tls = node_get(x->spec, "tls");
			const char *mode = node_text(node_get(tls, "mode"));
			if (x->port != port)
				continue;
			if (proto_is_http(x->proto) ||
			    (x->proto == P_HTTPS && tls &&
			     (!mode || strcmp(mode, "PASSTHROUGH") != 0))) {
				int https = x->proto == P_HTTPS;
				const char *rds = https
				                      ? jb_fmt(b, "https.%d.%s.%s.%s", x->port,
				                               x->port_name, x->gw->name, x->gw->ns)
				                      : jb_fmt(b, "http.%d", x->port);
				struct node *fc;
				if (!https && http_chain)
					continue; /* HTTP servers on a port share one chain */
				fc = jb_map(b);
				if (https) {
					struct node *m = jb_map(b);
					server_names(s, m, node_get(x->spec, "hosts"));
					if (m->len)
						need_tls = 1;
					jb_set(b, fc, "filter_chain_match", m);
				}
				{
					struct node *filters = jb_seq(b);
					jb_push(b, filters,
					        hcm_outbound(s, jb_fmt(b, "outbound_%s", lname),
					                     rds, x->proto));
					jb_set(b, fc, "filters", filters);
				}
				if (https)
					jb_set(b, fc, "transport_socket", downstream_tls(s, tls));
				if (!https)
					http_chain = fc;
				jb_push(b, chains, fc);
				if (!strmap_get(&rds_done, rds)) {
					struct server *same =
					    arena_calloc(&s->tmp, n, sizeof *same);
					size_t ns = 0;
					if (!same)
						return synth_fail(s, "out of memory");
					for (size_t q = 0; q < n; q++)
						if (sv[q].port == port &&
						    (https ? &sv[q] == x
						           : proto_is_http(sv[q].proto)))
							same[ns++] = sv[q];
					strmap_put(&rds_done, rds, (void *)1);
					dynamic_route_add(
					    s, gateway_route_config(s, rds, same, ns, port));
				}
			} else {
				tcp_server_chains(s, x, chains, &need_tls);
			}
		}
		jb_set(b, l, "filter_chains", chains);
		if (need_tls)
			jb_push(b, jb_set_seq(b, l, "listener_filters"), tls_inspector(s));
		jb_set_lit(b, l, "traffic_direction", "OUTBOUND");
		listener_add(s, l, lname);
	}
	strmap_free(&rds_done);
	return synth_check(s);
}
