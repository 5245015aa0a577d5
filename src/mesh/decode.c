/* Manifest documents into objects: the common part (apiVersion, kind,
 * metadata), the field getters every kind's decoder uses, and the dispatch
 * to the kinds' decoders. Errors name the input, the place, the object and
 * the field, as `apps.yaml:14:3: Service "customers": spec.ports[0].port:
 * must be an integer, got string "eighty"`. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

int dc_fail(struct dctx *c, const struct node *at, const char *path, const char *fmt, ...)
{
	char what[700], who[300];
	va_list ap;
	if (!at || at->line == 0)
		at = c->doc;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (c->name && c->name[0])
		snprintf(who, sizeof who, "%s \"%s\"", c->kind, c->name);
	else
		snprintf(who, sizeof who, "%s", c->kind);
	mesh_error_set(c->err, c->source, at ? at->line : 0, at ? at->column : 0, "%s: %s%s%s", who,
	               path && path[0] ? path : "", path && path[0] ? ": " : "", what);
	return -1;
}

/* Appends the len bytes at s to buf as snprintf would (what does not fit
 * in cap - 1 bytes is dropped); returns the length so far, fitting or not. */
static size_t path_put(char *buf, size_t cap, size_t n, const char *s, size_t len)
{
	if (n + 1 < cap)
		memcpy(buf + n, s, len < cap - 1 - n ? len : cap - 1 - n);
	return n + len;
}

char *dc_pathf(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = 0;
	va_list ap, again;
	va_start(ap, fmt);
	va_copy(again, ap);
	for (const char *f = fmt; *f;) {
		char digits[24], *d = digits + sizeof digits;
		const char *pct = strchr(f, '%');
		if (!pct) {
			n = path_put(buf, cap, n, f, strlen(f));
			break;
		}
		n = path_put(buf, cap, n, f, (size_t)(pct - f));
		if (pct[1] == 's') {
			const char *arg = va_arg(ap, const char *);
			n = path_put(buf, cap, n, arg, strlen(arg));
			f = pct + 2;
		} else if (pct[1] == 'z' && pct[2] == 'u') {
			size_t v = va_arg(ap, size_t);
			do {
				*--d = (char)('0' + v % 10);
				v /= 10;
			} while (v);
			n = path_put(buf, cap, n, d, (size_t)(digits + sizeof digits - d));
			f = pct + 3;
		} else if (pct[1] == '%') {
			n = path_put(buf, cap, n, "%", 1);
			f = pct + 2;
		} else {
			/* Not a path format: the real thing, from the start. */
			vsnprintf(buf, cap, fmt, again);
			va_end(again);
			va_end(ap);
			return buf;
		}
	}
	va_end(again);
	va_end(ap);
	if (cap)
		buf[n < cap ? n : cap - 1] = '\0';
	return buf;
}

char *dc_path_join(char *buf, size_t cap, const char *path, const char *suffix)
{
	size_t n = strlen(path);
	if (cap == 0)
		return buf;
	if (n > cap - 1)
		n = cap - 1;
	memcpy(buf, path, n);
	for (; *suffix && n + 1 < cap; suffix++)
		buf[n++] = *suffix;
	buf[n] = '\0';
	return buf;
}

const struct node *dc_get(const struct node *map, const char *key)
{
	const struct node *v = node_get(map, key);
	if (v && v->type == NODE_SCALAR && v->tag == NODE_TAG_NULL)
		return NULL;
	return v;
}

/* A short rendering of a wrong value for messages: `string "eighty"`. */
static void describe(const struct node *n, char *buf, size_t cap)
{
	if (n->type == NODE_SCALAR)
		snprintf(buf, cap, "%s %s%.60s%s", node_type_name(n),
		         n->tag == NODE_TAG_STR ? "\"" : "", n->str,
		         n->tag == NODE_TAG_STR ? "\"" : "");
	else
		snprintf(buf, cap, "%s", node_type_name(n));
}

static int want(struct dctx *c, const struct node *v, const char *path, const char *type)
{
	char got[100];
	describe(v, got, sizeof got);
	return dc_fail(c, v, path, "must be %s, got %s", type, got);
}

static int fetch(struct dctx *c, const struct node *parent, const char *key, const char *path,
                 int required, const struct node **out)
{
	*out = dc_get(parent, key);
	if (!*out && required)
		return dc_fail(c, parent, path, "Required value");
	return 0;
}

int dc_map(struct dctx *c, const struct node *parent, const char *key, const char *path,
           int required, const struct node **out)
{
	if (fetch(c, parent, key, path, required, out) != 0)
		return -1;
	if (*out && (*out)->type != NODE_MAP)
		return want(c, *out, path, "a map");
	return 0;
}

int dc_seq(struct dctx *c, const struct node *parent, const char *key, const char *path,
           int required, const struct node **out)
{
	if (fetch(c, parent, key, path, required, out) != 0)
		return -1;
	if (*out && (*out)->type != NODE_SEQ)
		return want(c, *out, path, "a list");
	return 0;
}

int dc_str(struct dctx *c, const struct node *parent, const char *key, const char *path,
           int required, const char **out)
{
	const struct node *v;
	*out = NULL;
	if (fetch(c, parent, key, path, required, &v) != 0)
		return -1;
	if (!v)
		return 0;
	if (!node_is_str(v))
		return want(c, v, path, "a string");
	if (required && !v->str[0])
		return dc_fail(c, v, path, "Required value");
	*out = v->str;
	return 0;
}

int dc_int(struct dctx *c, const struct node *parent, const char *key, const char *path,
           int required, long long lo, long long hi, long long *out, int *present)
{
	const struct node *v;
	if (present)
		*present = 0;
	if (fetch(c, parent, key, path, required, &v) != 0)
		return -1;
	if (!v)
		return 0;
	if (node_int(v, out) != 0)
		return want(c, v, path, "an integer");
	if (*out < lo || *out > hi)
		return dc_fail(c, v, path,
		               "Invalid value: %lld: must be between %lld and %lld, "
		               "inclusive",
		               *out, lo, hi);
	if (present)
		*present = 1;
	return 0;
}

int dc_bool(struct dctx *c, const struct node *parent, const char *key, const char *path, int *out,
            int *present)
{
	const struct node *v = dc_get(parent, key);
	if (present)
		*present = v != NULL;
	if (!v)
		return 0;
	if (node_bool(v, out) != 0)
		return want(c, v, path, "a boolean");
	return 0;
}

int dc_enum(struct dctx *c, const struct node *parent, const char *key, const char *path,
            const char *const *values, const char *fallback, const char **out)
{
	char list[300] = "";
	if (dc_str(c, parent, key, path, 0, out) != 0)
		return -1;
	if (!*out || !(*out)[0]) {
		*out = fallback;
		return 0;
	}
	for (const char *const *v = values; *v; v++)
		if (strcmp(*v, *out) == 0)
			return 0;
	for (const char *const *v = values; *v; v++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"",
		         v == values ? "" : ", ", *v);
	return dc_fail(c, node_get(parent, key), path,
	               "Unsupported value: \"%s\": supported values: %s", *out, list);
}

/* Checks that map (a map) holds strings (label values when is_labels) and
 * points pairs[i] at its keys and values. Returns 0 or -1 with c->err. */
static int string_pairs(struct dctx *c, const struct node *map, const char *path, int is_labels,
                        struct mesh_label *pairs)
{
	char sub[300];
	for (size_t i = 0; i < map->len; i++) {
		const struct node *k = map->pairs[i].key, *v = map->pairs[i].value;
		const char *problem = label_key_problem(k->str);
		if (problem)
			return dc_fail(c, k, path, "Invalid value: \"%s\": %s", k->str, problem);
		pairs[i].key = k->str;
		pairs[i].value = "";
		if (v->type == NODE_SCALAR && v->tag == NODE_TAG_NULL)
			continue;
		if (!node_is_str(v))
			return want(c, v, dc_pathf(sub, sizeof sub, "%s.%s", path, k->str),
			            "a string (quote it)");
		if (is_labels && (problem = label_value_problem(v->str)))
			return dc_fail(c, v, dc_pathf(sub, sizeof sub, "%s.%s", path, k->str),
			               "Invalid value: \"%s\": %s", v->str, problem);
		pairs[i].value = v->str;
	}
	return 0;
}

int dc_string_map(struct dctx *c, const struct node *map, const char *path, int is_labels,
                  struct mesh_labels *out)
{
	struct mesh_label stack[32], *pairs; /* small maps need no malloc */
	int rc;
	out->count = 0;
	out->items = NULL;
	if (!map || map->len == 0)
		return labels_build(&c->o->arena, NULL, 0, out) == 0
		           ? 0
		           : dc_fail(c, map, path, "out of memory");
	if (map->type != NODE_MAP)
		return want(c, map, path, "a map of strings");
	pairs = map->len <= sizeof stack / sizeof *stack ? stack : malloc(map->len * sizeof *pairs);
	if (!pairs)
		return dc_fail(c, map, path, "out of memory");
	rc = string_pairs(c, map, path, is_labels, pairs);
	if (rc == 0 && labels_build(&c->o->arena, pairs, map->len, out) != 0)
		rc = dc_fail(c, map, path, "out of memory");
	if (pairs != stack)
		free(pairs);
	return rc;
}

const char *iana_svc_name_problem(const char *s)
{
	size_t n = strlen(s);
	int letter = 0;
	if (n == 0 || n > 15)
		return "must be no more than 15 characters";
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch >= 'a' && ch <= 'z')
			letter = 1;
		else if (!(ch >= '0' && ch <= '9') && ch != '-')
			return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens "
			       "(-)";
		if (ch == '-' && i + 1 < n && s[i + 1] == '-')
			return "must not contain consecutive hyphens";
	}
	if (!letter)
		return "must contain at least one letter (a-z)";
	if (s[0] == '-' || s[n - 1] == '-')
		return "must not begin or end with a hyphen";
	return NULL;
}

/* ---- the common part --------------------------------------------------- */

static int read_type(struct dctx *c, const struct node *doc, enum mesh_kind *kind)
{
	const struct node *av = dc_get(doc, "apiVersion"), *k = dc_get(doc, "kind");
	if (!av || !k || !node_is_str(av) || !node_is_str(k) || !av->str[0] || !k->str[0]) {
		const char *missing = !k || !node_is_str(k) || !k->str[0]
		                          ? (!av || !node_is_str(av) || !av->str[0]
		                                 ? "apiVersion not set, kind not set"
		                                 : "kind not set")
		                          : "apiVersion not set";
		mesh_error_set(c->err, c->source, doc->line, doc->column,
		               "error validating data: [%s]", missing);
		return -1;
	}
	if (mesh_kind_from_manifest(av->str, k->str, kind) != 0) {
		mesh_error_set(c->err, c->source, k->line, k->column,
		               "no matches for kind \"%s\" in version \"%s\"", k->str, av->str);
		return -1;
	}
	c->kind = mesh_kind_info(*kind)->kind;
	return 0;
}

static const char *name_problem(enum mesh_kind kind, const char *name)
{
	if (kind == MESH_NAMESPACE)
		return dns_label_problem(name);
	if (kind == MESH_SERVICE)
		return dns1035_label_problem(name);
	return dns_subdomain_problem(name);
}

/* apiVersion, kind, metadata.{name, namespace}. */
static int read_identity(struct dctx *c, const struct node *doc, const char *default_ns,
                         enum mesh_kind *kind, const char **ns, const char **name)
{
	const struct node *meta;
	const char *problem;
	if (doc->type != NODE_MAP) {
		mesh_error_set(c->err, c->source, doc->line, doc->column,
		               "expected a manifest (a map with apiVersion and kind), got %s",
		               node_type_name(doc));
		return -1;
	}
	if (read_type(c, doc, kind) != 0)
		return -1;
	if (dc_map(c, doc, "metadata", "metadata", 1, &meta) != 0 ||
	    dc_str(c, meta, "name", "metadata.name", 0, name) != 0)
		return -1;
	if (!*name || !(*name)[0])
		return dc_fail(c, meta, "metadata.name",
		               "Required value: name is required (kubectl apply does not support "
		               "generateName)");
	c->name = *name;
	if ((problem = name_problem(*kind, *name)))
		return dc_fail(c, node_get(meta, "name"), "metadata.name",
		               "Invalid value: \"%s\": %s", *name, problem);
	if (dc_str(c, meta, "namespace", "metadata.namespace", 0, ns) != 0)
		return -1;
	if (!mesh_kind_info(*kind)->namespaced) {
		*ns = "";
		return 0;
	}
	if (!*ns || !(*ns)[0])
		*ns = default_ns ? default_ns : "default";
	if ((problem = dns_label_problem(*ns)))
		return dc_fail(c, node_get(meta, "namespace"), "metadata.namespace",
		               "Invalid value: \"%s\": %s", *ns, problem);
	return 0;
}

int decode_identity(const struct node *doc, const char *source, const char *default_ns,
                    enum mesh_kind *kind, const char **ns, const char **name,
                    struct mesh_error *err)
{
	struct dctx c = {NULL, source, "object", "", doc, err};
	return read_identity(&c, doc, default_ns, kind, ns, name);
}

struct mesh_object *decode_object(const struct node *doc, const char *source, const char *ns,
                                  struct mesh_error *err)
{
	struct dctx c = {NULL, source, "object", "", doc, err};
	enum mesh_kind kind;
	const char *name, *api_version;
	const struct node *meta, *spec;
	int rc;
	if (read_identity(&c, doc, ns, &kind, &ns, &name) != 0)
		return NULL;
	c.o = object_new(kind);
	if (!c.o) {
		mesh_error_set(err, source, doc->line, doc->column, "out of memory");
		return NULL;
	}
	dc_str(&c, doc, "apiVersion", "apiVersion", 1, &api_version);
	c.o->name = name;
	c.o->namespace_ = ns;
	c.o->api_version = api_version;
	c.o->manifest = doc;
	c.o->source = source;
	c.o->applied = 1;
	meta = dc_get(doc, "metadata");
	if (dc_string_map(&c, dc_get(meta, "annotations"), "metadata.annotations", 0,
	                  &c.o->annotations) != 0)
		goto fail;
	if (kind == MESH_NAMESPACE) {
		rc = decode_namespace(&c, doc);
	} else {
		struct mesh_labels labels;
		rc = dc_string_map(&c, dc_get(meta, "labels"), "metadata.labels", 1, &labels);
		if (rc == 0 && object_set_labels(c.o, labels.items, labels.count) != 0)
			rc = dc_fail(&c, meta, "metadata.labels", "out of memory");
	}
	if (rc != 0)
		goto fail;
	if (kind != MESH_NAMESPACE && kind != MESH_SERVICEACCOUNT &&
	    dc_map(&c, doc, "spec", "spec", 0, &spec) != 0)
		goto fail;
	switch (kind) {
	case MESH_NAMESPACE:
	case MESH_SERVICEACCOUNT:
		rc = 0;
		break;
	case MESH_SERVICE:
		rc = decode_service(&c, spec);
		break;
	case MESH_DEPLOYMENT:
	case MESH_STATEFULSET:
	case MESH_DAEMONSET:
		rc = decode_workload(&c, spec);
		break;
	case MESH_POD:
		rc = decode_pod(&c, spec);
		break;
	default:
		rc = decode_istio(&c, spec);
		break;
	}
	if (rc != 0)
		goto fail;
	return c.o;
fail:
	mesh_object_unref(c.o);
	return NULL;
}
