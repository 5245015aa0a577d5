/* Unit tests of the mesh store (src/mesh/): the starting cluster, applying
 * the seed's envoy-demo-apps.yaml, the controllers (pods, IPs, injection),
 * re-apply, scale, restart, delete, and all-or-nothing on errors. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "meshlua/mesh.h"
#include "meshlua/yaml_load.h"

#define DEMO "examples/envoy-demo-apps.yaml"

static struct mesh *new_mesh(void)
{
	struct mesh_error err;
	struct mesh *m = mesh_new(NULL, &err);
	CHECK(m != NULL);
	return m;
}

static int apply_file(struct mesh *m, const char *path, struct mesh_changes *changes,
                      struct mesh_error *err)
{
	char *data;
	size_t len;
	int rc;
	if (read_whole_file(path, &data, &len, err) != 0)
		return -1;
	rc = mesh_apply(m, path, data, len, NULL, changes, err);
	free(data);
	return rc;
}

static int apply_text(struct mesh *m, const char *text, struct mesh_error *err)
{
	return mesh_apply(m, "test.yaml", text, strlen(text), NULL, NULL, err);
}

static size_t count_pods(struct mesh *m, const char *ns, const char *app)
{
	struct mesh_iter it;
	struct mesh_label l = {"app", app};
	struct mesh_labels match = {1, &l};
	size_t n = 0;
	mesh_iter_init(&it, m, MESH_POD, ns, app ? &match : NULL);
	while (mesh_iter_next(&it))
		n++;
	return n;
}

static int in_alphabet(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr("bcdfghjklmnpqrstvwxz2456789", s[i]))
			return 0;
	return 1;
}

static void test_starting_cluster(void)
{
	struct mesh *m = new_mesh();
	struct mesh_object *k8s, *dns;
	CHECK(mesh_count(m, MESH_NAMESPACE, NULL) == 4);
	CHECK(mesh_find(m, MESH_NAMESPACE, NULL, "kube-node-lease") != NULL);
	k8s = mesh_find(m, MESH_SERVICE, "default", "kubernetes");
	dns = mesh_find(m, MESH_SERVICE, "kube-system", "kube-dns");
	CHECK(k8s && dns);
	if (k8s && dns) {
		CHECK_STR(k8s->service->cluster_ip, "10.43.0.1");
		CHECK(k8s->service->ports[0].port == 443);
		CHECK_STR(dns->service->cluster_ip, "10.43.0.10");
		CHECK(dns->service->port_count == 3);
		CHECK_STR(dns->service->ports[0].name, "dns");
		CHECK_STR(dns->service->ports[0].protocol, "UDP");
		CHECK_STR(dns->service->ports[1].name, "dns-tcp");
		CHECK_STR(dns->service->ports[2].name, "metrics");
		CHECK(dns->service->ports[2].port == 9153);
	}
	CHECK_STR(mesh_labels_get(&mesh_find(m, MESH_NAMESPACE, NULL, "default")->labels,
	                          "kubernetes.io/metadata.name"),
	          "default");
	mesh_free(m);
}

static void test_demo_apply(void)
{
	struct mesh *m = new_mesh();
	struct mesh_changes ch;
	struct mesh_error err;
	struct mesh_object *web, *svc, *vs;
	uint64_t v0 = mesh_version(m);
	CHECK(apply_file(m, DEMO, &ch, &err) == 0);
	CHECK(ch.count == 5);
	if (ch.count == 5) {
		CHECK(ch.items[0].kind == MESH_DEPLOYMENT && ch.items[0].action == MESH_CREATED);
		CHECK_STR(ch.items[0].name, "web-frontend");
		CHECK(ch.items[2].kind == MESH_VIRTUALSERVICE);
		CHECK_STR(ch.items[4].name, "customers");
	}
	mesh_changes_free(&ch);
	CHECK(mesh_version(m) == v0 + 1);
	CHECK(count_pods(m, "default", "web-frontend") == 1);
	CHECK(count_pods(m, "default", "customers") == 1);
	web = mesh_resolve_pod(m, "deployment/web-frontend", NULL, &err);
	CHECK(web != NULL);
	if (web) {
		size_t n = strlen("web-frontend-");
		const char *hash = web->name + n, *dash = strchr(hash, '-');
		CHECK(strncmp(web->name, "web-frontend-", n) == 0);
		CHECK(dash && (dash - hash == 9 || dash - hash == 10) && in_alphabet(hash, 1));
		CHECK(dash && strlen(dash + 1) == 5 && in_alphabet(dash + 1, 5));
		CHECK_STR(web->pod->ip, "10.42.0.2");
		CHECK(web->pod->ready);
		CHECK(web->pod->proxy == MESH_PROXY_NONE);
		CHECK(mesh_pod_proxy_check(web, &err) == -1);
		CHECK(strstr(err.message, "istio-injection=enabled") != NULL);
		CHECK_STR(mesh_labels_get(&web->labels, "version"), "v1");
		CHECK(mesh_labels_get(&web->labels, "pod-template-hash") != NULL);
		CHECK_STR(web->pod->spec.containers[0].name, "web");
		CHECK(web->pod->spec.containers[0].ports[0].port == 8080);
	}
	svc = mesh_find(m, MESH_SERVICE, "default", "customers");
	CHECK(svc && svc->service->cluster_ip &&
	      strncmp(svc->service->cluster_ip, "10.43.0.", 8) == 0);
	if (svc) {
		struct mesh_iter it;
		struct mesh_object *pod;
		mesh_iter_service_pods(&it, m, svc);
		pod = mesh_iter_next(&it);
		CHECK(pod && strncmp(pod->name, "customers-v1-", 13) == 0);
		CHECK(pod && mesh_pod_target_port(pod, &svc->service->ports[0]) == 3000);
		CHECK(mesh_iter_next(&it) == NULL);
	}
	vs = mesh_find(m, MESH_VIRTUALSERVICE, "default", "web-frontend");
	CHECK(vs && mesh_object_spec(vs) && node_get(mesh_object_spec(vs), "hosts"));
	if (vs)
		CHECK(mesh_object_spec(vs)->line == 51); /* spec: at line 50 */
	mesh_free(m);
}

static void test_reapply_unchanged_and_determinism(void)
{
	struct mesh *a = new_mesh(), *b = new_mesh();
	struct mesh_changes ch;
	struct mesh_error err;
	struct mesh_object *pa, *pb;
	uint64_t v;
	CHECK(apply_file(a, DEMO, NULL, &err) == 0);
	CHECK(apply_file(b, DEMO, NULL, &err) == 0);
	v = mesh_version(a);
	CHECK(apply_file(a, DEMO, &ch, &err) == 0);
	CHECK(ch.count == 5);
	for (size_t i = 0; i < ch.count; i++)
		CHECK(ch.items[i].action == MESH_UNCHANGED);
	mesh_changes_free(&ch);
	CHECK(mesh_version(a) == v);
	pa = mesh_resolve_pod(a, "deployment/customers-v1", NULL, &err);
	pb = mesh_resolve_pod(b, "deployment/customers-v1", NULL, &err);
	CHECK(pa && pb && strcmp(pa->name, pb->name) == 0 && strcmp(pa->pod->ip, pb->pod->ip) == 0);
	mesh_free(a);
	mesh_free(b);
}

static void test_injection_scale_restart_delete(void)
{
	struct mesh *m = new_mesh();
	struct mesh_error err;
	struct mesh_label_change inj = {"istio-injection", "enabled"};
	struct mesh_object *pod, *first;
	struct mesh_iter it;
	struct mesh_changes ch;
	char *data;
	size_t len;
	int changed;
	CHECK(mesh_label(m, MESH_NAMESPACE, NULL, "default", &inj, 1, 0, &changed, &err) == 0);
	CHECK(changed);
	CHECK(apply_file(m, DEMO, NULL, &err) == 0);
	first = mesh_resolve_pod(m, "deployment/customers-v1", NULL, &err);
	CHECK(first && first->pod->proxy == MESH_PROXY_SIDECAR);
	if (first) {
		CHECK_STR(mesh_labels_get(&first->labels, "security.istio.io/tlsMode"), "istio");
		CHECK_STR(mesh_labels_get(&first->labels, "service.istio.io/canonical-name"),
		          "customers");
		mesh_object_ref(first);
	}
	CHECK(mesh_scale(m, MESH_DEPLOYMENT, "default", "customers-v1", 2, &err) == 0);
	CHECK(count_pods(m, "default", "customers") == 2);
	mesh_iter_init(&it, m, MESH_POD, "default", NULL);
	{
		const char *ips[4] = {0};
		size_t n = 0;
		while ((pod = mesh_iter_next(&it)) && n < 4)
			if (strcmp(mesh_labels_get(&pod->labels, "app"), "customers") == 0)
				ips[n++] = pod->pod->ip;
		CHECK(n == 2 && strcmp(ips[0], ips[1]) != 0);
	}
	CHECK(mesh_find(m, MESH_DEPLOYMENT, "default", "customers-v1")->workload->ready_replicas ==
	      2);
	CHECK(mesh_rollout_restart(m, MESH_DEPLOYMENT, "default", "customers-v1", &err) == 0);
	CHECK(count_pods(m, "default", "customers") == 2);
	CHECK(first && first->deleted);
	pod = mesh_resolve_pod(m, "deployment/customers-v1", NULL, &err);
	CHECK(pod && first && strcmp(pod->name, first->name) != 0);
	mesh_object_unref(first);
	CHECK(read_whole_file(DEMO, &data, &len, &err) == 0);
	CHECK(mesh_delete_manifests(m, DEMO, data, len, NULL, &ch, &err) == 0);
	CHECK(ch.count == 5 && ch.items[0].action == MESH_DELETED);
	mesh_changes_free(&ch);
	CHECK(count_pods(m, "default", NULL) == 0);
	CHECK(mesh_count(m, MESH_SERVICE, "default") == 1); /* kubernetes */
	CHECK(mesh_count(m, MESH_VIRTUALSERVICE, NULL) == 0);
	/* A second delete finds nothing. */
	CHECK(mesh_delete_manifests(m, DEMO, data, len, NULL, &ch, &err) == 1);
	CHECK(strstr(err.message, "deployments.apps \"web-frontend\" not found") != NULL);
	mesh_changes_free(&ch);
	free(data);
	mesh_free(m);
}

static void test_all_or_nothing(void)
{
	struct mesh *m = new_mesh();
	struct mesh_error err;
	char msg[1200];
	uint64_t v = mesh_version(m);
	const char *bad_weights =
	    "apiVersion: v1\nkind: Service\nmetadata: {name: ok}\nspec:\n  selector: {app: x}\n"
	    "  ports: [{port: 80}]\n---\n"
	    "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: "
	    "split\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: "
	    "reviews, subset: v1}\n      weight: 50\n    - destination: {host: reviews, subset: "
	    "v2}\n      weight: 40\n";
	CHECK(apply_text(m, bad_weights, &err) == -1);
	mesh_error_format(&err, msg, sizeof msg);
	CHECK_STR(msg, "test.yaml:16:5: VirtualService \"split\": spec.http[0].route: total "
	               "destination weight 90 != 100");
	CHECK(mesh_version(m) == v);
	CHECK(mesh_find(m, MESH_SERVICE, "default", "ok") == NULL);
	/* The addresses the failed apply took are free again. */
	CHECK(apply_text(m,
	                 "apiVersion: v1\nkind: Service\nmetadata: {name: again}\nspec:\n"
	                 "  ports: [{port: 80}]\n",
	                 &err) == 0);
	CHECK_STR(mesh_find(m, MESH_SERVICE, "default", "again")->service->cluster_ip, "10.43.0.2");
	mesh_free(m);
}

static void test_errors(void)
{
	static const struct {
		const char *yaml, *want;
	} cases[] = {
	    {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - port: "
	     "eighty\n",
	     "test.yaml:6:11: Service \"s\": spec.ports[0].port: must be an integer, got string "
	     "\"eighty\""},
	    {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - {port: 80, "
	     "name: a}\n  - {port: 80, name: b}\n",
	     "test.yaml:7:5: Service \"s\": spec.ports[1]: Duplicate value: port 80/TCP (also "
	     "spec.ports[0])"},
	    {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: s}\n",
	     "test.yaml:5:3: Service \"s\": spec.ports: Required value"},
	    {"apiVersion: v1\nkind: Frobnicator\nmetadata: {name: f}\n",
	     "test.yaml:2:7: no matches for kind \"Frobnicator\" in version \"v1\""},
	    {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: -1\n",
	     "test.yaml:5:13: Deployment \"d\": spec.replicas: Invalid value: -1: must be between "
	     "0 and 100000, inclusive"},
	    {"apiVersion: v1\nkind: Service\nmetadata:\n\tname: s\n",
	     "test.yaml:4:1: a tab character where YAML allows only spaces (indent with spaces)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct mesh *m = new_mesh();
		struct mesh_error err;
		char msg[1200];
		uint64_t v = mesh_version(m);
		CHECK(apply_text(m, cases[i].yaml, &err) == -1);
		mesh_error_format(&err, msg, sizeof msg);
		CHECK_STR(msg, cases[i].want);
		CHECK(mesh_version(m) == v);
		mesh_free(m);
	}
}

int main(void)
{
	test_starting_cluster();
	test_demo_apply();
	test_reapply_unchanged_and_determinism();
	test_injection_scale_restart_delete();
	test_all_or_nothing();
	test_errors();
	return check_summary("test_mesh_apply");
}
