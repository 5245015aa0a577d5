/* The shape of Envoy's config dumps for /config_dump (see admin_dump.h):
 * the ConfigDump protos' repeated fields and element types, answer trees
 * built in the request's arena, name_regex filtering, and FieldMasks
 * (mask=) checked and applied as Envoy's config_dump_handler.cc does. */
#include <string.h>

#include "admin_dump.h"

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

const struct dump_type *admin_dump_type_of(const struct node *dump)
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

struct node *admin_node_str(struct arena *ar, const char *s)
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
struct node *admin_node_new(struct arena *ar, enum node_type type, size_t cap)
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

/* Adds key: value to map (room was made by admin_node_new). A NULL key or
 * value (out of memory) is skipped: the answer is then incomplete, never
 * unsafe. */
void admin_node_put(struct node *map, struct node *key, const struct node *value)
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
const struct node *admin_dump_filter_names(struct arena *ar, const struct node *dump,
                                           const struct dump_type *dt, pcre2_code *re,
                                           pcre2_match_data *md)
{
	struct node *out;
	if (!re || !dt)
		return dump;
	out = admin_node_new(ar, NODE_MAP, dump->len);
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
			struct node *seq = admin_node_new(ar, NODE_SEQ, v->len);
			if (!seq)
				return NULL;
			for (size_t j = 0; j < v->len; j++)
				if (name_matches(re, md, element_name(v->items[j])))
					seq->items[seq->len++] = v->items[j];
			v = seq;
		}
		admin_node_put(out, dump->pairs[i].key, v);
	}
	return out;
}

/* ---- masks ------------------------------------------------------------------- */

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

/* Adds the path "a.b.c" (len bytes) under m. Returns 0, -1 when out of
 * memory, -2 for an empty component ("a..b", "a."). */
static int mask_add(struct arena *ar, struct mask *m, const char *path, size_t len)
{
	while (len > 0) {
		const char *dot = memchr(path, '.', len);
		size_t n = dot ? (size_t)(dot - path) : len;
		if (n == 0 || (dot && n + 1 == len))
			return -2;
		if (!(m = mask_child(ar, m, path, n)))
			return -1;
		if (!dot)
			break;
		len -= n + 1;
		path = dot + 1;
	}
	return 0;
}

/* Parses "a.b,c" (FieldMaskUtil::FromString: comma-separated paths). */
struct mask *admin_mask_parse(struct arena *ar, const char *text)
{
	struct mask *m = arena_calloc(ar, 1, sizeof *m);
	if (!m)
		return NULL;
	m->name = "";
	{
		size_t paths = 1;
		for (const char *c = text; *c; c++)
			paths += *c == ',';
		if (paths > 32) {
			m->unusable = 1; /* answered 400 by the fits checks, as an unusable mask */
			return m;
		}
	}
	while (*text) {
		const char *comma = strchr(text, ',');
		size_t n = comma ? (size_t)(comma - text) : strlen(text);
		int rc = n > 0 ? mask_add(ar, m, text, n) : 0;
		if (rc == -1)
			return NULL;
		if (rc == -2) {
			m->unusable = 1;
			return m;
		}
		text += n + (comma ? 1 : 0);
	}
	return m;
}

/* Keeps the fields of msg that m names ("@type" always: PackFrom writes it
 * back). NULL when out of memory. */
const struct node *admin_mask_trim(struct arena *ar, const struct node *msg, const struct mask *m)
{
	struct node *out;
	if (m->count == 0 || msg->type != NODE_MAP)
		return msg;
	out = admin_node_new(ar, NODE_MAP, msg->len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < msg->len; i++) {
		const char *key = msg->pairs[i].key->str;
		const struct node *v = msg->pairs[i].value;
		if (strcmp(key, "@type") == 0) {
			admin_node_put(out, msg->pairs[i].key, v);
			continue;
		}
		for (size_t c = 0; c < m->count; c++) {
			if (!node_field_name_is(key, m->children[c]->name))
				continue;
			v = admin_mask_trim(ar, v, m->children[c]);
			if (!v)
				return NULL;
			admin_node_put(out, msg->pairs[i].key, v);
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

int admin_mask_fits_dump(const struct mask *m, const struct dump_type *dt)
{
	if (m->unusable)
		return 0;
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

int admin_mask_fits_element(const struct mask *m, const struct element_type *et)
{
	if (m->unusable)
		return 0;
	static const char *const messages[] = {"active_state", "warming_state", "draining_state",
	                                       "error_state", NULL};
	return mask_valid(m, et->fields, 8, messages);
}

/* Envoy's FieldMask DebugString in its 400 answer: `paths: "a.b"\n` per path. */
void admin_mask_debug_string(struct strbuf *out, const char *text)
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
