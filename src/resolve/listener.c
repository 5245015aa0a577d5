/* Listeners and filter chains: compiled from the listener's JSON, and the
 * filter chain a connection gets, as Envoy's FilterChainManagerImpl picks
 * it: destination port, destination IP (longest prefix), server name
 * (exact, then longest wildcard, then none), transport protocol,
 * application protocols, direct source IP, source type, source IP, source
 * port; at every level only the most specific matching branch is followed,
 * with no backtracking, and a dead end means default_filter_chain
 * (reference/envoy.md section 2, rule 1). A listener with the newer
 * filter_chain_matcher gets the chain chain_matcher.c names instead, or
 * default_filter_chain when it names none. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "resolve_int.h"

#define HCM_NAME "envoy.filters.network.http_connection_manager"
#define TCP_NAME "envoy.filters.network.tcp_proxy"

/* Dotted-decimal IPv4 ("10.96.0.1") into 4 bytes; -1 for anything else. */
static int ipv4_parse(const char *s, unsigned char out[4])
{
	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		int digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || v > 255 || (digits > 1 && s[-digits] == '0'))
			return -1;
		out[part] = (unsigned char)v;
		if (part < 3 && *s++ != '.')
			return -1;
	}
	return *s ? -1 : 0;
}

int rs_ip_parse(const char *s, struct rs_ip *out)
{
	memset(out, 0, sizeof *out);
	if (!s)
		return -1;
	if (ipv4_parse(s, out->addr) == 0) {
		out->valid = 1;
		return 0;
	}
	if (inet_pton(AF_INET, s, out->addr) == 1) {
		out->valid = 1;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->addr) == 1) {
		out->v6 = 1;
		out->valid = 1;
		return 0;
	}
	return -1;
}

int rs_cidr_match(const struct rs_cidr *c, const struct rs_ip *ip)
{
	unsigned full, rest;
	if (!ip->valid || c->v6 != ip->v6)
		return -1;
	full = c->len / 8;
	rest = c->len % 8;
	if (memcmp(c->addr, ip->addr, full) != 0)
		return -1;
	if (rest) {
		unsigned char mask = (unsigned char)(0xFF << (8 - rest));
		if ((c->addr[full] & mask) != (ip->addr[full] & mask))
			return -1;
	}
	return (int)c->len;
}

static int cidrs_compile(struct rs_build *b, const struct node *list, struct rs_cidr **out,
                         size_t *count)
{
	*out = NULL;
	*count = 0;
	if (!list || list->type != NODE_SEQ || !list->len)
		return 0;
	if (!(*out = arena_calloc(b->arena, list->len, sizeof **out)))
		return rs_fail(b, list, "out of memory");
	for (size_t i = 0; i < list->len; i++) {
		const char *prefix = rs_text(list->items[i], "address_prefix");
		struct rs_ip ip;
		uint64_t len;
		if (!prefix || rs_ip_parse(prefix, &ip) < 0)
			return rs_fail(b, list->items[i], "\"%s\" is not an IP address prefix",
			               prefix ? prefix : "");
		if (rs_uint(b, list->items[i], "prefix_len", ip.v6 ? 128 : 32, ip.v6 ? 128 : 32,
		            &len) < 0)
			return -1;
		memcpy((*out)[i].addr, ip.addr, 16);
		(*out)[i].v6 = ip.v6;
		(*out)[i].len = (unsigned)len;
	}
	*count = list->len;
	return 0;
}

/* The protocols the listener filters detect (rs_detected_transport,
 * rs_detected_alpn), one copy each: a chain's filter_chain_match naming
 * one points at it, so selection compares pointers before bytes. */
static const char PROTO_RAW_BUFFER[] = "raw_buffer", PROTO_TLS[] = "tls",
                  PROTO_HTTP11[] = "http/1.1", PROTO_H2C[] = "h2c";

/* s, or the equal string of the detected protocols above. */
static const char *known_protocol(const char *s)
{
	static const char *const known[] = {PROTO_RAW_BUFFER, PROTO_TLS, PROTO_HTTP11, PROTO_H2C};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(s, known[i]) == 0)
			return known[i];
	return s;
}

static int strings_compile(struct rs_build *b, const struct node *list, const char ***out,
                           size_t *count, int lower)
{
	*out = NULL;
	*count = 0;
	if (!list || list->type != NODE_SEQ || !list->len)
		return 0;
	if (!(*out = arena_calloc(b->arena, list->len, sizeof **out)))
		return rs_fail(b, list, "out of memory");
	for (size_t i = 0; i < list->len; i++) {
		const char *s = node_text(list->items[i]);
		if (!s)
			return rs_fail(b, list->items[i], "expected a string");
		if (lower) {
			/* Envoy stores "*.example.com" as ".example.com". */
			if (s[0] == '*' && s[1] == '.')
				s++;
			else if (strchr(s, '*'))
				return rs_fail(
				    b, list->items[i],
				    "partial wildcards are not supported in server_names: %s", s);
			s = rs_lower_dup(b->arena, s, strlen(s));
		}
		(*out)[i] = s;
	}
	*count = list->len;
	return 0;
}

const char *rs_type_url(const struct node *filter)
{
	const char *t = rs_text(node_field(filter, "typed_config"), "@type");
	return t ? t : "";
}

int rs_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

enum rs_chain_kind rs_filter_kind(const struct node *f)
{
	const char *name = rs_text(f, "name");
	const char *url = rs_type_url(f);
	if ((name && strcmp(name, HCM_NAME) == 0) || rs_ends_with(url, ".HttpConnectionManager"))
		return CHAIN_HCM;
	if ((name && strcmp(name, TCP_NAME) == 0) || rs_ends_with(url, "tcp_proxy.v3.TcpProxy"))
		return CHAIN_TCP;
	return CHAIN_OTHER;
}

void rs_where_chain(struct rs_build *b, const char *listener, int index)
{
	if (index >= 0)
		rs_where(b, "listener \"%s\", filter chain %d", listener, index + 1);
	else
		rs_where(b, "listener \"%s\", default_filter_chain", listener);
}

/* The route_config of chain n's HTTP connection manager, when the chain's
 * terminal filter (its first HCM or TCP proxy, as chain_compile takes it)
 * is one and has it inline; else NULL. */
static const struct node *chain_inline_rc(const struct node *n)
{
	const struct node *filters = node_field(n, "filters");
	for (size_t i = 0; filters && filters->type == NODE_SEQ && i < filters->len; i++) {
		enum rs_chain_kind kind = rs_filter_kind(filters->items[i]);
		if (kind == CHAIN_HCM)
			return node_field(node_field(filters->items[i], "typed_config"),
			                  "route_config");
		if (kind == CHAIN_TCP)
			return NULL;
	}
	return NULL;
}

int rs_listener_inline_rcs(const struct node *n, const char *name,
                           int (*fn)(void *ctx, const struct node *rc, const char *listener,
                                     int index),
                           void *ctx)
{
	const struct node *chains = node_field(n, "filter_chains");
	const struct node *dfc = node_field(n, "default_filter_chain");
	const struct node *rc;
	if (chains && chains->type == NODE_SEQ)
		for (size_t i = 0; i < chains->len; i++)
			if ((rc = chain_inline_rc(chains->items[i])) &&
			    fn(ctx, rc, name, (int)i) < 0)
				return -1;
	if (dfc && (rc = chain_inline_rc(dfc)) && fn(ctx, rc, name, -1) < 0)
		return -1;
	return 0;
}

static int hcm_compile(struct rs_build *b, const struct node *f, struct rs_chain *ch)
{
	const struct node *cfg = node_field(f, "typed_config");
	const struct node *rc = node_field(cfg, "route_config");
	const struct node *rds = node_field(cfg, "rds");
	ch->kind = CHAIN_HCM;
	if (rc) {
		/* Compiled with the snapshot's route set (route_set.c walks the
		 * same chains with rs_listener_inline_rcs), else here. */
		if (b->routes)
			ch->inline_rc = rs_route_set_inline(b->routes, rc);
		if (!ch->inline_rc) {
			if (!(ch->inline_rc = arena_calloc(b->arena, 1, sizeof *ch->inline_rc)))
				return rs_fail(b, rc, "out of memory");
			if (rs_route_config_compile(b, rc, ch->inline_rc) < 0)
				return -1;
		}
		ch->rc = ch->inline_rc;
	} else if (rds) {
		ch->rds_name = rs_text(rds, "route_config_name");
		if (!ch->rds_name)
			return rs_fail(b, rds, "rds needs a route_config_name");
	}
	ch->strip_any_port = rs_bool(cfg, "strip_any_host_port", 0);
	ch->strip_matching_port = rs_bool(cfg, "strip_matching_host_port", 0);
	ch->strip_trailing_dot = rs_bool(cfg, "strip_trailing_host_dot", 0);
	ch->normalize_path = rs_bool(cfg, "normalize_path", 0);
	ch->merge_slashes = rs_bool(cfg, "merge_slashes", 0);
	return 0;
}

static int tcp_compile(struct rs_build *b, const struct node *f, struct rs_chain *ch)
{
	const struct node *cfg = node_field(f, "typed_config");
	const struct node *wc = node_field(cfg, "weighted_clusters");
	ch->kind = CHAIN_TCP;
	ch->tcp_cluster = rs_text(cfg, "cluster");
	if (!ch->tcp_cluster && wc) {
		const struct node *list = node_field(wc, "clusters");
		if (!list || list->type != NODE_SEQ || !list->len)
			return rs_fail(b, wc, "weighted_clusters needs clusters");
		if (!(ch->tcp_weights = arena_calloc(b->arena, list->len, sizeof *ch->tcp_weights)))
			return rs_fail(b, wc, "out of memory");
		for (size_t i = 0; i < list->len; i++) {
			struct rs_weight *w = &ch->tcp_weights[i];
			w->json = list->items[i];
			w->name =
			    rs_text(list->items[i], "name") ? rs_text(list->items[i], "name") : "";
			if (rs_uint(b, list->items[i], "weight", 0, UINT32_MAX, &w->weight) < 0)
				return -1;
			ch->tcp_total += w->weight;
		}
		ch->tcp_weight_count = list->len;
		if (!ch->tcp_total)
			return rs_fail(b, wc, "the weights of weighted_clusters add up to 0");
	} else if (!ch->tcp_cluster) {
		return rs_fail(b, cfg, "a tcp_proxy needs a cluster or weighted_clusters");
	}
	return 0;
}

static int chain_compile(struct rs_build *b, const struct node *n, const char *listener, int index,
                         struct rs_chain *ch)
{
	const struct node *m = node_field(n, "filter_chain_match");
	const struct node *filters = node_field(n, "filters");
	const char *st = rs_text(m, "source_type");
	const struct node *ports = node_field(m, "source_ports");
	uint64_t port;
	ch->index = index;
	ch->json = n;
	ch->name = rs_text(n, "name");
	rs_where_chain(b, listener, index);
	if (rs_uint(b, m, "destination_port", 0, 65535, &port) < 0)
		return -1;
	ch->dest_port = (uint32_t)port;
	if (cidrs_compile(b, node_field(m, "prefix_ranges"), &ch->dest, &ch->dest_count) < 0 ||
	    cidrs_compile(b, node_field(m, "direct_source_prefix_ranges"), &ch->direct_src,
	                  &ch->direct_src_count) < 0 ||
	    cidrs_compile(b, node_field(m, "source_prefix_ranges"), &ch->src, &ch->src_count) < 0 ||
	    strings_compile(b, node_field(m, "server_names"), &ch->server_names, &ch->sn_count, 1) <
	        0 ||
	    strings_compile(b, node_field(m, "application_protocols"), &ch->alpn, &ch->alpn_count,
	                    0) < 0)
		return -1;
	ch->transport = rs_text(m, "transport_protocol");
	if (ch->transport && !*ch->transport)
		ch->transport = NULL;
	if (ch->transport)
		ch->transport = known_protocol(ch->transport);
	for (size_t i = 0; i < ch->alpn_count; i++)
		ch->alpn[i] = known_protocol(ch->alpn[i]);
	ch->source_type = !st || strcmp(st, "ANY") == 0            ? 0
	                  : strcmp(st, "SAME_IP_OR_LOOPBACK") == 0 ? 1
	                  : strcmp(st, "EXTERNAL") == 0            ? 2
	                                                           : -1;
	if (ch->source_type < 0)
		return rs_fail(b, node_field(m, "source_type"), "unknown source_type \"%s\"", st);
	if (ports && ports->type == NODE_SEQ && ports->len) {
		if (!(ch->src_ports = arena_calloc(b->arena, ports->len, sizeof *ch->src_ports)))
			return rs_fail(b, ports, "out of memory");
		for (size_t i = 0; i < ports->len; i++) {
			long long v;
			if (node_int(ports->items[i], &v) < 0 || v < 0 || v > 65535)
				return rs_fail(b, ports->items[i],
				               "a source port must be 0..65535");
			ch->src_ports[i] = (uint32_t)v;
		}
		ch->src_port_count = ports->len;
	}
	ch->terminates_tls =
	    rs_ends_with(rs_type_url(node_field(n, "transport_socket")), "DownstreamTlsContext");
	ch->kind = CHAIN_OTHER;
	for (size_t i = 0; filters && filters->type == NODE_SEQ && i < filters->len; i++) {
		const struct node *f = filters->items[i];
		const char *name = rs_text(f, "name");
		enum rs_chain_kind kind = rs_filter_kind(f);
		ch->filter_name = name;
		ch->filter_json = f;
		if (kind == CHAIN_HCM)
			return hcm_compile(b, f, ch);
		if (kind == CHAIN_TCP)
			return tcp_compile(b, f, ch);
	}
	return 0;
}

static int has_listener_filter(const struct node *l, const char *name, const char *type_suffix)
{
	const struct node *list = node_field(l, "listener_filters");
	for (size_t i = 0; list && list->type == NODE_SEQ && i < list->len; i++) {
		const char *n = rs_text(list->items[i], "name");
		if ((n && strcmp(n, name) == 0) ||
		    rs_ends_with(rs_type_url(list->items[i]), type_suffix))
			return 1;
	}
	return 0;
}

int rs_listener_compile(struct rs_build *b, const struct node *n, const char *name,
                        struct rs_listener *out)
{
	const struct node *sa = node_field(node_field(n, "address"), "socket_address");
	const struct node *chains = node_field(n, "filter_chains");
	const struct node *dfc = node_field(n, "default_filter_chain");
	uint64_t port;
	out->json = n;
	out->name = name;
	rs_where(b, "listener \"%s\"", name);
	out->address = rs_text(sa, "address");
	if (rs_uint(b, sa, "port_value", 0, 65535, &port) < 0)
		return -1;
	out->port = (uint32_t)port;
	out->use_original_dst = rs_bool(n, "use_original_dst", 0);
	out->tls_inspector =
	    has_listener_filter(n, "envoy.filters.listener.tls_inspector", "TlsInspector");
	out->http_inspector =
	    has_listener_filter(n, "envoy.filters.listener.http_inspector", "HttpInspector");
	out->chain_matcher = node_field(n, "filter_chain_matcher");
	if (chains && chains->type == NODE_SEQ && chains->len) {
		if (!(out->chains = arena_calloc(b->arena, chains->len, sizeof *out->chains)))
			return rs_fail(b, chains, "out of memory");
		for (size_t i = 0; i < chains->len; i++) {
			const struct rs_chain *ch = &out->chains[i];
			if (chain_compile(b, chains->items[i], name, (int)i, &out->chains[i]) < 0)
				return -1;
			out->levels |= (ch->dest_port ? LEVEL_PORT : 0u) |
			               (ch->dest_count ? LEVEL_DEST : 0u) |
			               (ch->sn_count ? LEVEL_SNI : 0u) |
			               (ch->transport ? LEVEL_TRANSPORT : 0u) |
			               (ch->alpn_count ? LEVEL_ALPN : 0u) |
			               (ch->direct_src_count ? LEVEL_DIRECT_SRC : 0u) |
			               (ch->source_type ? LEVEL_SOURCE_TYPE : 0u) |
			               (ch->src_count ? LEVEL_SRC : 0u) |
			               (ch->src_port_count ? LEVEL_SRC_PORT : 0u);
		}
		out->chain_count = chains->len;
	}
	if (dfc) {
		if (!(out->default_chain = arena_calloc(b->arena, 1, sizeof *out->default_chain)))
			return rs_fail(b, dfc, "out of memory");
		if (chain_compile(b, dfc, name, -1, out->default_chain) < 0)
			return -1;
	}
	b->where[0] = '\0';
	return 0;
}

/* ---- selection ---- */

static void chain_note(struct rs_ctx *c, const struct rs_chain *ch, enum resolve_verdict v,
                       const char *why, const char *field, const char *expected, const char *actual)
{
	rs_note(c, RESOLVE_STEP_FILTER_CHAIN, v, ch->name ? ch->name : "", ch->index, why, field,
	        expected, expected ? strlen(expected) : 0, actual, actual ? strlen(actual) : 0);
}

/* Keeps the candidates keep() accepts at level `why`; the others are noted
 * with the request's value. */
struct level {
	const char *why, *field, *actual;
};

void rs_ip_text(const struct rs_ip *ip, char *buf, size_t cap)
{
	if (!ip->valid || !inet_ntop(ip->v6 ? AF_INET6 : AF_INET, ip->addr, buf, (socklen_t)cap))
		snprintf(buf, cap, "(none)");
}

static void cidr_text(const struct rs_cidr *c, size_t n, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < cap; i++) {
		char a[64];
		inet_ntop(c[i].v6 ? AF_INET6 : AF_INET, c[i].addr, a, sizeof a);
		used +=
		    (size_t)snprintf(buf + used, cap - used, "%s%s/%u", i ? "," : "", a, c[i].len);
	}
}

static void list_text(const char **s, size_t n, char *buf, size_t cap, int wildcard)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < cap; i++)
		used += (size_t)snprintf(buf + used, cap - used, "%s%s%s", i ? "," : "",
		                         wildcard && s[i][0] == '.' ? "*" : "", s[i]);
}

/* Best prefix length of list for ip; a chain without prefixes counts as /0. */
static int best_prefix(const struct rs_cidr *list, size_t n, const struct rs_ip *ip)
{
	int best = -1;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int m = rs_cidr_match(&list[i], ip);
		if (m > best)
			best = m;
	}
	return best;
}

static size_t filter_prefix(struct rs_ctx *c, const struct rs_listener *l, uint32_t *cand, size_t n,
                            const struct rs_ip *ip, int which, const char *field)
{
	int best = -1;
	size_t k = 0;
	char actual[64], expected[256];
	for (size_t i = 0; i < n; i++) {
		const struct rs_chain *ch = &l->chains[cand[i]];
		const struct rs_cidr *list = which == 0   ? ch->dest
		                             : which == 1 ? ch->direct_src
		                                          : ch->src;
		size_t cnt = which == 0   ? ch->dest_count
		             : which == 1 ? ch->direct_src_count
		                          : ch->src_count;
		int m = best_prefix(list, cnt, ip);
		if (m > best)
			best = m;
	}
	if (c->note)
		rs_ip_text(ip, actual, sizeof actual);
	for (size_t i = 0; i < n; i++) {
		const struct rs_chain *ch = &l->chains[cand[i]];
		const struct rs_cidr *list = which == 0   ? ch->dest
		                             : which == 1 ? ch->direct_src
		                                          : ch->src;
		size_t cnt = which == 0   ? ch->dest_count
		             : which == 1 ? ch->direct_src_count
		                          : ch->src_count;
		int m = best_prefix(list, cnt, ip);
		if (best >= 0 && m == best) {
			cand[k++] = cand[i];
		} else if (c->note) {
			cidr_text(list, cnt, expected, sizeof expected);
			chain_note(c, ch, RESOLVE_REJECTED, m < 0 ? field : "less_specific", field,
			           expected, actual);
		}
	}
	return k;
}

static const char *sni_key(const struct rs_chain *ch, const char *sni, size_t *best_len)
{
	/* The most specific server name of ch matching sni: exact, else the
	 * longest ".suffix" (shorter than sni). */
	const char *best = NULL;
	size_t slen = strlen(sni);
	*best_len = 0;
	for (size_t i = 0; i < ch->sn_count; i++) {
		const char *s = ch->server_names[i];
		size_t len = strlen(s);
		if (s[0] != '.' && rs_ieq(s, len, sni, slen))
			return *best_len = SIZE_MAX, s;
		if (s[0] == '.' && len < slen && rs_ieq(sni + slen - len, len, s, len) &&
		    len > *best_len) {
			best = s;
			*best_len = len;
		}
	}
	return best;
}

static size_t filter_sni(struct rs_ctx *c, const struct rs_listener *l, uint32_t *cand, size_t n,
                         const char *sni)
{
	size_t best = 0, k = 0, len;
	char expected[512];
	/* Rank: exact (SIZE_MAX) > longer wildcard > shorter > no server_names. */
	for (size_t i = 0; i < n; i++) {
		const struct rs_chain *ch = &l->chains[cand[i]];
		if (ch->sn_count && sni && sni_key(ch, sni, &len) && len > best)
			best = len;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rs_chain *ch = &l->chains[cand[i]];
		int matches = ch->sn_count && sni && sni_key(ch, sni, &len);
		int ok = best ? matches && len == best : ch->sn_count == 0;
		if (ok) {
			cand[k++] = cand[i];
		} else if (c->note) {
			list_text(ch->server_names, ch->sn_count, expected, sizeof expected, 1);
			chain_note(c, ch, RESOLVE_REJECTED,
			           matches || !ch->sn_count ? "less_specific" : "server_names",
			           "server_names", ch->sn_count ? expected : "(any)",
			           sni ? sni : "(no SNI)");
		}
	}
	return k;
}

/* strcmp equality, without the call for the same pointer (a detected
 * protocol, known_protocol) or when the first bytes differ ("raw_buffer"
 * against "tls", "h2c" against "http/1.1"). */
static int same(const char *a, const char *b)
{
	return a == b || (a[0] == b[0] && strcmp(a, b) == 0);
}

static size_t filter_transport(struct rs_ctx *c, const struct rs_listener *l, uint32_t *cand,
                               size_t n, const char *transport)
{
	int exact = 0;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (l->chains[cand[i]].transport && same(l->chains[cand[i]].transport, transport))
			exact = 1;
	for (size_t i = 0; i < n; i++) {
		const struct rs_chain *ch = &l->chains[cand[i]];
		int ok =
		    exact ? ch->transport && same(ch->transport, transport) : ch->transport == NULL;
		if (ok)
			cand[k++] = cand[i];
		else
			chain_note(c, ch, RESOLVE_REJECTED,
			           ch->transport && strcmp(ch->transport, transport) == 0
			               ? "less_specific"
			               : "transport_protocol",
			           "transport_protocol", ch->transport ? ch->transport : "(any)",
			           transport);
	}
	return k;
}

static int lists(const struct rs_chain *ch, const char *proto)
{
	for (size_t i = 0; i < ch->alpn_count; i++)
		if (same(ch->alpn[i], proto))
			return 1;
	return 0;
}

static size_t filter_alpn(struct rs_ctx *c, const struct rs_listener *l, uint32_t *cand, size_t n,
                          const char *const *alpn, size_t alpn_count)
{
	const char *chosen = NULL;
	size_t k = 0;
	char expected[512], actual[256];
	/* The first requested protocol any chain lists wins. */
	for (size_t a = 0; a < alpn_count && !chosen; a++)
		for (size_t i = 0; i < n && !chosen; i++)
			if (lists(&l->chains[cand[i]], alpn[a]))
				chosen = alpn[a];
	if (c->note)
		list_text((const char **)alpn, alpn_count, actual, sizeof actual, 0);
	for (size_t i = 0; i < n; i++) {
		const struct rs_chain *ch = &l->chains[cand[i]];
		int ok = chosen ? lists(ch, chosen) : ch->alpn_count == 0;
		if (ok) {
			cand[k++] = cand[i];
		} else if (c->note) {
			list_text(ch->alpn, ch->alpn_count, expected, sizeof expected, 0);
			chain_note(c, ch, RESOLVE_REJECTED,
			           ch->alpn_count ? "application_protocols" : "less_specific",
			           "application_protocols", ch->alpn_count ? expected : "(any)",
			           alpn_count ? actual : "(none)");
		}
	}
	return k;
}

int rs_ip_loopback(const struct rs_ip *ip)
{
	static const unsigned char v6_loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	if (!ip->valid)
		return 0;
	return ip->v6 ? memcmp(ip->addr, v6_loop, 16) == 0 : ip->addr[0] == 127;
}

static size_t filter_source_type(struct rs_ctx *c, const struct rs_listener *l, uint32_t *cand,
                                 size_t n, int local)
{
	int want = local ? 1 : 2, has = 0;
	size_t k = 0;
	static const char *const names[] = {"ANY", "SAME_IP_OR_LOOPBACK", "EXTERNAL"};
	for (size_t i = 0; i < n; i++)
		if (l->chains[cand[i]].source_type == want)
			has = 1;
	if (!has)
		want = 0;
	for (size_t i = 0; i < n; i++) {
		const struct rs_chain *ch = &l->chains[cand[i]];
		if (ch->source_type == want)
			cand[k++] = cand[i];
		else
			chain_note(c, ch, RESOLVE_REJECTED,
			           ch->source_type == 0 ? "less_specific" : "source_type",
			           "source_type", names[ch->source_type],
			           local ? "local" : "external");
	}
	return k;
}

static size_t filter_source_port(struct rs_ctx *c, const struct rs_listener *l, uint32_t *cand,
                                 size_t n, uint32_t port)
{
	int exact = 0;
	size_t k = 0;
	char actual[16] = "";
	if (c->note)
		snprintf(actual, sizeof actual, "%u", (unsigned)port);
	for (size_t i = 0; i < n; i++)
		for (size_t p = 0; p < l->chains[cand[i]].src_port_count; p++)
			if (port && l->chains[cand[i]].src_ports[p] == port)
				exact = 1;
	for (size_t i = 0; i < n; i++) {
		const struct rs_chain *ch = &l->chains[cand[i]];
		int ok = ch->src_port_count == 0 && !exact;
		for (size_t p = 0; p < ch->src_port_count && !ok; p++)
			ok = exact && ch->src_ports[p] == port;
		if (ok)
			cand[k++] = cand[i];
		else
			chain_note(c, ch, RESOLVE_REJECTED,
			           ch->src_port_count ? "source_ports" : "less_specific",
			           "source_ports", NULL, actual);
	}
	return k;
}

/* The request's transport protocol and ALPN as the listener filters of l
 * would detect them. */
const char *rs_detected_transport(const struct rs_ctx *c, const struct rs_listener *l)
{
	if (c->req->protocol == RESOLVE_PROTO_TLS && l->tls_inspector)
		return PROTO_TLS;
	return PROTO_RAW_BUFFER;
}

size_t rs_detected_alpn(const struct rs_ctx *c, const struct rs_listener *l,
                        const char *const **out)
{
	static const char *const h1[] = {PROTO_HTTP11}, *const h2[] = {PROTO_H2C};
	switch (c->req->protocol) {
	case RESOLVE_PROTO_HTTP:
		*out = h1;
		return l->http_inspector ? 1 : 0;
	case RESOLVE_PROTO_HTTP2:
		*out = h2;
		return l->http_inspector ? 1 : 0;
	case RESOLVE_PROTO_TLS:
		*out = c->req->alpn;
		return l->tls_inspector ? c->req->alpn_count : 0;
	default:
		*out = NULL;
		return 0;
	}
}

static const struct rs_chain *by_name(const struct rs_listener *l, const char *name)
{
	for (size_t i = 0; i < l->chain_count; i++)
		if (l->chains[i].name && strcmp(l->chains[i].name, name) == 0)
			return &l->chains[i];
	return NULL;
}

/* What the chain's filter_chain_match asks for, for explanations:
 * "transport_protocol raw_buffer, application_protocols http/1.1,h2c", or
 * "" when it matches anything. */
static void match_text(const struct rs_chain *ch, char *buf, size_t cap)
{
	size_t used = 0;
	char list[512];
#define ADD(...)                                                                                   \
	do {                                                                                       \
		if (used < cap)                                                                    \
			used += (size_t)snprintf(buf + used, cap - used, __VA_ARGS__);             \
	} while (0)
	buf[0] = '\0';
	if (ch->dest_port)
		ADD("%sdestination_port %u", used ? ", " : "", (unsigned)ch->dest_port);
	if (ch->dest_count) {
		cidr_text(ch->dest, ch->dest_count, list, sizeof list);
		ADD("%sprefix_ranges %s", used ? ", " : "", list);
	}
	if (ch->sn_count) {
		list_text(ch->server_names, ch->sn_count, list, sizeof list, 1);
		ADD("%sserver_names %s", used ? ", " : "", list);
	}
	if (ch->transport)
		ADD("%stransport_protocol %s", used ? ", " : "", ch->transport);
	if (ch->alpn_count) {
		list_text(ch->alpn, ch->alpn_count, list, sizeof list, 0);
		ADD("%sapplication_protocols %s", used ? ", " : "", list);
	}
	if (ch->source_type)
		ADD("%ssource_type %s", used ? ", " : "",
		    ch->source_type == 1 ? "SAME_IP_OR_LOOPBACK" : "EXTERNAL");
	if (ch->src_count) {
		cidr_text(ch->src, ch->src_count, list, sizeof list);
		ADD("%ssource_prefix_ranges %s", used ? ", " : "", list);
	}
#undef ADD
}

static const struct rs_chain *dead_end(struct rs_ctx *c, const struct rs_listener *l)
{
	if (l->default_chain) {
		chain_note(c, l->default_chain, RESOLVE_CHOSEN, "default_filter_chain", NULL, NULL,
		           NULL);
		return l->default_chain;
	}
	rs_note(c, RESOLVE_STEP_FILTER_CHAIN, RESOLVE_INFO, l->name, -1, "no_chain", NULL, NULL, 0,
	        NULL, 0);
	return NULL;
}

const struct rs_chain *rs_chain_select(struct rs_ctx *c, const struct rs_listener *l,
                                       const struct rs_ip *dst, const struct rs_ip *src)
{
	uint32_t *cand = c->resolver->cand;
	size_t n = 0;
	int exact_port = 0, local;
	const char *const *alpn;
	size_t alpn_count = rs_detected_alpn(c, l, &alpn);
	const char *sni = c->req->sni && l->tls_inspector ? c->req->sni : NULL;
	char expected[16], actual[16];
	if (l->chain_matcher) {
		const char *name = rs_chain_matcher_eval(c, l, dst, src);
		const struct rs_chain *ch = name ? by_name(l, name) : NULL;
		if (ch) {
			chain_note(c, ch, RESOLVE_CHOSEN, "filter_chain_matcher", NULL, NULL, name);
			return ch;
		}
		rs_note(c, RESOLVE_STEP_FILTER_CHAIN, RESOLVE_INFO, l->name, -1,
		        name ? "matcher_unknown_chain" : "matcher_no_match", NULL, name,
		        name ? strlen(name) : 0, NULL, 0);
		return dead_end(c, l);
	}
	/* Destination port: chains naming the port exactly, else those with none. */
	for (size_t i = 0; i < l->chain_count; i++)
		if (l->chains[i].dest_port == c->req->port)
			exact_port = 1;
	if (c->note)
		snprintf(actual, sizeof actual, "%u", (unsigned)c->req->port);
	for (size_t i = 0; i < l->chain_count; i++) {
		const struct rs_chain *ch = &l->chains[i];
		if (ch->dest_port == (exact_port ? c->req->port : 0)) {
			cand[n++] = (uint32_t)i;
		} else if (c->note) {
			snprintf(expected, sizeof expected, "%u", (unsigned)ch->dest_port);
			chain_note(c, ch, RESOLVE_REJECTED,
			           ch->dest_port ? "destination_port" : "less_specific",
			           "destination_port", ch->dest_port ? expected : "(any)", actual);
		}
	}
	/* A level no chain uses keeps every candidate: it is skipped. */
	if (n && (l->levels & LEVEL_DEST))
		n = filter_prefix(c, l, cand, n, dst, 0, "prefix_ranges");
	if (n && (l->levels & LEVEL_SNI))
		n = filter_sni(c, l, cand, n, sni);
	if (n && (l->levels & LEVEL_TRANSPORT))
		n = filter_transport(c, l, cand, n, rs_detected_transport(c, l));
	if (n && (l->levels & LEVEL_ALPN))
		n = filter_alpn(c, l, cand, n, alpn, alpn_count);
	if (n && (l->levels & LEVEL_DIRECT_SRC))
		n = filter_prefix(c, l, cand, n, src, 1, "direct_source_prefix_ranges");
	local = rs_ip_loopback(src) || (src->valid && dst->valid && src->v6 == dst->v6 &&
	                                memcmp(src->addr, dst->addr, src->v6 ? 16 : 4) == 0);
	if (n && (l->levels & LEVEL_SOURCE_TYPE))
		n = filter_source_type(c, l, cand, n, local);
	if (n && (l->levels & LEVEL_SRC))
		n = filter_prefix(c, l, cand, n, src, 2, "source_prefix_ranges");
	if (n && (l->levels & LEVEL_SRC_PORT))
		n = filter_source_port(c, l, cand, n, c->req->source_port);
	if (!n)
		return dead_end(c, l);
	/* Several identical matches are a configuration error in Envoy; the
	 * first one is the honest guess. */
	if (c->note) {
		char what[768];
		match_text(&l->chains[cand[0]], what, sizeof what);
		chain_note(c, &l->chains[cand[0]], RESOLVE_CHOSEN, n > 1 ? "ambiguous" : "match",
		           NULL, what, NULL);
	}
	return &l->chains[cand[0]];
}
