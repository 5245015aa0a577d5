/* A snapshot back out as Envoy's GET /config_dump (see xds_dump.h). The
 * configs of the input tree are written in Envoy's tracker order with
 * snake_case names; name_regex filters the entries of their lists by the
 * name of the resource each holds. */
#include <regex.h>
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

int xds_write_config_dump(struct strbuf *out, const struct xds_snapshot *s,
                          const struct xds_dump_opts *opts, struct mesh_error *err)
{
	const struct node *configs = node_field(s->root, "configs");
	const struct node **sorted = NULL;
	struct xds_json_opts jo = {XDS_JSON_ENVOY, 0, 2};
	struct strbuf sb = STRBUF_INIT;
	struct arena a;
	regex_t re;
	int have_re = 0, rc = -1;
	size_t n = 0;
	if (opts->resource || opts->mask) {
		mesh_error_set(
		    err, s->source, 0, 0,
		    "config_dump: %s= is not supported yet (use name_regex= or include_eds)",
		    opts->resource ? "resource" : "mask");
		return -1;
	}
	if (opts->name_regex) {
		int e = regcomp(&re, opts->name_regex, REG_EXTENDED | REG_NOSUB);
		if (e != 0) {
			char why[256];
			regerror(e, &re, why, sizeof why);
			mesh_error_set(err, s->source, 0, 0, "config_dump: name_regex \"%s\": %s",
			               opts->name_regex, why);
			return -1;
		}
		have_re = 1;
	}
	arena_init(&a, 0);
	if (configs && configs->type == NODE_SEQ) {
		sorted = malloc((configs->len + 1) * sizeof *sorted);
		if (!sorted)
			goto oom;
		/* A stable insertion by rank keeps dumps of one rank in input order. */
		for (size_t i = 0; i < configs->len; i++) {
			const struct node *c = configs->items[i];
			size_t at;
			if (c->type != NODE_MAP)
				continue;
			if (!opts->include_eds && rank_of(c) == 3)
				continue;
			if (have_re && !(c = filtered(&a, c, &re)))
				goto oom;
			for (at = n; at > 0 && rank_of(sorted[at - 1]) > rank_of(c); at--)
				sorted[at] = sorted[at - 1];
			sorted[at] = c;
			n++;
		}
	}
	if (strbuf_puts(&sb, n ? "{\n  \"configs\": [" : "{\n  \"configs\": []") != 0)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		if (strbuf_puts(&sb, i ? ",\n    " : "\n    ") != 0 ||
		    xds_write_json(&sb, sorted[i], &jo) != 0)
			goto oom;
	}
	if (strbuf_puts(&sb, n ? "\n  ]\n}\n" : "\n}\n") != 0 ||
	    strbuf_append(out, sb.data, sb.len) != 0)
		goto oom;
	rc = 0;
	goto done;
oom:
	mesh_error_set(err, s->source, 0, 0, "out of memory writing the config dump");
done:
	if (have_re)
		regfree(&re);
	free(sorted);
	strbuf_free(&sb);
	arena_free(&a);
	return rc;
}
