/* yaml_load: YAML streams (and JSON, a YAML subset here) into node trees
 * with positions, using libyaml. Multi-document streams give one root per
 * non-empty document; anchors, aliases and `<<` merge keys are resolved. */
#ifndef MESHLUA_YAML_LOAD_H
#define MESHLUA_YAML_LOAD_H

#include <stddef.h>

#include "meshlua/arena.h"
#include "meshlua/error.h"
#include "meshlua/node.h"

/* Nesting deeper than this is refused (protects every recursive walker). */
#define YAML_MAX_DEPTH 200

struct yaml_stream {
	struct arena arena; /* owns every node and string of the stream */
	const char *source; /* the name used in errors (a copy in the arena) */
	size_t count;       /* non-empty documents */
	struct node **docs; /* their roots, in order */
	int *doc_lines;     /* line where each document starts */
};

/* Parses len bytes of data named source ("apps.yaml", "<string>"). On
 * success returns 0 and fills *out, which the caller releases with
 * yaml_stream_free. On failure returns -1, fills err with the place
 * (source:line:col) and leaves nothing to free. */
int yaml_load(struct yaml_stream *out, const char *source, const char *data, size_t len,
              struct mesh_error *err);

/* Called by yaml_load_each with the root of each non-empty document as
 * soon as the document is read (line: where it starts), in order. Return 0
 * to be called for the next one, non-zero to be called no more. */
typedef int (*yaml_doc_fn)(void *ctx, const struct node *root, int line);

/* As yaml_load, handing each document to each while the next one is still
 * unread, so that work on a document finds its nodes in the cache. Parsing
 * always goes on to the end, whatever each returns: a YAML error anywhere
 * in data still fails the whole load (then the trees each saw are already
 * freed when this returns: drop what was built from them unread). */
int yaml_load_each(struct yaml_stream *out, const char *source, const char *data, size_t len,
                   yaml_doc_fn each, void *ctx, struct mesh_error *err);

/* Releases everything yaml_load allocated. */
void yaml_stream_free(struct yaml_stream *s);

/* Reads a whole file into a NUL-terminated buffer the caller frees with
 * free(). Returns 0, or -1 with err naming the path and the reason. */
int read_whole_file(const char *path, char **data, size_t *len, struct mesh_error *err);

#endif
