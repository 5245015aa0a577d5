/* Objects of the store: allocation, reference counting, their arena, the
 * replaceable label block, and the shared parsed inputs (mesh_doc) whose
 * node trees objects point into. Also the object vectors of the store. */
#include <stdlib.h>
#include <string.h>

#include "mesh_internal.h"

/* The block size of an object's arena: about what a typical object of the
 * kind puts there (its index key; a Service's ports, a workload's template
 * parts ...), so that 20,000 objects waste little. Requests bigger than a
 * quarter block get blocks of their own. */
static size_t arena_block_for(enum mesh_kind kind)
{
	switch (kind) {
	case MESH_SERVICE:
		return 384;
	case MESH_DEPLOYMENT:
	case MESH_STATEFULSET:
	case MESH_DAEMONSET:
		return 640;
	case MESH_POD:
		return 320;
	case MESH_DESTINATIONRULE:
		return 192;
	default:
		return 64; /* the key, a label set */
	}
}

struct mesh_object *object_new(enum mesh_kind kind)
{
	struct mesh_object *o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->kind = kind;
	o->refs = 1;
	o->name = o->namespace_ = o->api_version = "";
	arena_init(&o->arena, arena_block_for(kind));
	return o;
}

char *object_strdup(struct mesh_object *o, const char *s)
{
	return s ? arena_strdup(&o->arena, s) : NULL;
}

int object_set_labels(struct mesh_object *o, const struct mesh_label *pairs, size_t n)
{
	static const struct mesh_label none[1];
	struct mesh_labels labels = {0, none};
	void *block = NULL;
	/* Most objects have no labels: no block then (20,000 of them in one
	 * apply would be 20,000 mallocs). */
	if (n && !(block = labels_block_new(pairs, n, &labels)))
		return -1;
	free(o->labels_block);
	o->labels_block = block;
	o->labels = labels;
	return 0;
}

void mesh_object_ref(struct mesh_object *o)
{
	o->refs++;
}

void mesh_object_unref(struct mesh_object *o)
{
	if (!o || --o->refs > 0)
		return;
	free(o->labels_block);
	mesh_object_unref(o->borrowed);
	if (o->doc)
		mesh_doc_unref(o->doc);
	arena_free(&o->arena);
	free(o);
}

const struct node *mesh_object_spec(const struct mesh_object *o)
{
	return node_get(o->manifest, "spec");
}

void mesh_doc_ref(struct mesh_doc *d)
{
	d->refs++;
}

void mesh_doc_unref(struct mesh_doc *d)
{
	if (!d || --d->refs > 0)
		return;
	yaml_stream_free(&d->stream);
	free(d);
}

/* ---- vectors ----------------------------------------------------------- */

int objvec_reserve(struct objvec *v, size_t extra)
{
	size_t need = v->count + extra, cap = v->cap ? v->cap : 8;
	struct mesh_object **items;
	if (need <= v->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	items = realloc(v->items, cap * sizeof *items);
	if (!items)
		return -1;
	v->items = items;
	v->cap = cap;
	return 0;
}

int objvec_push(struct objvec *v, struct mesh_object *o)
{
	if (objvec_reserve(v, 1) != 0)
		return -1;
	v->items[v->count++] = o;
	return 0;
}

long objvec_find_uid(const struct objvec *v, uint64_t uid)
{
	size_t lo = 0, hi = v->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t u = v->items[mid]->uid;
		if (u == uid)
			return (long)mid;
		if (u < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void objvec_compact(struct objvec *v)
{
	size_t j = 0;
	for (size_t i = 0; i < v->count; i++)
		if (!v->items[i]->deleted)
			v->items[j++] = v->items[i];
	v->count = j;
}

void objvec_free(struct objvec *v)
{
	free(v->items);
	v->items = NULL;
	v->count = v->cap = 0;
}
