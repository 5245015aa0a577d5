/* GET /config_dump with resource=, mask=, name_regex= and include_eds, as
 * Envoy's source/server/admin/config_dump_handler.cc answers it
 * (../shared/reference/envoy.md section 1). The answer is built as a new
 * tree in a per-request arena that shares the snapshot's subtrees (never
 * changing them), then written by src/xds's Envoy JSON writer. name_regex
 * is a full match, as Envoy's RE2 matcher (PCRE2 here). Answers are cached
 * per query while their snapshot is served (snapshots are immutable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "admin_int.h"
#include "meshlua/arena.h"
#include "meshlua/xds_json.h"

#define ADMIN_TYPE "type.googleapis.com/envoy.admin.v3."

/* What Envoy's ConfigDump protos declare, for resource= and mask=: a dump's
 * repeated resource fields and their element messages, and each element's
 * fields (the one holding an Any marked with '*'). */
struct element_type {
	const char *name;            /* "DynamicCluster" */
	const char *const fields[8]; /* "*cluster", "version_info" ... */
};

static const struct element_type static_cluster = {"StaticCluster", {"*cluster", "last_updated"}};
static const struct element_type dynamic_cluster = {
    "DynamicCluster", {"version_info", "*cluster", "last_updated", "error_state", "client_status"}};
static const struct element_type static_listener = {"StaticListener",
                                                    {"*listener", "last_updated"}};
static const struct element_type dynamic_listener = {
    "DynamicListener",
    {"name", "active_state", "warming_state", "draining_state", "error_state", "client_status"}};
static const struct element_type static_route = {"StaticRouteConfig",
                                                 {"*route_config", "last_updated"}};
static const struct element_type dynamic_route = {
    "DynamicRouteConfig",
    {"version_info", "*route_config", "last_updated", "error_state", "client_status"}};
static const struct element_type inline_scoped = {"InlineScopedRouteConfigs",
                                                  {"name", "scoped_route_configs", "last_updated"}};
static const struct element_type dynamic_scoped = {"DynamicScopedRouteConfigs",
                                                   {"name", "version_info", "scoped_route_configs",
                                                    "last_updated", "error_state",
                                                    "client_status"}};
static const struct element_type static_secret = {"StaticSecret",
                                                  {"name", "last_updated", "*secret"}};
static const struct element_type dynamic_secret = {
    "DynamicSecret",
    {"name", "version_info", "last_updated", "*secret", "error_state", "client_status"}};
static const struct element_type static_endpoint = {"StaticEndpointConfig",
                                                    {"*endpoint_config", "last_updated"}};
static const struct element_type dynamic_endpoint = {
    "DynamicEndpointConfig",
    {"version_info", "*endpoint_config", "last_updated", "error_state", "client_status"}};
static const struct element_type ecds_filter = {
    "EcdsFilterConfig",
    {"version_info", "*ecds_filter", "last_updated", "error_state", "client_status"}};

struct dump_field {
	const char *name;
	const struct element_type *element; /* NULL: not a repeated field */
	int message;                        /* a singular message field (masks go deeper) */
};

struct dump_type {
	const char *type; /* "ClustersConfigDump" */
	int rank;         /* Envoy's order: the sorted config tracker keys */
	struct dump_field fields[5];
};

static const struct dump_type dump_types[] = {
    {"BootstrapConfigDump", 0, {{"bootstrap", NULL, 1}, {"last_updated", NULL, 0}}},
    {"ClustersConfigDump",
     1,
     {{"version_info", NULL, 0},
      {"static_clusters", &static_cluster, 0},
      {"dynamic_active_clusters", &dynamic_cluster, 0},
      {"dynamic_warming_clusters", &dynamic_cluster, 0}}},
    {"EcdsConfigDump", 2, {{"ecds_filters", &ecds_filter, 0}}},
    {"EndpointsConfigDump",
     3,
     {{"static_endpoint_configs", &static_endpoint, 0},
      {"dynamic_endpoint_configs", &dynamic_endpoint, 0}}},
    {"ListenersConfigDump",
     4,
     {{"version_info", NULL, 0},
      {"static_listeners", &static_listener, 0},
      {"dynamic_listeners", &dynamic_listener, 0}}},
    {"ScopedRoutesConfigDump",
     5,
     {{"inline_scoped_route_configs", &inline_scoped, 0},
      {"dynamic_scoped_route_configs", &dynamic_scoped, 0}}},
    {"RoutesConfigDump",
     6,
     {{"static_route_configs", &static_route, 0}, {"dynamic_route_configs", &dynamic_route, 0}}},
    {"SecretsConfigDump",
     7,
     {{"static_secrets", &static_secret, 0},
      {"dynamic_active_secrets", &dynamic_secret, 0},
      {"dynamic_warming_secrets", &dynamic_secret, 0}}},
};

#define DUMP_TYPE_COUNT (sizeof dump_types / sizeof dump_types[0])

static const struct dump_type *dump_type_of(const struct node *dump)
{
	const char *t = node_text(node_get(dump, "@type"));
	size_t n = strlen(ADMIN_TYPE);
	if (!t || strncmp(t, ADMIN_TYPE, n) != 0)
		return NULL;
	for (size_t i = 0; i < DUMP_TYPE_COUNT; i++)
		if (strcmp(t + n, dump_types[i].type) == 0)
			return &dump_types[i];
	return NULL;
}

/* ---- building trees in the request's arena ------------------------------- */

static struct node *new_str(struct arena *ar, const char *s)
{
	struct node *n = arena_calloc(ar, 1, sizeof *n);
	if (!n)
		return NULL;
	n->type = NODE_SCALAR;
	n->tag = NODE_TAG_STR;
	n->str = arena_strdup(ar, s);
	n->len = n->str ? strlen(s) : 0;
	return n->str ? n : NULL;
}

/* An empty map or list with room for cap entries. */
static struct node *new_container(struct arena *ar, enum node_type type, size_t cap)
{
	struct node *n = arena_calloc(ar, 1, sizeof *n);
	if (!n)
		return NULL;
	n->type = type;
	if (type == NODE_MAP)
		n->pairs = arena_calloc(ar, cap ? cap : 1, sizeof *n->pairs);
	else
		n->items = arena_calloc(ar, cap ? cap : 1, sizeof *n->items);
	return (type == NODE_MAP ? (void *)n->pairs : (void *)n->items) ? n : NULL;
}

/* Adds key: value to map (room was made by new_container). A NULL key or
 * value (out of memory) is skipped: the answer is then incomplete, never
 * unsafe. */
static void map_add(struct node *map, struct node *key, const struct node *value)
{
	if (!key || !value)
		return;
	map->pairs[map->len].key = key;
	map->pairs[map->len].value = (struct node *)value; /* shared, never written */
	map->len++;
}

/* ---- name_regex ------------------------------------------------------------ */

/* The name name_regex is matched against in a dump element: its own name,
 * or the name (cluster_name for endpoints) of the Any it holds. */
static const char *element_name(const struct node *el)
{
	const char *name = node_text(node_field(el, "name"));
	if (name)
		return name;
	for (size_t i = 0; el && el->type == NODE_MAP && i < el->len; i++) {
		const struct node *v = el->pairs[i].value;
		if (v->type == NODE_MAP && node_get(v, "@type")) {
			name = node_text(node_field(v, "name"));
			return name ? name : node_text(node_field(v, "cluster_name"));
		}
	}
	return NULL;
}

static int name_matches(pcre2_code *re, pcre2_match_data *md, const char *name)
{
	if (!re)
		return 1;
	return pcre2_match(re, (PCRE2_SPTR)(name ? name : ""), PCRE2_ZERO_TERMINATED, 0, 0, md,
	                   NULL) >= 0;
}

/* dump with each repeated resource field reduced to the elements whose
 * name matches re (the dump itself when re is NULL). NULL when out of
 * memory. */
static const struct node *filter_names(struct arena *ar, const struct node *dump,
                                       const struct dump_type *dt, pcre2_code *re,
                                       pcre2_match_data *md)
{
	struct node *out;
	if (!re || !dt)
		return dump;
	out = new_container(ar, NODE_MAP, dump->len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < dump->len; i++) {
		const struct node *v = dump->pairs[i].value;
		int repeated = 0;
		for (size_t f = 0; f < 5 && dt->fields[f].name; f++)
			if (dt->fields[f].element &&
			    node_field_name_is(dump->pairs[i].key->str, dt->fields[f].name))
				repeated = 1;
		if (repeated && v->type == NODE_SEQ) {
			struct node *seq = new_container(ar, NODE_SEQ, v->len);
			if (!seq)
				return NULL;
			for (size_t j = 0; j < v->len; j++)
				if (name_matches(re, md, element_name(v->items[j])))
					seq->items[seq->len++] = v->items[j];
			v = seq;
		}
		map_add(out, dump->pairs[i].key, v);
	}
	return out;
}

/* ---- masks ------------------------------------------------------------------- */

/* A FieldMask as a tree: each node a field name and its sub-masks. A node
 * with no children keeps the whole field. */
struct mask {
	const char *name;
	size_t count;
	struct mask *children[32];
};

static struct mask *mask_child(struct arena *ar, struct mask *m, const char *name, size_t len)
{
	struct mask *c;
	for (size_t i = 0; i < m->count; i++)
		if (strlen(m->children[i]->name) == len &&
		    strncmp(m->children[i]->name, name, len) == 0)
			return m->children[i];
	if (m->count == 32)
		return NULL;
	c = arena_calloc(ar, 1, sizeof *c);
	if (!c || !(c->name = arena_strndup(ar, name, len)))
		return NULL;
	m->children[m->count++] = c;
	return c;
}

/* Adds the path "a.b.c" (len bytes) under m. Returns 0 or -1. */
static int mask_add(struct arena *ar, struct mask *m, const char *path, size_t len)
{
	while (len > 0) {
		const char *dot = memchr(path, '.', len);
		size_t n = dot ? (size_t)(dot - path) : len;
		if (n == 0 || !(m = mask_child(ar, m, path, n)))
			return -1;
		if (!dot)
			break;
		len -= n + 1;
		path = dot + 1;
	}
	return 0;
}

/* Parses "a.b,c" (FieldMaskUtil::FromString: comma-separated paths). */
static struct mask *mask_parse(struct arena *ar, const char *text)
{
	struct mask *m = arena_calloc(ar, 1, sizeof *m);
	if (!m)
		return NULL;
	m->name = "";
	while (*text) {
		const char *comma = strchr(text, ',');
		size_t n = comma ? (size_t)(comma - text) : strlen(text);
		if (n > 0 && mask_add(ar, m, text, n) != 0)
			return NULL;
		text += n + (comma ? 1 : 0);
	}
	return m;
}

/* Keeps the fields of msg that m names ("@type" always: PackFrom writes it
 * back). NULL when out of memory. */
static const struct node *mask_trim(struct arena *ar, const struct node *msg, const struct mask *m)
{
	struct node *out;
	if (m->count == 0 || msg->type != NODE_MAP)
		return msg;
	out = new_container(ar, NODE_MAP, msg->len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < msg->len; i++) {
		const char *key = msg->pairs[i].key->str;
		const struct node *v = msg->pairs[i].value;
		if (strcmp(key, "@type") == 0) {
			map_add(out, msg->pairs[i].key, v);
			continue;
		}
		for (size_t c = 0; c < m->count; c++) {
			if (!node_field_name_is(key, m->children[c]->name))
				continue;
			v = mask_trim(ar, v, m->children[c]);
			if (!v)
				return NULL;
			map_add(out, msg->pairs[i].key, v);
			break;
		}
	}
	return out;
}

/* 1 when every top path of m names one of fields (NULL-terminated names,
 * '*' marking the Any field, which masks may enter) and only message
 * fields have sub-paths. singular_messages lists the other message fields. */
static int mask_valid(const struct mask *m, const char *const *fields, size_t nfields,
                      const char *const *messages)
{
	for (size_t c = 0; c < m->count; c++) {
		const struct mask *p = m->children[c];
		int found = 0;
		for (size_t f = 0; f < nfields && fields[f]; f++) {
			const char *name = fields[f][0] == '*' ? fields[f] + 1 : fields[f];
			int message = fields[f][0] == '*';
			for (size_t k = 0; messages && messages[k]; k++)
				if (strcmp(messages[k], name) == 0)
					message = 1;
			if (strcmp(name, p->name) == 0) {
				found = 1;
				if (p->count > 0 && !message)
					return 0;
			}
		}
		if (!found)
			return 0;
	}
	return 1;
}

static int dump_mask_valid(const struct mask *m, const struct dump_type *dt)
{
	const char *names[6] = {NULL}, *messages[6] = {NULL};
	size_t n = 0, k = 0;
	if (!dt)
		return 0;
	for (size_t f = 0; f < 5 && dt->fields[f].name; f++) {
		names[n++] = dt->fields[f].name;
		if (dt->fields[f].message)
			messages[k++] = dt->fields[f].name;
	}
	return mask_valid(m, names, n, messages);
}

static int element_mask_valid(const struct mask *m, const struct element_type *et)
{
	static const char *const messages[] = {"active_state", "warming_state", "draining_state",
	                                       "error_state", NULL};
	return mask_valid(m, et->fields, 8, messages);
}

/* Envoy's FieldMask DebugString in its 400 answer: `paths: "a.b"\n` per path. */
static void mask_debug_string(struct strbuf *out, const char *text)
{
	while (*text) {
		const char *comma = strchr(text, ',');
		size_t n = comma ? (size_t)(comma - text) : strlen(text);
		if (n > 0) {
			strbuf_puts(out, "paths: \"");
			strbuf_append(out, text, n);
			strbuf_puts(out, "\"\n");
		}
		text += n + (comma ? 1 : 0);
	}
}

/* ---- endpoints built from the clusters (?include_eds on a dump without them) */

/* An EndpointsConfigDump from the live clusters' hosts, as Envoy builds it
 * from its host sets: the CLA named after eds_service_name or the cluster,
 * static or dynamic as the cluster was added. */
static const struct node *endpoints_dump(struct arena *ar, struct xds_snapshot *snap)
{
	size_t n = snap->count[XDS_CLUSTER], ns = 0, nd = 0;
	struct node *dump = new_container(ar, NODE_MAP, 3);
	struct node *st = new_container(ar, NODE_SEQ, n), *dy = new_container(ar, NODE_SEQ, n);
	struct node *type = new_str(ar, ADMIN_TYPE "EndpointsConfigDump");
	if (!dump || !st || !dy || !type)
		return NULL;
	map_add(dump, new_str(ar, "@type"), type);
	for (size_t i = 0; i < n; i++) {
		const struct xds_resource *r = &snap->items[XDS_CLUSTER][i];
		const struct node *cla, *service;
		struct node *out, *wrap;
		if (!admin_resource_live(r))
			continue;
		cla = admin_cluster_assignment(snap, r->json);
		service = node_field(node_field(r->json, "eds_cluster_config"), "service_name");
		out =
		    new_container(ar, NODE_MAP, (cla && cla->type == NODE_MAP ? cla->len : 0) + 2);
		wrap = new_container(ar, NODE_MAP, 1);
		if (!out || !wrap)
			return NULL;
		map_add(out, new_str(ar, "@type"),
		        new_str(ar, "type.googleapis.com/"
		                    "envoy.config.endpoint.v3.ClusterLoadAssignment"));
		map_add(out, new_str(ar, "cluster_name"),
		        new_str(ar, node_text(service) && *node_text(service) ? node_text(service)
		                                                              : r->name));
		for (size_t j = 0; cla && cla->type == NODE_MAP && j < cla->len; j++) {
			const char *k = cla->pairs[j].key->str;
			if (strcmp(k, "@type") != 0 && !node_field_name_is(k, "cluster_name"))
				map_add(out, cla->pairs[j].key, cla->pairs[j].value);
		}
		map_add(wrap, new_str(ar, "endpoint_config"), out);
		if (r->state == XDS_STATIC)
			st->items[st->len++] = wrap;
		else
			dy->items[dy->len++] = wrap;
		ns = st->len;
		nd = dy->len;
	}
	if (ns)
		map_add(dump, new_str(ar, "static_endpoint_configs"), st);
	if (nd)
		map_add(dump, new_str(ar, "dynamic_endpoint_configs"), dy);
	return dump;
}

/* ---- the handler --------------------------------------------------------------- */

struct dump_list {
	const struct node *items[64];
	const struct dump_type *types[64];
	size_t count;
};

static void list_add(struct dump_list *l, const struct node *dump)
{
	if (dump && l->count < 64) {
		l->items[l->count] = dump;
		l->types[l->count] = dump_type_of(dump);
		l->count++;
	}
}

/* The snapshot's dumps in Envoy's order, with or without endpoints. */
static int collect_dumps(struct arena *ar, struct xds_snapshot *snap, int include_eds,
                         struct dump_list *l)
{
	const struct node *root = snap->root, *configs = node_field(root, "configs");
	int has_eds = 0;
	l->count = 0;
	if (configs && configs->type == NODE_SEQ) {
		for (size_t i = 0; i < configs->len; i++)
			list_add(l, configs->items[i]);
	} else if (node_get(root, "@type")) {
		list_add(l, root);
	} else if (node_field(root, "bootstrap")) {
		struct node *b = new_container(ar, NODE_MAP, 2);
		if (!b)
			return -1;
		map_add(b, new_str(ar, "@type"), new_str(ar, ADMIN_TYPE "BootstrapConfigDump"));
		map_add(b, new_str(ar, "bootstrap"), node_field(root, "bootstrap"));
		list_add(l, b);
	}
	for (size_t i = 0; i < l->count; i++)
		if (l->types[i] && l->types[i]->rank == 3)
			has_eds = 1;
	if (include_eds && !has_eds && snap->count[XDS_CLUSTER] > 0) {
		const struct node *eds = endpoints_dump(ar, snap);
		if (!eds)
			return -1;
		list_add(l, eds);
	}
	/* Stable sort by rank (unknown dumps last), dropping endpoints unless asked. */
	for (size_t i = 1; i < l->count; i++)
		for (size_t j = i; j > 0; j--) {
			int a = l->types[j - 1] ? l->types[j - 1]->rank : 99;
			int b = l->types[j] ? l->types[j]->rank : 99;
			const struct node *tn;
			const struct dump_type *tt;
			if (a <= b)
				break;
			tn = l->items[j], l->items[j] = l->items[j - 1], l->items[j - 1] = tn;
			tt = l->types[j], l->types[j] = l->types[j - 1], l->types[j - 1] = tt;
		}
	if (!include_eds) {
		size_t k = 0;
		for (size_t i = 0; i < l->count; i++)
			if (!(l->types[i] && l->types[i]->rank == 3)) {
				l->items[k] = l->items[i];
				l->types[k++] = l->types[i];
			}
		l->count = k;
	}
	return 0;
}

/* Writes {"configs": [...]} with the config dump writer of src/xds
 * (xds_json.h: snake_case, 2 spaces), each Any at level 2. */
static int write_dump(struct node *configs, struct http_response *resp)
{
	struct xds_json_opts jo = {XDS_JSON_ENVOY, 0, 2};
	struct strbuf *out = &resp->body;
	if (strbuf_puts(out, configs->len ? "{\n  \"configs\": [" : "{\n  \"configs\": []") != 0)
		return -1;
	for (size_t i = 0; i < configs->len; i++)
		if (strbuf_puts(out, i ? ",\n    " : "\n    ") != 0 ||
		    xds_write_json(out, configs->items[i], &jo) != 0)
			return -1;
	if (strbuf_puts(out, configs->len ? "\n  ]\n}\n" : "\n}\n") != 0)
		return -1;
	resp->content_type = "application/json";
	return 0;
}

/* ?resource=: the elements of the first dump's repeated field of that name. */
static void by_resource(struct arena *ar, struct dump_list *l, const char *resource,
                        const char *mask_text, struct mask *mask, struct http_response *resp)
{
	for (size_t i = 0; i < l->count; i++) {
		const struct dump_type *dt = l->types[i];
		const struct dump_field *field = NULL;
		const struct node *seq;
		struct node *configs;
		for (size_t f = 0; dt && f < 5 && dt->fields[f].name; f++)
			if (strcmp(dt->fields[f].name, resource) == 0)
				field = &dt->fields[f];
		if (!field)
			continue;
		if (!field->element) {
			http_response_text(resp, 400,
			                   "%s is not a repeated field. Use ?mask=%s to get only "
			                   "this field",
			                   resource, resource);
			return;
		}
		if (mask && !element_mask_valid(mask, field->element)) {
			http_response_text(resp, 400, "FieldMask ");
			mask_debug_string(&resp->body, mask_text);
			strbuf_puts(&resp->body, " could not be successfully used.");
			return;
		}
		seq = node_field(l->items[i], resource);
		configs = new_container(ar, NODE_SEQ, seq && seq->type == NODE_SEQ ? seq->len : 0);
		if (!configs)
			goto oom;
		for (size_t j = 0; seq && seq->type == NODE_SEQ && j < seq->len; j++) {
			const struct node *el = seq->items[j];
			struct node *any = new_container(ar, NODE_MAP, el->len + 1);
			char type[256];
			if (!any)
				goto oom;
			snprintf(type, sizeof type, "%s%s.%s", ADMIN_TYPE, dt->type,
			         field->element->name);
			map_add(any, new_str(ar, "@type"), new_str(ar, type));
			if (mask && !(el = mask_trim(ar, el, mask)))
				goto oom;
			for (size_t k = 0; el->type == NODE_MAP && k < el->len; k++)
				map_add(any, el->pairs[k].key, el->pairs[k].value);
			configs->items[configs->len++] = any;
		}
		if (write_dump(configs, resp) != 0)
			goto oom;
		return;
	}
	http_response_text(resp, 404, "%s not found in config dump", resource);
	return;
oom:
	http_response_text(resp, 500, "out of memory\n");
}

void admin_dump_cache_clear(struct admin *a)
{
	for (int i = 0; i < ADMIN_DUMP_CACHE; i++) {
		struct admin_dump_cache *c = &a->cache[i];
		xds_snapshot_unref(c->snap);
		free(c->key);
		http_body_unref(c->body);
		memset(c, 0, sizeof *c);
	}
}

/* The cache key of a query: each parameter, absent ones marked apart from
 * empty ones. NULL when out of memory. */
static char *cache_key(const struct http_request *req)
{
	static const char *const params[] = {"resource", "mask", "name_regex", "include_eds"};
	struct strbuf key = STRBUF_INIT;
	for (int i = 0; i < 4; i++) {
		const char *v = http_request_arg(req, params[i]);
		if (strbuf_puts(&key, v ? "=" : "-") != 0 || (v && strbuf_puts(&key, v) != 0) ||
		    strbuf_putc(&key, '\n') != 0) {
			strbuf_free(&key);
			return NULL;
		}
	}
	return strbuf_detach(&key, NULL);
}

/* Copies a cached answer for (snap, key) into resp. Returns 1 when found. */
static int cache_get(struct admin *a, struct xds_snapshot *snap, const char *key,
                     struct http_response *resp)
{
	int found = 0;
	pthread_mutex_lock(&a->lock);
	for (int i = 0; i < ADMIN_DUMP_CACHE && !found; i++) {
		struct admin_dump_cache *c = &a->cache[i];
		if (c->snap == snap && c->key && strcmp(c->key, key) == 0) {
			http_body_ref(c->body); /* sent without a copy */
			resp->shared = c->body;
			resp->status = c->status;
			resp->content_type = c->content_type;
			found = 1;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return found;
}

/* Keeps resp as the answer for (snap, key), if snap is still the one served. */
static void cache_put(struct admin *a, struct xds_snapshot *snap, char *key,
                      const struct http_response *resp)
{
	struct http_body *body = http_body_new(strbuf_cstr(&resp->body), resp->body.len);
	struct admin_dump_cache *c;
	if (!body) {
		free(key);
		return;
	}
	pthread_mutex_lock(&a->lock);
	if (a->snap != snap) { /* pushed meanwhile: this answer is already old */
		pthread_mutex_unlock(&a->lock);
		free(key);
		http_body_unref(body);
		return;
	}
	c = &a->cache[a->cache_next++ % ADMIN_DUMP_CACHE];
	xds_snapshot_unref(c->snap);
	free(c->key);
	http_body_unref(c->body);
	xds_snapshot_ref(snap);
	c->snap = snap;
	c->key = key;
	c->body = body;
	c->status = resp->status;
	c->content_type = resp->content_type;
	pthread_mutex_unlock(&a->lock);
}

static void render_config_dump(struct xds_snapshot *snap, const struct http_request *req,
                               struct http_response *resp);

void admin_page_config_dump(struct admin *a, struct xds_snapshot *snap,
                            const struct http_request *req, struct http_response *resp)
{
	char *key = cache_key(req);
	if (key && cache_get(a, snap, key, resp)) {
		free(key);
		return;
	}
	render_config_dump(snap, req, resp);
	if (key && resp->status != 500)
		cache_put(a, snap, key, resp);
	else
		free(key);
}

/* Builds the answer to GET /config_dump for snap. */
static void render_config_dump(struct xds_snapshot *snap, const struct http_request *req,
                               struct http_response *resp)
{
	const char *resource = http_request_arg(req, "resource");
	const char *mask_text = http_request_arg(req, "mask");
	const char *name_regex = http_request_arg(req, "name_regex");
	int include_eds = http_request_arg(req, "include_eds") != NULL;
	pcre2_code *re = NULL;
	pcre2_match_data *md = NULL;
	struct mask *mask = NULL;
	struct dump_list *l = NULL;
	struct arena ar;
	arena_init(&ar, 0);
	if (name_regex && *name_regex) {
		int code;
		PCRE2_SIZE offset;
		re = pcre2_compile((PCRE2_SPTR)name_regex, PCRE2_ZERO_TERMINATED,
		                   PCRE2_ANCHORED | PCRE2_ENDANCHORED, &code, &offset, NULL);
		if (!re) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(code, msg, sizeof msg);
			http_response_text(resp, 400,
			                   "INVALID_ARGUMENT: Error while parsing name_regex from "
			                   "%s: %s at offset %zu",
			                   name_regex, (const char *)msg, (size_t)offset);
			goto done;
		}
		md = pcre2_match_data_create_from_pattern(re, NULL);
		if (!md)
			goto oom;
	}
	if (mask_text && !(mask = mask_parse(&ar, mask_text)))
		goto oom;
	l = arena_calloc(&ar, 1, sizeof *l);
	if (!l || collect_dumps(&ar, snap, include_eds, l) != 0)
		goto oom;
	for (size_t i = 0; i < l->count; i++)
		if (!(l->items[i] = filter_names(&ar, l->items[i], l->types[i], re, md)))
			goto oom;
	if (resource) {
		by_resource(&ar, l, resource, mask_text, mask, resp);
	} else {
		struct node *configs = new_container(&ar, NODE_SEQ, l->count);
		if (!configs)
			goto oom;
		for (size_t i = 0; i < l->count; i++) {
			const struct node *d = l->items[i];
			/* A mask that does not fit a dump's type leaves that dump out. */
			if (mask && !dump_mask_valid(mask, l->types[i]))
				continue;
			if (mask && !(d = mask_trim(&ar, d, mask)))
				goto oom;
			configs->items[configs->len++] = (struct node *)d;
		}
		if (mask && configs->len == 0)
			http_response_text(resp, 400,
			                   "FieldMask %s could not be successfully applied to any "
			                   "configs.",
			                   mask_text);
		else if (write_dump(configs, resp) != 0)
			goto oom;
	}
	goto done;
oom:
	http_response_text(resp, 500, "out of memory\n");
done:
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	arena_free(&ar);
}
