/* Ingest: an Envoy admin config dump tree (GET /config_dump, the file
 * `istioctl proxy-config all -o json` writes, its YAML form, or the tree the
 * synthesizer builds) into a snapshot's resource lists. One path in for
 * loaded and synthesized proxies. Field names are read in snake_case or
 * lowerCamel (node_field); the resources are the Any messages themselves,
 * kept as they are. Unknown config types and fields are kept in the tree and
 * never an error; a structure that cannot be a dump (configs not a list, an
 * entry not a map, a listener without an address) is, with its place. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "meshlua/xds.h"

/* The resources found so far (malloc'd arrays), committed to the snapshot
 * only when the whole tree was read: a failed ingest changes nothing. */
struct collect {
	struct xds_snapshot *snap;
	const char *source; /* the input's name in errors */
	struct mesh_error *err;
	struct xds_resource *items[XDS_TYPE_COUNT];
	size_t count[XDS_TYPE_COUNT], cap[XDS_TYPE_COUNT];
	const struct node *bootstrap;
	const struct node *clusters_status;
	int failed;
};

static int fail_at(struct collect *c, const struct node *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(struct collect *c, const struct node *where, const char *fmt, ...)
{
	va_list ap;
	if (c->failed)
		return -1;
	c->failed = 1;
	va_start(ap, fmt);
	mesh_error_vset(c->err, c->source, where ? where->line : 0, where ? where->column : 0, fmt,
	                ap);
	va_end(ap);
	return -1;
}

static const char *text_or(const struct node *n, const char *fallback)
{
	const char *t = node_text(n);
	return t ? t : fallback;
}

static int add(struct collect *c, enum xds_type type, enum xds_state state, const char *name,
               const struct node *json, const struct node *entry, const struct node *stamp)
{
	struct xds_resource *r;
	if (c->count[type] == c->cap[type]) {
		size_t cap = c->cap[type] ? c->cap[type] * 2 : 16;
		struct xds_resource *items = realloc(c->items[type], cap * sizeof *items);
		if (!items)
			return fail_at(c, NULL, "out of memory reading the dump");
		c->items[type] = items;
		c->cap[type] = cap;
	}
	r = &c->items[type][c->count[type]++];
	r->type = type;
	r->state = state;
	r->name = name ? name : "";
	r->version_info = node_text(node_field(stamp, "version_info"));
	r->last_updated = node_text(node_field(stamp, "last_updated"));
	r->json = json;
	r->entry = entry;
	return 0;
}

/* The list in field snake of config, or NULL when absent; an error when it
 * is there and not a list. */
static const struct node *list_field(struct collect *c, const struct node *config,
                                     const char *snake, int *bad)
{
	const struct node *list = node_field(config, snake);
	*bad = 0;
	if (!list || (list->type == NODE_SCALAR && list->tag == NODE_TAG_NULL))
		return NULL;
	if (list->type != NODE_SEQ) {
		*bad = 1;
		fail_at(c, list, "%s must be a list, got %s", snake, node_type_name(list));
		return NULL;
	}
	return list;
}

/* The map at list[i], or an error naming field[i]. */
static const struct node *entry_at(struct collect *c, const struct node *list, size_t i,
                                   const char *field)
{
	const struct node *e = list->items[i];
	if (e->type != NODE_MAP) {
		fail_at(c, e, "%s[%zu] must be a map, got %s", field, i, node_type_name(e));
		return NULL;
	}
	return e;
}

/* The resource message in field of entry: a map, or NULL when absent; an
 * error when it is something else. */
static const struct node *resource_in(struct collect *c, const struct node *entry,
                                      const char *field, const char *list_name, size_t i, int *bad)
{
	const struct node *r = node_field(entry, field);
	*bad = 0;
	if (!r || (r->type == NODE_SCALAR && r->tag == NODE_TAG_NULL))
		return NULL;
	if (r->type != NODE_MAP) {
		*bad = 1;
		fail_at(c, r, "%s[%zu].%s must be a map, got %s", list_name, i, field,
		        node_type_name(r));
		return NULL;
	}
	return r;
}

/* Envoy refuses a listener with no address unless it is internal (or an
 * API listener); so do we: views and resolution need one. */
static int check_listener(struct collect *c, const struct node *l, const char *name)
{
	const struct node *addr = node_field(l, "address");
	if (addr && addr->type == NODE_MAP)
		return 0;
	if (addr)
		return fail_at(c, addr, "listener \"%s\": address must be a map, got %s", name,
		               node_type_name(addr));
	if (node_field(l, "internal_listener") || node_field(l, "api_listener"))
		return 0;
	return fail_at(
	    c, l, "listener \"%s\" has no address (only internal listeners may lack one)", name);
}

/* A "simple" family: list entries each holding one resource in field. */
struct family {
	const char *list;     /* static_clusters */
	const char *field;    /* cluster */
	const char *name_key; /* the resource's name field */
	enum xds_type type;
	enum xds_state state;
};

static int ingest_family(struct collect *c, const struct node *config, const struct family *f)
{
	int bad;
	const struct node *list = list_field(c, config, f->list, &bad);
	if (!list)
		return bad ? -1 : 0;
	for (size_t i = 0; i < list->len; i++) {
		const struct node *entry = entry_at(c, list, i, f->list), *res;
		const char *name;
		if (!entry)
			return -1;
		res = resource_in(c, entry, f->field, f->list, i, &bad);
		if (bad)
			return -1;
		if (!res)
			continue; /* e.g. an entry that only reports an error_state */
		name = text_or(node_field(res, f->name_key), NULL);
		if (!name) /* secrets and ECDS entries name themselves too */
			name = text_or(node_field(entry, "name"), "");
		if (f->type == XDS_LISTENER && check_listener(c, res, name) != 0)
			return -1;
		if (add(c, f->type, f->state, name, res, entry, entry) != 0)
			return -1;
	}
	return 0;
}

static int ingest_families(struct collect *c, const struct node *config,
                           const struct family *families)
{
	for (; families->list; families++)
		if (ingest_family(c, config, families) != 0)
			return -1;
	return 0;
}

static const struct family clusters[] = {
    {"static_clusters", "cluster", "name", XDS_CLUSTER, XDS_STATIC},
    {"dynamic_active_clusters", "cluster", "name", XDS_CLUSTER, XDS_DYNAMIC_ACTIVE},
    {"dynamic_warming_clusters", "cluster", "name", XDS_CLUSTER, XDS_DYNAMIC_WARMING},
    {NULL, NULL, NULL, 0, 0},
};

static const struct family routes[] = {
    {"static_route_configs", "route_config", "name", XDS_ROUTE_CONFIG, XDS_STATIC},
    {"dynamic_route_configs", "route_config", "name", XDS_ROUTE_CONFIG, XDS_DYNAMIC_ACTIVE},
    {NULL, NULL, NULL, 0, 0},
};

static const struct family secrets[] = {
    {"static_secrets", "secret", "name", XDS_SECRET, XDS_STATIC},
    {"dynamic_active_secrets", "secret", "name", XDS_SECRET, XDS_DYNAMIC_ACTIVE},
    {"dynamic_warming_secrets", "secret", "name", XDS_SECRET, XDS_DYNAMIC_WARMING},
    {NULL, NULL, NULL, 0, 0},
};

static const struct family endpoints[] = {
    {"static_endpoint_configs", "endpoint_config", "cluster_name", XDS_ENDPOINT, XDS_STATIC},
    {"dynamic_endpoint_configs", "endpoint_config", "cluster_name", XDS_ENDPOINT,
     XDS_DYNAMIC_ACTIVE},
    {NULL, NULL, NULL, 0, 0},
};

static const struct family ecds[] = {
    {"ecds_filters", "ecds_filter", "name", XDS_ECDS, XDS_DYNAMIC_ACTIVE},
    {NULL, NULL, NULL, 0, 0},
};

/* Listeners: statics as a family; each DynamicListener has up to three
 * states, each {version_info, listener, last_updated}, one resource each. */
static int ingest_listeners(struct collect *c, const struct node *config)
{
	static const struct family statics[] = {
	    {"static_listeners", "listener", "name", XDS_LISTENER, XDS_STATIC},
	    {NULL, NULL, NULL, 0, 0},
	};
	static const struct {
		const char *field;
		enum xds_state state;
	} states[] = {
	    {"active_state", XDS_DYNAMIC_ACTIVE},
	    {"warming_state", XDS_DYNAMIC_WARMING},
	    {"draining_state", XDS_DYNAMIC_DRAINING},
	};
	int bad;
	const struct node *list;
	if (ingest_families(c, config, statics) != 0)
		return -1;
	list = list_field(c, config, "dynamic_listeners", &bad);
	if (!list)
		return bad ? -1 : 0;
	for (size_t i = 0; i < list->len; i++) {
		const struct node *entry = entry_at(c, list, i, "dynamic_listeners");
		if (!entry)
			return -1;
		for (size_t k = 0; k < sizeof states / sizeof states[0]; k++) {
			const struct node *state, *l;
			const char *name;
			state =
			    resource_in(c, entry, states[k].field, "dynamic_listeners", i, &bad);
			if (bad)
				return -1;
			if (!state)
				continue;
			l = resource_in(c, state, "listener", states[k].field, 0, &bad);
			if (bad)
				return -1;
			if (!l)
				continue;
			name =
			    text_or(node_field(l, "name"), text_or(node_field(entry, "name"), ""));
			if (check_listener(c, l, name) != 0 ||
			    add(c, XDS_LISTENER, states[k].state, name, l, entry, state) != 0)
				return -1;
		}
	}
	return 0;
}

/* Scoped routes are kept raw: one resource per ScopedRouteConfiguration. */
static int ingest_scoped(struct collect *c, const struct node *config)
{
	static const struct {
		const char *list;
		enum xds_state state;
	} lists[] = {
	    {"inline_scoped_route_configs", XDS_STATIC},
	    {"dynamic_scoped_route_configs", XDS_DYNAMIC_ACTIVE},
	};
	for (size_t k = 0; k < 2; k++) {
		int bad;
		const struct node *list = list_field(c, config, lists[k].list, &bad);
		if (bad)
			return -1;
		for (size_t i = 0; list && i < list->len; i++) {
			const struct node *entry = entry_at(c, list, i, lists[k].list), *inner;
			if (!entry)
				return -1;
			inner = list_field(c, entry, "scoped_route_configs", &bad);
			if (bad)
				return -1;
			for (size_t j = 0; inner && j < inner->len; j++) {
				const struct node *r = inner->items[j];
				if (r->type != NODE_MAP)
					return fail_at(
					    c, r, "scoped_route_configs[%zu] must be a map, got %s",
					    j, node_type_name(r));
				if (add(c, XDS_SCOPED_ROUTE, lists[k].state,
				        text_or(node_field(r, "name"), ""), r, entry, entry) != 0)
					return -1;
			}
		}
	}
	return 0;
}

static int ingest_bootstrap(struct collect *c, const struct node *config)
{
	const struct node *b = node_field(config, "bootstrap");
	if (!b)
		return 0;
	if (b->type != NODE_MAP)
		return fail_at(c, b, "bootstrap must be a map, got %s", node_type_name(b));
	c->bootstrap = b;
	return 0;
}

/* The short name of an Any type URL: "ClustersConfigDump" for
 * "type.googleapis.com/envoy.admin.v3.ClustersConfigDump" (any API version). */
static const char *short_type(const char *url)
{
	const char *dot = url ? strrchr(url, '.') : NULL;
	const char *slash = url ? strrchr(url, '/') : NULL;
	if (dot)
		return dot + 1;
	if (slash)
		return slash + 1;
	return url ? url : "";
}

static int ingest_config(struct collect *c, const struct node *config, size_t i)
{
	const char *type;
	if (config->type != NODE_MAP)
		return fail_at(c, config, "configs[%zu] must be a map, got %s", i,
		               node_type_name(config));
	type = short_type(node_text(node_get(config, "@type")));
	if (strcmp(type, "BootstrapConfigDump") == 0)
		return ingest_bootstrap(c, config);
	if (strcmp(type, "ClustersConfigDump") == 0)
		return ingest_families(c, config, clusters);
	if (strcmp(type, "ListenersConfigDump") == 0)
		return ingest_listeners(c, config);
	if (strcmp(type, "RoutesConfigDump") == 0)
		return ingest_families(c, config, routes);
	if (strcmp(type, "ScopedRoutesConfigDump") == 0)
		return ingest_scoped(c, config);
	if (strcmp(type, "SecretsConfigDump") == 0)
		return ingest_families(c, config, secrets);
	if (strcmp(type, "EndpointsConfigDump") == 0)
		return ingest_families(c, config, endpoints);
	if (strcmp(type, "EcdsConfigDump") == 0)
		return ingest_families(c, config, ecds);
	return 0; /* unknown dumps stay in the tree, untouched */
}

/* Which name form the producer used, judged from the first key that has
 * either a '_' or an upper-case letter. */
static enum xds_key_case detect_case(const struct node *n, int depth)
{
	if (!n || depth > 6)
		return XDS_KEYS_SNAKE;
	if (n->type == NODE_MAP) {
		for (size_t i = 0; i < n->len; i++) {
			const char *k = n->pairs[i].key->str;
			if (k[0] == '@')
				continue;
			for (const char *p = k; *p; p++) {
				if (*p == '_')
					return XDS_KEYS_SNAKE;
				if (*p >= 'A' && *p <= 'Z')
					return XDS_KEYS_CAMEL;
			}
		}
		for (size_t i = 0; i < n->len; i++)
			if (n->pairs[i].value->type != NODE_SCALAR)
				return detect_case(n->pairs[i].value, depth + 1);
	} else if (n->type == NODE_SEQ && n->len > 0) {
		return detect_case(n->items[0], depth + 1);
	}
	return XDS_KEYS_SNAKE;
}

/* Moves what was collected into the snapshot (appending to what it had). */
static int commit(struct collect *c)
{
	struct xds_snapshot *s = c->snap;
	struct xds_resource *merged[XDS_TYPE_COUNT] = {0};
	for (int t = 0; t < XDS_TYPE_COUNT; t++) {
		size_t n = s->count[t] + c->count[t];
		if (!c->count[t])
			continue;
		merged[t] = arena_alloc(&s->arena, n * sizeof *merged[t]);
		if (!merged[t])
			return fail_at(c, NULL, "out of memory reading the dump");
		if (s->count[t])
			memcpy(merged[t], s->items[t], s->count[t] * sizeof *merged[t]);
		memcpy(merged[t] + s->count[t], c->items[t], c->count[t] * sizeof *merged[t]);
	}
	for (int t = 0; t < XDS_TYPE_COUNT; t++) {
		if (!merged[t])
			continue;
		s->items[t] = merged[t];
		s->count[t] += c->count[t];
	}
	if (c->bootstrap)
		s->bootstrap = c->bootstrap;
	if (c->clusters_status)
		s->clusters_status = c->clusters_status;
	return 0;
}

static int check_clusters_status(struct collect *c, const struct node *root)
{
	int bad;
	const struct node *list = list_field(c, root, "cluster_statuses", &bad);
	if (bad)
		return -1;
	for (size_t i = 0; list && i < list->len; i++)
		if (!entry_at(c, list, i, "cluster_statuses"))
			return -1;
	c->clusters_status = root;
	return 0;
}

int xds_snapshot_ingest(struct xds_snapshot *s, const struct node *root, struct mesh_error *err)
{
	struct collect c;
	const struct node *configs;
	int rc = 0;
	memset(&c, 0, sizeof c);
	c.snap = s;
	c.source = s->source;
	c.err = err;
	if (!root || root->type != NODE_MAP) {
		fail_at(&c, root,
		        "not an Envoy config dump: expected a map with \"configs\", got %s",
		        node_type_name(root));
		return -1;
	}
	configs = node_field(root, "configs");
	if (configs) {
		if (configs->type != NODE_SEQ) {
			fail_at(&c, configs, "configs must be a list, got %s",
			        node_type_name(configs));
			return -1;
		}
		for (size_t i = 0; i < configs->len && rc == 0; i++)
			rc = ingest_config(&c, configs->items[i], i);
		if (rc == 0 && configs->len > 0)
			s->key_case = detect_case(configs->items[0], 0);
	} else if (node_get(root, "@type")) {
		rc = ingest_config(&c, root, 0); /* one XConfigDump on its own */
		if (rc == 0)
			s->key_case = detect_case(root, 0);
	} else if (node_field(root, "cluster_statuses")) {
		rc = check_clusters_status(&c, root);
	} else if (node_field(root, "bootstrap")) {
		rc = ingest_bootstrap(&c, root); /* istioctl pc bootstrap -o json */
		if (rc == 0)
			s->key_case = detect_case(root, 0);
	} else if (root->len > 0) {
		fail_at(&c, root,
		        "not an Envoy config dump: expected \"configs\" (GET /config_dump), "
		        "\"cluster_statuses\" (GET /clusters?format=json) or \"bootstrap\"");
		rc = -1;
	}
	if (rc == 0)
		rc = commit(&c);
	if (rc == 0 && !s->root)
		s->root = root;
	for (int t = 0; t < XDS_TYPE_COUNT; t++)
		free(c.items[t]);
	return rc;
}

int xds_snapshot_set_clusters_status(struct xds_snapshot *s, const char *source,
                                     const struct node *root, struct mesh_error *err)
{
	struct collect c;
	memset(&c, 0, sizeof c);
	c.snap = s;
	c.source = source ? source : s->source;
	c.err = err;
	if (!root || root->type != NODE_MAP)
		return fail_at(&c, root,
		               "not Envoy's /clusters?format=json: expected a map, got %s",
		               node_type_name(root));
	if (check_clusters_status(&c, root) != 0)
		return -1;
	s->clusters_status = root;
	return 0;
}
