/* Private to src/mesh/: reading manifest fields with type checks and
 * positioned errors ("source:line:col: Kind "name": path: problem"). Each
 * getter returns 0 (the field is absent or null: *out stays NULL/unset when
 * optional) or -1 with the error recorded in c->err. */
#ifndef MESHLUA_MESH_DECODE_H
#define MESHLUA_MESH_DECODE_H

#include "mesh_internal.h"

struct dctx {
	struct mesh_object *o;  /* the object being built */
	const char *source;     /* input name for errors */
	const char *kind;       /* "Service" */
	const char *name;       /* the object's name; "" until known */
	const struct node *doc; /* the whole manifest (fallback position) */
	struct mesh_error *err;
};

/* Records an error at node at (the manifest when NULL) about field path. */
int dc_fail(struct dctx *c, const struct node *at, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* snprintf for field paths ("spec.ports[0].name"): the same output for
 * formats of plain %s and %zu conversions, at a small fraction of the cost
 * (a path is built for every field checked, and an apply of 20,000 objects
 * checks hundreds of thousands). Other conversions go to vsnprintf.
 * Returns buf. */
char *dc_pathf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The path of a field under path: path followed by suffix (".host"), as
 * snprintf "%s%s" writes it, without the cost of a format. Returns buf. */
char *dc_path_join(char *buf, size_t cap, const char *path, const char *suffix);

/* The value of key in map, NULL when absent or null. */
const struct node *dc_get(const struct node *map, const char *key);

int dc_map(struct dctx *c, const struct node *parent, const char *key, const char *path,
           int required, const struct node **out);
int dc_seq(struct dctx *c, const struct node *parent, const char *key, const char *path,
           int required, const struct node **out);
int dc_str(struct dctx *c, const struct node *parent, const char *key, const char *path,
           int required, const char **out);
/* An integer in [lo, hi]; *present says whether it was given. */
int dc_int(struct dctx *c, const struct node *parent, const char *key, const char *path,
           int required, long long lo, long long hi, long long *out, int *present);
int dc_bool(struct dctx *c, const struct node *parent, const char *key, const char *path, int *out,
            int *present);
/* A map of strings (labels when is_labels, else annotations) into out,
 * copied into the object's arena. Absent: empty. */
int dc_string_map(struct dctx *c, const struct node *map, const char *path, int is_labels,
                  struct mesh_labels *out);
/* A string that must be one of the NULL-terminated values. */
int dc_enum(struct dctx *c, const struct node *parent, const char *key, const char *path,
            const char *const *values, const char *fallback, const char **out);

/* IANA service names (named ports): 1-15 characters, lowercase letters,
 * digits and '-', at least one letter, no "--", no '-' at either end. */
const char *iana_svc_name_problem(const char *s);

/* The kinds' decoders (decode_core.c, decode_workload.c, decode_istio.c). */
int decode_namespace(struct dctx *c, const struct node *doc);
int decode_service(struct dctx *c, const struct node *spec);
int decode_workload(struct dctx *c, const struct node *spec);
int decode_pod(struct dctx *c, const struct node *spec);
int decode_istio(struct dctx *c, const struct node *spec);

#endif
