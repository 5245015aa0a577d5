/* GET /clusters (text and ?format=json) and GET /listeners (text and
 * ?format=json), from a snapshot: Envoy's formats as
 * source/server/admin/clusters_handler.cc and listeners_handler.cc write
 * them (../shared/reference/envoy.md section 1). Hosts come from the
 * snapshot's /clusters data when the dump came with it (a live Envoy's own
 * view), else from EDS or the cluster's load_assignment; the per-host
 * counters add what was resolved through this proxy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"
#include "jsonw.h"
#include "meshlua/arena.h"
#include "meshlua/strmap.h"

struct host_row {
	char address[320]; /* "ip:port", or "envoy://<listener>/<id>" for an internal address */
	const struct node *internal; /* the envoy_internal_address, or NULL */
	const char *pipe;            /* a pipe's path (a Unix socket), or NULL */
	const char *ip;
	long long port;
	const char *hostname;
	const char *eds_health; /* "HEALTHY", "UNHEALTHY", "DEGRADED", "DRAINING" */
	int failed_outlier;     /* failed_outlier_check */
	int failed_active_hc;   /* failed_active_health_check */
	long long weight;
	long long priority;
	const char *region, *zone, *sub_zone;
	uint64_t counters[6]; /* cx_connect_fail, cx_total, rq_error, rq_success, rq_timeout,
	                         rq_total: as Envoy's host->counters() lists them */
};

static const char *const counter_names[6] = {"cx_connect_fail", "cx_total",   "rq_error",
                                             "rq_success",      "rq_timeout", "rq_total"};

struct cluster_row {
	const char *name;
	const char *observability_name;
	const char *eds_service_name; /* NULL when none */
	int added_via_api;
	int outlier;        /* outlier detection configured */
	long long cb[2][4]; /* DEFAULT, HIGH: max_connections, max_pending_requests,
	                       max_requests, max_retries */
	size_t host_count;
	struct host_row *hosts;
};

static const char *const cb_names[4] = {"max_connections", "max_pending_requests", "max_requests",
                                        "max_retries"};

/* Envoy's defaults (reference/envoy.md section 5), then the cluster's own thresholds. */
static void circuit_breakers(const struct node *cb, long long out[2][4])
{
	const struct node *th = node_field(cb, "thresholds");
	for (int p = 0; p < 2; p++) {
		out[p][0] = out[p][1] = out[p][2] = 1024;
		out[p][3] = 3;
	}
	for (size_t i = 0; th && th->type == NODE_SEQ && i < th->len; i++) {
		const struct node *t = th->items[i];
		const char *prio = node_text(node_field(t, "priority"));
		int p = prio && strcmp(prio, "HIGH") == 0 ? 1 : 0;
		for (int k = 0; k < 4; k++) {
			const struct node *v = node_field_value(t, cb_names[k]);
			long long n;
			if (node_int(v, &n) == 0)
				out[p][k] = n;
		}
	}
}

/* The EDS health status of an LbEndpoint, as /clusters reports it. */
static const char *eds_health(const char *status)
{
	if (!status || strcmp(status, "UNKNOWN") == 0 || strcmp(status, "HEALTHY") == 0)
		return "HEALTHY";
	if (strcmp(status, "UNHEALTHY") == 0 || strcmp(status, "TIMEOUT") == 0)
		return "UNHEALTHY";
	return status; /* DEGRADED, DRAINING */
}

static void host_counters(struct admin_stats *st, const char *cluster, struct host_row *h)
{
	for (int k = 0; k < 6; k++)
		h->counters[k] += admin_stats_host(st, cluster, h->address, counter_names[k]);
}

/* The address of a host: a socket address, a pipe (its path), or an Envoy
 * internal address (EnvoyInternalInstance::asString: "envoy://<listener>/<id>"). */
static int host_address(const struct node *addr, struct host_row *h)
{
	const struct node *in = node_field(addr, "envoy_internal_address");
	const char *listener = node_text(node_field(in, "server_listener_name"));
	const char *id = node_text(node_field(in, "endpoint_id"));
	const char *pipe = node_text(node_field(node_field(addr, "pipe"), "path"));
	if (admin_socket_address(addr, h->address, sizeof h->address, &h->ip, &h->port) == 0)
		return 0;
	if (pipe) {
		h->pipe = pipe;
		snprintf(h->address, sizeof h->address, "%s", pipe);
		return 0;
	}
	if (!in)
		return -1;
	h->internal = in;
	snprintf(h->address, sizeof h->address, "envoy://%s/%s", listener ? listener : "",
	         id ? id : "");
	return 0;
}

/* The hosts of cluster c from its ClusterLoadAssignment. */
static int hosts_from_assignment(struct arena *ar, struct admin_stats *st, struct cluster_row *row,
                                 const struct node *cla)
{
	const struct node *eps = node_field(cla, "endpoints");
	size_t n = 0, k = 0;
	for (size_t i = 0; eps && eps->type == NODE_SEQ && i < eps->len; i++) {
		const struct node *lbs = node_field(eps->items[i], "lb_endpoints");
		if (lbs && lbs->type == NODE_SEQ)
			n += lbs->len;
	}
	row->hosts = arena_calloc(ar, n ? n : 1, sizeof *row->hosts);
	if (!row->hosts)
		return -1;
	for (size_t i = 0; eps && eps->type == NODE_SEQ && i < eps->len; i++) {
		const struct node *loc = node_field(eps->items[i], "locality");
		const struct node *lbs = node_field(eps->items[i], "lb_endpoints");
		long long prio = 0;
		node_int(node_field(eps->items[i], "priority"), &prio);
		for (size_t j = 0; lbs && lbs->type == NODE_SEQ && j < lbs->len; j++) {
			const struct node *lb = lbs->items[j];
			const struct node *ep = node_field(lb, "endpoint");
			struct host_row *h = &row->hosts[k];
			const struct node *w = node_field_value(lb, "load_balancing_weight");
			if (host_address(node_field(ep, "address"), h) != 0)
				continue;
			h->hostname = node_text(node_field(ep, "hostname"));
			h->eds_health = eds_health(node_text(node_field(lb, "health_status")));
			h->weight = 1;
			node_int(w, &h->weight);
			h->priority = prio;
			h->region = node_text(node_field(loc, "region"));
			h->zone = node_text(node_field(loc, "zone"));
			h->sub_zone = node_text(node_field(loc, "sub_zone"));
			host_counters(st, row->name, h);
			k++;
		}
	}
	row->host_count = k;
	return 0;
}

/* The hosts of a ClusterStatus from a live Envoy's /clusters?format=json. */
static int hosts_from_status(struct arena *ar, struct admin_stats *st, struct cluster_row *row,
                             const struct node *cs)
{
	const struct node *hs = node_field(cs, "host_statuses");
	size_t n = hs && hs->type == NODE_SEQ ? hs->len : 0, k = 0;
	row->hosts = arena_calloc(ar, n ? n : 1, sizeof *row->hosts);
	if (!row->hosts)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct node *hsi = hs->items[i];
		const struct node *health = node_field(hsi, "health_status");
		const struct node *loc = node_field(hsi, "locality");
		const struct node *stats = node_field(hsi, "stats");
		struct host_row *h = &row->hosts[k];
		const char *eds = node_text(node_field(health, "eds_health_status"));
		const char *b;
		if (host_address(node_field(hsi, "address"), h) != 0)
			continue;
		h->hostname = node_text(node_field(hsi, "hostname"));
		h->eds_health = eds ? eds : "HEALTHY";
		b = node_text(node_field(health, "failed_outlier_check"));
		h->failed_outlier = b && strcmp(b, "true") == 0;
		b = node_text(node_field(health, "failed_active_health_check"));
		h->failed_active_hc = b && strcmp(b, "true") == 0;
		h->weight = 1;
		node_int(node_field(hsi, "weight"), &h->weight);
		node_int(node_field(hsi, "priority"), &h->priority);
		h->region = node_text(node_field(loc, "region"));
		h->zone = node_text(node_field(loc, "zone"));
		h->sub_zone = node_text(node_field(loc, "sub_zone"));
		for (size_t j = 0; stats && stats->type == NODE_SEQ && j < stats->len; j++) {
			const char *sn = node_text(node_field(stats->items[j], "name"));
			const struct node *v = node_field(stats->items[j], "value");
			long long val = 0;
			if (!sn)
				continue;
			if (v && node_int(v, &val) != 0 && node_text(v))
				val = strtoll(node_text(v), NULL, 10); /* uint64 as a string */
			for (int c = 0; c < 6; c++)
				if (strcmp(sn, counter_names[c]) == 0)
					h->counters[c] = (uint64_t)val;
		}
		host_counters(st, row->name, h);
		k++;
	}
	row->host_count = k;
	return 0;
}

/* The ClusterStatus entries of the snapshot's /clusters data by name (a
 * live Envoy's list can hold tens of thousands: one lookup each must not
 * walk it). Keys are borrowed from the snapshot. Returns 0, or -1 when out
 * of memory. */
static int index_statuses(const struct xds_snapshot *snap, struct strmap *by_name)
{
	const struct node *list = node_field(snap->clusters_status, "cluster_statuses");
	strmap_init_borrowed(by_name);
	if (!list || list->type != NODE_SEQ)
		return 0;
	if (strmap_reserve(by_name, list->len) != 0)
		return -1;
	/* Backwards, so that the first of two entries of one name wins, as a
	 * scan from the start would find it. */
	for (size_t i = list->len; i-- > 0;) {
		const char *n = node_text(node_field(list->items[i], "name"));
		if (n)
			strmap_put(by_name, n, (void *)list->items[i]);
	}
	return 0;
}

/* The served clusters (warming ones left out, as Envoy does). */
static struct cluster_row *collect(struct arena *ar, struct admin *a, struct xds_snapshot *snap,
                                   size_t *count)
{
	size_t n = snap->count[XDS_CLUSTER], k = 0;
	struct cluster_row *rows = arena_calloc(ar, n ? n : 1, sizeof *rows);
	struct strmap statuses;
	if (!rows || index_statuses(snap, &statuses) != 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct xds_resource *r = &snap->items[XDS_CLUSTER][i];
		struct cluster_row *row = &rows[k];
		const char *alt;
		const struct node *cs;
		int rc;
		if (!admin_resource_live(r))
			continue;
		row->name = r->name;
		alt = node_text(node_field(r->json, "alt_stat_name"));
		row->observability_name = alt && *alt ? alt : r->name;
		row->eds_service_name = node_text(
		    node_field(node_field(r->json, "eds_cluster_config"), "service_name"));
		row->added_via_api = r->state != XDS_STATIC;
		row->outlier = node_field(r->json, "outlier_detection") != NULL;
		circuit_breakers(node_field(r->json, "circuit_breakers"), row->cb);
		cs = strmap_get(&statuses, r->name);
		if (cs)
			rc = hosts_from_status(ar, a->stats, row, cs);
		else
			rc = hosts_from_assignment(ar, a->stats, row,
			                           admin_cluster_assignment(snap, r->json));
		if (rc != 0) {
			strmap_free(&statuses);
			return NULL;
		}
		k++;
	}
	strmap_free(&statuses);
	*count = k;
	return rows;
}

/* HostUtility::healthFlagsToString: "healthy" or the failing flags. */
static void health_flags(struct strbuf *out, const struct host_row *h)
{
	size_t start = out->len;
	if (h->failed_active_hc)
		strbuf_puts(out, "/failed_active_hc");
	if (h->failed_outlier)
		strbuf_puts(out, "/failed_outlier_check");
	if (strcmp(h->eds_health, "UNHEALTHY") == 0)
		strbuf_puts(out, "/failed_eds_health");
	if (strcmp(h->eds_health, "DEGRADED") == 0)
		strbuf_puts(out, "/degraded_eds_health");
	if (strcmp(h->eds_health, "DRAINING") == 0)
		strbuf_puts(out, "/eds_status_draining");
	if (out->len == start)
		strbuf_puts(out, "healthy");
}

static void clusters_text(const struct cluster_row *rows, size_t n, struct strbuf *out)
{
	static const char *const prio[2] = {"default", "high"};
	for (size_t i = 0; i < n; i++) {
		const struct cluster_row *c = &rows[i];
		const char *name = c->name;
		strbuf_appendf(out, "%s::observability_name::%s\n", name, c->observability_name);
		if (c->outlier) {
			strbuf_appendf(out, "%s::outlier::success_rate_average::-1\n", name);
			strbuf_appendf(out, "%s::outlier::success_rate_ejection_threshold::-1\n",
			               name);
			strbuf_appendf(out, "%s::outlier::local_origin_success_rate_average::-1\n",
			               name);
			strbuf_appendf(
			    out, "%s::outlier::local_origin_success_rate_ejection_threshold::-1\n",
			    name);
		}
		for (int p = 0; p < 2; p++)
			for (int k = 0; k < 4; k++)
				strbuf_appendf(out, "%s::%s_priority::%s::%lld\n", name, prio[p],
				               cb_names[k], c->cb[p][k]);
		strbuf_appendf(out, "%s::added_via_api::%s\n", name,
		               c->added_via_api ? "true" : "false");
		if (c->eds_service_name && *c->eds_service_name)
			strbuf_appendf(out, "%s::eds_service_name::%s\n", name,
			               c->eds_service_name);
		for (size_t j = 0; j < c->host_count; j++) {
			const struct host_row *h = &c->hosts[j];
			const char *a = h->address;
			/* counters and gauges together, sorted by name */
			strbuf_appendf(out, "%s::%s::cx_active::0\n", name, a);
			strbuf_appendf(out, "%s::%s::cx_connect_fail::%llu\n", name, a,
			               (unsigned long long)h->counters[0]);
			strbuf_appendf(out, "%s::%s::cx_total::%llu\n", name, a,
			               (unsigned long long)h->counters[1]);
			strbuf_appendf(out, "%s::%s::rq_active::0\n", name, a);
			strbuf_appendf(out, "%s::%s::rq_error::%llu\n", name, a,
			               (unsigned long long)h->counters[2]);
			strbuf_appendf(out, "%s::%s::rq_success::%llu\n", name, a,
			               (unsigned long long)h->counters[3]);
			strbuf_appendf(out, "%s::%s::rq_timeout::%llu\n", name, a,
			               (unsigned long long)h->counters[4]);
			strbuf_appendf(out, "%s::%s::rq_total::%llu\n", name, a,
			               (unsigned long long)h->counters[5]);
			strbuf_appendf(out, "%s::%s::hostname::%s\n", name, a,
			               h->hostname ? h->hostname : "");
			strbuf_appendf(out, "%s::%s::health_flags::", name, a);
			health_flags(out, h);
			strbuf_putc(out, '\n');
			strbuf_appendf(out, "%s::%s::weight::%lld\n", name, a, h->weight);
			strbuf_appendf(out, "%s::%s::region::%s\n", name, a,
			               h->region ? h->region : "");
			strbuf_appendf(out, "%s::%s::zone::%s\n", name, a, h->zone ? h->zone : "");
			strbuf_appendf(out, "%s::%s::sub_zone::%s\n", name, a,
			               h->sub_zone ? h->sub_zone : "");
			strbuf_appendf(out, "%s::%s::canary::false\n", name, a);
			strbuf_appendf(out, "%s::%s::priority::%lld\n", name, a, h->priority);
			strbuf_appendf(out, "%s::%s::success_rate::-1\n", name, a);
			strbuf_appendf(out, "%s::%s::local_origin_success_rate::-1\n", name, a);
		}
	}
}

static void json_socket_address(struct jsonw *w, const char *ip, long long port)
{
	jw_object(w);
	jw_key(w, "socket_address");
	jw_object(w);
	jw_kv_string(w, "address", ip);
	jw_kv_int(w, "port_value", port);
	jw_end(w);
	jw_end(w);
}

static void json_host(struct jsonw *w, const struct host_row *h)
{
	jw_object(w);
	jw_key(w, "address");
	if (h->pipe) {
		jw_object(w);
		jw_key(w, "pipe");
		jw_object(w);
		jw_kv_string(w, "path", h->pipe);
		jw_end(w);
		jw_end(w);
	} else if (h->internal) {
		const char *l = node_text(node_field(h->internal, "server_listener_name"));
		const char *id = node_text(node_field(h->internal, "endpoint_id"));
		jw_object(w);
		jw_key(w, "envoy_internal_address");
		jw_object(w);
		jw_kv_string(w, "server_listener_name", l ? l : "");
		if (id)
			jw_kv_string(w, "endpoint_id", id);
		jw_end(w);
		jw_end(w);
	} else {
		json_socket_address(w, h->ip, h->port);
	}
	jw_key(w, "stats");
	jw_array(w);
	for (int k = 0; k < 6; k++) {
		jw_object(w);
		if (h->counters[k]) {
			jw_key(w, "value");
			jw_u64_string(w, h->counters[k]);
		}
		jw_kv_string(w, "name", counter_names[k]);
		jw_end(w);
	}
	for (int k = 0; k < 2; k++) {
		jw_object(w);
		jw_kv_string(w, "type", "GAUGE");
		jw_kv_string(w, "name", k == 0 ? "cx_active" : "rq_active");
		jw_end(w);
	}
	jw_end(w);
	jw_key(w, "health_status");
	jw_object(w);
	if (h->failed_active_hc) {
		jw_key(w, "failed_active_health_check");
		jw_bool(w, 1);
	}
	if (h->failed_outlier) {
		jw_key(w, "failed_outlier_check");
		jw_bool(w, 1);
	}
	jw_kv_string(w, "eds_health_status", h->eds_health);
	jw_end(w);
	jw_kv_int(w, "weight", h->weight);
	if (h->hostname && *h->hostname)
		jw_kv_string(w, "hostname", h->hostname);
	if (h->priority)
		jw_kv_int(w, "priority", h->priority);
	jw_key(w, "locality");
	jw_object(w);
	if (h->region && *h->region)
		jw_kv_string(w, "region", h->region);
	if (h->zone && *h->zone)
		jw_kv_string(w, "zone", h->zone);
	if (h->sub_zone && *h->sub_zone)
		jw_kv_string(w, "sub_zone", h->sub_zone);
	jw_end(w);
	jw_end(w);
}

/* admin.v3.Clusters as writeClustersAsJson prints it
 * (getJsonStringFromMessageOrError(clusters, true)): fields in field-number
 * order, defaults and empty repeated fields left out (no clusters: "{}"). */
static void clusters_json(const struct cluster_row *rows, size_t n, struct jsonw *w)
{
	jw_object(w);
	if (n == 0) {
		jw_end(w);
		return;
	}
	jw_key(w, "cluster_statuses");
	jw_array(w);
	for (size_t i = 0; i < n; i++) {
		const struct cluster_row *c = &rows[i];
		jw_object(w);
		jw_kv_string(w, "name", c->name);
		if (c->added_via_api) {
			jw_key(w, "added_via_api");
			jw_bool(w, 1);
		}
		if (c->host_count) {
			jw_key(w, "host_statuses");
			jw_array(w);
			for (size_t j = 0; j < c->host_count; j++)
				json_host(w, &c->hosts[j]);
			jw_end(w);
		}
		jw_key(w, "circuit_breakers");
		jw_object(w);
		jw_key(w, "thresholds");
		jw_array(w);
		for (int p = 0; p < 2; p++) {
			jw_object(w);
			if (p == 1)
				jw_kv_string(w, "priority", "HIGH");
			for (int k = 0; k < 4; k++)
				jw_kv_int(w, cb_names[k], c->cb[p][k]);
			jw_end(w);
		}
		jw_end(w);
		jw_end(w);
		jw_kv_string(w, "observability_name", c->observability_name);
		if (c->eds_service_name && *c->eds_service_name)
			jw_kv_string(w, "eds_service_name", c->eds_service_name);
		jw_end(w);
	}
	jw_end(w);
	jw_end(w);
}

static int want_json(const struct http_request *req)
{
	const char *format = http_request_arg(req, "format");
	return format && strcmp(format, "json") == 0;
}

void admin_page_clusters(struct admin *a, struct xds_snapshot *snap, const struct http_request *req,
                         struct http_response *resp)
{
	struct arena ar;
	size_t n = 0;
	struct cluster_row *rows;
	arena_init(&ar, 0);
	rows = collect(&ar, a, snap, &n);
	if (!rows) {
		http_response_text(resp, 500, "out of memory\n");
	} else if (want_json(req)) {
		struct jsonw w;
		jw_init_envoy(&w, &resp->body, 1);
		clusters_json(rows, n, &w);
		if (jw_failed(&w) || strbuf_putc(&resp->body, '\n') != 0)
			http_response_text(resp, 500, "out of memory\n");
		else
			resp->content_type = "application/json";
	} else {
		resp->content_type = "text/plain; charset=UTF-8";
		clusters_text(rows, n, &resp->body);
	}
	arena_free(&ar);
}

void admin_page_listeners(struct admin *a, struct xds_snapshot *snap,
                          const struct http_request *req, struct http_response *resp)
{
	int json = want_json(req);
	size_t listed = 0;
	struct jsonw w;
	(void)a;
	/* admin.v3.Listeners as writeListenersAsJson prints it (pretty, no
	 * defaults: no listeners is "{}") */
	jw_init_envoy(&w, &resp->body, 1);
	if (json)
		jw_object(&w);
	for (size_t i = 0; i < snap->count[XDS_LISTENER]; i++) {
		const struct xds_resource *r = &snap->items[XDS_LISTENER][i];
		char addr[320];
		const char *ip;
		long long port;
		if (!admin_resource_live(r) ||
		    admin_socket_address(node_field(r->json, "address"), addr, sizeof addr, &ip,
		                         &port) != 0)
			continue; /* internal listeners have no socket */
		if (!json) {
			strbuf_appendf(&resp->body, "%s::%s\n", r->name, addr);
			continue;
		}
		if (listed++ == 0) {
			jw_key(&w, "listener_statuses");
			jw_array(&w);
		}
		jw_object(&w);
		jw_kv_string(&w, "name", r->name);
		jw_key(&w, "local_address");
		json_socket_address(&w, ip, port);
		jw_end(&w);
	}
	if (json) {
		if (listed)
			jw_end(&w);
		jw_end(&w);
		if (jw_failed(&w) || strbuf_putc(&resp->body, '\n') != 0)
			http_response_text(resp, 500, "out of memory\n");
		else
			resp->content_type = "application/json";
	} else {
		resp->content_type = "text/plain; charset=UTF-8";
	}
}
