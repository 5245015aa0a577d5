/* The C core of the dashboards alone: the HTTP server, the admin interface
 * over a loaded snapshot (swapped while serving), the counters, ControlZ's
 * scopes; requests made with libcurl on loopback. */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "check.h"
#include "meshlua/admin.h"
#include "meshlua/controlz.h"
#include "meshlua/server.h"
#include "meshlua/xds.h"

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
	strbuf_append(ctx, data, size * n);
	return size * n;
}

/* GET (or method with body) url; returns the status, the body in out. */
static long fetch(const char *url, const char *method, const char *body, struct strbuf *out)
{
	CURL *c = curl_easy_init();
	long status = 0;
	strbuf_reset(out);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (method)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	return status;
}

static struct xds_snapshot *load(const char *text)
{
	struct mesh_error err;
	struct xds_snapshot *s;
	mesh_error_clear(&err);
	s = xds_load("<test>", text, strlen(text), &err);
	if (!s)
		fprintf(stderr, "load: %s\n", err.message);
	return s;
}

#define DUMP_V1                                                                                    \
	"{\"configs\":[{\"@type\":\"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\","      \
	"\"static_clusters\":[{\"cluster\":{\"@type\":\"type.googleapis.com/"                      \
	"envoy.config.cluster.v3.Cluster\",\"name\":\"one\",\"type\":\"STATIC\","                  \
	"\"load_assignment\":{\"cluster_name\":\"one\",\"endpoints\":[{\"lb_endpoints\":[{"        \
	"\"endpoint\":{\"address\":{\"socket_address\":{\"address\":\"10.0.0.1\","                 \
	"\"port_value\":8080}}}}]}]}}}]}]}"

#define DUMP_V2                                                                                    \
	"{\"configs\":[{\"@type\":\"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\","      \
	"\"static_clusters\":[{\"cluster\":{\"@type\":\"type.googleapis.com/"                      \
	"envoy.config.cluster.v3.Cluster\",\"name\":\"two\",\"type\":\"STATIC\"}}]}]}"

static void test_admin(void)
{
	struct xds_snapshot *v1 = load(DUMP_V1), *v2 = load(DUMP_V2);
	struct admin_info info = {"test-proxy.default", "1.18.3"};
	struct http_server_opts o = {0};
	struct mesh_error err;
	struct strbuf body = STRBUF_INIT;
	struct admin *a;
	struct http_server *s;
	char url[128];
	CHECK(v1 && v2);
	if (!v1 || !v2)
		return;
	a = admin_new(v1, NULL, &info);
	CHECK(a != NULL);
	mesh_error_clear(&err);
	s = http_server_start(&o, admin_handle, a, &err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STR(http_server_address(s), "127.0.0.1");
	CHECK(http_server_port(s) > 0);

	snprintf(url, sizeof url, "http://127.0.0.1:%d/ready", http_server_port(s));
	CHECK(fetch(url, NULL, NULL, &body) == 200);
	CHECK_STR(strbuf_cstr(&body), "LIVE\n");

	snprintf(url, sizeof url, "http://127.0.0.1:%d/clusters", http_server_port(s));
	CHECK(fetch(url, NULL, NULL, &body) == 200);
	CHECK(strstr(strbuf_cstr(&body), "one::10.0.0.1:8080::health_flags::healthy\n") != NULL);
	CHECK(strstr(strbuf_cstr(&body), "one::added_via_api::false\n") != NULL);

	/* a push: the next request sees the new snapshot */
	admin_set_snapshot(a, v2);
	CHECK(fetch(url, NULL, NULL, &body) == 200);
	CHECK(strstr(strbuf_cstr(&body), "one::") == NULL);
	CHECK(strstr(strbuf_cstr(&body), "two::observability_name::two\n") != NULL);

	/* counters */
	{
		struct admin_request_record rec = {
		    "0.0.0.0_80", "outbound_0.0.0.0_80", "two", "10.0.0.2:80", 503, "UH"};
		CHECK(admin_stats_record(admin_stats(a), &rec) == 0);
		CHECK(admin_stats_get(admin_stats(a), "cluster.two.upstream_cx_none_healthy") == 1);
		CHECK(admin_stats_get(admin_stats(a),
		                      "http.outbound_0.0.0.0_80.downstream_rq_5xx") == 1);
		CHECK(admin_stats_get(admin_stats(a), "cluster.two.upstream_rq_total") == 0);
		snprintf(url, sizeof url, "http://127.0.0.1:%d/stats", http_server_port(s));
		CHECK(fetch(url, NULL, NULL, &body) == 200);
		CHECK(strstr(strbuf_cstr(&body), "cluster.two.upstream_cx_none_healthy: 1\n") !=
		      NULL);
	}

	snprintf(url, sizeof url, "http://127.0.0.1:%d/nope", http_server_port(s));
	CHECK(fetch(url, NULL, NULL, &body) == 404);
	CHECK(strncmp(strbuf_cstr(&body), "invalid path. admin commands are:\n", 34) == 0);

	http_server_stop(s);
	admin_free(a);
	/* the server held its own references: ours are still good */
	CHECK(v1->refs == 1 && v2->refs == 1);
	xds_snapshot_unref(v1);
	xds_snapshot_unref(v2);
	strbuf_free(&body);
}

static void test_controlz(void)
{
	struct controlz_info info = {"istiod-1.istio-system", "1.10.0", "0.1.0"};
	struct controlz *cz = controlz_new(&info);
	struct http_server_opts o = {0};
	struct controlz_scope sc;
	struct controlz_mesh *m = controlz_mesh_new(3);
	struct strbuf body = STRBUF_INIT;
	struct http_server *s;
	char url[128];
	CHECK(cz && m);
	CHECK(controlz_scope_get(cz, "ads", &sc) == 0);
	CHECK(sc.output_level == CONTROLZ_INFO);
	CHECK(controlz_mesh_add_proxy(m, "p.default", "sidecar", 3, 1) == 0);
	controlz_publish_mesh(cz, m);
	controlz_mesh_unref(m);
	s = http_server_start(&o, controlz_handle, cz, NULL);
	CHECK(s != NULL);
	if (!s)
		return;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/scopej/ads", http_server_port(s));
	CHECK(fetch(url, "PUT", "{\"output_level\":\"debug\"}", &body) == 202);
	CHECK(controlz_scope_get(cz, "ads", &sc) == 0);
	CHECK(sc.output_level == CONTROLZ_DEBUG);
	CHECK(controlz_scope_changes(cz) == 1);
	CHECK(fetch(url, "PUT", "{\"output_level\":\"shout\"}", &body) == 202);
	CHECK(controlz_scope_get(cz, "ads", &sc) == 0 && sc.output_level == CONTROLZ_DEBUG);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/meshj/", http_server_port(s));
	CHECK(fetch(url, NULL, NULL, &body) == 200);
	CHECK(strstr(strbuf_cstr(&body), "\"name\": \"p.default\"") != NULL);
	http_server_stop(s);
	controlz_free(cz);
	strbuf_free(&body);
}

static void test_errors(void)
{
	struct http_server_opts o = {0};
	struct mesh_error err;
	struct http_server *a, *b;
	mesh_error_clear(&err);
	o.address = "not an address";
	CHECK(http_server_start(&o, admin_handle, NULL, &err) == NULL);
	CHECK(strstr(err.message, "is not a numeric IPv4 or IPv6 address") != NULL);
	o.address = NULL;
	o.port = 70000;
	CHECK(http_server_start(&o, admin_handle, NULL, &err) == NULL);
	o.port = 0;
	a = http_server_start(&o, admin_handle, NULL, &err);
	CHECK(a != NULL);
	if (!a)
		return;
	o.port = http_server_port(a);
	b = http_server_start(&o, admin_handle, NULL, &err);
	CHECK(b == NULL);
	CHECK(strstr(err.message, "cannot listen on 127.0.0.1:") != NULL);
	http_server_stop(a);
	http_server_stop(NULL);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_admin();
	test_controlz();
	test_errors();
	curl_global_cleanup();
	return check_summary("admin");
}
