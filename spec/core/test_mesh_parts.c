/* Unit tests of the mesh store's parts: kind names, label and name rules,
 * selectors, pod-template hashes, pod references, and large applies into one
 * namespace (the store's reservations before a commit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "meshlua/mesh.h"
#include "meshlua/strbuf.h"

static void test_kinds(void)
{
	enum mesh_kind k;
	static const char *const deployment_names[] = {
	    "Deployment", "deployment", "deployments", "deploy", "deployments.apps", "DEPLOY"};
	for (size_t i = 0; i < sizeof deployment_names / sizeof *deployment_names; i++)
		CHECK(mesh_kind_lookup(deployment_names[i], &k) == 0 && k == MESH_DEPLOYMENT);
	CHECK(mesh_kind_lookup("virtualservices.networking.istio.io", &k) == 0 &&
	      k == MESH_VIRTUALSERVICE);
	CHECK(mesh_kind_lookup("vs", &k) == 0 && k == MESH_VIRTUALSERVICE);
	CHECK(mesh_kind_lookup("pa", &k) == 0 && k == MESH_PEERAUTHENTICATION);
	CHECK(mesh_kind_lookup("deployments.extensions", &k) == -1);
	CHECK(mesh_kind_lookup("frob", &k) == -1);
	CHECK(mesh_kind_from_manifest("apps/v1", "Deployment", &k) == 0 && k == MESH_DEPLOYMENT);
	CHECK(mesh_kind_from_manifest("v1", "Deployment", &k) == -1);
	CHECK(mesh_kind_from_manifest("apps/v1beta1", "Deployment", &k) == -1);
	CHECK(mesh_kind_from_manifest("apps/v1", "deployment", &k) == -1); /* case matters */
	CHECK(mesh_kind_from_manifest("networking.istio.io/v1alpha3", "Gateway", &k) == 0);
	CHECK(mesh_kind_from_manifest("security.istio.io/v1", "PeerAuthentication", &k) == 0);
	CHECK(mesh_kind_from_manifest("security.istio.io/v1alpha1", "PeerAuthentication", &k) ==
	      -1);
	CHECK_STR(mesh_kind_info(MESH_DEPLOYMENT)->resource, "deployment.apps");
	CHECK_STR(mesh_kind_info(MESH_SERVICE)->plural_group, "services");
	CHECK_STR(mesh_kind_info(MESH_DESTINATIONRULE)->plural_group,
	          "destinationrules.networking.istio.io");
	CHECK_STR(mesh_action_name(MESH_NOT_LABELED), "not labeled");
}

static int matches(const char *selector, const struct mesh_labels *labels)
{
	struct mesh_selector sel;
	struct mesh_error err;
	int r = mesh_selector_parse(&sel, selector, &err) == 0 ? mesh_selector_matches(&sel, labels)
	                                                       : -1;
	mesh_selector_free(&sel);
	return r;
}

static void test_selectors(void)
{
	struct mesh_label items[] = {{"app", "reviews"}, {"tier", "backend"}, {"version", "v2"}};
	struct mesh_labels labels = {3, items};
	struct mesh_selector sel;
	struct mesh_error err;
	CHECK_STR(mesh_labels_get(&labels, "tier"), "backend");
	CHECK(mesh_labels_get(&labels, "zone") == NULL);
	CHECK(matches("", &labels) == 1);
	CHECK(matches("app=reviews", &labels) == 1);
	CHECK(matches("app==reviews,version=v2", &labels) == 1);
	CHECK(matches("app=reviews,version=v1", &labels) == 0);
	CHECK(matches("version!=v1", &labels) == 1);
	CHECK(matches("zone!=a", &labels) == 1); /* absent keys are "not equal" */
	CHECK(matches("version in (v1, v2)", &labels) == 1);
	CHECK(matches("version notin (v2,v3)", &labels) == 0);
	CHECK(matches("tier", &labels) == 1);
	CHECK(matches("!tier", &labels) == 0);
	CHECK(matches(" !zone , app = reviews ", &labels) == 1);
	CHECK(matches("version in v1", &labels) == -1);
	CHECK(matches("app=", &labels) == 0);
	CHECK(matches("app=a=b", &labels) == -1);
	CHECK(matches("app,", &labels) == -1);
	CHECK(mesh_selector_parse(&sel, "bad key=x", &err) == -1);
	CHECK(strstr(err.message, "unable to parse requirement") != NULL ||
	      strstr(err.message, "Invalid value") != NULL);
	mesh_selector_free(&sel);
	CHECK(mesh_selector_parse(&sel, "a=x y", &err) == -1);
	mesh_selector_free(&sel);
}

static struct mesh *new_mesh(const struct mesh_options *opts)
{
	struct mesh_error err;
	struct mesh *m = mesh_new(opts, &err);
	CHECK(m != NULL);
	return m;
}

static int apply(struct mesh *m, const char *text, struct mesh_error *err)
{
	return mesh_apply(m, "t.yaml", text, strlen(text), NULL, NULL, err);
}

/* Many objects of one kind in one namespace, in one apply and several. */
static void test_large_applies(void)
{
	struct mesh *m = new_mesh(NULL);
	struct strbuf sb = STRBUF_INIT;
	struct mesh_error err;
	struct mesh_iter it;
	struct mesh_object *o;
	size_t n = 0;
	uint64_t last = 0;
	int ordered = 1;
	strbuf_puts(&sb, "apiVersion: v1\nkind: Namespace\nmetadata: {name: big}\n");
	for (int i = 0; i < 300; i++)
		strbuf_appendf(
		    &sb,
		    "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d%03d, "
		    "namespace: big}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: "
		    "d%03d}}\n  template:\n    metadata: {labels: {app: d%03d}}\n    spec: "
		    "{containers: [{name: c, image: i}]}\n---\napiVersion: v1\nkind: "
		    "Service\nmetadata: {name: s%03d, namespace: big}\nspec:\n  selector: "
		    "{app: d%03d}\n  ports: [{port: 80}]\n",
		    i, i, i, i, i);
	CHECK(apply(m, strbuf_cstr(&sb), &err) == 0);
	CHECK(mesh_count(m, MESH_DEPLOYMENT, "big") == 300);
	CHECK(mesh_count(m, MESH_SERVICE, "big") == 300);
	CHECK(mesh_count(m, MESH_POD, "big") == 600);
	CHECK(mesh_count(m, MESH_POD, NULL) == 600);
	mesh_iter_init(&it, m, MESH_POD, "big", NULL);
	while ((o = mesh_iter_next(&it))) {
		ordered &= o->uid > last;
		last = o->uid;
		n++;
	}
	CHECK(n == 600 && ordered);
	/* Selecting the pods of one Service among 600. */
	o = mesh_find(m, MESH_SERVICE, "big", "s123");
	CHECK(o != NULL);
	if (o) {
		mesh_iter_service_pods(&it, m, o);
		n = 0;
		while ((o = mesh_iter_next(&it)))
			n += strncmp(o->name, "d123-", 5) == 0;
		CHECK(n == 2);
	}
	/* Scale everything down in steps: removals compact the indexes. */
	for (int i = 0; i < 300; i += 3) {
		char name[16];
		snprintf(name, sizeof name, "d%03d", i);
		CHECK(mesh_scale(m, MESH_DEPLOYMENT, "big", name, 0, &err) == 0);
	}
	CHECK(mesh_count(m, MESH_POD, "big") == 400);
	CHECK(mesh_delete(m, MESH_NAMESPACE, NULL, "big", &err) == 0);
	CHECK(mesh_count(m, MESH_POD, NULL) == 0 && mesh_count(m, MESH_SERVICE, NULL) == 2);
	CHECK(mesh_find(m, MESH_NAMESPACE, NULL, "big") == NULL);
	strbuf_free(&sb);
	mesh_free(m);
}

static void test_pod_references(void)
{
	struct mesh *m = new_mesh(NULL);
	struct mesh_error err;
	struct mesh_object *pod, *again;
	CHECK(apply(m,
	            "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n---\napiVersion: "
	            "apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: apps}\nspec:\n  "
	            "replicas: 2\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: "
	            "{labels: {app: db}}\n    spec: {containers: [{name: c, image: i}]}\n",
	            &err) == 0);
	pod = mesh_resolve_pod(m, "statefulset/db", "apps", &err);
	CHECK(pod && strcmp(pod->name, "db-0") == 0);
	again = mesh_resolve_pod(m, "db-1.apps", NULL, &err);
	CHECK(again && strcmp(again->name, "db-1") == 0);
	CHECK(mesh_resolve_pod(m, "sts/db", NULL, &err) == NULL);
	CHECK_STR(err.message, "statefulsets.apps \"db\" not found");
	CHECK(mesh_resolve_pod(m, "frob/db", "apps", &err) == NULL);
	CHECK_STR(err.message, "the server doesn't have a resource type \"frob\"");
	CHECK(mesh_resolve_pod(m, "namespace/apps", NULL, &err) == NULL);
	CHECK_STR(err.message, "cannot find a pod for a Namespace");
	/* Not ready: the other pod is picked first. */
	CHECK(mesh_set_pod_ready(m, "apps", "db-0", 0, &err) == 0);
	pod = mesh_resolve_pod(m, "statefulset/db", "apps", &err);
	CHECK(pod && strcmp(pod->name, "db-1") == 0);
	CHECK(mesh_set_pod_ready(m, "apps", "db-9", 0, &err) == -1);
	mesh_free(m);
}

static void test_endpoints(void)
{
	struct mesh *m = new_mesh(NULL);
	struct mesh_error err;
	struct mesh_endpoint *eps;
	size_t n;
	struct mesh_object *svc;
	CHECK(
	    apply(
	        m,
	        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: "
	        "3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: "
	        "{app: web}}\n    spec: {containers: [{name: c, image: i, ports: "
	        "[{containerPort: 8080, name: http}, {containerPort: 9090, name: metrics}]}]}\n"
	        "---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: "
	        "{app: web}\n  ports:\n  - {name: http, port: 80, targetPort: http}\n  - {name: "
	        "grpc, port: 81, targetPort: grpc}\n  - {name: admin, port: 82, targetPort: "
	        "9000}\n",
	        &err) == 0);
	svc = mesh_find(m, MESH_SERVICE, NULL, "web");
	CHECK(mesh_set_pod_ready(m, "default", mesh_resolve_pod(m, "deploy/web", NULL, &err)->name,
	                         0, &err) == 0);
	CHECK(mesh_service_endpoints(m, svc, &eps, &n) == 0);
	/* http (3 pods) and admin (3 pods, a numeric target); no pod has "grpc". */
	CHECK(n == 6);
	if (n == 6) {
		CHECK(eps[0].port == &svc->service->ports[0] && eps[0].target_port == 8080);
		CHECK(strcmp(eps[0].ip, "10.42.0.2") == 0 && strcmp(eps[1].ip, "10.42.0.3") == 0 &&
		      strcmp(eps[2].ip, "10.42.0.4") == 0);
		CHECK(eps[3].port == &svc->service->ports[2] && eps[3].target_port == 9000);
		CHECK(eps[0].ready + eps[1].ready + eps[2].ready == 2);
	}
	free(eps);
	svc = mesh_find(m, MESH_SERVICE, "default", "kubernetes");
	CHECK(mesh_service_endpoints(m, svc, &eps, &n) == 0 && n == 1);
	if (n == 1)
		CHECK(strcmp(eps[0].ip, "172.18.0.2") == 0 && eps[0].target_port == 6443 &&
		      eps[0].pod == NULL);
	free(eps);
	mesh_free(m);
}

static void test_options(void)
{
	struct mesh_options opts = {0};
	struct mesh_error err;
	struct mesh *m;
	opts.pod_cidr = "192.168.0.0/33";
	CHECK(mesh_new(&opts, &err) == NULL);
	CHECK(strstr(err.message, "prefix length") != NULL);
	opts.pod_cidr = "300.1.0.0/16";
	CHECK(mesh_new(&opts, &err) == NULL);
	opts.pod_cidr = "10.244.0.0/24";
	opts.service_cidr = "10.96.0.0/12";
	opts.bare = 1;
	m = new_mesh(&opts);
	CHECK(mesh_count(m, MESH_NAMESPACE, NULL) == 0);
	CHECK(mesh_version(m) == 0);
	CHECK_STR(mesh_options(m)->cluster_domain, "cluster.local");
	CHECK(mesh_now(m) == 1622505600);
	mesh_advance(m, 60);
	mesh_advance(m, -5); /* the clock never goes back */
	CHECK(mesh_now(m) == 1622505660);
	mesh_free(m);
}

int main(void)
{
	test_kinds();
	test_selectors();
	test_large_applies();
	test_pod_references();
	test_endpoints();
	test_options();
	return check_summary("test_mesh_parts");
}
