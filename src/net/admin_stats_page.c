/* GET /stats (text, ?format=json, ?filter=, ?usedonly) and
 * /stats/prometheus: the counters a proxy has from its configuration (one
 * set per cluster, listener and HTTP connection manager, the cluster and
 * listener managers, the server), zero until requests are resolved through
 * it, merged with the counted ones (admin_stats). Text is `name: value`
 * sorted by name; Prometheus groups by family, counters then gauges, with
 * `# TYPE` lines, as Envoy's PrometheusStatsFormatter writes them; JSON is
 * {"stats":[{"name":...,"value":...},...]}, compact, as StatsJsonRender
 * streams it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "admin_int.h"
#include "jsonw.h"
#include "meshlua/arena.h"
#include "meshlua/strmap.h"

struct stat_set {
	struct arena ar;
	struct strmap index; /* name -> 1 + position */
	struct admin_stat_value *items;
	size_t count, cap;
	int failed;
};

/* Adds or overwrites the stat called name. */
static void set_put(struct stat_set *s, const struct admin_stat_value *v)
{
	size_t pos = (size_t)(uintptr_t)strmap_get(&s->index, v->name);
	if (pos) {
		s->items[pos - 1].value = v->value;
		return;
	}
	if (s->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct admin_stat_value *grown = realloc(s->items, cap * sizeof *grown);
		if (!grown) {
			s->failed = 1;
			return;
		}
		s->items = grown;
		s->cap = cap;
	}
	s->items[s->count] = *v;
	if (strmap_put(&s->index, v->name, (void *)(uintptr_t)(s->count + 1)) != 0) {
		s->failed = 1;
		return;
	}
	s->count++;
}

/* A configuration stat: "<scope>.<object>.<stat>" with the object's tag. */
static void add_object_stat(struct stat_set *s, const char *scope, const char *object,
                            const char *tag, const char *stat, int gauge, uint64_t value)
{
	char *name, *family, *labels;
	struct strbuf lb = STRBUF_INIT;
	struct admin_stat_value v = {0};
	size_t n = strlen(scope) + strlen(object) + strlen(stat) + 3;
	name = arena_alloc(&s->ar, n);
	family = arena_alloc(&s->ar, strlen(scope) + strlen(stat) + 8);
	if (!name || !family || strbuf_appendf(&lb, "%s=\"", tag) != 0) {
		s->failed = 1;
		return;
	}
	snprintf(name, n, "%s.%s.%s", scope, object, stat);
	sprintf(family, "envoy_%s_%s", scope, stat);
	for (const char *p = object; *p; p++) {
		if (*p == '\\' || *p == '"')
			strbuf_putc(&lb, '\\');
		strbuf_putc(&lb, *p);
	}
	strbuf_putc(&lb, '"');
	labels = arena_strdup(&s->ar, strbuf_cstr(&lb));
	strbuf_free(&lb);
	if (!labels) {
		s->failed = 1;
		return;
	}
	v.name = name;
	v.family = family;
	v.labels = labels;
	v.gauge = gauge;
	v.value = value;
	set_put(s, &v);
}

/* A server-wide stat: "<scope>.<stat>", no labels. */
static void add_plain_stat(struct stat_set *s, const char *scope, const char *stat, int gauge,
                           uint64_t value)
{
	char *name = arena_alloc(&s->ar, strlen(scope) + strlen(stat) + 2);
	char *family = arena_alloc(&s->ar, strlen(scope) + strlen(stat) + 8);
	struct admin_stat_value v = {0};
	if (!name || !family) {
		s->failed = 1;
		return;
	}
	sprintf(name, "%s.%s", scope, stat);
	sprintf(family, "envoy_%s_%s", scope, stat);
	v.name = name;
	v.family = family;
	v.labels = "";
	v.gauge = gauge;
	v.value = value;
	set_put(s, &v);
}

static void add_hcm_stats(void *arg, const char *prefix)
{
	static const char *const counters[] = {
	    "downstream_cx_total", "downstream_rq_total", "downstream_rq_1xx",
	    "downstream_rq_2xx",   "downstream_rq_3xx",   "downstream_rq_4xx",
	    "downstream_rq_5xx",   "no_cluster",          "no_route"};
	struct stat_set *s = arg;
	for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
		add_object_stat(s, "http", prefix, "envoy_http_conn_manager_prefix", counters[i], 0,
		                0);
	add_object_stat(s, "http", prefix, "envoy_http_conn_manager_prefix", "downstream_rq_active",
	                1, 0);
}

/* Counts the hosts of a cluster: all, and those EDS calls healthy. */
static void membership(struct xds_snapshot *snap, const struct node *cluster, uint64_t *total,
                       uint64_t *healthy)
{
	const struct node *cla = admin_cluster_assignment(snap, cluster);
	const struct node *eps = node_field(cla, "endpoints");
	*total = *healthy = 0;
	for (size_t i = 0; eps && eps->type == NODE_SEQ && i < eps->len; i++) {
		const struct node *lbs = node_field(eps->items[i], "lb_endpoints");
		for (size_t j = 0; lbs && lbs->type == NODE_SEQ && j < lbs->len; j++) {
			const char *h = node_text(node_field(lbs->items[j], "health_status"));
			(*total)++;
			if (!h || strcmp(h, "HEALTHY") == 0 || strcmp(h, "UNKNOWN") == 0)
				(*healthy)++;
		}
	}
}

/* The stats every proxy has from its configuration, all zero but the gauges. */
static void config_stats(struct stat_set *s, struct admin *a, struct xds_snapshot *snap)
{
	static const char *const cluster_counters[] = {"upstream_cx_none_healthy",
	                                               "upstream_cx_total", "upstream_rq_completed",
	                                               "upstream_rq_timeout", "upstream_rq_total"};
	uint64_t clusters = 0, listeners = 0;
	for (size_t i = 0; i < snap->count[XDS_CLUSTER]; i++) {
		const struct xds_resource *r = &snap->items[XDS_CLUSTER][i];
		uint64_t total, healthy;
		if (!admin_resource_live(r))
			continue;
		clusters++;
		for (size_t k = 0; k < sizeof cluster_counters / sizeof cluster_counters[0]; k++)
			add_object_stat(s, "cluster", r->name, "envoy_cluster_name",
			                cluster_counters[k], 0, 0);
		add_object_stat(s, "cluster", r->name, "envoy_cluster_name", "upstream_cx_active",
		                1, 0);
		add_object_stat(s, "cluster", r->name, "envoy_cluster_name", "upstream_rq_active",
		                1, 0);
		membership(snap, r->json, &total, &healthy);
		add_object_stat(s, "cluster", r->name, "envoy_cluster_name", "membership_total", 1,
		                total);
		add_object_stat(s, "cluster", r->name, "envoy_cluster_name", "membership_healthy",
		                1, healthy);
	}
	for (size_t i = 0; i < snap->count[XDS_LISTENER]; i++) {
		const struct xds_resource *r = &snap->items[XDS_LISTENER][i];
		const char *ip;
		long long port;
		char object[320];
		if (!admin_resource_live(r))
			continue;
		listeners++;
		admin_listener_stat_prefixes(r->json, add_hcm_stats, s);
		if (admin_socket_address(node_field(r->json, "address"), NULL, 0, &ip, &port) != 0)
			continue;
		/* Envoy names a listener's stats by its address: 0.0.0.0_15001 */
		snprintf(object, sizeof object, "%s_%lld", ip, port);
		add_object_stat(s, "listener", object, "envoy_listener_address",
		                "downstream_cx_total", 0, 0);
		add_object_stat(s, "listener", object, "envoy_listener_address",
		                "downstream_cx_active", 1, 0);
	}
	add_plain_stat(s, "cluster_manager", "active_clusters", 1, clusters);
	add_plain_stat(s, "cluster_manager", "cluster_added", 0, clusters);
	add_plain_stat(s, "listener_manager", "total_listeners_active", 1, listeners);
	add_plain_stat(s, "listener_manager", "listener_added", 0, listeners);
	add_plain_stat(s, "server", "concurrency", 1, 2);
	add_plain_stat(s, "server", "live", 1, 1);
	add_plain_stat(s, "server", "state", 1, 0);
	add_plain_stat(s, "server", "uptime", 1, (uint64_t)(time(NULL) - a->started));
}

static int by_name(const void *x, const void *y)
{
	return strcmp(((const struct admin_stat_value *)x)->name,
	              ((const struct admin_stat_value *)y)->name);
}

/* Counters before gauges; then by family, then by labels. */
static int by_family(const void *x, const void *y)
{
	const struct admin_stat_value *a = x, *b = y;
	int c = a->gauge - b->gauge;
	if (c == 0)
		c = strcmp(a->family, b->family);
	return c ? c : strcmp(a->labels, b->labels);
}

static void prometheus(const struct stat_set *s, struct strbuf *out)
{
	const char *family = NULL;
	for (size_t i = 0; i < s->count; i++) {
		const struct admin_stat_value *v = &s->items[i];
		if (v->hidden)
			continue;
		if (!family || strcmp(family, v->family) != 0) {
			family = v->family;
			strbuf_appendf(out, "# TYPE %s %s\n", family,
			               v->gauge ? "gauge" : "counter");
		}
		if (*v->labels)
			strbuf_appendf(out, "%s{%s} %llu\n", v->family, v->labels,
			               (unsigned long long)v->value);
		else
			strbuf_appendf(out, "%s %llu\n", v->family, (unsigned long long)v->value);
	}
}

void admin_page_stats(struct admin *a, struct xds_snapshot *snap, const struct http_request *req,
                      struct http_response *resp, int prom)
{
	struct stat_set s;
	size_t n = 0;
	struct admin_stat_value *counted;
	const char *format = http_request_arg(req, "format");
	const char *filter = http_request_arg(req, "filter");
	int used_only = http_request_arg(req, "usedonly") != NULL;
	int json = format && strcmp(format, "json") == 0;
	pcre2_code *re = NULL;
	pcre2_match_data *md = NULL;
	memset(&s, 0, sizeof s);
	arena_init(&s.ar, 0);
	strmap_init(&s.index);
	if (format && strcmp(format, "prometheus") == 0)
		prom = 1;
	if (filter && *filter) {
		int code;
		PCRE2_SIZE offset;
		re = pcre2_compile((PCRE2_SPTR)filter, PCRE2_ZERO_TERMINATED, 0, &code, &offset,
		                   NULL);
		if (!re) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(code, msg, sizeof msg);
			http_response_text(resp, 400, "Invalid re2 regex %s: %s\n", filter,
			                   (const char *)msg);
			goto done;
		}
		md = pcre2_match_data_create_from_pattern(re, NULL);
	}
	config_stats(&s, a, snap);
	counted = admin_stats_copy(a->stats, &n);
	for (size_t i = 0; i < n; i++)
		if (!counted[i].hidden)
			set_put(&s, &counted[i]);
	if (s.failed) {
		free(counted);
		http_response_text(resp, 500, "out of memory\n");
		goto done;
	}
	/* filters */
	{
		size_t k = 0;
		for (size_t i = 0; i < s.count; i++) {
			const struct admin_stat_value *v = &s.items[i];
			if (used_only && v->value == 0)
				continue;
			if (re && md &&
			    pcre2_match(re, (PCRE2_SPTR)v->name, PCRE2_ZERO_TERMINATED, 0, 0, md,
			                NULL) < 0)
				continue;
			s.items[k++] = *v;
		}
		s.count = k;
	}
	if (prom) {
		qsort(s.items, s.count, sizeof *s.items, by_family);
		prometheus(&s, &resp->body);
		resp->content_type = "text/plain; version=0.0.4; charset=UTF-8";
	} else if (json) {
		struct jsonw w;
		qsort(s.items, s.count, sizeof *s.items, by_name);
		/* StatsJsonRender streams through Json::Streamer: compact, no
		 * newline at the end, each stat {"name":...,"value":...} */
		jw_init_envoy(&w, &resp->body, 0);
		jw_object(&w);
		jw_key(&w, "stats");
		jw_array(&w);
		for (size_t i = 0; i < s.count; i++) {
			jw_object(&w);
			jw_kv_string(&w, "name", s.items[i].name);
			jw_kv_int(&w, "value", (long long)s.items[i].value);
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
		if (jw_failed(&w))
			http_response_text(resp, 500, "out of memory\n");
		else
			resp->content_type = "application/json";
	} else {
		qsort(s.items, s.count, sizeof *s.items, by_name);
		for (size_t i = 0; i < s.count; i++)
			strbuf_appendf(&resp->body, "%s: %llu\n", s.items[i].name,
			               (unsigned long long)s.items[i].value);
		resp->content_type = "text/plain; charset=UTF-8";
	}
	free(counted);
done:
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	free(s.items);
	strmap_free(&s.index);
	arena_free(&s.ar);
}
