/* The shape of Envoy's config dumps (see dump_int.h): the ConfigDump
 * protos' fields, repeated fields and element types
 * (api/envoy/admin/v3/config_dump*.proto), answer trees built in a
 * request's arena, and name_regex filtering as each of Envoy's config
 * trackers applies it to its own dump. */
#include <string.h>

#include "dump_int.h"

static const struct dump_element static_cluster = {
    "StaticCluster", {"*cluster", "last_updated"}, NULL};
static const struct dump_element dynamic_cluster = {
    "DynamicCluster",
    {"version_info", "*cluster", "last_updated", "error_state", "client_status"},
    NULL};
static const struct dump_element static_listener = {
    "StaticListener", {"*listener", "last_updated"}, NULL};
static const struct dump_element dynamic_listener = {
    "DynamicListener",
    {"name", "active_state", "warming_state", "draining_state", "error_state", "client_status"},
    NULL};
static const struct dump_element static_route = {
    "StaticRouteConfig", {"*route_config", "last_updated"}, NULL};
static const struct dump_element dynamic_route = {
    "DynamicRouteConfig",
    {"version_info", "*route_config", "last_updated", "error_state", "client_status"},
    NULL};
/* Envoy's scoped routes tracker keeps every InlineScopedRouteConfigs and
 * DynamicScopedRouteConfigs and matches name_regex against each
 * ScopedRouteConfiguration inside (ScopedRoutesConfigProviderManager::
 * dumpConfigs). */
static const struct dump_element inline_scoped = {"InlineScopedRouteConfigs",
                                                  {"name", "scoped_route_configs", "last_updated"},
                                                  "scoped_route_configs"};
static const struct dump_element dynamic_scoped = {"DynamicScopedRouteConfigs",
                                                   {"name", "version_info", "scoped_route_configs",
                                                    "last_updated", "error_state", "client_status"},
                                                   "scoped_route_configs"};
static const struct dump_element static_secret = {
    "StaticSecret", {"name", "last_updated", "*secret"}, NULL};
static const struct dump_element dynamic_secret = {
    "DynamicSecret",
    {"name", "version_info", "last_updated", "*secret", "error_state", "client_status"},
    NULL};
static const struct dump_element static_endpoint = {
    "StaticEndpointConfig", {"*endpoint_config", "last_updated"}, NULL};
static const struct dump_element dynamic_endpoint = {
    "DynamicEndpointConfig",
    {"version_info", "*endpoint_config", "last_updated", "error_state", "client_status"},
    NULL};
static const struct dump_element ecds_filter = {
    "EcdsFilterConfig",
    {"version_info", "*ecds_filter", "last_updated", "error_state", "client_status"},
    NULL};

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
     DUMP_RANK_ENDPOINTS,
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

#define DUMP_TYPE_COUNT  (sizeof dump_types / sizeof dump_types[0])
#define DUMP_FIELD_COUNT (sizeof dump_types[0].fields / sizeof dump_types[0].fields[0])

const struct dump_type *dump_type_of(const struct node *dump)
{
	const char *t = node_text(node_get(dump, "@type"));
	size_t n = strlen(DUMP_ADMIN_TYPE);
	if (!t || strncmp(t, DUMP_ADMIN_TYPE, n) != 0)
		return NULL;
	for (size_t i = 0; i < DUMP_TYPE_COUNT; i++)
		if (strcmp(t + n, dump_types[i].type) == 0)
			return &dump_types[i];
	return NULL;
}

const struct dump_field *dump_field_of(const struct dump_type *dt, const char *name)
{
	for (size_t f = 0; dt && f < DUMP_FIELD_COUNT && dt->fields[f].name; f++)
		if (strcmp(dt->fields[f].name, name) == 0)
			return &dt->fields[f];
	return NULL;
}

/* ---- building trees in the request's arena ------------------------------- */

struct node *dump_node_str(struct arena *ar, const char *s)
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

struct node *dump_node_new(struct arena *ar, enum node_type type, size_t cap)
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

int dump_node_put(struct node *map, struct node *key, const struct node *value)
{
	if (!key || !value)
		return -1;
	map->pairs[map->len].key = key;
	map->pairs[map->len].value = (struct node *)value; /* shared, never written */
	map->len++;
	return 0;
}

/* ---- name_regex ------------------------------------------------------------ */

/* The resource name name_regex is matched against in a dump element: its
 * own name (DynamicListener, the secrets), else the name of the resource
 * its Any field holds (cluster_name for a ClusterLoadAssignment); "" when
 * it has none, as an unset proto string. */
static const char *element_name(const struct node *el, const struct dump_element *de)
{
	const char *name = node_text(node_field(el, "name"));
	for (size_t f = 0; !name && f < 8 && de->fields[f]; f++)
		if (de->fields[f][0] == '*') {
			const struct node *any = node_field(el, de->fields[f] + 1);
			name = node_text(node_field(any, "name"));
			if (!name)
				name = node_text(node_field(any, "cluster_name"));
		}
	return name ? name : "";
}

static int name_matches(pcre2_code *re, pcre2_match_data *md, const char *name)
{
	return pcre2_match(re, (PCRE2_SPTR)name, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL) >= 0;
}

/* A copy of list keeping the entries whose name matches re (entries that
 * are resources themselves: their "name"). NULL when out of memory. */
static struct node *named_entries(struct arena *ar, const struct node *list, pcre2_code *re,
                                  pcre2_match_data *md)
{
	struct node *seq = dump_node_new(ar, NODE_SEQ, list->len);
	const char *name;
	for (size_t j = 0; seq && j < list->len; j++) {
		name = node_text(node_field(list->items[j], "name"));
		if (name_matches(re, md, name ? name : ""))
			seq->items[seq->len++] = list->items[j];
	}
	return seq;
}

/* A copy of element el (a map) whose list de->named_list keeps the entries
 * re matches. NULL when out of memory. */
static const struct node *filter_inside(struct arena *ar, const struct node *el,
                                        const struct dump_element *de, pcre2_code *re,
                                        pcre2_match_data *md)
{
	struct node *out;
	if (el->type != NODE_MAP)
		return el;
	if (!(out = dump_node_new(ar, NODE_MAP, el->len)))
		return NULL;
	for (size_t k = 0; k < el->len; k++) {
		const struct node *v = el->pairs[k].value;
		if (node_field_name_is(el->pairs[k].key->str, de->named_list) &&
		    v->type == NODE_SEQ && !(v = named_entries(ar, v, re, md)))
			return NULL;
		dump_node_put(out, el->pairs[k].key, v);
	}
	return out;
}

/* The repeated field list (of elements de) with what re matches. */
static const struct node *filter_list(struct arena *ar, const struct node *list,
                                      const struct dump_element *de, pcre2_code *re,
                                      pcre2_match_data *md)
{
	struct node *seq = dump_node_new(ar, NODE_SEQ, list->len);
	for (size_t j = 0; seq && j < list->len; j++) {
		const struct node *el = list->items[j];
		if (de->named_list) {
			if (!(el = filter_inside(ar, el, de, re, md)))
				return NULL;
		} else if (!name_matches(re, md, element_name(el, de))) {
			continue;
		}
		seq->items[seq->len++] = (struct node *)el;
	}
	return seq;
}

const struct node *dump_filter_names(struct arena *ar, const struct node *dump,
                                     const struct dump_type *dt, pcre2_code *re,
                                     pcre2_match_data *md)
{
	struct node *out;
	if (!re || !dt)
		return dump;
	out = dump_node_new(ar, NODE_MAP, dump->len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < dump->len; i++) {
		const struct node *v = dump->pairs[i].value;
		for (size_t f = 0; f < DUMP_FIELD_COUNT && dt->fields[f].name; f++)
			if (dt->fields[f].element && v->type == NODE_SEQ &&
			    node_field_name_is(dump->pairs[i].key->str, dt->fields[f].name)) {
				if (!(v = filter_list(ar, v, dt->fields[f].element, re, md)))
					return NULL;
				break;
			}
		dump_node_put(out, dump->pairs[i].key, v);
	}
	return out;
}
