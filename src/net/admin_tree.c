/* Reading the Envoy config trees of a snapshot for the admin pages: which
 * resources are live, socket addresses, the HTTP connection managers of a
 * listener, the hosts of a cluster (xds_cluster_load_assignment). Field
 * names in either form (node_field). */
#include <stdio.h>
#include <string.h>

#include "admin_int.h"
#include "meshlua/xds_dump.h"

int admin_resource_live(const struct xds_resource *r)
{
	return r->state == XDS_STATIC || r->state == XDS_DYNAMIC_ACTIVE;
}

int admin_socket_address(const struct node *addr, char *buf, size_t cap, const char **ip,
                         long long *port)
{
	const struct node *sa = node_field(addr, "socket_address");
	const char *a = node_text(node_field(sa, "address"));
	long long p = 0;
	if (!a)
		return -1;
	node_int(node_field(sa, "port_value"), &p);
	if (buf)
		snprintf(buf, cap, strchr(a, ':') ? "[%s]:%lld" : "%s:%lld", a, p);
	if (ip)
		*ip = a;
	if (port)
		*port = p;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The stat_prefix of filter when it is an HTTP connection manager. */
static const char *hcm_prefix(const struct node *filter)
{
	const struct node *tc = node_field(filter, "typed_config");
	const char *type = node_text(node_get(tc, "@type"));
	if (!type || !ends_with(type, ".HttpConnectionManager"))
		return NULL;
	return node_text(node_field(tc, "stat_prefix"));
}

static void chain_prefixes(const struct node *chain, void (*fn)(void *, const char *), void *arg)
{
	const struct node *filters = node_field(chain, "filters");
	for (size_t i = 0; filters && filters->type == NODE_SEQ && i < filters->len; i++) {
		const char *prefix = hcm_prefix(filters->items[i]);
		if (prefix)
			fn(arg, prefix);
	}
}

void admin_listener_stat_prefixes(const struct node *listener,
                                  void (*fn)(void *arg, const char *prefix), void *arg)
{
	const struct node *chains = node_field(listener, "filter_chains");
	for (size_t i = 0; chains && chains->type == NODE_SEQ && i < chains->len; i++)
		chain_prefixes(chains->items[i], fn, arg);
	chain_prefixes(node_field(listener, "default_filter_chain"), fn, arg);
}

/* The admin pages read a cluster's hosts as the config dump's endpoints do. */
const struct node *admin_cluster_assignment(struct xds_snapshot *snap, const struct node *c)
{
	return xds_cluster_load_assignment(snap, c);
}
