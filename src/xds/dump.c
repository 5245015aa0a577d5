/* A snapshot back out as Envoy's GET /config_dump (see xds_dump.h). The
 * configs of the input tree are written in Envoy's tracker order with
 * snake_case names; name_regex filters the entries of their lists by the
 * name of the resource each holds. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meshlua/xds_dump.h"
#include "meshlua/xds_json.h"

/* Envoy writes the dumps sorted by their tracker key. */
static const char *const order[] = {
    "BootstrapConfigDump", "ClustersConfigDump",     "EcdsConfigDump",   "EndpointsConfigDump",
    "ListenersConfigDump", "ScopedRoutesConfigDump", "RoutesConfigDump", "SecretsConfigDump",
};

static int rank_of(const struct node *config)
{
	const char *type = node_text(node_get(config, "@type"));
	const char *dot = type ? strrchr(type, '.') : NULL;
	const char *name = dot ? dot + 1 : type ? type : "";
	for (int i = 0; i < (int)(sizeof order / sizeof order[0]); i++)
		if (strcmp(name, order[i]) == 0)
			return i;
	return (int)(sizeof order / sizeof order[0]);
}

/* The name of the resource an entry of a dump list holds. */
static const char *entry_name(const struct node *e)
{
	static const char *const fields[] = {"cluster", "listener",    "route_config",
	                                     "secret",  "ecds_filter", NULL};
	const char *n;
	for (size_t i = 0; fields[i]; i++)
		if ((n = node_text(node_field(node_field(e, fields[i]), "name"))))
			return n;
	if ((n = node_text(node_field(node_field(e, "endpoint_config"), "cluster_name"))))
		return n;
	if ((n = node_text(
	         node_field(node_field(node_field(e, "active_state"), "listener"), "name"))))
		return n;
	if ((n = node_text(node_field(e, "name"))))
		return n;
	return node_text(node_field(e, "cluster_name"));
}

/* A copy of config whose list fields keep only entries whose resource name
 * matches re (shallow: only the changed lists are new). */
static struct node *filtered(struct arena *a, const struct node *config, const regex_t *re)
{
	struct node *c = arena_alloc(a, sizeof *c);
	if (!c)
		return NULL;
	*c = *config;
	c->pairs = arena_alloc(a, (config->len + 1) * sizeof *c->pairs);
	if (!c->pairs)
		return NULL;
	for (size_t i = 0; i < config->len; i++) {
		const struct node *v = config->pairs[i].value;
		c->pairs[i] = config->pairs[i];
		if (v->type == NODE_SEQ) {
			struct node *list = arena_alloc(a, sizeof *list);
			if (!list)
				return NULL;
			*list = *v;
			list->len = 0;
			list->items = arena_alloc(a, (v->len + 1) * sizeof *list->items);
			if (!list->items)
				return NULL;
			for (size_t k = 0; k < v->len; k++) {
				const char *name = entry_name(v->items[k]);
				if (name && regexec(re, name, 0, NULL, 0) == 0)
					list->items[list->len++] = v->items[k];
			}
			c->pairs[i].value = list;
		}
	}
	return c;
}

/* The element type of the repeated field `field` of a dump (Envoy answers
 * ?resource= with each element as its own Any of this type). */
static const char *element_type(const char *dump, const char *field)
{
	static const char *const table[][3] = {
	    {"ClustersConfigDump", "static_clusters", "StaticCluster"},
	    {"ClustersConfigDump", "dynamic_active_clusters", "DynamicCluster"},
	    {"ClustersConfigDump", "dynamic_warming_clusters", "DynamicCluster"},
	    {"ListenersConfigDump", "static_listeners", "StaticListener"},
	    {"ListenersConfigDump", "dynamic_listeners", "DynamicListener"},
	    {"RoutesConfigDump", "static_route_configs", "StaticRouteConfig"},
	    {"RoutesConfigDump", "dynamic_route_configs", "DynamicRouteConfig"},
	    {"ScopedRoutesConfigDump", "inline_scoped_route_configs", "InlineScopedRouteConfigs"},
	    {"ScopedRoutesConfigDump", "dynamic_scoped_route_configs", "DynamicScopedRouteConfigs"},
	    {"SecretsConfigDump", "static_secrets", "StaticSecret"},
	    {"SecretsConfigDump", "dynamic_active_secrets", "DynamicSecret"},
	    {"SecretsConfigDump", "dynamic_warming_secrets", "DynamicSecret"},
	    {"EndpointsConfigDump", "static_endpoint_configs", "StaticEndpointConfig"},
	    {"EndpointsConfigDump", "dynamic_endpoint_configs", "DynamicEndpointConfig"},
	    {"EcdsConfigDump", "ecds_filters", "EcdsFilterConfig"},
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(table[i][0], dump) == 0 && strcmp(table[i][1], field) == 0)
			return table[i][2];
	return NULL;
}

/* A new map node in a with room for cap pairs. */
static struct node *new_map(struct arena *a, size_t cap)
{
	struct node *m = arena_calloc(a, 1, sizeof *m);
	if (!m || !(m->pairs = arena_alloc(a, (cap + 1) * sizeof *m->pairs)))
		return NULL;
	m->type = NODE_MAP;
	m->tag = NODE_TAG_NONE;
	return m;
}

static struct node *new_str(struct arena *a, const char *text)
{
	struct node *n = arena_calloc(a, 1, sizeof *n);
	if (!n || !(n->str = arena_strdup(a, text)))
		return NULL;
	n->type = NODE_SCALAR;
	n->tag = NODE_TAG_STR;
	n->len = strlen(text);
	return n;
}

/* 1 when one of the comma-separated paths of mask starts with field; the
 * rests of the paths that go deeper are gathered in sub (comma-separated),
 * *whole set when a path names the field itself. */
static int mask_has(const char *mask, const char *field, char *sub, size_t cap, int *whole)
{
	size_t flen = strlen(field), used = 0;
	int any = 0;
	*whole = 0;
	sub[0] = '\0';
	for (const char *p = mask; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len >= flen && strncmp(p, field, flen) == 0 &&
		    (len == flen || p[flen] == '.')) {
			any = 1;
			if (len == flen) {
				*whole = 1;
			} else if (used + len - flen + 1 < cap) {
				if (used)
					sub[used++] = ',';
				memcpy(sub + used, p + flen + 1, len - flen - 1);
				used += len - flen - 1;
				sub[used] = '\0';
			}
		}
		p += len + (end ? 1 : 0);
	}
	return any;
}

/* FieldMask: keeps the fields of map n named by the comma-separated paths
 * (dotted, proto names); an Any keeps its "@type" and is masked inside, and
 * a path that reaches a list applies its rest to each element. */
static const struct node *masked(struct arena *a, const struct node *n, const char *mask, int depth)
{
	struct node *m;
	if (depth > 32 || n->type == NODE_SCALAR)
		return n;
	if (n->type == NODE_SEQ) {
		struct node *l = arena_alloc(a, sizeof *l);
		if (!l || !(l->items = arena_alloc(a, (n->len + 1) * sizeof *l->items)))
			return NULL;
		l->type = n->type, l->tag = n->tag, l->line = n->line, l->column = n->column;
		l->len = n->len, l->str = NULL, l->pairs = NULL;
		for (size_t i = 0; i < n->len; i++)
			if (!(l->items[i] = (struct node *)masked(a, n->items[i], mask, depth + 1)))
				return NULL;
		return l;
	}
	if (!(m = new_map(a, n->len)))
		return NULL;
	m->line = n->line;
	m->column = n->column;
	for (size_t i = 0; i < n->len; i++) {
		char snake[256], sub[1024];
		int whole;
		if (strcmp(n->pairs[i].key->str, "@type") == 0) {
			m->pairs[m->len++] = n->pairs[i];
			continue;
		}
		xds_json_snake(n->pairs[i].key->str, snake, sizeof snake);
		if (!mask_has(mask, snake, sub, sizeof sub, &whole))
			continue;
		m->pairs[m->len] = n->pairs[i];
		if (!whole && !(m->pairs[m->len].value =
		                    (struct node *)masked(a, n->pairs[i].value, sub, depth + 1)))
			return NULL;
		m->len++;
	}
	return m;
}

/* ?resource=: the elements of the first dump that has field `resource`, each
 * an Any of its element type (masked when a mask is given). Returns 0, or
 * the HTTP status Envoy answers (400, 404; 500 for no memory) with why. */
static int resource_configs(struct arena *a, const struct node *configs, const char *resource,
                            const char *mask, const struct node ***out, size_t *count, char *why,
                            size_t cap)
{
	for (size_t i = 0; i < configs->len; i++) {
		const struct node *c = configs->items[i];
		const char *type = node_text(node_get(c, "@type"));
		const char *dot = type ? strrchr(type, '.') : NULL;
		const struct node *list = node_field(c, resource);
		const char *elem;
		char url[512];
		if (!list)
			continue;
		elem = element_type(dot ? dot + 1 : "", resource);
		if (list->type != NODE_SEQ || !elem) {
			snprintf(why, cap,
			         "%s is not a repeated field. Use ?mask=%s to get only this field",
			         resource, resource);
			return 400;
		}
		snprintf(url, sizeof url, "%s.%s", type, elem);
		if (!(*out = arena_alloc(a, (list->len + 1) * sizeof **out)))
			return 500;
		for (size_t k = 0; k < list->len; k++) {
			const struct node *e = list->items[k];
			struct node *any;
			if (mask && !(e = masked(a, e, mask, 0)))
				return 500;
			if (e->type != NODE_MAP)
				return 500;
			any = new_map(a, e->len + 1);
			if (!any || !(any->pairs[0].key = new_str(a, "@type")) ||
			    !(any->pairs[0].value = new_str(a, url)))
				return 500;
			any->len = 1;
			for (size_t j = 0; j < e->len; j++)
				if (strcmp(e->pairs[j].key->str, "@type") != 0)
					any->pairs[any->len++] = e->pairs[j];
			(*out)[k] = any;
		}
		*count = list->len;
		return 0;
	}
	snprintf(why, cap, "%s not found in config dump", resource);
	return 404;
}

int xds_write_config_dump(struct strbuf *out, const struct xds_snapshot *s,
                          const struct xds_dump_opts *opts, struct mesh_error *err)
{
	const struct node *configs = node_field(s->root, "configs");
	const struct node **list = NULL, **elems = NULL;
	struct xds_json_opts jo = {XDS_JSON_ENVOY, 0, 2};
	struct strbuf sb = STRBUF_INIT;
	struct arena a;
	regex_t re;
	int have_re = 0, rc = 500;
	size_t n = 0;
	char why[600];
	if (opts->name_regex) {
		int e = regcomp(&re, opts->name_regex, REG_EXTENDED | REG_NOSUB);
		if (e != 0) {
			regerror(e, &re, why, sizeof why);
			mesh_error_set(err, s->source, 0, 0, "config_dump: name_regex \"%s\": %s",
			               opts->name_regex, why);
			return 400;
		}
		have_re = 1;
	}
	arena_init(&a, 0);
	if (configs && configs->type == NODE_SEQ) {
		if (!(list = malloc((configs->len + 1) * sizeof *list)))
			goto oom;
		/* A stable insertion by rank keeps dumps of one rank in input order. */
		for (size_t i = 0; i < configs->len; i++) {
			const struct node *c = configs->items[i];
			size_t at;
			if (c->type != NODE_MAP || (!opts->include_eds && rank_of(c) == 3))
				continue;
			if (have_re && !(c = filtered(&a, c, &re)))
				goto oom;
			for (at = n; at > 0 && rank_of(list[at - 1]) > rank_of(c); at--)
				list[at] = list[at - 1];
			list[at] = c;
			n++;
		}
	}
	if (opts->resource) {
		struct node seq = {NODE_SEQ, NODE_TAG_NONE, 0,    0,
		                   n,        NULL,          NULL, (struct node **)list};
		size_t count = 0;
		rc = resource_configs(&a, &seq, opts->resource, opts->mask, &elems, &count, why,
		                      sizeof why);
		if (rc == 500)
			goto oom;
		if (rc != 0) {
			mesh_error_set(err, s->source, 0, 0, "%s", why);
			goto done;
		}
		free(list);
		if (!(list = malloc((count + 1) * sizeof *list)))
			goto oom;
		memcpy(list, elems, count * sizeof *list);
		n = count;
	} else if (opts->mask) {
		for (size_t i = 0; i < n; i++)
			if (!(list[i] = masked(&a, list[i], opts->mask, 0)))
				goto oom;
	}
	if (strbuf_puts(&sb, n ? "{\n  \"configs\": [" : "{\n  \"configs\": []") != 0)
		goto oom;
	for (size_t i = 0; i < n; i++)
		if (strbuf_puts(&sb, i ? ",\n    " : "\n    ") != 0 ||
		    xds_write_json(&sb, list[i], &jo) != 0)
			goto oom;
	if (strbuf_puts(&sb, n ? "\n  ]\n}\n" : "\n}\n") != 0 ||
	    strbuf_append(out, sb.data, sb.len) != 0)
		goto oom;
	rc = 0;
	goto done;
oom:
	rc = 500;
	mesh_error_set(err, s->source, 0, 0, "out of memory writing the config dump");
done:
	if (have_re)
		regfree(&re);
	free(list);
	strbuf_free(&sb);
	arena_free(&a);
	return rc;
}
