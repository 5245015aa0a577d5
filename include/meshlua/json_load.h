/* json_load: JSON text (RFC 8259) into node trees with positions, fast
 * enough for 300 MB Envoy config dumps: one pass, nodes bump-allocated in
 * the caller's arena, strings unescaped in place inside the input buffer
 * (no copy, no per-node malloc). Every error names the input, line:column
 * and byte offset. The trees are the same `struct node` that yaml_load
 * builds (maps keep key order and duplicate keys; scalars are tagged STR,
 * INT, FLOAT, BOOL or NULL). */
#ifndef MESHLUA_JSON_LOAD_H
#define MESHLUA_JSON_LOAD_H

#include <stddef.h>

#include "meshlua/arena.h"
#include "meshlua/error.h"
#include "meshlua/node.h"

/* Nesting deeper than this is refused, so every recursive walker of a tree
 * (printing, comparing, converting) is safe from stack exhaustion. */
#define JSON_MAX_DEPTH 200

/* Parses the len bytes at data in place: data must be writable, have
 * data[len] == '\0', and live as long as the tree (string nodes point into
 * it; their closing quotes become NULs and escapes are decoded over the
 * text). Nodes go into arena. source names the input in errors ("dump.json",
 * a URL, "<string>").
 * On success returns 0 and sets *out to the root. On failure returns -1 and
 * fills err (source:line:col, the byte offset in err->offset and in the
 * message); data is then partly rewritten and the arena may hold part of a
 * tree, released with the arena. */
int json_parse_insitu(struct arena *arena, const char *source, char *data, size_t len,
                      struct node **out, struct mesh_error *err);

/* Flags of json_parse_ex. */
enum {
	/* Identical object keys share one node, whose line and column are those
	 * of the first occurrence: config dumps repeat a few hundred keys
	 * millions of times, and sharing them saves a third of the memory. */
	JSON_SHARED_KEYS = 1
};

/* json_parse_insitu with flags. */
int json_parse_ex(struct arena *arena, const char *source, char *data, size_t len, unsigned flags,
                  struct node **out, struct mesh_error *err);

/* As json_parse_insitu over a copy of data made in arena (data is left as
 * it is and need not be NUL-terminated). */
int json_parse(struct arena *arena, const char *source, const char *data, size_t len,
               struct node **out, struct mesh_error *err);

/* Reads the file at path into arena (one allocation of exactly its size for
 * regular files) and returns the NUL-terminated bytes, *len set to their
 * count; NULL with err naming the path and the reason. */
char *json_read_file(struct arena *arena, const char *path, size_t *len, struct mesh_error *err);

/* json_read_file, then json_parse_insitu with path as the source. Returns 0
 * or -1 as json_parse_insitu. */
int json_load_file(struct arena *arena, const char *path, struct node **out,
                   struct mesh_error *err);

#endif
