/* filter_chain_matcher (xds.type.matcher.v3.Matcher): the listener's newer
 * way of picking a filter chain, evaluated on its JSON tree. Network inputs
 * read the connection as listener.c's filter_chain_match selection sees it;
 * matcher_list predicates, exact and prefix maps and the IPMatcher custom
 * match are walked in order, and the first action found names the chain.
 * Reads only; nesting deeper than 32 matches nothing. */
#include <stdio.h>
#include <string.h>

#include "resolve_int.h"

/* The connection being matched, and room for an input's text. */
struct fcm_input {
	const struct rs_ctx *c;
	const struct rs_listener *l;
	const struct rs_ip *dst, *src;
	char buf[512];
};

/* The value of a network matching input, or NULL when it has none. */
static const char *fcm_value(struct fcm_input *in, const struct node *input)
{
	const char *url = rs_type_url(input);
	const struct resolve_request *req = in->c->req;
	if (rs_ends_with(url, "DestinationIPInput")) {
		rs_ip_text(in->dst, in->buf, sizeof in->buf);
		return in->buf;
	}
	if (rs_ends_with(url, "DestinationPortInput")) {
		snprintf(in->buf, sizeof in->buf, "%u", (unsigned)req->port);
		return in->buf;
	}
	if (rs_ends_with(url, "SourceIPInput") || rs_ends_with(url, "DirectSourceIPInput")) {
		if (!in->src->valid)
			return NULL;
		rs_ip_text(in->src, in->buf, sizeof in->buf);
		return in->buf;
	}
	if (rs_ends_with(url, "SourcePortInput")) {
		snprintf(in->buf, sizeof in->buf, "%u", (unsigned)req->source_port);
		return in->buf;
	}
	if (rs_ends_with(url, "SourceTypeInput"))
		return rs_ip_loopback(in->src) || (in->src->valid && in->dst->valid &&
		                                   memcmp(in->src->addr, in->dst->addr, 16) == 0)
		           ? "local"
		           : NULL;
	if (rs_ends_with(url, "ServerNameInput"))
		return req->sni && in->l->tls_inspector ? req->sni : NULL;
	if (rs_ends_with(url, "TransportProtocolInput"))
		return rs_detected_transport(in->c, in->l);
	if (rs_ends_with(url, "ApplicationProtocolInput")) {
		const char *const *alpn;
		size_t n = rs_detected_alpn(in->c, in->l, &alpn), used = 0;
		if (!n)
			return NULL;
		for (size_t i = 0; i < n && used < sizeof in->buf; i++)
			used += (size_t)snprintf(in->buf + used, sizeof in->buf - used, "%s'%s'",
			                         i ? "," : "", alpn[i]);
		return in->buf;
	}
	return NULL;
}

static const char *fcm_eval(struct fcm_input *in, const struct node *m, int depth);

/* The chain name of an OnMatch: its nested matcher's, or its action's. */
static const char *on_match(struct fcm_input *in, const struct node *om, int depth)
{
	const struct node *nested = node_field(om, "matcher");
	if (nested)
		return fcm_eval(in, nested, depth + 1);
	return rs_text(node_field(node_field(om, "action"), "typed_config"), "value");
}

/* Whether predicate p holds for the connection. */
static int predicate(struct fcm_input *in, const struct node *p, int depth, struct rs_scratch *s)
{
	const struct node *v;
	if (depth > 32)
		return 0;
	if ((v = node_field(p, "single_predicate"))) {
		const char *value = fcm_value(in, node_field(v, "input"));
		const struct node *sm = node_field(v, "value_match");
		const char *exact = rs_text(sm, "exact"), *prefix = rs_text(sm, "prefix");
		if (!value)
			return 0;
		if (exact)
			return strcmp(value, exact) == 0;
		if (prefix)
			return strncmp(value, prefix, strlen(prefix)) == 0;
		(void)s;
		return 0;
	}
	if ((v = node_field(p, "or_matcher")) || (v = node_field(p, "and_matcher"))) {
		const struct node *list = node_field(v, "predicate");
		int is_or = node_field(p, "or_matcher") != NULL;
		for (size_t i = 0; list && list->type == NODE_SEQ && i < list->len; i++)
			if (predicate(in, list->items[i], depth + 1, s) == is_or)
				return is_or;
		return !is_or;
	}
	if ((v = node_field(p, "not_matcher")))
		return !predicate(in, v, depth + 1, s);
	return 0;
}

/* The chain name matcher m gives the connection, or NULL when it gives none. */
static const char *fcm_eval(struct fcm_input *in, const struct node *m, int depth)
{
	const struct node *list = node_field(node_field(m, "matcher_list"), "matchers");
	const struct node *tree = node_field(m, "matcher_tree");
	const struct node *no_match = node_field(m, "on_no_match");
	const char *r;
	if (depth > 32)
		return NULL;
	for (size_t i = 0; list && list->type == NODE_SEQ && i < list->len; i++)
		if (predicate(in, node_field(list->items[i], "predicate"), depth, NULL) &&
		    (r = on_match(in, node_field(list->items[i], "on_match"), depth)))
			return r;
	if (tree) {
		const char *value = fcm_value(in, node_field(tree, "input"));
		const struct node *exact = node_field(node_field(tree, "exact_match_map"), "map");
		const struct node *prefix = node_field(node_field(tree, "prefix_match_map"), "map");
		const struct node *custom =
		    node_field(node_field(tree, "custom_match"), "typed_config");
		if (value && exact && exact->type == NODE_MAP) {
			const struct node *om = node_get(exact, value);
			if (om && (r = on_match(in, om, depth)))
				return r;
		}
		if (value && prefix && prefix->type == NODE_MAP) {
			size_t best = 0;
			const struct node *om = NULL;
			for (size_t i = 0; i < prefix->len; i++) {
				const char *k = prefix->pairs[i].key->str;
				size_t len = strlen(k);
				if (strncmp(value, k, len) == 0 && (len > best || !om)) {
					best = len;
					om = prefix->pairs[i].value;
				}
			}
			if (om && (r = on_match(in, om, depth)))
				return r;
		}
		if (custom && rs_ends_with(rs_text(custom, "@type") ? rs_text(custom, "@type") : "",
		                           "IPMatcher")) {
			const struct node *rms = node_field(custom, "range_matchers");
			struct rs_ip ip;
			int best = -1;
			const struct node *om = NULL;
			if (value && rs_ip_parse(value, &ip) == 0)
				for (size_t i = 0; rms && rms->type == NODE_SEQ && i < rms->len;
				     i++) {
					const struct node *ranges =
					    node_field(rms->items[i], "ranges");
					for (size_t j = 0;
					     ranges && ranges->type == NODE_SEQ && j < ranges->len;
					     j++) {
						struct rs_cidr cidr;
						struct rs_ip p;
						long long len = -1;
						const struct node *pl =
						    node_field(ranges->items[j], "prefix_len");
						if (pl && pl->type == NODE_MAP)
							pl = node_get(pl, "value");
						if (rs_ip_parse(
						        rs_text(ranges->items[j], "address_prefix"),
						        &p) < 0)
							continue;
						if (!pl || node_int(pl, &len) < 0)
							len = p.v6 ? 128 : 32;
						memcpy(cidr.addr, p.addr, 16);
						cidr.v6 = p.v6;
						cidr.len = (unsigned)len;
						if (rs_cidr_match(&cidr, &ip) > best) {
							best = (int)len;
							om = node_field(rms->items[i], "on_match");
						}
					}
				}
			if (om && (r = on_match(in, om, depth)))
				return r;
		}
	}
	if (no_match)
		return on_match(in, no_match, depth);
	return NULL;
}

const char *rs_chain_matcher_eval(const struct rs_ctx *c, const struct rs_listener *l,
                                  const struct rs_ip *dst, const struct rs_ip *src)
{
	struct fcm_input in = {c, l, dst, src, {0}};
	return fcm_eval(&in, l->chain_matcher, 0);
}
