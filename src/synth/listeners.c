/* Sidecar outbound listeners (pilot/pkg/networking/core/listener.go
 * buildSidecarOutboundListeners, buildSidecarOutboundListener,
 * buildListenerFromEntry; tls.go for the TCP and TLS chains) and
 * virtualOutbound (listener_builder.go). Per service port, by protocol:
 * HTTP ports share "0.0.0.0_<port>" (an HCM chain matching raw_buffer and
 * the plaintext HTTP ALPNs, RDS "<port>", plus the passthrough default
 * chain); TCP ports get "<vip>_<port>" with tcp_proxy; auto-detected ports
 * get "<vip>_<port>" with the TCP chain as default and an HCM chain with RDS
 * "<fqdn>:<port>"; headless services get one listener per endpoint IP;
 * ServiceEntry CIDRs listen on 0.0.0.0 with prefix_ranges. Two services on
 * one key merge as istiod merges them (HTTP over TCP becomes sniffed, TCP
 * chains that match the same traffic keep the first). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

/* filterChainOpts */
struct chain {
	size_t nsni;
	const char **sni;
	size_t ncidr;
	const char *const *cidrs;
	const char *transport; /* NULL: any */
	int alpn;              /* the plaintext HTTP ALPNs of the profile */
	const char *rds;       /* an HCM chain with this RDS, else network filters */
	enum proto proto;
	struct node *filters; /* network filters (TCP chains) */
	struct node *metadata;
};

/* outboundListenerEntry */
struct entry {
	const char *bind;
	size_t nextra;
	const char **extra;
	int port;
	enum proto proto; /* the listener's protocol, for conflicts */
	size_t n, cap;
	struct chain *chains;
};

struct lmap {
	struct strmap by_key;
	size_t n, cap;
	struct entry **items; /* insertion order */
};

static struct chain *chain_add(struct synth *s, struct entry *e)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 4;
		struct chain *c = arena_alloc(&s->tmp, cap * sizeof *c);
		if (!c) {
			s->jb.oom = 1;
			return NULL;
		}
		if (e->n)
			memcpy(c, e->chains, e->n * sizeof *c);
		e->chains = c;
		e->cap = cap;
	}
	memset(&e->chains[e->n], 0, sizeof e->chains[0]);
	return &e->chains[e->n++];
}

static int chain_match_all(const struct chain *c)
{
	return c->nsni == 0 && !c->alpn && !c->transport && c->ncidr == 0;
}

static int same_strings(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++) {
		int found = 0;
		for (size_t k = 0; k < nb && !found; k++)
			found = strcmp(a[i], b[k]) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

/* A CIDR with its insignificant bits cleared (netip.Prefix.Masked), as 17
 * bytes: family-sized address then the prefix length. -1 when not a CIDR
 * or an IP. */
static int cidr_masked(const char *cidr, unsigned char out[17])
{
	char ip[64];
	const char *slash = strchr(cidr, '/');
	size_t n = slash ? (size_t)(slash - cidr) : strlen(cidr);
	int v6 = strchr(cidr, ':') != NULL, bits, size;
	if (n >= sizeof ip)
		return -1;
	memcpy(ip, cidr, n);
	ip[n] = '\0';
	memset(out, 0, 17);
	if (inet_pton(v6 ? AF_INET6 : AF_INET, ip, out) != 1)
		return -1;
	size = v6 ? 128 : 32;
	bits = slash ? atoi(slash + 1) : size;
	if (bits < 0 || bits > size)
		return -1;
	for (int i = bits; i < 128; i++)
		out[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
	out[16] = (unsigned char)bits;
	return 0;
}

/* Whether two CIDR lists are the same set once masked (0.0.0.0 ignored). */
static int same_cidrs(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	unsigned char x[17], y[17];
	size_t ca = 0, cb = 0;
	for (size_t i = 0; i < na; i++) {
		int found = 0;
		if (cidr_masked(a[i], x) != 0 || strncmp(a[i], "0.0.0.0", 7) == 0)
			continue;
		ca++;
		for (size_t k = 0; k < nb && !found; k++)
			found = cidr_masked(b[k], y) == 0 && memcmp(x, y, 17) == 0;
		if (!found)
			return 0;
	}
	for (size_t k = 0; k < nb; k++)
		if (cidr_masked(b[k], y) == 0 && strncmp(b[k], "0.0.0.0", 7) != 0)
			cb++;
	return ca == cb;
}

/* filterChainOpts.conflictsWith: the same traffic would match both. */
static int chains_conflict(const struct chain *a, const struct chain *b)
{
	if ((a->transport == NULL) != (b->transport == NULL) ||
	    (a->transport && strcmp(a->transport, b->transport) != 0))
		return 0;
	if (a->alpn != b->alpn)
		return 0;
	return same_strings(a->sni, a->nsni, b->sni, b->nsni) &&
	       same_cidrs(a->cidrs, a->ncidr, b->cidrs, b->ncidr);
}

/* ---- chain options ----------------------------------------------------- */

struct lopts {
	const char *bind; /* NULL: decide from the service */
	size_t nextra;
	const char **extra;
	size_t ncidr;
	const char *const *cidrs;
	const struct svc *svc;
	const struct sport *port;
};

static void http_chain(struct synth *s, struct entry *e, const struct lopts *o, int auto_port)
{
	struct chain *c = chain_add(s, e);
	if (!c)
		return;
	c->proto = o->port->proto;
	if (auto_port && strcmp(e->bind, "0.0.0.0") != 0)
		c->rds = jb_fmt(&s->jb, "%s:%d", o->svc->hostname, o->port->port);
	else
		c->rds = jb_fmt(&s->jb, "%d", o->port->port);
	if (strcmp(e->bind, "0.0.0.0") == 0 || auto_port) {
		c->alpn = 1;
		c->transport = "raw_buffer";
	}
}

/* Network filters for VirtualService tcp/tls routes (route[] of one entry). */
static struct node *route_filters(struct synth *s, const struct cfg *vs, const struct node *routes,
                                  int port)
{
	struct jb *b = &s->jb;
	size_t n = routes && routes->type == NODE_SEQ ? routes->len : 0;
	if (n == 1) {
		const struct node *d = node_get(routes->items[0], "destination");
		struct node *copy = jb_copy_map(b, d);
		const char *host = node_text(node_get(d, "host"));
		const char *cl;
		for (size_t i = 0; i < copy->len; i++)
			if (strcmp(copy->pairs[i].key->str, "host") == 0 && host)
				copy->pairs[i].value = jb_lit(b, resolve_short(s, host, vs->ns));
		cl = destination_cluster(s, copy, port);
		return filter_stack_tcp(s, cl, cl);
	} else {
		struct node *list = jb_seq(b), *f, *t, *cl;
		const char *first = NULL;
		f = jb_map(b);
		jb_set_lit(b, f, "name", "envoy.filters.network.tcp_proxy");
		t = jb_set_typed(
		    b, f, "typed_config",
		    "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy");
		cl = jb_seq(b);
		for (size_t i = 0; i < n; i++) {
			const struct node *d = node_get(routes->items[i], "destination");
			struct node *copy = jb_copy_map(b, d), *w;
			const char *host = node_text(node_get(d, "host"));
			long long weight = 0;
			node_int(node_get(routes->items[i], "weight"), &weight);
			if (weight == 0)
				continue;
			for (size_t k = 0; k < copy->len; k++)
				if (strcmp(copy->pairs[k].key->str, "host") == 0 && host)
					copy->pairs[k].value =
					    jb_lit(b, resolve_short(s, host, vs->ns));
			w = jb_map(b);
			jb_set_lit(b, w, "name", destination_cluster(s, copy, port));
			jb_set_int(b, w, "weight", weight);
			if (!first)
				first = node_text(node_get(w, "name"));
			jb_push(b, cl, w);
		}
		jb_set_str(b, t, "stat_prefix", first ? first : "BlackHoleCluster");
		jb_set(b, jb_set_map(b, t, "weighted_clusters"), "clusters", cl);
		jb_push(b, list, net_stats_filter(s));
		jb_push(b, list, f);
		return list;
	}
}

static int default_cluster_port(const struct lopts *o)
{
	/* istiod's quirk: a single-port service uses its one port. */
	return o->svc->nports == 1 ? o->svc->ports[0].port : o->port->port;
}

static void tcp_chains(struct synth *s, struct entry *e, const struct lopts *o)
{
	const struct cfg *vss[64];
	/* getConfigsForHost: the VirtualServices naming the service */
	size_t nvs = scope_vs_for_host(s, o->svc->hostname, vss, 64);
	int tls = proto_is_tls(o->port->proto), done = 0, tls_matched = 0;
	static const char *const mesh = "mesh";
	for (size_t i = 0; i < nvs && !done; i++) {
		const struct node *list = node_get(vss[i]->spec, tls ? "tls" : "tcp");
		if (!list || list->type != NODE_SEQ)
			continue;
		for (size_t r = 0; r < list->len && !done; r++) {
			const struct node *entry = list->items[r],
			                  *matches = node_get(entry, "match");
			const struct node *routes = node_get(entry, "route");
			if (!routes || routes->type != NODE_SEQ || routes->len == 0)
				continue;
			if (!matches || matches->type != NODE_SEQ || matches->len == 0) {
				if (tls)
					continue; /* TLS routes need an SNI match */
				{
					struct chain *c = chain_add(s, e);
					if (!c)
						return;
					c->proto = o->port->proto;
					c->cidrs = o->cidrs;
					c->ncidr = o->ncidr;
					c->filters =
					    route_filters(s, vss[i], routes, o->port->port);
					c->metadata = route_metadata(s, vss[i], "virtual-service");
				}
				done = 1;
				break;
			}
			for (size_t m = 0; m < matches->len; m++) {
				const struct node *mt = matches->items[m];
				const struct node *gws = node_get(mt, "gateways"),
				                  *sni = node_get(mt, "sniHosts");
				long long mp;
				struct chain *c;
				if (node_int(node_get(mt, "port"), &mp) == 0 && mp != o->port->port)
					continue;
				if (gws && gws->type == NODE_SEQ && gws->len) {
					int hit = 0;
					for (size_t g = 0; g < gws->len; g++)
						hit |= node_text(gws->items[g]) &&
						       strcmp(node_text(gws->items[g]), mesh) == 0;
					if (!hit)
						continue;
				}
				if (!labels_match_node(node_get(mt, "sourceLabels"),
				                       &s->pod->labels))
					continue;
				c = chain_add(s, e);
				if (!c)
					return;
				c->proto = o->port->proto;
				c->cidrs = o->cidrs;
				c->ncidr = o->ncidr;
				if (tls && sni && sni->type == NODE_SEQ) {
					c->sni =
					    arena_calloc(&s->tmp, sni->len + 1, sizeof *c->sni);
					if (!c->sni) {
						s->jb.oom = 1;
						return;
					}
					for (size_t k = 0; k < sni->len; k++)
						if (node_text(sni->items[k]))
							c->sni[c->nsni++] =
							    node_text(sni->items[k]);
				}
				c->filters = route_filters(s, vss[i], routes, o->port->port);
				c->metadata = route_metadata(s, vss[i], "virtual-service");
				if (!tls) {
					done = 1;
					break;
				}
				tls_matched = 1;
			}
		}
	}
	if (done || tls_matched)
		return;
	{
		const char *cl =
		    cluster_name(s, "outbound", default_cluster_port(o), NULL, o->svc->hostname);
		struct chain *c = chain_add(s, e);
		if (!c)
			return;
		c->proto = o->port->proto;
		c->cidrs = o->cidrs;
		c->ncidr = o->ncidr;
		if (tls && (o->ncidr > 0 || strchr(o->svc->address, '/') ||
		            (strcmp(o->svc->address, "0.0.0.0") == 0 &&
		             strcmp(e->bind, "0.0.0.0") == 0))) {
			c->sni = arena_calloc(&s->tmp, 1, sizeof *c->sni);
			if (!c->sni) {
				s->jb.oom = 1;
				return;
			}
			c->sni[c->nsni++] = o->svc->hostname;
		}
		c->filters = filter_stack_tcp(s, cl, cl);
	}
}

/* ---- the listener map -------------------------------------------------- */

static struct entry *lmap_get(struct lmap *m, const char *key)
{
	return strmap_get(&m->by_key, key);
}

static struct entry *lmap_add(struct synth *s, struct lmap *m, const char *key, const char *bind,
                              int port, enum proto proto)
{
	struct entry *e = arena_calloc(&s->tmp, 1, sizeof *e);
	if (!e || strmap_put(&m->by_key, key, e) != 0) {
		s->jb.oom = 1;
		return NULL;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct entry **items = realloc(m->items, cap * sizeof *items);
		if (!items) {
			s->jb.oom = 1;
			return NULL;
		}
		m->items = items;
		m->cap = cap;
	}
	m->items[m->n++] = e;
	e->bind = bind;
	e->port = port;
	e->proto = proto;
	return e;
}

/* mergeTCPFilterChains: incoming chains that match traffic an existing
 * chain matches are dropped. */
static void merge_chains(struct synth *s, struct entry *cur, struct entry *in)
{
	size_t existing = cur->n;
	for (size_t i = 0; i < in->n; i++) {
		int conflict = 0;
		for (size_t k = 0; k < cur->n && !conflict; k++)
			conflict = chains_conflict(&cur->chains[k], &in->chains[i]);
		if (!conflict) {
			struct chain *c = chain_add(s, cur);
			if (!c)
				return;
			*c = in->chains[i];
		}
	}
	(void)existing;
}

static int mongo_mysql_clash(enum proto in, enum proto ex)
{
	return (in == P_MONGO || in == P_MYSQL || ex == P_MONGO || ex == P_MYSQL) && in != ex;
}

/* buildSidecarOutboundListener. */
static void build_one(struct synth *s, struct lmap *m, struct lopts o)
{
	enum lproto lp = proto_listener(o.port->proto);
	enum proto listener_proto = o.port->proto;
	const char *bind = o.bind;
	char key[600];
	struct entry *cur, tmp;
	enum {
		NONE,
		HTTP_OVER_TCP,
		TCP_OVER_HTTP,
		TCP_OVER_TCP,
		TCP_OVER_AUTO,
		AUTO_OVER_HTTP,
		AUTO_OVER_TCP
	} conflict = NONE;
	if (o.svc->res == RES_ALIAS || lp == LP_NONE)
		return;
	if (lp == LP_TCP || lp == LP_AUTO) {
		if (!bind) {
			const char *addr = o.svc->address;
			if (!strchr(addr, '/')) {
				bind = addr;
			} else {
				bind = "0.0.0.0";
				o.cidrs = &o.svc->address;
				o.ncidr = 1;
			}
		}
	} else if (!bind) {
		bind = "0.0.0.0";
	}
	snprintf(key, sizeof key, "%s:%d", bind, o.port->port);
	cur = lmap_get(m, key);
	memset(&tmp, 0, sizeof tmp);
	tmp.bind = bind;
	tmp.port = o.port->port;
	if (lp == LP_HTTP) {
		if (cur) {
			if (proto_listener(cur->proto) != LP_TCP)
				return; /* the listener exists: vhosts come through RDS */
			conflict = HTTP_OVER_TCP;
		}
		http_chain(s, &tmp, &o, 0);
		if (strcmp(bind, "0.0.0.0") == 0)
			listener_proto = P_UNSUPPORTED;
	} else if (lp == LP_TCP) {
		tcp_chains(s, &tmp, &o);
		if (cur)
			conflict = proto_listener(cur->proto) == LP_HTTP  ? TCP_OVER_HTTP
			           : proto_listener(cur->proto) == LP_TCP ? TCP_OVER_TCP
			                                                  : TCP_OVER_AUTO;
	} else {
		if (cur && proto_listener(cur->proto) == LP_HTTP)
			conflict = AUTO_OVER_HTTP;
		else if (cur && proto_listener(cur->proto) == LP_TCP)
			conflict = AUTO_OVER_TCP;
		else if (cur)
			conflict = TCP_OVER_AUTO;
		tcp_chains(s, &tmp, &o);
		if (conflict != TCP_OVER_AUTO)
			http_chain(s, &tmp, &o, 1);
	}
	if (cur && conflict != NONE && mongo_mysql_clash(o.port->proto, cur->proto))
		return;
	switch (conflict) {
	case NONE:
	case AUTO_OVER_HTTP: {
		struct entry *e = cur;
		if (!e)
			e = lmap_add(s, m, jb_strdup(&s->jb, key), bind, o.port->port,
			             listener_proto);
		if (!e)
			return;
		e->proto = listener_proto;
		e->chains = tmp.chains;
		e->n = tmp.n;
		e->cap = tmp.cap;
		e->nextra = o.nextra;
		e->extra = o.extra;
		break;
	}
	case HTTP_OVER_TCP:
	case TCP_OVER_HTTP:
	case AUTO_OVER_TCP:
		merge_chains(s, cur, &tmp);
		cur->proto = P_UNSUPPORTED;
		break;
	case TCP_OVER_TCP:
	case TCP_OVER_AUTO:
		merge_chains(s, cur, &tmp);
		break;
	}
}

/* ---- emitting ----------------------------------------------------------- */

static struct node *socket_address(struct synth *s, const char *ip, int port)
{
	struct jb *b = &s->jb;
	struct node *a = jb_map_n(b, 1), *sa = jb_map_n(b, 2);
	jb_set(b, a, "socket_address", sa);
	jb_set_lit(b, sa, "address", ip);
	jb_set_int(b, sa, "port_value", port);
	return a;
}

struct node *address_node(struct synth *s, const char *ip, int port)
{
	return socket_address(s, ip, port);
}

static int cidr_split(const char *cidr, char *ip, size_t cap, int *len)
{
	const char *slash = strchr(cidr, '/');
	size_t n = slash ? (size_t)(slash - cidr) : strlen(cidr);
	if (n >= cap)
		return -1;
	memcpy(ip, cidr, n);
	ip[n] = '\0';
	*len = slash ? atoi(slash + 1) : (strchr(ip, ':') ? 128 : 32);
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static struct node *chain_match(struct synth *s, const struct chain *c)
{
	struct jb *b = &s->jb;
	struct node *m = jb_map(b);
	if (c->ncidr) {
		struct node *pr = jb_set_seq(b, m, "prefix_ranges");
		const char **sorted = arena_alloc(&s->tmp, c->ncidr * sizeof *sorted);
		if (!sorted) {
			s->jb.oom = 1;
			return m;
		}
		memcpy(sorted, c->cidrs, c->ncidr * sizeof *sorted);
		qsort(sorted, c->ncidr, sizeof *sorted, str_cmp);
		for (size_t i = 0; i < c->ncidr; i++) {
			char ip[64];
			int len;
			struct node *r;
			if (cidr_split(sorted[i], ip, sizeof ip, &len) != 0 ||
			    strcmp(ip, "0.0.0.0") == 0)
				continue;
			r = jb_map(b);
			jb_set_str(b, r, "address_prefix", ip);
			jb_set_int(b, r, "prefix_len", len);
			jb_push(b, pr, r);
		}
	}
	if (c->transport)
		jb_set_lit(b, m, "transport_protocol", c->transport);
	if (c->alpn)
		jb_set(b, m, "application_protocols", jb_lits(b, s->prof->http_alpn));
	if (c->nsni) {
		struct node *sn = jb_set_seq(b, m, "server_names");
		const char **sorted = arena_alloc(&s->tmp, c->nsni * sizeof *sorted);
		if (!sorted) {
			s->jb.oom = 1;
			return m;
		}
		memcpy(sorted, c->sni, c->nsni * sizeof *sorted);
		qsort(sorted, c->nsni, sizeof *sorted, str_cmp);
		for (size_t i = 0; i < c->nsni; i++)
			jb_push_lit(b, sn, jb_own(b, sorted[i]));
	}
	return m;
}

static struct node *chain_node(struct synth *s, const char *lname, const struct chain *c,
                               int with_match)
{
	struct jb *b = &s->jb;
	struct node *fc = jb_map(b);
	if (with_match)
		jb_set(b, fc, "filter_chain_match", chain_match(s, c));
	if (c->rds) {
		struct node *filters = jb_seq(b);
		jb_push(b, filters,
		        hcm_outbound(s, jb_fmt(b, "outbound_%s", lname), c->rds, c->proto));
		jb_set(b, fc, "filters", filters);
	} else {
		jb_set(b, fc, "filters", c->filters);
	}
	if (c->metadata)
		jb_set(b, fc, "metadata", c->metadata);
	return fc;
}

static struct node *passthrough_chain(struct synth *s)
{
	struct jb *b = &s->jb;
	const char *cl = s->sc.registry_only ? "BlackHoleCluster" : "PassthroughCluster";
	struct node *fc = jb_map(b);
	jb_set_map(b, fc, "filter_chain_match");
	jb_set(b, fc, "filters", filter_stack_tcp(s, cl, cl));
	jb_set_lit(b, fc, "name", "PassthroughFilterChain");
	return fc;
}

void listener_add(struct synth *s, struct node *l, const char *name)
{
	struct jb *b = &s->jb;
	struct node *e = jb_map(b), *st;
	jb_set_str(b, e, "name", name);
	st = jb_set_map(b, e, "active_state");
	jb_set_lit(b, st, "version_info", s->version_info);
	jb_set(b, st, "listener", l);
	jb_set_lit(b, st, "last_updated", s->last_updated);
	jb_push(b, s->dynamic_listeners, e);
}

static void emit(struct synth *s, const struct entry *e)
{
	struct jb *b = &s->jb;
	const char *name = jb_fmt(b, "%s_%d", e->bind, e->port);
	struct node *l = jb_typed(b, "type.googleapis.com/envoy.config.listener.v3.Listener");
	struct node *chains = jb_seq(b), *def = NULL, *lf;
	int need_http = 0, need_tls = 0;
	size_t matchall = (size_t)-1;
	jb_set_lit(b, l, "name", name);
	jb_set(b, l, "address", socket_address(s, e->bind, e->port));
	for (size_t i = 0; i < e->n; i++) {
		need_http |= e->chains[i].alpn;
		need_tls |= e->chains[i].nsni > 0;
		if (chain_match_all(&e->chains[i]) && matchall == (size_t)-1)
			matchall = i;
	}
	for (size_t i = 0; i < e->n; i++) {
		if (i == matchall && e->n > 1)
			def = chain_node(s, name, &e->chains[i], 0);
		else
			jb_push(b, chains, chain_node(s, name, &e->chains[i], i != matchall));
	}
	if (!def && e->n > 0 && matchall == (size_t)-1)
		def = passthrough_chain(s);
	jb_set(b, l, "filter_chains", chains);
	if (need_http || need_tls) {
		lf = jb_set_seq(b, l, "listener_filters");
		jb_push(b, lf, tls_inspector(s));
		if (need_http)
			jb_push(b, lf, http_inspector(s));
	}
	jb_set_lit(b, l, "listener_filters_timeout", "0s");
	jb_set_lit(b, l, "traffic_direction", "OUTBOUND");
	jb_set_bool(b, l, "continue_on_listener_filters_timeout", 1);
	if (def)
		jb_set(b, l, "default_filter_chain", def);
	jb_set_bool(b, l, "bind_to_port", 0);
	if (e->nextra) {
		struct node *aa = jb_set_seq(b, l, "additional_addresses");
		for (size_t i = 0; i < e->nextra; i++) {
			struct node *a = jb_map(b);
			jb_set(b, a, "address", socket_address(s, e->extra[i], e->port));
			jb_push(b, aa, a);
		}
	}
	listener_add(s, l, name);
	for (size_t i = 0; i < e->n; i++)
		if (e->chains[i].rds)
			need_rds(s, e->chains[i].rds);
}

int outbound_listeners(struct synth *s)
{
	struct lmap m;
	memset(&m, 0, sizeof m);
	strmap_init_borrowed(&m.by_key);
	for (size_t i = 0; i < s->sc.nsvcs && !s->jb.oom; i++) {
		const struct svc *v = s->sc.svcs[i];
		for (size_t p = 0; p < v->nports; p++) {
			const struct sport *port = &v->ports[p];
			enum lproto lp = proto_listener(port->proto);
			struct lopts o;
			memset(&o, 0, sizeof o);
			o.svc = v;
			o.port = port;
			if (v->res == RES_PASSTHROUGH && strcmp(v->address, "0.0.0.0") == 0 &&
			    (lp == LP_TCP || lp == LP_AUTO)) {
				size_t built = 0;
				if (!v->k8s && v->neps == 0) {
					build_one(s, &m, o);
					continue;
				}
				for (size_t k = 0; k < v->neps; k++) {
					const struct ep *e = &v->eps[k];
					if (s->prof->headless_skip_self &&
					    strcmp(e->address, s->ip) == 0)
						continue;
					if (!ep_port(v, e, port))
						continue;
					o.bind = e->address;
					build_one(s, &m, o);
					built++;
				}
				(void)built;
				continue;
			}
			build_one(s, &m, o);
		}
	}
	for (size_t i = 0; i < m.n && !s->jb.oom; i++)
		emit(s, m.items[i]);
	free(m.items);
	strmap_free(&m.by_key);
	return synth_check(s);
}

int virtual_outbound(struct synth *s)
{
	struct jb *b = &s->jb;
	struct node *l = jb_typed(b, "type.googleapis.com/envoy.config.listener.v3.Listener");
	struct node *chains, *bh, *all;
	const char *cl = s->sc.registry_only ? "BlackHoleCluster" : "PassthroughCluster";
	jb_set_lit(b, l, "name", "virtualOutbound");
	jb_set(b, l, "address", socket_address(s, "0.0.0.0", 15001));
	chains = jb_set_seq(b, l, "filter_chains");
	bh = jb_map(b);
	jb_set_int(b, jb_set_map(b, bh, "filter_chain_match"), "destination_port", 15001);
	jb_set(b, bh, "filters", filter_stack_tcp(s, "BlackHoleCluster", "BlackHoleCluster"));
	jb_set_lit(b, bh, "name", "virtualOutbound-blackhole");
	jb_push(b, chains, bh);
	all = jb_map(b);
	jb_set(b, all, "filters", filter_stack_tcp(s, cl, cl));
	jb_set_lit(b, all, "name", "virtualOutbound-catchall-tcp");
	jb_push(b, chains, all);
	jb_set_bool(b, l, "use_original_dst", 1);
	jb_set_lit(b, l, "traffic_direction", "OUTBOUND");
	listener_add(s, l, "virtualOutbound");
	return synth_check(s);
}
