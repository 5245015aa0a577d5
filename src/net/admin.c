/* The Envoy admin interface of one proxy (see admin.h): its state, the
 * dispatch by exact path (query removed), the home page and /help, and the
 * small pages (/ready, /server_info, /certs, /runtime, /memory,
 * /hot_restart_version, /reset_counters). The big pages live in
 * admin_clusters.c, admin_config_dump.c and admin_stats_page.c. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin_int.h"
#include "jsonw.h"
#include "html.h"

struct admin *admin_new(struct xds_snapshot *snap, struct admin_stats *stats,
                        const struct admin_info *info)
{
	struct admin *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->name = strdup(info && info->name ? info->name : snap->source);
	a->envoy_version = strdup(info && info->envoy_version ? info->envoy_version : "");
	a->stats = stats;
	if (stats)
		admin_stats_ref(stats);
	else
		a->stats = admin_stats_new();
	if (!a->name || !a->envoy_version || !a->stats) {
		free(a->name);
		free(a->envoy_version);
		admin_stats_unref(a->stats);
		free(a);
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	xds_snapshot_ref(snap);
	a->snap = snap;
	a->started = time(NULL);
	return a;
}

void admin_set_snapshot(struct admin *a, struct xds_snapshot *snap)
{
	struct xds_snapshot *old;
	xds_snapshot_ref(snap);
	pthread_mutex_lock(&a->lock);
	old = a->snap;
	a->snap = snap;
	admin_dump_cache_clear(a);
	pthread_mutex_unlock(&a->lock);
	xds_snapshot_unref(old);
}

struct xds_snapshot *admin_snapshot(struct admin *a)
{
	struct xds_snapshot *s;
	pthread_mutex_lock(&a->lock);
	s = a->snap;
	xds_snapshot_ref(s);
	pthread_mutex_unlock(&a->lock);
	return s;
}

struct admin_stats *admin_stats(struct admin *a)
{
	return a->stats;
}

void admin_free(struct admin *a)
{
	if (!a)
		return;
	xds_snapshot_unref(a->snap);
	admin_stats_unref(a->stats);
	admin_dump_cache_clear(a);
	pthread_mutex_destroy(&a->lock);
	free(a->name);
	free(a->envoy_version);
	free(a);
}

typedef void (*page_fn)(struct admin *a, struct xds_snapshot *snap, const struct http_request *req,
                        struct http_response *resp);

struct handler {
	const char *prefix;
	const char *help;
	int mutates; /* POST only, as Envoy's mutating handlers */
	page_fn fn;
};

static void page_home(struct admin *a, struct xds_snapshot *snap, const struct http_request *req,
                      struct http_response *resp);
static void page_help(struct admin *a, struct xds_snapshot *snap, const struct http_request *req,
                      struct http_response *resp);

static void page_ready(struct admin *a, struct xds_snapshot *snap, const struct http_request *req,
                       struct http_response *resp)
{
	(void)a;
	(void)snap;
	(void)req;
	http_response_text(resp, 200, "LIVE\n");
}

static void page_hot_restart_version(struct admin *a, struct xds_snapshot *snap,
                                     const struct http_request *req, struct http_response *resp)
{
	(void)a;
	(void)snap;
	(void)req;
	http_response_text(resp, 200, "disabled");
}

static void page_reset_counters(struct admin *a, struct xds_snapshot *snap,
                                const struct http_request *req, struct http_response *resp)
{
	(void)snap;
	(void)req;
	admin_stats_reset(a->stats);
	http_response_text(resp, 200, "OK\n");
}

static void json_done(struct jsonw *w, struct http_response *resp)
{
	if (jw_failed(w) || strbuf_putc(&resp->body, '\n') != 0) {
		http_response_text(resp, 500, "out of memory\n");
		return;
	}
	resp->status = 200;
	resp->content_type = "application/json";
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

static void page_server_info(struct admin *a, struct xds_snapshot *snap,
                             const struct http_request *req, struct http_response *resp)
{
	struct jsonw w;
	char version[256], uptime[32];
	const struct node *node = node_field(snap->bootstrap, "node");
	const char *cluster = node_text(node_field(node, "cluster"));
	const char *id = node_text(node_field(node, "id"));
	(void)req;
	version_string(a, snap, version, sizeof version);
	snprintf(uptime, sizeof uptime, "%llds", (long long)(time(NULL) - a->started));
	jw_init(&w, &resp->body, 2);
	jw_object(&w);
	jw_kv_string(&w, "version", version);
	jw_kv_string(&w, "state", "LIVE");
	jw_kv_string(&w, "uptime_current_epoch", uptime);
	jw_kv_string(&w, "uptime_all_epochs", uptime);
	jw_kv_string(&w, "hot_restart_version", "disabled");
	/* What pilot-agent passes to a sidecar's Envoy. */
	jw_key(&w, "command_line_options");
	jw_object(&w);
	jw_kv_string(&w, "base_id", "0");
	jw_kv_int(&w, "concurrency", 2);
	jw_kv_string(&w, "config_path", "etc/istio/proxy/envoy-rev.json");
	jw_kv_string(&w, "log_level", "warning");
	jw_kv_string(&w, "component_log_level", "misc:error");
	jw_kv_string(&w, "log_format", "%Y-%m-%dT%T.%fZ\t%l\tenvoy %n\t%v");
	jw_kv_string(&w, "local_address_ip_version", "v4");
	jw_kv_string(&w, "service_cluster", cluster ? cluster : "");
	jw_kv_string(&w, "service_node", id ? id : "");
	jw_kv_string(&w, "file_flush_interval", "1s");
	jw_kv_string(&w, "drain_time", "45s");
	jw_kv_string(&w, "drain_strategy", "Immediate");
	jw_kv_string(&w, "parent_shutdown_time", "60s");
	jw_kv_string(&w, "mode", "Serve");
	jw_key(&w, "disable_hot_restart");
	jw_bool(&w, 1);
	jw_end(&w);
	if (node) {
		jw_key(&w, "node");
		jw_node(&w, node);
	}
	jw_end(&w);
	json_done(&w, resp);
}

static void page_certs(struct admin *a, struct xds_snapshot *snap, const struct http_request *req,
                       struct http_response *resp)
{
	struct jsonw w;
	(void)a;
	(void)req;
	jw_init(&w, &resp->body, 2);
	jw_object(&w);
	jw_key(&w, "certificates");
	jw_array(&w);
	for (size_t i = 0; i < snap->count[XDS_SECRET]; i++) {
		const struct xds_resource *r = &snap->items[XDS_SECRET][i];
		int ca = node_field(r->json, "validation_context") != NULL;
		if (!admin_resource_live(r))
			continue;
		/* The certificates themselves are not parsed: each secret is
		 * listed by name, where Envoy names the file or SDS source. */
		jw_object(&w);
		jw_key(&w, ca ? "ca_cert" : "cert_chain");
		jw_array(&w);
		jw_object(&w);
		jw_kv_string(&w, "path", r->name);
		jw_end(&w);
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	json_done(&w, resp);
}

/* Adds the scalars of a static runtime layer, nested keys joined by '.'. */
static void runtime_values(struct jsonw *w, const struct node *layer, const char *prefix)
{
	for (size_t i = 0; layer && layer->type == NODE_MAP && i < layer->len; i++) {
		const struct node *v = layer->pairs[i].value;
		char key[512];
		snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "",
		         layer->pairs[i].key->str);
		if (v->type == NODE_MAP) {
			runtime_values(w, v, key);
			continue;
		}
		jw_key(w, key);
		jw_object(w);
		jw_key(w, "layer_values");
		jw_array(w);
		jw_string(w, v->type == NODE_SCALAR ? v->str : "");
		jw_string(w, "");
		jw_end(w);
		jw_kv_string(w, "final_value", v->type == NODE_SCALAR ? v->str : "");
		jw_end(w);
	}
}

static void page_runtime(struct admin *a, struct xds_snapshot *snap, const struct http_request *req,
                         struct http_response *resp)
{
	const struct node *layers =
	    node_field(node_field(snap->bootstrap, "layered_runtime"), "layers");
	struct jsonw w;
	(void)a;
	(void)req;
	jw_init(&w, &resp->body, 2);
	jw_object(&w);
	jw_key(&w, "entries");
	jw_object(&w);
	for (size_t i = 0; layers && layers->type == NODE_SEQ && i < layers->len; i++)
		runtime_values(&w, node_field(layers->items[i], "static_layer"), "");
	jw_end(&w);
	jw_key(&w, "layers");
	jw_array(&w);
	for (size_t i = 0; layers && layers->type == NODE_SEQ && i < layers->len; i++) {
		const char *name = node_text(node_field(layers->items[i], "name"));
		jw_string(&w, name ? name : "");
	}
	jw_end(&w);
	jw_end(&w);
	json_done(&w, resp);
}

/* /memory: this process's allocator, in the fields Envoy reports for tcmalloc. */
static void page_memory(struct admin *a, struct xds_snapshot *snap, const struct http_request *req,
                        struct http_response *resp)
{
	struct mallinfo2 mi = mallinfo2();
	long long rss_pages = 0, size_pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	struct jsonw w;
	(void)a;
	(void)snap;
	(void)req;
	if (f) {
		if (fscanf(f, "%lld %lld", &size_pages, &rss_pages) != 2)
			rss_pages = 0;
		fclose(f);
	}
	jw_init(&w, &resp->body, 2);
	jw_object(&w);
	jw_key(&w, "allocated");
	jw_u64_string(&w, mi.uordblks + mi.hblkhd);
	jw_key(&w, "heap_size");
	jw_u64_string(&w, mi.arena + mi.hblkhd);
	jw_key(&w, "pageheap_unmapped");
	jw_u64_string(&w, 0);
	jw_key(&w, "pageheap_free");
	jw_u64_string(&w, mi.fordblks);
	jw_key(&w, "total_thread_cache");
	jw_u64_string(&w, 0);
	jw_key(&w, "total_physical_bytes");
	jw_u64_string(&w, (uint64_t)rss_pages * (uint64_t)sysconf(_SC_PAGESIZE));
	jw_end(&w);
	json_done(&w, resp);
}

/* Sorted by prefix, as Envoy lists them. */
static const struct handler handlers[] = {
    {"/", "Admin home page", 0, page_home},
    {"/certs", "print certs on machine", 0, page_certs},
    {"/clusters", "upstream cluster status", 0, admin_page_clusters},
    {"/config_dump", "dump current Envoy configs (experimental)", 0, admin_page_config_dump},
    {"/help", "print out list of admin commands", 0, page_help},
    {"/hot_restart_version", "print the hot restart compatibility version", 0,
     page_hot_restart_version},
    {"/listeners", "print listener info", 0, admin_page_listeners},
    {"/memory", "print current allocation/heap usage", 0, page_memory},
    {"/ready", "print server state, return 200 if LIVE, otherwise return 503", 0, page_ready},
    {"/reset_counters", "reset all counters to zero", 1, page_reset_counters},
    {"/runtime", "print runtime values", 0, page_runtime},
    {"/server_info", "print server version/status information", 0, page_server_info},
    {"/stats", "print server stats", 0, NULL},
    {"/stats/prometheus", "print server stats in prometheus format", 0, NULL},
};

#define HANDLER_COUNT (sizeof handlers / sizeof handlers[0])

static void help_text(struct strbuf *out)
{
	strbuf_puts(out, "admin commands are:\n");
	for (size_t i = 0; i < HANDLER_COUNT; i++)
		strbuf_appendf(out, "  %s%s: %s\n", handlers[i].prefix,
		               handlers[i].mutates ? " (POST)" : "", handlers[i].help);
}

static void page_help(struct admin *a, struct xds_snapshot *snap, const struct http_request *req,
                      struct http_response *resp)
{
	(void)a;
	(void)snap;
	(void)req;
	resp->content_type = "text/plain; charset=UTF-8";
	help_text(&resp->body);
}

static const char home_style[] =
    "body{font-family:-apple-system,\"Segoe UI\",Helvetica,Arial,sans-serif;margin:2em;"
    "color:#1d2733}\n"
    "h1{font-size:1.4em;margin-bottom:.2em}\n"
    ".node{color:#5a6b7d;margin-bottom:1.2em}\n"
    "table.home-table{border-collapse:collapse}\n"
    ".home-table td{padding:.35em .9em;border-bottom:1px solid #e3e8ee}\n"
    ".home-table tr:nth-child(even){background:#f6f8fa}\n"
    ".home-table a{color:#0b62c4;text-decoration:none;font-family:monospace}\n"
    ".home-table button{font-family:monospace;background:#fff;border:1px solid #0b62c4;"
    "color:#0b62c4;border-radius:3px;cursor:pointer}\n";

static void page_home(struct admin *a, struct xds_snapshot *snap, const struct http_request *req,
                      struct http_response *resp)
{
	struct strbuf *out = &resp->body;
	(void)req;
	strbuf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	                 "<title>Envoy Admin</title>\n<style>\n");
	strbuf_puts(out, home_style);
	strbuf_puts(out, "</style>\n</head>\n<body>\n<h1>Envoy Admin</h1>\n<div class=\"node\">");
	html_escape(out, a->name);
	strbuf_puts(out, " &middot; configuration ");
	strbuf_appendf(out, "version %llu", (unsigned long long)snap->version);
	strbuf_puts(out, " &middot; ");
	html_escape(out, snap->source);
	strbuf_puts(out, "</div>\n<table class=\"home-table\">\n<thead><tr><th>Command</th>"
	                 "<th>Description</th></tr></thead>\n<tbody>\n");
	for (size_t i = 1; i < HANDLER_COUNT; i++) {
		const struct handler *h = &handlers[i];
		/* Relative links, so the page also works behind a path prefix. */
		strbuf_puts(out, "<tr>\n<td class=\"home-data\">");
		if (h->mutates)
			strbuf_appendf(out,
			               "<form action=\"%s\" method=\"post\"><button "
			               "type=\"submit\">%s</button></form>",
			               h->prefix + 1, h->prefix + 1);
		else
			strbuf_appendf(out, "<a href=\"%s\">%s</a>", h->prefix + 1, h->prefix + 1);
		strbuf_puts(out, "</td>\n<td class=\"home-data\">");
		html_escape(out, h->help);
		strbuf_puts(out, "</td>\n</tr>\n");
	}
	strbuf_puts(out, "</tbody>\n</table>\n</body>\n</html>\n");
	resp->content_type = "text/html; charset=UTF-8";
}

void admin_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct admin *a = ctx;
	struct xds_snapshot *snap;
	const struct handler *h = NULL;
	for (size_t i = 0; i < HANDLER_COUNT; i++)
		if (strcmp(handlers[i].prefix, req->path) == 0)
			h = &handlers[i];
	if (!h) {
		http_response_text(resp, 404, "invalid path. ");
		help_text(&resp->body);
		return;
	}
	if (h->mutates && strcmp(req->method, "POST") != 0) {
		http_response_text(resp, 405, "Method %s not allowed, POST required.\n",
		                   req->method);
		http_response_header(resp, "Allow", "POST");
		return;
	}
	snap = admin_snapshot(a);
	if (strcmp(h->prefix, "/stats") == 0)
		admin_page_stats(a, snap, req, resp, 0);
	else if (strcmp(h->prefix, "/stats/prometheus") == 0)
		admin_page_stats(a, snap, req, resp, 1);
	else
		h->fn(a, snap, req, resp);
	xds_snapshot_unref(snap);
}
