/* GET /server_info: admin.v3.ServerInfo as Envoy's handlerServerInfo
 * (source/server/admin/server_info_handler.cc) writes it:
 * MessageUtil::getJsonStringFromMessageOrError(server_info, true, true),
 * i.e. protobuf's JSON printer with whitespace (one space a level, a newline
 * at the end) and always_print_primitive_fields: every field without
 * presence is printed, default or not (scalars, enums, repeated fields as
 * [], maps as {}), fields in field-number order; message fields only when
 * set. The node comes from the snapshot's bootstrap, completed with the
 * defaults that option prints; the command line is the one pilot-agent
 * gives a sidecar's Envoy. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin_int.h"
#include "jsonw.h"
#include "meshlua/arena.h"

/* How a field of a message is printed when the tree lacks it. */
enum field_kind {
	F_STRING,  /* "" */
	F_UINT,    /* 0 */
	F_BOOL,    /* false */
	F_LIST,    /* [] */
	F_MAP,     /* {} */
	F_MESSAGE, /* has presence: left out */
};

struct field {
	const char *name;
	enum field_kind kind;
	const struct field *schema; /* a message (or list of messages) with its own schema */
};

/* The fields of the envoy.config.core.v3 messages a Node holds, in field
 * number order (base.proto); oneofs and messages have presence. */
static const struct field semantic_version[] = {
    {"major_number", F_UINT, NULL},
    {"minor_number", F_UINT, NULL},
    {"patch", F_UINT, NULL},
    {NULL, 0, NULL},
};
static const struct field build_version[] = {
    {"version", F_MESSAGE, semantic_version},
    {"metadata", F_MESSAGE, NULL},
    {NULL, 0, NULL},
};
static const struct field extension[] = {
    {"name", F_STRING, NULL},
    {"category", F_STRING, NULL},
    {"type_descriptor", F_STRING, NULL},
    {"version", F_MESSAGE, build_version},
    {"disabled", F_BOOL, NULL},
    {"type_urls", F_LIST, NULL},
    {NULL, 0, NULL},
};
static const struct field locality[] = {
    {"region", F_STRING, NULL},
    {"zone", F_STRING, NULL},
    {"sub_zone", F_STRING, NULL},
    {NULL, 0, NULL},
};
static const struct field node_fields[] = {
    {"id", F_STRING, NULL},
    {"cluster", F_STRING, NULL},
    {"metadata", F_MESSAGE, NULL},
    {"locality", F_MESSAGE, locality},
    {"user_agent_name", F_STRING, NULL},
    {"user_agent_version", F_MESSAGE, NULL}, /* oneof user_agent_version_type */
    {"user_agent_build_version", F_MESSAGE, build_version},
    {"extensions", F_LIST, extension},
    {"client_features", F_LIST, NULL},
    {"listening_addresses", F_LIST, NULL},
    {"dynamic_parameters", F_MAP, NULL},
    {NULL, 0, NULL},
};

static struct node *new_node(struct arena *ar, enum node_type type, enum node_tag tag,
                             const char *str, size_t cap)
{
	struct node *n = arena_calloc(ar, 1, sizeof *n);
	if (!n)
		return NULL;
	n->type = type;
	n->tag = tag;
	n->str = str;
	n->len = str ? strlen(str) : 0;
	if (type == NODE_MAP && !(n->pairs = arena_calloc(ar, cap ? cap : 1, sizeof *n->pairs)))
		return NULL;
	if (type == NODE_SEQ && !(n->items = arena_calloc(ar, cap ? cap : 1, sizeof *n->items)))
		return NULL;
	return n;
}

/* The value always_print_primitive_fields prints for an absent field of
 * kind k (NULL for a message, or when out of memory: *oom is then set). */
static struct node *default_value(struct arena *ar, enum field_kind k, int *oom)
{
	struct node *n = NULL;
	switch (k) {
	case F_STRING:
		n = new_node(ar, NODE_SCALAR, NODE_TAG_STR, "", 0);
		break;
	case F_UINT:
		n = new_node(ar, NODE_SCALAR, NODE_TAG_INT, "0", 0);
		break;
	case F_BOOL:
		n = new_node(ar, NODE_SCALAR, NODE_TAG_BOOL, "false", 0);
		break;
	case F_LIST:
		n = new_node(ar, NODE_SEQ, NODE_TAG_NONE, NULL, 0);
		break;
	case F_MAP:
		n = new_node(ar, NODE_MAP, NODE_TAG_NONE, NULL, 0);
		break;
	case F_MESSAGE:
		return NULL;
	}
	*oom |= n == NULL;
	return n;
}

/* 1 when key names one of schema's fields (either name form). */
static int known(const struct field *schema, const char *key)
{
	for (const struct field *f = schema; f->name; f++)
		if (node_field_name_is(key, f->name))
			return 1;
	return 0;
}

/* Message n (NULL: an empty one) as always_print_primitive_fields prints
 * it: a new map (in ar) with the schema's fields in order, absent ones as
 * their defaults, messages with a schema completed in turn, then the fields
 * the schema does not list (a newer Envoy's), as given. Subtrees are shared
 * with n. NULL when out of memory. */
static const struct node *complete(struct arena *ar, const struct node *n,
                                   const struct field *schema)
{
	size_t cap = 0;
	struct node *m;
	int oom = 0;
	for (const struct field *f = schema; f->name; f++)
		cap++;
	if (n && n->type == NODE_MAP)
		cap += n->len;
	if (!(m = new_node(ar, NODE_MAP, NODE_TAG_NONE, NULL, cap)))
		return NULL;
	for (const struct field *f = schema; f->name && !oom; f++) {
		const struct node *v = node_field(n, f->name);
		struct node *key = new_node(ar, NODE_SCALAR, NODE_TAG_STR, f->name, 0);
		const struct node *out = v;
		if (!key)
			return NULL;
		if (!v) {
			out = default_value(ar, f->kind, &oom);
		} else if (f->schema && v->type == NODE_MAP) {
			oom |= !(out = complete(ar, v, f->schema));
		} else if (f->schema && v->type == NODE_SEQ) {
			struct node *seq = new_node(ar, NODE_SEQ, NODE_TAG_NONE, NULL, v->len);
			if (!seq)
				return NULL;
			for (size_t i = 0; i < v->len && !oom; i++) {
				const struct node *item = v->items[i];
				if (item->type == NODE_MAP)
					oom |= !(item = complete(ar, item, f->schema));
				seq->items[seq->len++] = (struct node *)item;
			}
			out = seq;
		}
		if (out) {
			m->pairs[m->len].key = key;
			m->pairs[m->len++].value = (struct node *)out;
		}
	}
	for (size_t i = 0; n && n->type == NODE_MAP && i < n->len; i++)
		if (!known(schema, n->pairs[i].key->str))
			m->pairs[m->len++] = n->pairs[i];
	return oom ? NULL : m;
}

/* Envoy's version string: "<commit>/<version>/Clean/RELEASE/BoringSSL",
 * from the node's user_agent_build_version when the dump has it. */
static void version_string(struct admin *a, struct xds_snapshot *snap, char *buf, size_t cap)
{
	const struct node *node = node_field(snap->bootstrap, "node");
	const struct node *build = node_field(node, "user_agent_build_version");
	const struct node *v = node_field(build, "version");
	long long major = 0, minor = 0, patch = 0;
	if (v && node_int(node_field(v, "major_number"), &major) == 0) {
		node_int(node_field(v, "minor_number"), &minor);
		node_int(node_field(v, "patch"), &patch);
		const char *rev =
		    node_text(node_get(node_field(build, "metadata"), "revision.sha"));
		snprintf(buf, cap, "%s/%lld.%lld.%lld/Clean/RELEASE/BoringSSL",
		         rev ? rev : "0000000000000000000000000000000000000000", major, minor,
		         patch);
		return;
	}
	snprintf(buf, cap, "0000000000000000000000000000000000000000/%s/Clean/RELEASE/BoringSSL",
	         *a->envoy_version ? a->envoy_version : "unknown");
}

static void kv_bool(struct jsonw *w, const char *key, int v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

/* admin.v3.CommandLineOptions as OptionsImpl::toCommandLineOptions fills
 * it for the command line pilot-agent runs a sidecar's Envoy with, every
 * field printed, in field-number order (server_info.proto, fields 1-37). */
static void command_line_options(struct jsonw *w, const char *cluster, const char *id)
{
	jw_object(w);
	jw_key(w, "base_id");
	jw_u64_string(w, 0);
	jw_kv_int(w, "concurrency", 2);
	jw_kv_string(w, "config_path", "etc/istio/proxy/envoy-rev.json");
	jw_kv_string(w, "config_yaml", "");
	kv_bool(w, "allow_unknown_static_fields", 0);
	jw_kv_string(w, "admin_address_path", "");
	jw_kv_string(w, "local_address_ip_version", "v4");
	jw_kv_string(w, "log_level", "warning");
	jw_kv_string(w, "component_log_level", "misc:error");
	jw_kv_string(w, "log_format", "%Y-%m-%dT%T.%fZ\t%l\tenvoy %n\t%v");
	jw_kv_string(w, "log_path", "");
	jw_kv_string(w, "service_cluster", cluster ? cluster : "");
	jw_kv_string(w, "service_node", id ? id : "");
	jw_kv_string(w, "service_zone", "");
	jw_kv_string(w, "file_flush_interval", "1s");
	jw_kv_string(w, "drain_time", "45s");
	jw_kv_string(w, "parent_shutdown_time", "60s");
	jw_kv_string(w, "mode", "Serve");
	kv_bool(w, "disable_hot_restart", 1);
	kv_bool(w, "enable_mutex_tracing", 0);
	jw_kv_int(w, "restart_epoch", 0);
	kv_bool(w, "cpuset_threads", 0);
	kv_bool(w, "reject_unknown_dynamic_fields", 0);
	kv_bool(w, "log_format_escaped", 0);
	jw_key(w, "disabled_extensions");
	jw_array(w);
	jw_end(w);
	jw_kv_int(w, "bootstrap_version", 0);
	kv_bool(w, "ignore_unknown_dynamic_fields", 0);
	kv_bool(w, "use_dynamic_base_id", 0);
	jw_kv_string(w, "base_id_path", "");
	jw_kv_string(w, "drain_strategy", "Immediate");
	kv_bool(w, "enable_fine_grain_logging", 0);
	/* the default --socket-path is abstract: its mode is then 0 */
	jw_kv_string(w, "socket_path", "@envoy_domain_socket");
	jw_kv_int(w, "socket_mode", 0);
	kv_bool(w, "enable_core_dump", 0);
	jw_end(w);
}

void admin_page_server_info(struct admin *a, struct xds_snapshot *snap,
                            const struct http_request *req, struct http_response *resp)
{
	struct jsonw w;
	struct arena ar;
	char version[256], uptime[32];
	const struct node *node = node_field(snap->bootstrap, "node"), *full;
	(void)req;
	arena_init(&ar, 0);
	version_string(a, snap, version, sizeof version);
	snprintf(uptime, sizeof uptime, "%llds", (long long)(time(NULL) - a->started));
	jw_init_envoy(&w, &resp->body, 1);
	w.keep_empty = 1; /* always_print_primitive_fields */
	jw_object(&w);
	jw_kv_string(&w, "version", version);
	jw_kv_string(&w, "state", "LIVE");
	jw_kv_string(&w, "uptime_current_epoch", uptime);
	jw_kv_string(&w, "uptime_all_epochs", uptime);
	jw_kv_string(&w, "hot_restart_version", "disabled");
	jw_key(&w, "command_line_options");
	command_line_options(&w, node_text(node_field(node, "cluster")),
	                     node_text(node_field(node, "id")));
	/* handlerServerInfo sets the node from local info: always there */
	jw_key(&w, "node");
	full = complete(&ar, node && node->type == NODE_MAP ? node : NULL, node_fields);
	if (full)
		jw_node(&w, full);
	else
		w.failed = 1;
	jw_end(&w);
	admin_json_done(&w, resp);
	arena_free(&ar);
}
