/* Virtual host selection, as Envoy's RouteMatcher::findVirtualHost: the key
 * is vhost_header or :authority (port removed with
 * ignore_port_in_host_matching), lowercased; exact domains first, then
 * suffix wildcards longest first (strictly shorter than the host), then
 * prefix wildcards longest first, then "*" (reference/envoy.md section 3,
 * rule 3). The lookup is hash probes only; explaining which domains were
 * rejected is a separate walk done only when someone listens. */
#include <string.h>

#include "resolve_int.h"

/* Where the port of a Host value starts (Http::HeaderUtility::getPortStart),
 * or len when there is none. */
static size_t port_start(const char *h, size_t len)
{
	size_t colon = len, bracket = len;
	for (size_t i = len; i-- > 0;) {
		if (colon == len && h[i] == ':')
			colon = i;
		if (bracket == len && h[i] == ']')
			bracket = i;
	}
	if (colon == len)
		return len;
	if (bracket == len || bracket < colon)
		return colon;
	return len;
}

enum { DM_NONE, DM_EXACT, DM_SUFFIX, DM_PREFIX, DM_DEFAULT };

/* How domain d matches host (case-insensitively), DM_NONE when it does not. */
static int domain_match(const char *d, const char *host, size_t hlen)
{
	size_t dlen = strlen(d);
	if (dlen == 1 && d[0] == '*')
		return DM_DEFAULT;
	if (dlen && d[0] == '*') {
		size_t k = dlen - 1;
		/* Envoy: "*.foo.com" never matches ".foo.com" (length must be shorter). */
		if (k < hlen && rs_ieq(host + hlen - k, k, d + 1, k))
			return DM_SUFFIX;
		return DM_NONE;
	}
	if (dlen && d[dlen - 1] == '*') {
		size_t k = dlen - 1;
		if (k < hlen && rs_ieq(host, k, d, k))
			return DM_PREFIX;
		return DM_NONE;
	}
	return rs_ieq(d, dlen, host, hlen) ? DM_EXACT : DM_NONE;
}

static const char *const kind_why[] = {
    [DM_NONE] = "domain",
    [DM_EXACT] = "exact",
    [DM_SUFFIX] = "suffix_wildcard",
    [DM_PREFIX] = "prefix_wildcard",
    [DM_DEFAULT] = "default",
};

/* Notes every domain of every virtual host, once the choice is known. */
static void explain(struct rs_ctx *c, const struct rs_route_config *rc, const struct rs_vhost *won,
                    const char *host, size_t hlen)
{
	if (rc->vhost_count > 64) {
		rs_note(c, RESOLVE_STEP_VIRTUAL_HOST, RESOLVE_INFO, rc->name, -1, "many_vhosts",
		        NULL, NULL, 0, host, hlen);
		return;
	}
	for (size_t v = 0; v < rc->vhost_count; v++) {
		const struct rs_vhost *vh = rc->vhosts[v];
		int best = DM_NONE;
		const char *best_domain = NULL;
		for (size_t i = 0; i < vh->domains->len; i++) {
			const char *d = node_text(vh->domains->items[i]);
			int m = domain_match(d, host, hlen);
			/* Rank: exact > suffix > prefix > default. */
			if (m != DM_NONE && (best == DM_NONE || m < best)) {
				best = m;
				best_domain = d;
			}
			if (vh != won)
				rs_note(c, RESOLVE_STEP_VIRTUAL_HOST, RESOLVE_REJECTED, vh->name,
				        (int)v, m == DM_NONE ? "domain" : "less_specific", NULL, d,
				        strlen(d), host, hlen);
		}
		if (vh == won)
			rs_note(c, RESOLVE_STEP_VIRTUAL_HOST, RESOLVE_CHOSEN, vh->name, (int)v,
			        kind_why[best], NULL, best_domain,
			        best_domain ? strlen(best_domain) : 0, host, hlen);
	}
}

static const struct rs_vhost *find_wild(const struct rs_wild *groups, size_t count,
                                        const char *host, size_t hlen, int suffix)
{
	for (size_t g = 0; g < count; g++) {
		size_t k = groups[g].len;
		const struct rs_vhost *vh;
		if (k >= hlen)
			continue;
		vh = rs_strtab_get_lower(&groups[g].tab, suffix ? host + hlen - k : host, k);
		if (vh)
			return vh;
	}
	return NULL;
}

const struct rs_vhost *rs_vhost_find(struct rs_ctx *c, const struct rs_route_config *rc,
                                     const char *authority, size_t len)
{
	const struct rs_vhost *vh;
	const char *host = authority;
	size_t hlen = len;
	if (!rc->exact.count && !rc->suffix_count && !rc->prefix_count) {
		/* Fast path: only a default virtual host (or none). */
		if (c->note && rc->default_vhost)
			rs_note(c, RESOLVE_STEP_VIRTUAL_HOST, RESOLVE_CHOSEN,
			        rc->default_vhost->name, rc->default_vhost->index, "default", NULL,
			        "*", 1, authority, authority ? len : 0);
		return rc->default_vhost;
	}
	if (rc->vhost_header) {
		if (!rs_hview_get(&c->h, c->scratch, rc->vhost_header, &host, &hlen)) {
			rs_note(c, RESOLVE_STEP_VIRTUAL_HOST, RESOLVE_INFO, "", -1,
			        "vhost_header_missing", rc->vhost_header, NULL, 0, NULL, 0);
			return NULL;
		}
	} else if (!authority) {
		rs_note(c, RESOLVE_STEP_VIRTUAL_HOST, RESOLVE_INFO, "", -1, "authority_missing",
		        ":authority", NULL, 0, NULL, 0);
		return NULL;
	}
	if (rc->ignore_port) {
		size_t p = port_start(host, hlen);
		if (p < hlen && c->note)
			rs_note(c, RESOLVE_STEP_VIRTUAL_HOST, RESOLVE_INFO, "", -1, "port_ignored",
			        NULL, NULL, 0, host + p, hlen - p);
		hlen = p;
	}
	vh = rs_strtab_get_lower(&rc->exact, host, hlen);
	if (!vh)
		vh = find_wild(rc->suffixes, rc->suffix_count, host, hlen, 1);
	if (!vh)
		vh = find_wild(rc->prefixes, rc->prefix_count, host, hlen, 0);
	if (!vh)
		vh = rc->default_vhost;
	if (c->note)
		explain(c, rc, vh, host, hlen);
	return vh;
}

size_t rs_port_start(const char *h, size_t len)
{
	return port_start(h, len);
}
