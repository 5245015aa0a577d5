/* jsonw: a streaming JSON writer for the admin and ControlZ handlers, in
 * two flavours:
 * - jw_init: indent spaces a level (0: compact), `"key": value`, strings
 *   escaped as JSON requires (ControlZ, Istio's Go server);
 * - jw_init_envoy: Envoy's admin pages, strings escaped as protobuf's C++
 *   JSON writer does (xds_json_quote_envoy); indent 1 is
 *   MessageUtil::getJsonStringFromMessage(msg, true) (one space a level),
 *   indent 0 the compact Json::Streamer of /stats?format=json; jw_node writes
 *   a message subtree in the config dump's style (XDS_JSON_ENVOY).
 * Errors (out of memory) stick: check jw_failed once at the end. Internal
 * to src/net. */
#ifndef MESHLUA_NET_JSONW_H
#define MESHLUA_NET_JSONW_H

#include <stdint.h>

#include "meshlua/node.h"
#include "meshlua/strbuf.h"

#define JW_MAX_DEPTH 64

struct jsonw {
	struct strbuf *out;
	int indent; /* spaces per level; 0 writes compact JSON */
	int depth;
	int count[JW_MAX_DEPTH];   /* values written at each open level */
	char closer[JW_MAX_DEPTH]; /* '}' or ']' for each open level */
	int after_key;             /* a key was written: the next value follows it */
	int envoy;                 /* protobuf's escaping; jw_node as the config dump */
	int keep_empty;            /* envoy: jw_node keeps empty repeated fields
	                              (always_print_primitive_fields) */
	int failed;
};

void jw_init(struct jsonw *w, struct strbuf *out, int indent);
void jw_init_envoy(struct jsonw *w, struct strbuf *out, int indent);
void jw_object(struct jsonw *w);
void jw_array(struct jsonw *w);
void jw_end(struct jsonw *w); /* closes the innermost object or array */
void jw_key(struct jsonw *w, const char *key);
void jw_string(struct jsonw *w, const char *s);
void jw_int(struct jsonw *w, long long v);
/* A 64-bit integer as protobuf's JSON mapping writes it: a string. */
void jw_u64_string(struct jsonw *w, uint64_t v);
void jw_double(struct jsonw *w, double v);
void jw_bool(struct jsonw *w, int v);
void jw_null(struct jsonw *w);
/* A whole node tree as the next value, indented to the current level. */
void jw_node(struct jsonw *w, const struct node *n);
/* Shorthands: key then value. */
void jw_kv_string(struct jsonw *w, const char *key, const char *s);
void jw_kv_int(struct jsonw *w, const char *key, long long v);
/* 1 when something failed (out of memory, nesting too deep). */
int jw_failed(const struct jsonw *w);

#endif
