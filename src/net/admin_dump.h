/* Internal to /config_dump (admin_config_dump.c, admin_dump_shape.c): what
 * Envoy's ConfigDump protos declare (which fields are repeated, what their
 * elements are), FieldMasks over JSON trees, name_regex filtering, and
 * building answer trees in a request's arena that share the snapshot's
 * subtrees without changing them. */
#ifndef MESHLUA_NET_ADMIN_DUMP_H
#define MESHLUA_NET_ADMIN_DUMP_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "meshlua/arena.h"
#include "meshlua/node.h"
#include "meshlua/strbuf.h"

#define ADMIN_TYPE "type.googleapis.com/envoy.admin.v3."

/* What Envoy's ConfigDump protos declare, for resource= and mask=: a dump's
 * repeated resource fields and their element messages, and each element's
 * fields (the one holding an Any marked with '*'). */
struct element_type {
	const char *name;            /* "DynamicCluster" */
	const char *const fields[8]; /* "*cluster", "version_info" ... */
};

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

/* A FieldMask as a tree: each node a field name and its sub-masks. A node
 * with no children keeps the whole field. */
struct mask {
	const char *name;
	size_t count;
	struct mask *children[32];
	int unusable; /* an empty path component or more paths than we keep: fits nothing */
};

/* The ConfigDump type of a dump map (by its "@type"), or NULL. */
const struct dump_type *admin_dump_type_of(const struct node *dump);

/* A string scalar (copied into ar), or NULL when out of memory. */
struct node *admin_node_str(struct arena *ar, const char *s);

/* An empty map or list with room for cap entries, or NULL. */
struct node *admin_node_new(struct arena *ar, enum node_type type, size_t cap);

/* Adds key: value to a map made by admin_node_new (value is shared, never
 * written). A NULL key or value (out of memory) is skipped. */
void admin_node_put(struct node *map, struct node *key, const struct node *value);

/* dump with each repeated resource field reduced to the elements whose
 * resource name re matches in full (the dump itself when re is NULL), or
 * NULL when out of memory. */
const struct node *admin_dump_filter_names(struct arena *ar, const struct node *dump,
                                           const struct dump_type *dt, pcre2_code *re,
                                           pcre2_match_data *md);

/* Parses "a.b,c" (FieldMaskUtil::FromString), or NULL when out of memory. */
struct mask *admin_mask_parse(struct arena *ar, const char *text);

/* msg keeping only what m names ("@type" always), or NULL when out of memory. */
const struct node *admin_mask_trim(struct arena *ar, const struct node *msg, const struct mask *m);

/* 1 when m fits a dump of type dt (each path names one of its fields; only
 * message fields have sub-paths), as Envoy checks before TrimMessage. */
int admin_mask_fits_dump(const struct mask *m, const struct dump_type *dt);

/* 1 when m fits an element of a repeated dump field (and may enter its Any). */
int admin_mask_fits_element(const struct mask *m, const struct element_type *et);

/* Appends Envoy's FieldMask DebugString of text: `paths: "a.b"\n` per path. */
void admin_mask_debug_string(struct strbuf *out, const char *text);

#endif
