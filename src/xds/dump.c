/* GET /config_dump of a snapshot (see xds_dump.h), in the steps of Envoy's
 * config_dump_handler.cc: the dumps in tracker order (endpoints per
 * include_eds), each filtered by name_regex, then either the elements of
 * resource= (masked each) or every dump the mask fits (trimmed), written
 * with the Envoy JSON writer of xds_json.h. Answer trees live in one arena
 * per call and share the snapshot's subtrees. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dump_int.h"
#include "meshlua/xds_dump.h"
#include "meshlua/xds_json.h"

/* The dumps of an answer, with their types (NULL: a dump we do not know). */
struct dump_list {
	const struct node **items;
	const struct dump_type **types;
	size_t count, cap;
};

struct dump_call {
	struct arena ar;
	struct strbuf why; /* the text of a 400/404 */
	pcre2_code *re;
	pcre2_match_data *md;
	struct dump_mask *mask;
};

static int rank_of(const struct dump_type *dt)
{
	return dt ? dt->rank : 99; /* dumps we do not know go last */
}

static void list_add(struct dump_list *l, const struct node *dump)
{
	if (dump && dump->type == NODE_MAP && l->count < l->cap) {
		l->items[l->count] = dump;
		l->types[l->count] = dump_type_of(dump);
		l->count++;
	}
}

/* The dumps of s in Envoy's order, endpoints as include_eds says. Returns
 * 0 or -1 when out of memory. */
static int collect(struct arena *ar, const struct xds_snapshot *s, enum xds_dump_eds eds,
                   struct dump_list *l)
{
	const struct node *root = s->root, *configs = node_field(root, "configs");
	size_t n = configs && configs->type == NODE_SEQ ? configs->len : 0, k = 0, live = 0;
	int has_eds = 0;
	l->cap = n + 2;
	l->items = arena_calloc(ar, l->cap, sizeof *l->items);
	l->types = arena_calloc(ar, l->cap, sizeof *l->types);
	if (!l->items || !l->types)
		return -1;
	if (configs && configs->type == NODE_SEQ) {
		for (size_t i = 0; i < n; i++)
			list_add(l, configs->items[i]);
	} else if (node_get(root, "@type")) {
		list_add(l, root);
	} else if (node_field(root, "bootstrap")) {
		struct node *b = dump_node_new(ar, NODE_MAP, 2);
		if (!b ||
		    dump_node_put(b, dump_node_str(ar, "@type"),
		                  dump_node_str(ar, DUMP_ADMIN_TYPE "BootstrapConfigDump")) != 0 ||
		    dump_node_put(b, dump_node_str(ar, "bootstrap"),
		                  node_field(root, "bootstrap")) != 0)
			return -1;
		list_add(l, b);
	}
	for (size_t i = 0; i < l->count; i++)
		has_eds |= rank_of(l->types[i]) == DUMP_RANK_ENDPOINTS;
	for (size_t i = 0; i < s->count[XDS_CLUSTER]; i++)
		live += s->items[XDS_CLUSTER][i].state == XDS_STATIC ||
		        s->items[XDS_CLUSTER][i].state == XDS_DYNAMIC_ACTIVE;
	/* Envoy adds its "endpoint" dump when it has active clusters. */
	if (eds == XDS_DUMP_EDS_ENVOY && !has_eds && live > 0) {
		const struct node *built = dump_endpoints_from_clusters(ar, s);
		if (!built)
			return -1;
		list_add(l, built);
	}
	for (size_t i = 0; i < l->count; i++) {
		const struct node *item = l->items[i];
		const struct dump_type *type = l->types[i];
		size_t at;
		if (eds == XDS_DUMP_EDS_NONE && rank_of(type) == DUMP_RANK_ENDPOINTS)
			continue;
		/* A stable insertion by rank keeps dumps of one rank in input order. */
		for (at = k; at > 0 && rank_of(l->types[at - 1]) > rank_of(type); at--) {
			l->items[at] = l->items[at - 1];
			l->types[at] = l->types[at - 1];
		}
		l->items[at] = item;
		l->types[at] = type;
		k++;
	}
	l->count = k;
	return 0;
}

/* Writes the admin.v3.ConfigDump {"configs": [...]} (each Any at level 2)
 * to out as protobuf prints it with whitespace (Envoy's
 * config_dump_handler_test.cc, ConfigDump: one space a level, a newline
 * after the closing brace). With no configs the repeated field is left out,
 * as for any empty repeated field: "{}\n". Returns 0 or -1. */
static int write_configs(struct strbuf *out, const struct node *const *configs, size_t n)
{
	struct xds_json_opts jo = {XDS_JSON_ENVOY, 0, 2};
	if (n == 0)
		return strbuf_puts(out, "{}\n");
	if (strbuf_puts(out, "{\n \"configs\": [") != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strbuf_puts(out, i ? ",\n  " : "\n  ") != 0 ||
		    xds_write_json(out, configs[i], &jo) != 0)
			return -1;
	return strbuf_puts(out, "\n ]\n}\n");
}

/* Sets the text of a 400/404 answer; returns status, or 500 when out of
 * memory. */
static int refuse(struct dump_call *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(struct dump_call *c, int status, const char *fmt, ...)
{
	va_list ap;
	int rc;
	va_start(ap, fmt);
	rc = strbuf_vappendf(&c->why, fmt, ap);
	va_end(ap);
	return rc == 0 ? status : 500;
}

/* ?resource=: the elements of the first dump's repeated field of that
 * name, each its own Any (masked when asked), into *configs. Returns 0,
 * 400, 404 or 500. */
static int by_resource(struct dump_call *c, const struct dump_list *l, const char *resource,
                       const char *mask_text, const struct node ***configs, size_t *n)
{
	for (size_t i = 0; i < l->count; i++) {
		const struct dump_type *dt = l->types[i];
		const struct dump_field *field = dump_field_of(dt, resource);
		const struct node *seq;
		char type[256];
		if (!field)
			continue;
		if (!field->element)
			return refuse(
			    c, 400,
			    "%s is not a repeated field. Use ?mask=%s to get only this field",
			    resource, resource);
		if (c->mask && !dump_mask_fits_element(c->mask, field->element))
			return strbuf_puts(&c->why, "FieldMask ") != 0 ||
			               dump_mask_debug_string(&c->why, mask_text) != 0 ||
			               strbuf_puts(&c->why, " could not be successfully used.") != 0
			           ? 500
			           : 400;
		/* a field the dump leaves out (empty) is still a field: no configs */
		seq = node_field(l->items[i], resource);
		if (!seq || seq->type != NODE_SEQ)
			return 0;
		if (!(*configs = arena_calloc(&c->ar, seq->len + 1, sizeof **configs)))
			return 500;
		snprintf(type, sizeof type, "%s%s.%s", DUMP_ADMIN_TYPE, dt->type,
		         field->element->name);
		for (size_t j = 0; j < seq->len; j++) {
			const struct node *el = seq->items[j];
			struct node *any;
			if (c->mask && !(el = dump_mask_trim(&c->ar, el, c->mask)))
				return 500;
			any = dump_node_new(&c->ar, NODE_MAP,
			                    (el->type == NODE_MAP ? el->len : 0) + 1);
			if (!any || dump_node_put(any, dump_node_str(&c->ar, "@type"),
			                          dump_node_str(&c->ar, type)) != 0)
				return 500;
			for (size_t k = 0; el->type == NODE_MAP && k < el->len; k++)
				if (strcmp(el->pairs[k].key->str, "@type") != 0)
					dump_node_put(any, el->pairs[k].key, el->pairs[k].value);
			(*configs)[(*n)++] = any;
		}
		return 0;
	}
	return refuse(c, 404, "%s not found in config dump", resource);
}

/* Without resource=: every dump the mask fits, trimmed (all when no mask).
 * Returns 0, 400 or 500. */
static int by_dump(struct dump_call *c, const struct dump_list *l, const char *mask_text,
                   const struct node ***configs, size_t *n)
{
	if (!(*configs = arena_calloc(&c->ar, l->count + 1, sizeof **configs)))
		return 500;
	for (size_t i = 0; i < l->count; i++) {
		const struct node *d = l->items[i];
		if (c->mask) {
			/* Different dumps fit different masks: the others are left out. */
			if (!dump_mask_fits_dump(c->mask, l->types[i]))
				continue;
			if (!(d = dump_mask_trim(&c->ar, d, c->mask)))
				return 500;
		}
		(*configs)[(*n)++] = d;
	}
	if (c->mask && *n == 0)
		return refuse(c, 400,
		              "FieldMask %s could not be successfully applied to any configs.",
		              mask_text);
	return 0;
}

/* Compiles name_regex for a full match (RE2's FullMatch, UTF-8). Returns
 * 0, 400 with the text Envoy answers, or 500. */
static int compile_name_regex(struct dump_call *c, const char *name_regex)
{
	int code;
	PCRE2_SIZE offset;
	c->re =
	    pcre2_compile((PCRE2_SPTR)name_regex, PCRE2_ZERO_TERMINATED,
	                  PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
	                  &code, &offset, NULL);
	if (!c->re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(code, msg, sizeof msg);
		/* absl::InvalidArgumentError's ToString, as Envoy's buildNameMatcher */
		return refuse(c, 400,
		              "INVALID_ARGUMENT: Error while parsing name_regex from %s: %s at "
		              "offset %zu",
		              name_regex, (const char *)msg, (size_t)offset);
	}
	c->md = pcre2_match_data_create_from_pattern(c->re, NULL);
	return c->md ? 0 : 500;
}

/* The answer's configs into *configs, *n. Returns 0, 400, 404 or 500. */
static int shape(struct dump_call *c, const struct xds_snapshot *s,
                 const struct xds_dump_opts *opts, const struct node ***configs, size_t *n)
{
	struct dump_list l = {0};
	int rc;
	if (opts->name_regex && *opts->name_regex &&
	    (rc = compile_name_regex(c, opts->name_regex)) != 0)
		return rc;
	/* Envoy takes an empty resource= or mask= as absent (ConfigDump test:
	 * "?resource=&mask=&name_regex=" answers the whole dump) */
	if (opts->mask && *opts->mask && !(c->mask = dump_mask_parse(&c->ar, opts->mask)))
		return 500;
	if (collect(&c->ar, s, opts->include_eds, &l) != 0)
		return 500;
	for (size_t i = 0; i < l.count; i++)
		if (!(l.items[i] = dump_filter_names(&c->ar, l.items[i], l.types[i], c->re, c->md)))
			return 500;
	if (opts->resource && *opts->resource)
		return by_resource(c, &l, opts->resource, opts->mask, configs, n);
	return by_dump(c, &l, opts->mask, configs, n);
}

int xds_write_config_dump(struct strbuf *out, const struct xds_snapshot *s,
                          const struct xds_dump_opts *opts, struct mesh_error *err)
{
	struct dump_call c = {.why = STRBUF_INIT};
	struct strbuf sb = STRBUF_INIT;
	const struct node **configs = NULL;
	size_t n = 0;
	int rc;
	arena_init(&c.ar, 0);
	rc = shape(&c, s, opts, &configs, &n);
	if (rc == 0)
		rc = write_configs(&sb, configs, n) == 0 && strbuf_append(out, sb.data, sb.len) == 0
		         ? 0
		         : 500;
	else if (rc != 500 && strbuf_append(out, c.why.data, c.why.len) != 0)
		rc = 500;
	if (rc == 500)
		mesh_error_set(err, s->source, 0, 0, "out of memory writing the config dump");
	else if (rc != 0)
		mesh_error_set(err, s->source, 0, 0, "%s", strbuf_cstr(&c.why));
	pcre2_match_data_free(c.md);
	pcre2_code_free(c.re);
	strbuf_free(&sb);
	strbuf_free(&c.why);
	arena_free(&c.ar);
	return rc;
}
