/* The rows of the big proxy-config tables (see include/meshlua/xds_views.h):
 * clusters and EDS endpoints, filtered and ordered exactly as istioctl's
 * writers do (istioctl/pkg/writer/envoy/configdump/{cluster,endpoint}.go). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gosort.h"
#include "meshlua/xds_views.h"

void xds_view_free(struct xds_view *v)
{
	arena_free(&v->arena);
	memset(v, 0, sizeof *v);
}

/* strconv.Atoi: optional sign, decimal digits only; 0 on failure. */
static long go_atoi(const char *s, size_t n)
{
	long v = 0;
	size_t i = 0;
	int neg = 0;
	if (n && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		return 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > 100000000000L)
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return neg ? -v : v;
}

int xds_parse_subset_key(const char *name, char *buf, size_t cap, const char **direction,
                         long *port, const char **subset, const char **fqdn)
{
	int bars = 0;
	char *p, *parts[4];
	for (const char *c = name; *c; c++)
		bars += *c == '|';
	if (bars < 3 || strlen(name) + 1 > cap)
		return -1;
	memcpy(buf, name, strlen(name) + 1);
	p = buf;
	for (int i = 0; i < 3; i++) {
		char *bar = strchr(p, '|');
		*bar = '\0';
		parts[i] = p;
		p = bar + 1;
	}
	parts[3] = p;
	*direction = parts[0];
	*port = go_atoi(parts[1], strlen(parts[1]));
	*subset = parts[2];
	/* "last part. No | remains": with more, the host is left empty */
	*fqdn = strchr(parts[3], '|') ? "" : parts[3];
	return 0;
}

const char *xds_describe_management(const struct node *metadata, const char *prefix, char *buf,
                                    size_t cap)
{
	const struct node *istio = node_get(node_field(metadata, "filter_metadata"), "istio");
	const char *config = node_text(node_get(istio, "config"));
	const char *pieces[9];
	size_t count = 0;
	char copy[1024];
	buf[0] = '\0';
	if (!config)
		return buf;
	if (!prefix)
		prefix = "/apis/networking.istio.io/";
	if (strncmp(config, prefix, strlen(prefix)) != 0) {
		snprintf(buf, cap, "<unknown>");
		return buf;
	}
	snprintf(copy, sizeof copy, "%s", config);
	for (char *p = copy, *slash;; p = slash + 1) {
		if (count < 9)
			pieces[count] = p;
		count++;
		if (!(slash = strchr(p, '/')))
			break;
		*slash = '\0';
	}
	if (count == 8)
		snprintf(buf, cap, "%s.%s", pieces[7], pieces[5]);
	return buf;
}

static const char *text_or_empty(const char *s)
{
	return s ? s : "";
}

static int contains(const char *hay, const char *needle)
{
	return !needle || !*needle || strstr(hay, needle) != NULL;
}

static int cluster_matches(const char *name, const struct xds_cluster_filter *f)
{
	char bars[32];
	if (!f)
		return 1;
	if (!contains(name, f->fqdn) || !contains(name, f->direction) || !contains(name, f->subset))
		return 0;
	if (f->port) {
		snprintf(bars, sizeof bars, "|%ld|", f->port);
		if (!strstr(name, bars))
			return 0;
	}
	return 1;
}

static const char *arena_copy(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

static int fill_cluster_row(struct xds_view *v, struct xds_cluster_row *row,
                            const struct xds_resource *r, const char *prefix)
{
	char buf[1024], dr[512];
	const char *dir = "", *subset = "", *fqdn = r->name;
	long port = 0;
	const char *type = NULL;
	const struct node *metadata = NULL;
	int custom = 0;
	/* One pass over the cluster's fields (clusters have a dozen or more and
	 * there may be tens of thousands): the first letter picks the candidates. */
	for (size_t i = 0; r->json->type == NODE_MAP && i < r->json->len; i++) {
		const char *key = r->json->pairs[i].key->str;
		const struct node *value = r->json->pairs[i].value;
		if (key[0] == 't' && node_field_name_is(key, "type"))
			type = node_text(value);
		else if (key[0] == 'c' && node_field_name_is(key, "cluster_type"))
			custom = 1;
		else if (key[0] == 'm' && node_field_name_is(key, "metadata"))
			metadata = value;
	}
	memset(row, 0, sizeof *row);
	row->res = r;
	row->name = r->name;
	row->parsed =
	    xds_parse_subset_key(r->name, buf, sizeof buf, &dir, &port, &subset, &fqdn) == 0;
	if (row->parsed) {
		row->direction = arena_copy(&v->arena, dir);
		row->subset = arena_copy(&v->arena, subset);
		row->fqdn = arena_copy(&v->arena, fqdn);
		row->port = port;
	} else {
		row->direction = row->subset = "";
		row->fqdn = r->name;
	}
	/* GetType(): a custom cluster_type leaves the enum at its default. */
	row->type = type && !custom ? type : "STATIC";
	row->dest_rule =
	    arena_copy(&v->arena, xds_describe_management(metadata, prefix, dr, sizeof dr));
	if (!row->direction || !row->subset || !row->fqdn || !row->dest_rule)
		return -1;
	return 0;
}

static int cluster_less(void *ctx, size_t i, size_t j)
{
	const struct xds_cluster_row *rows = ctx, *a = &rows[i], *b = &rows[j];
	int c = strcmp(a->fqdn, b->fqdn);
	if (c)
		return c < 0;
	c = strcmp(a->subset, b->subset);
	if (c)
		return c < 0;
	if (a->port != b->port)
		return a->port < b->port;
	return strcmp(a->direction, b->direction) < 0;
}

static void cluster_swap(void *ctx, size_t i, size_t j)
{
	struct xds_cluster_row *rows = ctx, t = rows[i];
	rows[i] = rows[j];
	rows[j] = t;
}

int xds_view_clusters(struct xds_view *v, const struct xds_snapshot *s,
                      const struct xds_cluster_filter *f)
{
	const struct xds_resource *items = s->items[XDS_CLUSTER];
	struct xds_cluster_row *rows;
	size_t n = 0;
	memset(v, 0, sizeof *v);
	arena_init(&v->arena, 0);
	rows = arena_alloc(&v->arena, (s->count[XDS_CLUSTER] + 1) * sizeof *rows);
	if (!rows)
		return -1;
	/* istioctl lists dynamic active clusters first, then static ones. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < s->count[XDS_CLUSTER]; i++) {
			const struct xds_resource *r = &items[i];
			enum xds_state want = pass == 0 ? XDS_DYNAMIC_ACTIVE : XDS_STATIC;
			if (r->state != want || !cluster_matches(r->name, f))
				continue;
			if (fill_cluster_row(v, &rows[n], r, f ? f->management_prefix : NULL) != 0)
				return -1;
			n++;
		}
	{
		struct go_sorter sorter = {cluster_less, cluster_swap, rows};
		go_sort_slice_as(&sorter, n, f ? (enum go_sort_algo)f->go_sort : GO_SORT_PDQ);
	}
	v->rows = rows;
	v->count = n;
	return 0;
}

/* ---- EDS ---- */

static const char *address_text(struct arena *a, const struct node *addr)
{
	const struct node *sock = node_field(addr, "socket_address");
	const struct node *pipe = node_field(addr, "pipe");
	const struct node *internal = node_field(addr, "envoy_internal_address");
	char buf[1024];
	if (sock) {
		const char *port = node_text(node_field(sock, "port_value"));
		snprintf(buf, sizeof buf, "%s:%s",
		         text_or_empty(node_text(node_field(sock, "address"))), port ? port : "0");
	} else if (pipe) {
		snprintf(buf, sizeof buf, "%s", text_or_empty(node_text(node_field(pipe, "path"))));
	} else if (internal && node_field(internal, "server_listener_name")) {
		snprintf(buf, sizeof buf, "envoy://%s/%s",
		         node_text(node_field(internal, "server_listener_name")),
		         text_or_empty(node_text(node_field(internal, "endpoint_id"))));
	} else {
		snprintf(buf, sizeof buf, "unknown");
	}
	return arena_strdup(a, buf);
}

/* retrieveEndpointAddresses: the endpoint's address and its additional
 * addresses, as a NULL-terminated array in the arena. */
static const char **endpoint_addresses(struct arena *a, const struct node *lbe)
{
	const struct node *ep = node_field(lbe, "endpoint");
	const struct node *more = node_field(ep, "additional_addresses");
	size_t n = 1 + (more && more->type == NODE_SEQ ? more->len : 0), k = 0;
	const char **out = arena_alloc(a, (n + 1) * sizeof *out);
	if (!out)
		return NULL;
	out[k++] = address_text(a, node_field(ep, "address"));
	for (size_t i = 0; more && more->type == NODE_SEQ && i < more->len; i++)
		out[k++] = address_text(a, node_field(more->items[i], "address"));
	out[k] = NULL;
	for (size_t i = 0; i < k; i++)
		if (!out[i])
			return NULL;
	return out;
}

static int eq_fold(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* Copies map m with field `field` replaced by value (dropped when NULL). */
static struct node *with_field(struct arena *a, const struct node *m, const char *field,
                               struct node *value)
{
	struct node *c = arena_alloc(a, sizeof *c);
	size_t k = 0;
	if (!c)
		return NULL;
	*c = *m;
	c->pairs = arena_alloc(a, (m->len + 1) * sizeof *c->pairs);
	if (!c->pairs)
		return NULL;
	for (size_t i = 0; i < m->len; i++) {
		if (node_field_name_is(m->pairs[i].key->str, field)) {
			if (!value)
				continue;
			c->pairs[k] = m->pairs[i];
			c->pairs[k].value = value;
		} else {
			c->pairs[k] = m->pairs[i];
		}
		k++;
	}
	c->len = k;
	return c;
}

static struct node *new_seq(struct arena *a, size_t cap)
{
	struct node *s = arena_calloc(a, 1, sizeof *s);
	if (!s || !(s->items = arena_alloc(a, (cap + 1) * sizeof *s->items)))
		return NULL;
	s->type = NODE_SEQ;
	s->tag = NODE_TAG_NONE;
	return s;
}

static int lbe_matches(struct arena *a, const struct node *lbe, const char *cluster,
                       const struct xds_eds_filter *f)
{
	const char **addrs;
	if (!f || (!f->address && !f->port && !f->cluster && !f->status))
		return 1;
	if (f->address && *f->address) {
		int found = 0;
		if (!(addrs = endpoint_addresses(a, lbe)))
			return 0;
		for (size_t i = 0; addrs[i]; i++)
			found |= eq_fold(addrs[i], f->address);
		if (!found)
			return 0;
	}
	if (f->port) {
		long long port = 0;
		const struct node *sock = node_field(
		    node_field(node_field(lbe, "endpoint"), "address"), "socket_address");
		node_int(node_field(sock, "port_value"), &port);
		if (port != f->port)
			return 0;
	}
	if (f->cluster && *f->cluster && !eq_fold(cluster, f->cluster))
		return 0;
	if (f->status && *f->status) {
		const char *st = node_text(node_field(lbe, "health_status"));
		if (!eq_fold(st ? st : "UNKNOWN", f->status))
			return 0;
	}
	return 1;
}

/* The assignment r filtered to its matching endpoints, or NULL when none
 * match (*oom set when memory ran out). */
static const struct node *filter_cla(struct xds_view *v, const struct xds_resource *r,
                                     const struct xds_eds_filter *f, int *oom)
{
	const struct node *groups = node_field(r->json, "endpoints");
	struct node *new_groups;
	size_t kept = 0;
	if (!groups || groups->type != NODE_SEQ)
		return NULL;
	if (!(new_groups = new_seq(&v->arena, groups->len)))
		goto oom;
	for (size_t g = 0; g < groups->len; g++) {
		const struct node *group = groups->items[g];
		const struct node *lbes = node_field(group, "lb_endpoints");
		struct node *keep = NULL, *copy;
		if (group->type != NODE_MAP)
			continue; /* not a LocalityLbEndpoints: nothing to show */
		if (lbes && lbes->type == NODE_SEQ) {
			if (!(keep = new_seq(&v->arena, lbes->len)))
				goto oom;
			for (size_t i = 0; i < lbes->len; i++)
				if (lbes->items[i]->type == NODE_MAP &&
				    lbe_matches(&v->arena, lbes->items[i], r->name, f))
					keep->items[keep->len++] = lbes->items[i];
			kept += keep->len;
			if (keep->len == 0)
				keep = NULL;
		}
		if (!(copy = with_field(&v->arena, group, "lb_endpoints", keep)))
			goto oom;
		new_groups->items[new_groups->len++] = copy;
	}
	if (kept == 0)
		return NULL;
	return with_field(&v->arena, r->json, "endpoints", new_groups);
oom:
	*oom = 1;
	return NULL;
}

struct cla_sort {
	const struct node **clas;
	const struct xds_resource **res;
	char (*keys)[4][256];
	long *ports;
};

/* safelyParseSubsetKey: (direction, subset, host, port) or ("", "", name, 0). */
static void subset_key(const char *name, char key[4][256], long *port)
{
	char buf[1024];
	const char *dir, *subset, *fqdn;
	if (xds_parse_subset_key(name, buf, sizeof buf, &dir, port, &subset, &fqdn) == 0) {
		snprintf(key[0], 256, "%s", fqdn);
		snprintf(key[1], 256, "%s", subset);
		snprintf(key[2], 256, "%s", dir);
	} else {
		snprintf(key[0], 256, "%s", name);
		key[1][0] = key[2][0] = '\0';
		*port = 0;
	}
}

static int cla_less(void *ctx, size_t i, size_t j)
{
	struct cla_sort *c = ctx;
	int r = strcmp(c->keys[i][0], c->keys[j][0]);
	if (r)
		return r < 0;
	r = strcmp(c->keys[i][1], c->keys[j][1]);
	if (r)
		return r < 0;
	if (c->ports[i] != c->ports[j])
		return c->ports[i] < c->ports[j];
	return strcmp(c->keys[i][2], c->keys[j][2]) < 0;
}

static void cla_swap(void *ctx, size_t i, size_t j)
{
	struct cla_sort *c = ctx;
	const struct node *t = c->clas[i];
	const struct xds_resource *tr = c->res[i];
	char tk[4][256];
	long tp = c->ports[i];
	c->clas[i] = c->clas[j];
	c->clas[j] = t;
	c->res[i] = c->res[j];
	c->res[j] = tr;
	memcpy(tk, c->keys[i], sizeof tk);
	memcpy(c->keys[i], c->keys[j], sizeof tk);
	memcpy(c->keys[j], tk, sizeof tk);
	c->ports[i] = c->ports[j];
	c->ports[j] = tp;
}

static const char *locality_text(struct arena *a, const struct node *loc)
{
	const char *region = node_text(node_field(loc, "region"));
	const char *zone = node_text(node_field(loc, "zone"));
	const char *sub = node_text(node_field(loc, "sub_zone"));
	char buf[1024];
	if (!zone || !*zone)
		return region ? region : "";
	if (!sub || !*sub)
		snprintf(buf, sizeof buf, "%s/%s", region ? region : "", zone);
	else
		snprintf(buf, sizeof buf, "%s/%s/%s", region ? region : "", zone, sub);
	return arena_strdup(a, buf);
}

int xds_view_eds(struct xds_view *v, const struct xds_snapshot *s, const struct xds_eds_filter *f)
{
	size_t total = s->count[XDS_ENDPOINT], n = 0, rows = 0;
	struct cla_sort cs = {0};
	struct xds_eds_row *out;
	int oom = 0, rc = -1;
	memset(v, 0, sizeof *v);
	arena_init(&v->arena, 0);
	cs.clas = arena_alloc(&v->arena, (total + 1) * sizeof *cs.clas);
	cs.res = arena_alloc(&v->arena, (total + 1) * sizeof *cs.res);
	cs.keys = malloc((total + 1) * sizeof *cs.keys);
	cs.ports = malloc((total + 1) * sizeof *cs.ports);
	if (!cs.clas || !cs.res || !cs.keys || !cs.ports)
		goto done;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < total; i++) {
			const struct xds_resource *r = &s->items[XDS_ENDPOINT][i];
			const struct node *cla;
			if (r->state != (pass == 0 ? XDS_DYNAMIC_ACTIVE : XDS_STATIC))
				continue;
			cla = filter_cla(v, r, f, &oom);
			if (oom)
				goto done;
			if (!cla)
				continue;
			cs.clas[n] = cla;
			cs.res[n] = r;
			subset_key(r->name, cs.keys[n], &cs.ports[n]);
			n++;
		}
	{
		struct go_sorter sorter = {cla_less, cla_swap, &cs};
		go_sort_slice_as(&sorter, n, f ? (enum go_sort_algo)f->go_sort : GO_SORT_PDQ);
	}
	for (size_t i = 0; i < n; i++) {
		const struct node *groups = node_field(cs.clas[i], "endpoints");
		for (size_t g = 0; g < groups->len; g++) {
			const struct node *lbes = node_field(groups->items[g], "lb_endpoints");
			rows += lbes ? lbes->len : 0;
		}
	}
	if (!(out = arena_alloc(&v->arena, (rows + 1) * sizeof *out)))
		goto done;
	rows = 0;
	for (size_t i = 0; i < n; i++) {
		const struct node *groups = node_field(cs.clas[i], "endpoints");
		for (size_t g = 0; g < groups->len; g++) {
			const struct node *group = groups->items[g];
			const struct node *lbes = node_field(group, "lb_endpoints");
			const char *loc = locality_text(&v->arena, node_field(group, "locality"));
			for (size_t k = 0; lbes && k < lbes->len; k++) {
				struct xds_eds_row *row = &out[rows++];
				const char **addrs = endpoint_addresses(&v->arena, lbes->items[k]);
				const char *st =
				    node_text(node_field(lbes->items[k], "health_status"));
				struct strbuf joined = STRBUF_INIT;
				long long port = 0;
				if (!addrs || !loc)
					goto done;
				for (size_t a = 0; addrs[a]; a++)
					if ((a && strbuf_putc(&joined, ',') != 0) ||
					    strbuf_puts(&joined, addrs[a]) != 0) {
						strbuf_free(&joined);
						goto done;
					}
				row->res = cs.res[i];
				row->lb_endpoint = lbes->items[k];
				row->address = arena_strdup(&v->arena, strbuf_cstr(&joined));
				strbuf_free(&joined);
				node_int(node_field(node_field(node_field(node_field(lbes->items[k],
				                                                     "endpoint"),
				                                          "address"),
				                               "socket_address"),
				                    "port_value"),
				         &port);
				row->port = (long)port;
				row->status = st ? st : "UNKNOWN";
				row->locality = loc;
				row->cluster = cs.res[i]->name;
				if (!row->address)
					goto done;
			}
		}
	}
	v->rows = out;
	v->count = rows;
	v->clas = cs.clas;
	v->cla_count = n;
	rc = 0;
done:
	free(cs.keys);
	free(cs.ports);
	if (rc != 0)
		xds_view_free(v);
	return rc;
}
