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

#include "admin_dump.h"
#include "admin_int.h"
#include "meshlua/arena.h"
#include "meshlua/xds_json.h"

/* ---- endpoints built from the clusters (?include_eds on a dump without them) */

/* An EndpointsConfigDump from the live clusters' hosts, as Envoy builds it
 * from its host sets: the CLA named after eds_service_name or the cluster,
 * static or dynamic as the cluster was added. */
static const struct node *endpoints_dump(struct arena *ar, struct xds_snapshot *snap)
{
	size_t n = snap->count[XDS_CLUSTER], ns = 0, nd = 0;
	struct node *dump = admin_node_new(ar, NODE_MAP, 3);
	struct node *st = admin_node_new(ar, NODE_SEQ, n), *dy = admin_node_new(ar, NODE_SEQ, n);
	struct node *type = admin_node_str(ar, ADMIN_TYPE "EndpointsConfigDump");
	if (!dump || !st || !dy || !type)
		return NULL;
	admin_node_put(dump, admin_node_str(ar, "@type"), type);
	for (size_t i = 0; i < n; i++) {
		const struct xds_resource *r = &snap->items[XDS_CLUSTER][i];
		const struct node *cla, *service;
		struct node *out, *wrap;
		if (!admin_resource_live(r))
			continue;
		cla = admin_cluster_assignment(snap, r->json);
		service = node_field(node_field(r->json, "eds_cluster_config"), "service_name");
		out =
		    admin_node_new(ar, NODE_MAP, (cla && cla->type == NODE_MAP ? cla->len : 0) + 2);
		wrap = admin_node_new(ar, NODE_MAP, 1);
		if (!out || !wrap)
			return NULL;
		admin_node_put(out, admin_node_str(ar, "@type"),
		               admin_node_str(ar,
		                              "type.googleapis.com/"
		                              "envoy.config.endpoint.v3.ClusterLoadAssignment"));
		admin_node_put(out, admin_node_str(ar, "cluster_name"),
		               admin_node_str(ar, node_text(service) && *node_text(service)
		                                      ? node_text(service)
		                                      : r->name));
		for (size_t j = 0; cla && cla->type == NODE_MAP && j < cla->len; j++) {
			const char *k = cla->pairs[j].key->str;
			if (strcmp(k, "@type") != 0 && !node_field_name_is(k, "cluster_name"))
				admin_node_put(out, cla->pairs[j].key, cla->pairs[j].value);
		}
		admin_node_put(wrap, admin_node_str(ar, "endpoint_config"), out);
		if (r->state == XDS_STATIC)
			st->items[st->len++] = wrap;
		else
			dy->items[dy->len++] = wrap;
		ns = st->len;
		nd = dy->len;
	}
	if (ns)
		admin_node_put(dump, admin_node_str(ar, "static_endpoint_configs"), st);
	if (nd)
		admin_node_put(dump, admin_node_str(ar, "dynamic_endpoint_configs"), dy);
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
		l->types[l->count] = admin_dump_type_of(dump);
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
		struct node *b = admin_node_new(ar, NODE_MAP, 2);
		if (!b)
			return -1;
		admin_node_put(b, admin_node_str(ar, "@type"),
		               admin_node_str(ar, ADMIN_TYPE "BootstrapConfigDump"));
		admin_node_put(b, admin_node_str(ar, "bootstrap"), node_field(root, "bootstrap"));
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
		if (mask && !admin_mask_fits_element(mask, field->element)) {
			http_response_text(resp, 400, "FieldMask ");
			admin_mask_debug_string(&resp->body, mask_text);
			strbuf_puts(&resp->body, " could not be successfully used.");
			return;
		}
		seq = node_field(l->items[i], resource);
		configs = admin_node_new(ar, NODE_SEQ, seq && seq->type == NODE_SEQ ? seq->len : 0);
		if (!configs)
			goto oom;
		for (size_t j = 0; seq && seq->type == NODE_SEQ && j < seq->len; j++) {
			const struct node *el = seq->items[j];
			struct node *any = admin_node_new(ar, NODE_MAP, el->len + 1);
			char type[256];
			if (!any)
				goto oom;
			snprintf(type, sizeof type, "%s%s.%s", ADMIN_TYPE, dt->type,
			         field->element->name);
			admin_node_put(any, admin_node_str(ar, "@type"), admin_node_str(ar, type));
			if (mask && !(el = admin_mask_trim(ar, el, mask)))
				goto oom;
			for (size_t k = 0; el->type == NODE_MAP && k < el->len; k++)
				admin_node_put(any, el->pairs[k].key, el->pairs[k].value);
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
	if (mask_text && !(mask = admin_mask_parse(&ar, mask_text)))
		goto oom;
	l = arena_calloc(&ar, 1, sizeof *l);
	if (!l || collect_dumps(&ar, snap, include_eds, l) != 0)
		goto oom;
	for (size_t i = 0; i < l->count; i++)
		if (!(l->items[i] = admin_dump_filter_names(&ar, l->items[i], l->types[i], re, md)))
			goto oom;
	if (resource) {
		by_resource(&ar, l, resource, mask_text, mask, resp);
	} else {
		struct node *configs = admin_node_new(&ar, NODE_SEQ, l->count);
		if (!configs)
			goto oom;
		for (size_t i = 0; i < l->count; i++) {
			const struct node *d = l->items[i];
			/* A mask that does not fit a dump's type leaves that dump out. */
			if (mask && !admin_mask_fits_dump(mask, l->types[i]))
				continue;
			if (mask && !(d = admin_mask_trim(&ar, d, mask)))
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
