/* The synthesizer from C alone: a small mesh (the demo apps in an injected
 * namespace, a ServiceEntry, a DestinationRule with a subset), the snapshot
 * synth_build makes for web-frontend's sidecar checked resource by resource
 * against istiod's rules (reference/istio.md §3), the errors it gives, and
 * kube-dns answers from synth_resolve_host. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "meshlua/mesh.h"
#include "meshlua/strbuf.h"
#include "meshlua/synth.h"
#include "meshlua/xds_dump.h"

static const char demo[] =
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}\n"
    "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
    "spec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n"
    "  template:\n    metadata: {labels: {app: web, version: v1}}\n"
    "    spec:\n      containers: [{name: web, image: web, ports: [{containerPort: 8080}]}]\n"
    "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
    "spec:\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: 8080}]\n"
    "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\n"
    "spec:\n  replicas: 2\n  selector: {matchLabels: {app: api}}\n"
    "  template:\n    metadata: {labels: {app: api, version: v2}}\n"
    "    spec:\n      containers: [{name: api, image: api}]\n"
    "---\napiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\n"
    "spec:\n  clusterIP: 10.43.9.9\n  selector: {app: api}\n"
    "  ports: [{name: grpc-api, port: 9000}, {name: redis, port: 6379}, {name: custom, port: "
    "7000}]\n"
    "---\napiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\n"
    "metadata: {name: api, namespace: shop}\n"
    "spec:\n  host: api\n  subsets: [{name: v2, labels: {version: v2}}, {name: v9, labels: "
    "{version: v9}}]\n"
    "---\napiVersion: networking.istio.io/v1beta1\nkind: ServiceEntry\n"
    "metadata: {name: ext, namespace: shop}\n"
    "spec:\n  hosts: [api.example.com]\n  resolution: DNS\n"
    "  ports: [{number: 443, name: tls, protocol: TLS}]\n"
    "---\napiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: default}\n"
    "spec:\n  clusterIP: None\n  selector: {app: db}\n  ports: [{name: tcp, port: 5432}]\n";

static const char plain[] = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: plain}\n"
                            "spec:\n  replicas: 1\n  selector: {matchLabels: {app: plain}}\n"
                            "  template:\n    metadata: {labels: {app: plain}}\n"
                            "    spec: {containers: [{name: c, image: c}]}\n";

static const struct xds_resource *find(const struct xds_snapshot *s, enum xds_type t,
                                       const char *name)
{
	return xds_snapshot_find(s, t, name);
}

static const char *text_at(const struct node *n, const char *const *path)
{
	return node_text(node_path(n, path));
}

static void test_sidecar(void)
{
	struct mesh_error err;
	struct mesh *m = mesh_new(NULL, &err);
	struct mesh_object *pod;
	struct xds_snapshot *s;
	const struct xds_resource *r;
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK(mesh_apply(m, "demo.yaml", demo, strlen(demo), NULL, NULL, &err) == 0);
	pod = mesh_resolve_pod(m, "deployment/web", "shop", &err);
	CHECK(pod != NULL);
	s = synth_build(m, pod, istio_profile_find("current"), &err);
	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "%s\n", err.message);
		mesh_free(m);
		return;
	}
	CHECK(s->version == mesh_version(m));
	CHECK(strncmp(s->source, "synth:web-", 10) == 0);
	CHECK(s->bootstrap != NULL);
	{
		static const char *const id[] = {"node", "id", NULL};
		const char *v = text_at(s->bootstrap, id);
		CHECK(v && strncmp(v, "sidecar~", 8) == 0 && strstr(v, "~shop.svc.cluster.local"));
	}
	/* HTTP port 80: the shared wildcard listener with RDS "80". */
	r = find(s, XDS_LISTENER, "0.0.0.0_80");
	CHECK(r != NULL);
	/* gRPC is HTTP too; redis is TCP on the VIP; an unnamed port is sniffed. */
	CHECK(find(s, XDS_LISTENER, "0.0.0.0_9000") != NULL);
	CHECK(find(s, XDS_LISTENER, "10.43.9.9_6379") != NULL);
	CHECK(find(s, XDS_LISTENER, "10.43.9.9_7000") != NULL);
	CHECK(find(s, XDS_ROUTE_CONFIG, "api.shop.svc.cluster.local:7000") != NULL);
	CHECK(find(s, XDS_LISTENER, "virtualOutbound") != NULL);
	CHECK(find(s, XDS_LISTENER, "virtualInbound") != NULL);
	/* A ServiceEntry without addresses listens on 0.0.0.0 with SNI. */
	r = find(s, XDS_LISTENER, "0.0.0.0_443");
	CHECK(r != NULL);
	if (r) {
		const struct node *fc = node_get(r->json, "filter_chains");
		const struct node *sn =
		    fc && fc->len
		        ? node_get(node_get(fc->items[0], "filter_chain_match"), "server_names")
		        : NULL;
		CHECK(sn && sn->len == 1 && strcmp(sn->items[0]->str, "api.example.com") == 0);
	}
	/* No listener for the headless db: it has no endpoints. */
	CHECK(find(s, XDS_LISTENER, "0.0.0.0_5432") == NULL);
	/* Route "80": web's vhost, then allow_any. */
	r = find(s, XDS_ROUTE_CONFIG, "80");
	CHECK(r != NULL);
	if (r) {
		const struct node *vhs = node_get(r->json, "virtual_hosts");
		CHECK(vhs && vhs->len == 2);
		if (vhs && vhs->len == 2) {
			const struct node *d = node_get(vhs->items[0], "domains");
			CHECK_STR(node_text(node_get(vhs->items[0], "name")),
			          "web.shop.svc.cluster.local:80");
			CHECK(d && d->len == 6);
			if (d && d->len == 6) {
				CHECK_STR(d->items[0]->str, "web.shop.svc.cluster.local");
				CHECK_STR(d->items[1]->str, "web.shop.svc.cluster.local.");
				CHECK_STR(d->items[2]->str, "web");
				CHECK_STR(d->items[3]->str, "web.shop.svc");
				CHECK_STR(d->items[4]->str, "web.shop");
				CHECK_STR(
				    d->items[5]->str,
				    mesh_find(m, MESH_SERVICE, "shop", "web")->service->cluster_ip);
			}
			CHECK_STR(node_text(node_get(vhs->items[1], "name")), "allow_any");
		}
	}
	/* Clusters: one per port, subsets, DNS for the ServiceEntry. */
	CHECK(find(s, XDS_CLUSTER, "outbound|9000||api.shop.svc.cluster.local") != NULL);
	CHECK(find(s, XDS_CLUSTER, "outbound|9000|v2|api.shop.svc.cluster.local") != NULL);
	CHECK(find(s, XDS_CLUSTER, "outbound|9000|v9|api.shop.svc.cluster.local") != NULL);
	r = find(s, XDS_CLUSTER, "outbound|443||api.example.com");
	CHECK(r && strcmp(node_text(node_get(r->json, "type")), "STRICT_DNS") == 0);
	r = find(s, XDS_CLUSTER, "outbound|5432||db.default.svc.cluster.local");
	CHECK(r && strcmp(node_text(node_get(r->json, "type")), "ORIGINAL_DST") == 0);
	CHECK(find(s, XDS_CLUSTER, "inbound|8080||") != NULL);
	CHECK(find(s, XDS_CLUSTER, "BlackHoleCluster") != NULL);
	CHECK(find(s, XDS_CLUSTER, "PassthroughCluster") != NULL);
	CHECK(find(s, XDS_CLUSTER, "xds-grpc") != NULL);
	/* gRPC ports speak HTTP/2 upstream. */
	r = find(s, XDS_CLUSTER, "outbound|9000||api.shop.svc.cluster.local");
	CHECK(r && node_get(r->json, "typed_extension_protocol_options") != NULL);
	/* EDS: both api pods in the subset v2, none in v9. */
	r = find(s, XDS_ENDPOINT, "outbound|9000|v2|api.shop.svc.cluster.local");
	CHECK(r != NULL);
	if (r) {
		const struct node *eps = node_get(r->json, "endpoints");
		CHECK(eps && eps->len == 1 && node_get(eps->items[0], "lb_endpoints")->len == 2);
	}
	r = find(s, XDS_ENDPOINT, "outbound|9000|v9|api.shop.svc.cluster.local");
	CHECK(r && node_get(r->json, "endpoints") == NULL);
	CHECK(s->count[XDS_SECRET] == 2);
	xds_snapshot_unref(s);
	mesh_free(m);
}

static void test_errors_and_dns(void)
{
	struct mesh_error err;
	struct mesh *m = mesh_new(NULL, &err);
	struct mesh_object *pod;
	char buf[64];
	if (!m)
		return;
	CHECK(mesh_apply(m, "demo.yaml", demo, strlen(demo), NULL, NULL, &err) == 0);
	/* A pod without a sidecar: no snapshot, and why. */
	CHECK(mesh_apply(m, "plain.yaml", plain, strlen(plain), NULL, NULL, &err) == 0);
	pod = mesh_resolve_pod(m, "deployment/plain", NULL, &err);
	CHECK(pod != NULL);
	if (pod) {
		CHECK(synth_build(m, pod, NULL, &err) == NULL);
		CHECK(strstr(err.message, "istio-injection") != NULL);
	}
	CHECK(synth_build(m, NULL, NULL, &err) == NULL);
	/* kube-dns answers */
	CHECK(synth_resolve_host(m, "shop", "api", buf, sizeof buf) == 0);
	CHECK_STR(buf, "10.43.9.9");
	CHECK(synth_resolve_host(m, "default", "api.shop", buf, sizeof buf) == 0);
	CHECK_STR(buf, "10.43.9.9");
	CHECK(synth_resolve_host(m, "default", "api.shop.svc.cluster.local.", buf, sizeof buf) ==
	      0);
	CHECK_STR(buf, "10.43.9.9");
	CHECK(synth_resolve_host(m, "default", "api", buf, sizeof buf) == -1);
	CHECK(synth_resolve_host(m, "default", "kubernetes", buf, sizeof buf) == 0);
	CHECK_STR(buf, "10.43.0.1");
	CHECK(synth_resolve_host(m, "default", "1.2.3.4", buf, sizeof buf) == 0);
	CHECK_STR(buf, "1.2.3.4");
	CHECK(synth_resolve_host(m, "default", "db", buf, sizeof buf) == -1); /* no ready pod */
	CHECK(synth_resolve_host(m, "default", "", buf, sizeof buf) == -1);
	mesh_free(m);
}

/* A snapshot owns every string it holds: it outlives the mesh that made
 * it (ASan reports any byte still borrowed from the mesh). */
static void test_outlives_mesh(void)
{
	struct mesh_error err;
	struct mesh *m = mesh_new(NULL, &err);
	struct mesh_object *pod;
	struct xds_snapshot *s = NULL;
	struct strbuf out = STRBUF_INIT;
	struct xds_dump_opts opts = {NULL, NULL, NULL, 1};
	if (!m)
		return;
	CHECK(mesh_apply(m, "demo.yaml", demo, strlen(demo), NULL, NULL, &err) == 0);
	pod = mesh_resolve_pod(m, "deployment/web", "shop", &err);
	if (pod)
		s = synth_build(m, pod, istio_profile_find("seed"), &err);
	CHECK(s != NULL);
	mesh_free(m);
	if (!s)
		return;
	CHECK(xds_write_config_dump(&out, s, &opts, &err) == 0);
	CHECK(out.len > 10000);
	CHECK(strstr(strbuf_cstr(&out), "\"outbound|9000|v2|api.shop.svc.cluster.local\"") != NULL);
	CHECK(strstr(strbuf_cstr(&out), "\"namespace\": \"shop\"") != NULL);
	strbuf_free(&out);
	xds_snapshot_unref(s);
}

int main(void)
{
	test_sidecar();
	test_outlives_mesh();
	test_errors_and_dns();
	return check_summary("synth");
}
