/* xds_json: writing config dump trees back out as text, in the forms the
 * real tools print them:
 * - XDS_JSON_ISTIOCTL: `istioctl proxy-config clusters|listeners|routes|eds
 *   -o json` (each message through legacy jsonpb, then Go's
 *   json.MarshalIndent with 4 spaces): lowerCamel field names, map keys
 *   sorted, <>& escaped as \u003c \u003e \u0026;
 * - XDS_JSON_PROTOJSON: protojson multiline, re-indented with 4 spaces
 *   (`proxy-config ecds -o json`): as ISTIOCTL without the HTML escapes;
 * - XDS_JSON_JSONPB: legacy jsonpb's own Indent output (`proxy-config
 *   bootstrap|secret -o json`), with its odd indentation of maps, Struct
 *   fields and empty messages;
 * - XDS_JSON_ENVOY: Envoy's admin JSON (GET /config_dump): protobuf's C++
 *   JSON printer with add_whitespace and preserve_proto_field_names, as
 *   MessageUtil::getJsonStringFromMessage(msg, true) calls it: snake_case,
 *   one space of indent a level, `"key": value`, "{}" and "[]" for empty
 *   messages and Struct values, empty repeated and map fields of a message
 *   left out, strings escaped as xds_json_quote_envoy says, fields in the
 *   order given.
 * Field names are converted between snake_case and lowerCamel; map keys and
 * the insides of google.protobuf.Struct values (metadata filter_metadata,
 * typed_per_filter_config keys, node metadata, TypedStruct values ...) are
 * data and are never touched (protojson's rule: only field names have a
 * JSON name). No Lua here. */
#ifndef MESHLUA_XDS_JSON_H
#define MESHLUA_XDS_JSON_H

#include <stddef.h>

#include "meshlua/node.h"
#include "meshlua/strbuf.h"

enum xds_json_style { XDS_JSON_ISTIOCTL, XDS_JSON_PROTOJSON, XDS_JSON_JSONPB, XDS_JSON_ENVOY };

struct xds_json_opts {
	enum xds_json_style style;
	int drop_type; /* leave out the top message's "@type" (a typed message, not an Any) */
	int level;     /* indentation level the value starts at (0 at the top) */
};

/* Appends message n (a map) in style. Returns 0, or -1 when memory runs
 * out. */
int xds_write_json(struct strbuf *out, const struct node *n, const struct xds_json_opts *opts);

/* Appends message n in XDS_JSON_ENVOY style starting at level, keeping
 * its empty repeated and map fields ([] and {}), as Envoy's pages printed
 * with always_print_primitive_fields show them. Returns 0 or -1. */
int xds_write_json_envoy_keep_empty(struct strbuf *out, const struct node *n, int level);

/* Appends the count messages as a JSON list in style ("[]" when empty),
 * as istioctl's MessageSlice prints. Returns 0 or -1. */
int xds_write_json_list(struct strbuf *out, const struct node *const *items, size_t count,
                        const struct xds_json_opts *opts);

/* Appends s (len bytes) as a JSON string literal the way protobuf's C++
 * JSON writer escapes it (json/internal/writer.cc, which Envoy's admin
 * pages use): \n \r \t \" \f \b \\ as such; controls, '<', '>', U+007F..
 * U+009F and the invisible or formatting code points as lowercase \u00XX
 * (a surrogate pair above U+FFFF); bytes that are not UTF-8 as a space;
 * '/' and '&' as they are. Returns 0 or -1. */
int xds_json_quote_envoy(struct strbuf *out, const char *s, size_t len);

/* Appends the YAML that sigs.k8s.io/yaml's JSONToYAML makes of the JSON
 * text at json (len bytes): keys sorted, go-yaml v2 quoting and layout.
 * Returns 0, or -1 with nothing appended when json is not valid JSON or
 * memory runs out. */
int xds_json_to_yaml(struct strbuf *out, const char *json, size_t len);

/* The lowerCamel JSON name of proto field snake ("port_value" ->
 * "portValue", "consecutive_5xx" -> "consecutive5xx"), written into buf
 * (cap bytes, NUL-terminated). */
void xds_json_camel(const char *snake, char *buf, size_t cap);

/* The proto field name of JSON name camel ("portValue" -> "port_value"),
 * with the exceptions protoc's naming makes ambiguous ("consecutive5xx" ->
 * "consecutive_5xx"), into buf. */
void xds_json_snake(const char *camel, char *buf, size_t cap);

#endif
