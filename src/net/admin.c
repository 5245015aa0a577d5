/* The Envoy admin interface of one proxy (see admin.h): its state, the
 * dispatch by exact path (query removed), the home page and /help, and the
 * small pages (/ready, /certs, /runtime, /memory, /hot_restart_version,
 * /reset_counters). The big pages live in admin_clusters.c,
 * admin_config_dump.c, admin_server_info.c and admin_stats_page.c. JSON
 * pages are written as Envoy's handlers write them: through protobuf's
 * JSON printer with whitespace (one space a level, a newline at the end;
 * jw_init_envoy). */
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admin_int.h"
#include "jsonw.h"
#include "html.h"
#include "meshlua/x509.h"

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

void admin_json_done(struct jsonw *w, struct http_response *resp)
{
	if (jw_failed(w) || strbuf_putc(&resp->body, '\n') != 0) {
		http_response_text(resp, 500, "out of memory\n");
		return;
	}
	resp->status = 200;
	resp->content_type = "application/json";
}

/* /certs: admin.v3.Certificates as Envoy's handlerCerts writes it, one
 * Certificate per TLS context (each TLS transport socket of a live cluster,
 * its transport_socket_matches included, then of each live listener's filter
 * chains; Envoy's own order is its context set's, unspecified). A context
 * whose SDS secrets have not all arrived does not exist in Envoy yet, so it
 * is left out. ca_cert is the first certificate of the trusted CA (for a
 * SPIFFE validator, of the first trust domain's bundle, path "<domain>:
 * <inline>"); cert_chain has the leaf of each TLS certificate. path is the
 * file name, or "<inline>"; the other details come from the certificate
 * itself, when it can be read here (a file of another machine cannot: then
 * the entry has its path alone). */

#define CERTS_FILE_MAX (16u << 20)

/* The bytes of an envoy.config.core.v3.DataSource into *data (malloc'd, the
 * caller frees), and the path Envoy reports for it. *data stays NULL when
 * the bytes cannot be had (no such regular file, bad base64). Returns 0, or
 * -1 when ds holds no certificate source at all. */
static int certs_source(const struct node *ds, const char **path, unsigned char **data, size_t *len)
{
	const char *file = node_text(node_field(ds, "filename"));
	const char *b64 = node_text(node_field(ds, "inline_bytes"));
	const char *str = node_text(node_field(ds, "inline_string"));
	*data = NULL;
	*len = 0;
	if (file && *file) {
		/* Non-blocking: a FIFO of that name must not hang the server. */
		int fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		struct stat st;
		ssize_t got = 0;
		*path = file;
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (size_t)st.st_size <= CERTS_FILE_MAX && (*data = malloc(st.st_size + 1u))) {
			while (*len < (size_t)st.st_size &&
			       (got = read(fd, *data + *len, (size_t)st.st_size - *len)) > 0)
				*len += (size_t)got;
		}
		if (fd >= 0)
			close(fd);
		return 0;
	}
	*path = "<inline>";
	if (b64 && *b64) {
		if (x509_base64_decode(b64, strlen(b64), data, len, NULL) != 0)
			*data = NULL;
		return 0;
	}
	if (str && *str) {
		*len = strlen(str);
		*data = (unsigned char *)strdup(str);
		return 0;
	}
	return -1;
}

/* One CertificateDetails, in admin.v3's field order. handlerCerts prints
 * with always_print_primitive_fields: a certificate that cannot be read
 * still has its serial_number "", subject_alt_names [] and
 * days_until_expiration "0" (valid_from, expiration_time are messages,
 * left out when unset). */
static void certs_details(struct jsonw *w, const char *path, const unsigned char *data, size_t len,
                          time_t now)
{
	static const char *const san_key[] = {"dns", "uri", "ip_address"};
	static const enum x509_san_type san_order[] = {X509_SAN_DNS, X509_SAN_URI, X509_SAN_IP};
	struct x509_cert cert;
	char when[32];
	jw_object(w);
	jw_kv_string(w, "path", path);
	if (data && x509_parse(data, len, &cert, NULL) == 0) {
		jw_kv_string(w, "serial_number", cert.serial);
		/* Envoy adds the DNS names, then the URIs, then the addresses. */
		jw_key(w, "subject_alt_names");
		jw_array(w);
		for (size_t k = 0; k < 3; k++)
			for (size_t i = 0; i < cert.san_count; i++)
				if (cert.sans[i].type == san_order[k]) {
					jw_object(w);
					jw_kv_string(w, san_key[k], cert.sans[i].value);
					jw_end(w);
				}
		jw_end(w);
		jw_key(w, "days_until_expiration");
		jw_u64_string(w, (uint64_t)x509_days_until_expiration(&cert, now));
		if (x509_time_rfc3339(cert.not_before, when, sizeof when) == 0)
			jw_kv_string(w, "valid_from", when);
		if (x509_time_rfc3339(cert.not_after, when, sizeof when) == 0)
			jw_kv_string(w, "expiration_time", when);
		x509_cert_clear(&cert);
	} else {
		jw_kv_string(w, "serial_number", "");
		jw_key(w, "subject_alt_names");
		jw_array(w);
		jw_end(w);
		jw_key(w, "days_until_expiration");
		jw_u64_string(w, 0);
	}
	jw_end(w);
}

/* The details of the certificate DataSource ds, when it names one. */
static void certs_source_details(struct jsonw *w, const struct node *ds, const char *prefix,
                                 time_t now)
{
	const char *path;
	unsigned char *data;
	size_t len;
	char full[1024];
	if (certs_source(ds, &path, &data, &len) != 0)
		return;
	if (prefix) {
		snprintf(full, sizeof full, "%s: %s", prefix, path);
		path = full;
	}
	certs_details(w, path, data, len, now);
	free(data);
}

/* The secret named by an SdsSecretConfig, or NULL when it has not arrived. */
static const struct node *certs_sds(struct xds_snapshot *snap, const struct node *sds)
{
	const char *name = node_text(node_field(sds, "name"));
	const struct xds_resource *r = name ? xds_snapshot_find(snap, XDS_SECRET, name) : NULL;
	return r ? r->json : NULL;
}

/* The CertificateValidationContext in force: the SDS one (over the combined
 * default) or the inline one. *ready is 0 when an SDS one is missing. */
static const struct node *certs_validation(struct xds_snapshot *snap, const struct node *common,
                                           int *ready)
{
	const struct node *combined = node_field(common, "combined_validation_context");
	const struct node *sds = node_field(common, "validation_context_sds_secret_config");
	const struct node *deflt = NULL, *secret;
	if (combined) {
		sds = node_field(combined, "validation_context_sds_secret_config");
		deflt = node_field(combined, "default_validation_context");
	}
	if (!sds)
		return node_field(common, "validation_context");
	secret = certs_sds(snap, sds);
	if (!secret || !node_field(secret, "validation_context")) {
		*ready = 0;
		return NULL;
	}
	/* Envoy merges the SDS context into the default one: its CA wins. */
	if (deflt && !node_field(node_field(secret, "validation_context"), "trusted_ca") &&
	    !node_field(node_field(secret, "validation_context"), "custom_validator_config"))
		return deflt;
	return node_field(secret, "validation_context");
}

static void certs_ca(struct jsonw *w, const struct node *vc, time_t now)
{
	const struct node *custom = node_field(vc, "custom_validator_config");
	const struct node *tc = node_field(custom, "typed_config");
	const char *type = node_text(node_field(tc, "@type"));
	const struct node *domains = node_field(tc, "trust_domains");
	if (type && strstr(type, ".SPIFFECertValidatorConfig")) {
		for (size_t i = 0; domains && domains->type == NODE_SEQ && i < domains->len; i++) {
			const char *name = node_text(node_field(domains->items[i], "name"));
			const struct node *bundle = node_field(domains->items[i], "trust_bundle");
			const char *path;
			unsigned char *data;
			size_t len;
			struct x509_cert cert;
			int ok;
			if (certs_source(bundle, &path, &data, &len) != 0)
				continue;
			ok = data && x509_parse(data, len, &cert, NULL) == 0;
			if (ok)
				x509_cert_clear(&cert);
			free(data);
			if (ok) { /* Envoy reports the first bundle that has a certificate */
				certs_source_details(w, bundle, name ? name : "", now);
				return;
			}
		}
		return;
	}
	certs_source_details(w, node_field(vc, "trusted_ca"), NULL, now);
}

/* One Certificate for the TLS transport socket ts, when it is one. */
static void certs_context(struct jsonw *w, struct xds_snapshot *snap, const struct node *ts,
                          time_t now)
{
	const struct node *tc = node_field(ts, "typed_config");
	const char *type = node_text(node_field(tc, "@type"));
	const struct node *common = node_field(tc, "common_tls_context");
	const struct node *certs = node_field(common, "tls_certificates");
	const struct node *sds = node_field(common, "tls_certificate_sds_secret_configs");
	const struct node *vc, *inner = node_field(tc, "transport_socket");
	int ready = 1, use_sds = !(certs && certs->type == NODE_SEQ && certs->len > 0);
	if (inner) /* a wrapping socket (tcp_stats, internal_upstream) */
		certs_context(w, snap, inner, now);
	if (!type ||
	    !(strstr(type, ".UpstreamTlsContext") || strstr(type, ".DownstreamTlsContext")))
		return;
	if (use_sds) {
		certs = sds;
		for (size_t i = 0; sds && sds->type == NODE_SEQ && i < sds->len; i++) {
			const struct node *secret = certs_sds(snap, sds->items[i]);
			if (!secret || !node_field(secret, "tls_certificate"))
				ready = 0;
		}
	}
	vc = certs_validation(snap, common, &ready);
	if (!ready)
		return;
	jw_object(w);
	jw_key(w, "ca_cert");
	jw_array(w);
	if (vc)
		certs_ca(w, vc, now);
	jw_end(w);
	jw_key(w, "cert_chain");
	jw_array(w);
	for (size_t i = 0; certs && certs->type == NODE_SEQ && i < certs->len; i++) {
		const struct node *tls = certs->items[i];
		if (use_sds)
			tls = node_field(certs_sds(snap, tls), "tls_certificate");
		certs_source_details(w, node_field(tls, "certificate_chain"), NULL, now);
	}
	jw_end(w);
	jw_end(w);
}

static void page_certs(struct admin *a, struct xds_snapshot *snap, const struct http_request *req,
                       struct http_response *resp)
{
	struct jsonw w;
	time_t now = time(NULL);
	(void)a;
	(void)req;
	jw_init_envoy(&w, &resp->body, 1);
	jw_object(&w);
	jw_key(&w, "certificates");
	jw_array(&w);
	for (size_t i = 0; i < snap->count[XDS_CLUSTER]; i++) {
		const struct xds_resource *r = &snap->items[XDS_CLUSTER][i];
		const struct node *matches = node_field(r->json, "transport_socket_matches");
		if (!admin_resource_live(r))
			continue;
		certs_context(&w, snap, node_field(r->json, "transport_socket"), now);
		for (size_t k = 0; matches && matches->type == NODE_SEQ && k < matches->len; k++)
			certs_context(&w, snap, node_field(matches->items[k], "transport_socket"),
			              now);
	}
	for (size_t i = 0; i < snap->count[XDS_LISTENER]; i++) {
		const struct xds_resource *r = &snap->items[XDS_LISTENER][i];
		const struct node *chains = node_field(r->json, "filter_chains");
		if (!admin_resource_live(r))
			continue;
		for (size_t k = 0; chains && chains->type == NODE_SEQ && k < chains->len; k++)
			certs_context(&w, snap, node_field(chains->items[k], "transport_socket"),
			              now);
		certs_context(
		    &w, snap,
		    node_field(node_field(r->json, "default_filter_chain"), "transport_socket"),
		    now);
	}
	jw_end(&w);
	jw_end(&w);
	admin_json_done(&w, resp);
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
	jw_init_envoy(&w, &resp->body, 1);
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
	admin_json_done(&w, resp);
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
	jw_init_envoy(&w, &resp->body, 1);
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
	admin_json_done(&w, resp);
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
    {"/server_info", "print server version/status information", 0, admin_page_server_info},
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
