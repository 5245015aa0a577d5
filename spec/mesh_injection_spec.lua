-- Sidecar injection as Istio's webhook decides it: when a pod is created,
-- from its namespace's labels (istio-injection, istio.io/rev) and its own
-- sidecar.istio.io/inject label or annotation; never in the Kubernetes
-- system namespaces or for host-network pods; gateways run their own Envoy.
local DEMO = "examples/envoy-demo-apps.yaml"

local function deployment(name, ns, labels, annotations, extra)
  return ([[
apiVersion: apps/v1
kind: Deployment
metadata: {name: %s, namespace: %s}
spec:
  selector: {matchLabels: {app: %s}}
  template:
    metadata:
      labels: {app: %s%s}
      annotations: {%s}
    spec:
      %scontainers: [{name: app, image: app:1}]
]]):format(name, ns, name, name, labels or "", annotations or "", extra or "")
end

describe("sidecar injection", function()
  it("injects nothing where the namespace is not labelled, and says why", function()
    local m = meshlua.mesh()
    m:apply(DEMO)
    local pod = m:pod("deployment/web-frontend")
    assert.is_false(pod.sidecar)
    assert.is_nil(pod.proxy)
    assert.truthy(tostring(pod):find("1/1%s+Running"))
    local ok, why = pod:has_proxy()
    assert.is_false(ok)
    assert.are.equal(("pod %s.default has no Envoy: it has no istio-proxy sidecar because its namespace "
      .. "was not labelled istio-injection=enabled when it was created (label the namespace "
      .. "istio-injection=enabled, then restart the workload: kubectl rollout restart)"):format(pod.name), why)
  end)

  it("injects pods created after the label, and existing ones only after a restart", function()
    local m = meshlua.mesh()
    m:apply(DEMO)
    m:label("namespace/default", "istio-injection=enabled")
    local old = m:pod("deployment/customers-v1")
    assert.is_false(old.sidecar)
    m:scale("deployment/customers-v1", 2)
    local mixed = {}
    for p in m:pods({ selector = "app=customers" }) do mixed[p.name] = p.sidecar end
    assert.is_false(mixed[old.name])
    m:rollout_restart("deployment/customers-v1")
    for p in m:pods({ selector = "app=customers" }) do
      assert.is_true(p.sidecar)
      assert.are.equal("sidecar", p.proxy)
      assert.is_true((p:has_proxy()))
      assert.are.equal("istio", p.labels["security.istio.io/tlsMode"])
      assert.are.equal("customers", p.labels["service.istio.io/canonical-name"])
      assert.are.equal("v1", p.labels["service.istio.io/canonical-revision"])
    end
    assert.truthy(tostring(m:get("pods", { selector = "app=customers" })):find("2/2     Running"))
  end)

  it("follows the pod's own sidecar.istio.io/inject label and annotation", function()
    local m = meshlua.mesh()
    m:apply_string(deployment("opt-in", "default", ", sidecar.istio.io/inject: 'true'"))
    assert.is_true(m:pod("deployment/opt-in").sidecar)
    m:label("namespace/default", "istio-injection=enabled")
    m:apply_string(deployment("opt-out-label", "default", ", sidecar.istio.io/inject: 'false'"))
    m:apply_string(deployment("opt-out-annotation", "default", nil, "sidecar.istio.io/inject: 'false'"))
    assert.is_false(m:pod("deployment/opt-out-label").sidecar)
    assert.is_false(m:pod("deployment/opt-out-annotation").sidecar)
    assert.are.equal('its template says sidecar.istio.io/inject: "false"', m:pod("deployment/opt-out-annotation").injection)
    local _, why = m:pod("deployment/opt-out-label"):has_proxy()
    assert.truthy(why:find('(remove sidecar.istio.io/inject: "false" from the pod template)', 1, true))
    assert.is_nil(why:find("label the namespace", 1, true))
  end)

  it("honours istio-injection=disabled and istio.io/rev", function()
    local m = meshlua.mesh()
    m:apply_string("apiVersion: v1\nkind: Namespace\nmetadata: {name: no-mesh, labels: {istio-injection: disabled}}\n"
      .. "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: canary, labels: {istio.io/rev: 1-10-3}}\n")
    m:apply_string(deployment("a", "no-mesh", ", sidecar.istio.io/inject: 'true'"))
    m:apply_string(deployment("b", "canary"))
    assert.is_false(m:pod("deployment/a", "no-mesh").sidecar)
    assert.is_true(m:pod("deployment/b", "canary").sidecar)
  end)

  it("never injects in kube-system or on the host network", function()
    local m = meshlua.mesh()
    m:label("namespace/kube-system", "istio-injection=enabled")
    m:label("namespace/default", "istio-injection=enabled")
    m:apply_string(deployment("coredns", "kube-system"))
    m:apply_string(deployment("node-agent", "default", nil, nil, "hostNetwork: true\n      "))
    assert.is_false(m:pod("deployment/coredns", "kube-system").sidecar)
    local agent = m:pod("deployment/node-agent")
    assert.is_false(agent.sidecar)
    assert.are.equal("172.18.0.2", agent.ip)
    assert.is_true(agent.host_network)
    -- No advice to label the namespace: Istio's webhook ignores these pods whatever the labels.
    local coredns = m:pod("deployment/coredns", "kube-system")
    local _, why = coredns:has_proxy()
    assert.are.equal(("pod %s.kube-system has no Envoy: it has no istio-proxy sidecar because Istio never "
      .. "injects pods in the Kubernetes system namespaces"):format(coredns.name), why)
    _, why = agent:has_proxy()
    assert.are.equal(("pod %s.default has no Envoy: it has no istio-proxy sidecar because pods on the host "
      .. "network are never injected"):format(agent.name), why)
  end)

  it("treats an ingress gateway's pod as a proxy of its own", function()
    local m = meshlua.mesh()
    m:label("namespace/default", "istio-injection=enabled")
    m:apply("spec/fixtures/mesh/gateway.yaml")
    local gw = m:pod("deployment/istio-ingressgateway", "istio-system")
    assert.are.equal("gateway", gw.proxy)
    assert.is_false(gw.sidecar)
    assert.is_true((gw:has_proxy()))
    assert.truthy(tostring(gw):find("1/1%s+Running"))
  end)

  it("injects bare pods too", function()
    local m = meshlua.mesh()
    m:label("namespace/default", "istio-injection=enabled")
    m:apply_string("apiVersion: v1\nkind: Pod\nmetadata: {name: sleep}\nspec: {containers: [{name: sleep, image: curl}]}\n")
    assert.is_true(m:pod("sleep").sidecar)
    assert.is_true(m:pod("sleep.default").sidecar)
    assert.is_true(m:pod("pod/sleep").sidecar)
  end)
end)
