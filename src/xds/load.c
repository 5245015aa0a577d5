/* Loading a snapshot from bytes or a file: JSON (the common case, parsed
 * in place into the snapshot's arena, identical keys sharing one node) or YAML (the form `istioctl
 * ... -o yaml` writes, parsed by yaml_load and copied into the arena), then xds_snapshot_ingest.
 * The format is judged by content, not by name. */
#include <string.h>

#include "meshlua/json_load.h"
#include "meshlua/xds.h"
#include "meshlua/yaml_load.h"

/* 1 when the first significant byte opens a JSON object or array. */
static int looks_like_json(const char *data, size_t len)
{
	size_t i = 0;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
		i++;
	return i < len && (data[i] == '{' || data[i] == '[');
}

/* A deep copy of n in arena (YAML trees live in their stream's arena). */
static struct node *copy_tree(struct arena *a, const struct node *n)
{
	struct node *c = arena_alloc(a, sizeof *c);
	if (!c)
		return NULL;
	*c = *n;
	if (n->str && !(c->str = arena_strndup(a, n->str, n->len)))
		return NULL;
	if (n->type == NODE_MAP && n->len) {
		c->pairs = arena_alloc(a, n->len * sizeof *c->pairs);
		if (!c->pairs)
			return NULL;
		for (size_t i = 0; i < n->len; i++) {
			c->pairs[i].key = copy_tree(a, n->pairs[i].key);
			c->pairs[i].value = copy_tree(a, n->pairs[i].value);
			if (!c->pairs[i].key || !c->pairs[i].value)
				return NULL;
		}
	} else if (n->type == NODE_SEQ && n->len) {
		c->items = arena_alloc(a, n->len * sizeof *c->items);
		if (!c->items)
			return NULL;
		for (size_t i = 0; i < n->len; i++)
			if (!(c->items[i] = copy_tree(a, n->items[i])))
				return NULL;
	}
	return c;
}

/* Parses the YAML at data into a tree in s's arena. */
static int parse_yaml(struct xds_snapshot *s, const char *data, size_t len, struct node **out,
                      struct mesh_error *err)
{
	struct yaml_stream ys;
	if (yaml_load(&ys, s->source, data, len, err) != 0)
		return -1;
	if (ys.count == 0) {
		mesh_error_set(err, s->source, 0, 0, "empty input: no config dump");
		yaml_stream_free(&ys);
		return -1;
	}
	if (ys.count > 1) {
		mesh_error_set(err, s->source, ys.doc_lines[1], 1,
		               "a config dump is one document, this stream has %zu", ys.count);
		yaml_stream_free(&ys);
		return -1;
	}
	*out = copy_tree(&s->arena, ys.docs[0]);
	yaml_stream_free(&ys);
	if (!*out) {
		mesh_error_set(err, s->source, 0, 0, "out of memory reading the dump");
		return -1;
	}
	return 0;
}

/* Parses data (which lives in s's arena, NUL-terminated, writable) and
 * ingests it. */
static int parse_owned(struct xds_snapshot *s, char *data, size_t len, struct mesh_error *err)
{
	struct node *root;
	int rc = looks_like_json(data, len)
	             ? json_parse_ex(&s->arena, s->source, data, len, JSON_SHARED_KEYS, &root, err)
	             : parse_yaml(s, data, len, &root, err);
	return rc == 0 ? xds_snapshot_ingest(s, root, err) : -1;
}

struct xds_snapshot *xds_load(const char *source, const char *data, size_t len,
                              struct mesh_error *err)
{
	struct xds_snapshot *s = xds_snapshot_new(source ? source : "<string>");
	char *copy;
	if (!s) {
		mesh_error_set(err, source, 0, 0, "out of memory");
		return NULL;
	}
	copy = arena_strndup(&s->arena, data, len);
	if (!copy) {
		mesh_error_set(err, s->source, 0, 0, "out of memory copying %zu bytes", len);
		xds_snapshot_unref(s);
		return NULL;
	}
	if (parse_owned(s, copy, len, err) != 0) {
		xds_snapshot_unref(s);
		return NULL;
	}
	return s;
}

struct xds_snapshot *xds_load_file(const char *path, struct mesh_error *err)
{
	struct xds_snapshot *s = xds_snapshot_new(path);
	char *data;
	size_t len;
	if (!s) {
		mesh_error_set(err, path, 0, 0, "out of memory");
		return NULL;
	}
	data = json_read_file(&s->arena, path, &len, err);
	if (!data || parse_owned(s, data, len, err) != 0) {
		xds_snapshot_unref(s);
		return NULL;
	}
	return s;
}

int xds_snapshot_load_clusters(struct xds_snapshot *s, const char *source, const char *data,
                               size_t len, struct mesh_error *err)
{
	struct node *root;
	char *copy = arena_strndup(&s->arena, data, len);
	if (!copy) {
		mesh_error_set(err, source, 0, 0, "out of memory copying %zu bytes", len);
		return -1;
	}
	if (json_parse_ex(&s->arena, source, copy, len, JSON_SHARED_KEYS, &root, err) != 0)
		return -1;
	return xds_snapshot_set_clusters_status(s, source, root, err);
}

int xds_snapshot_load_clusters_file(struct xds_snapshot *s, const char *path,
                                    struct mesh_error *err)
{
	struct node *root;
	size_t len;
	char *data = json_read_file(&s->arena, path, &len, err);
	if (!data || json_parse_ex(&s->arena, path, data, len, JSON_SHARED_KEYS, &root, err) != 0)
		return -1;
	return xds_snapshot_set_clusters_status(s, path, root, err);
}
