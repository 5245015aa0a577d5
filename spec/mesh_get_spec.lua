-- kubectl get on the simulated cluster: the AGE column (HumanDuration),
-- -L label columns, -A, -o wide, the empty message, NotFound, and -o json /
-- -o yaml as kubectl prints objects (keys sorted, 4-space JSON, go-yaml).
local duration = require("meshlua.kube.duration")

describe("kubectl get", function()
  it("writes AGE as HumanDuration", function()
    local cases = {
      { -2, "<invalid>" }, { -1, "0s" }, { 0, "0s" }, { 119, "119s" }, { 120, "2m" },
      { 125, "2m5s" }, { 599, "9m59s" }, { 600, "10m" }, { 10799, "179m" }, { 10800, "3h" },
      { 3 * 3600 + 60, "3h1m" }, { 8 * 3600, "8h" }, { 47 * 3600 + 59, "47h" }, { 48 * 3600, "2d" },
      { 53 * 3600, "2d5h" }, { 8 * 86400, "8d" }, { 729 * 86400, "729d" }, { 730 * 86400, "2y" },
      { 740 * 86400, "2y10d" }, { 8 * 365 * 86400, "8y" }, { 20 * 365 * 86400, "20y" },
    }
    for _, c in ipairs(cases) do
      assert.are.equal(c[2], duration.human(c[1]), "for " .. c[1] .. "s")
    end
    assert.are.equal("2021-06-01T00:00:00Z", duration.rfc3339(1622505600))
  end)

  it("adds -L columns named by the key's last segment, upper-cased", function()
    local m = meshlua.mesh()
    m:label("ns/kube-system", "app.kubernetes.io/part-of=k3s")
    assert.are.equal(table.concat({
      "NAME              STATUS   AGE   PART-OF   METADATA.NAME",
      "default           Active   0s              default",
      "kube-node-lease   Active   0s              kube-node-lease",
      "kube-public       Active   0s              kube-public",
      "kube-system       Active   0s    k3s       kube-system",
    }, "\n") .. "\n", tostring(m:get("ns", { labels = { "app.kubernetes.io/part-of", "kubernetes.io/metadata.name" } })))
  end)

  it("adds NAMESPACE first with -A, and says when nothing matched", function()
    local m = meshlua.mesh()
    assert.are.equal("No resources found in default namespace.\n", tostring(m:get("pods")))
    assert.are.equal("No resources found in kube-system namespace.\n", tostring(m:get("deploy", { namespace = "kube-system" })))
    assert.are.equal("No resources found\n", tostring(m:get("vs", { all_namespaces = true })))
    m:apply("examples/envoy-demo-apps.yaml")
    assert.are.equal(table.concat({
      "NAMESPACE   NAME           READY   UP-TO-DATE   AVAILABLE   AGE",
      "default     customers-v1   1/1     1            1           0s",
      "default     web-frontend   1/1     1            1           0s",
    }, "\n") .. "\n", tostring(m:get("deployments", { A = true })))
    assert.are.equal(0, #m:get("pods", { selector = "app=nothing" }))
  end)

  it("fails as kubectl does for an unknown kind or an absent name", function()
    local m = meshlua.mesh()
    assert.has_error(function() m:get("frobs") end, 'error: the server doesn\'t have a resource type "frobs"')
    assert.has_error(function() m:get("deploy", { name = "nope" }) end,
      'Error from server (NotFound): deployments.apps "nope" not found')
    assert.has_error(function() m:get("vs", { name = "nope" }) end,
      'Error from server (NotFound): virtualservices.networking.istio.io "nope" not found')
  end)

  it("prints -o json of one object with keys sorted and 4-space indents", function()
    local m = meshlua.mesh()
    local ns = m:find("ns", "default")
    assert.are.equal(([[
{
    "apiVersion": "v1",
    "kind": "Namespace",
    "metadata": {
        "creationTimestamp": "2021-06-01T00:00:00Z",
        "labels": {
            "kubernetes.io/metadata.name": "default"
        },
        "name": "default",
        "resourceVersion": "1",
        "uid": "%s"
    },
    "spec": {
        "finalizers": [
            "kubernetes"
        ]
    },
    "status": {
        "phase": "Active"
    }
}
]]):format(ns.uuid), m:get("ns", { name = "default" }):json())
    assert.are.equal(m:get("ns", { name = "default" }):json(), ns:json())
  end)

  it("prints -o yaml as go-yaml does: quoted timestamps and numbers, lists flush, literal blocks", function()
    local m = meshlua.mesh()
    m:apply_string([[
apiVersion: v1
kind: Service
metadata:
  name: db
  annotations: {note: "yes", owner: team-a}
spec:
  selector: {app: db}
  ports: [{name: tcp, port: 5432}]
]], "db.yaml")
    local svc = m:find("svc", "db")
    assert.are.equal(([[
apiVersion: v1
kind: Service
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"v1","kind":"Service","metadata":{"annotations":{"note":"yes","owner":"team-a"},"name":"db","namespace":"default"},"spec":{"ports":[{"name":"tcp","port":5432}],"selector":{"app":"db"}}}
    note: "yes"
    owner: team-a
  creationTimestamp: "2021-06-01T00:00:00Z"
  name: db
  namespace: default
  resourceVersion: "2"
  uid: %s
spec:
  clusterIP: 10.43.0.2
  clusterIPs:
  - 10.43.0.2
  internalTrafficPolicy: Cluster
  ipFamilies:
  - IPv4
  ipFamilyPolicy: SingleStack
  ports:
  - name: tcp
    port: 5432
    protocol: TCP
    targetPort: 5432
  selector:
    app: db
  sessionAffinity: None
  type: ClusterIP
status:
  loadBalancer: {}
]]):format(svc.uuid), svc:yaml())
  end)

  it("wraps several objects in a List", function()
    local m = meshlua.mesh()
    local text = m:get("svc", { A = true }):json()
    local cjson = require("cjson")
    local list = cjson.decode(text)
    assert.are.equal("List", list.kind)
    assert.are.equal("v1", list.apiVersion)
    assert.are.equal("", list.metadata.resourceVersion)
    assert.are.equal(2, #list.items)
    assert.are.equal("kubernetes", list.items[1].metadata.name)
    assert.truthy(text:find('^{\n    "apiVersion": "v1",\n    "items": %[\n        {\n'))
    assert.truthy(m:get("svc", { A = true }):yaml():find("^apiVersion: v1\nitems:\n%- apiVersion: v1\n  kind: Service\n"))
  end)

  it("prints a pod with its owner, node, IP and injected sidecar in -o json", function()
    local m = meshlua.mesh()
    m:label("ns/default", "istio-injection=enabled")
    m:apply("examples/envoy-demo-apps.yaml")
    local pod = require("cjson").decode(m:pod("deployment/customers-v1"):json())
    assert.are.equal("ReplicaSet", pod.metadata.ownerReferences[1].kind)
    assert.are.equal(m:pod("deployment/customers-v1").replica_set, pod.metadata.ownerReferences[1].name)
    assert.are.equal("10.42.0.3", pod.status.podIP)
    assert.are.equal("Running", pod.status.phase)
    assert.are.equal("k3s-server", pod.spec.nodeName)
    assert.are.equal("svc", pod.spec.containers[1].name)
    assert.are.equal("istio-proxy", pod.spec.containers[2].name)
    assert.is_nil(pod.metadata.annotations)
  end)
end)
