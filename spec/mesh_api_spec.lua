-- The Lua API of the simulated cluster: meshlua.mesh(opts), the fields of
-- the mesh and of its objects, lookups that return nil, lists, and objects
-- that stay readable after they left the mesh.
local DEMO = "examples/envoy-demo-apps.yaml"

describe("meshlua.mesh", function()
  it("starts as k3s does: four namespaces, kubernetes and kube-dns", function()
    local m = meshlua.mesh()
    assert.are.equal(table.concat({
      "NAMESPACE     NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)                  AGE",
      "default       kubernetes   ClusterIP   10.43.0.1    <none>        443/TCP                  0s",
      "kube-system   kube-dns     ClusterIP   10.43.0.10   <none>        53/UDP,53/TCP,9153/TCP   0s",
    }, "\n") .. "\n", tostring(m:get("svc", { all_namespaces = true })))
    local dns = m:find("svc", "kube-dns", "kube-system")
    assert.are.same({ "dns", "dns-tcp", "metrics" }, { dns.ports[1].name, dns.ports[2].name, dns.ports[3].name })
    assert.are.same({ "UDP", "TCP", "TCP" }, { dns.ports[1].protocol, dns.ports[2].protocol, dns.ports[3].protocol })
    assert.are.equal("cluster.local", m.cluster_domain)
    assert.are.equal("10.42.0.0/16", m.pod_cidr)
    assert.are.equal("10.43.0.0/16", m.service_cidr)
    assert.are.equal("current", m.profile)
    assert.are.equal(1622505600, m.now)
  end)

  it("takes its networks, domain, clock and Istio profile as options", function()
    local m = meshlua.mesh({ pod_cidr = "10.244.0.0/16", service_cidr = "10.96.0.0/12",
      cluster_domain = "corp.local", start_time = 1700000000, profile = "seed", node_name = "kind-control-plane" })
    assert.are.equal("10.96.0.1", m:find("svc", "kubernetes").cluster_ip)
    assert.are.equal("10.96.0.10", m:find("svc", "kube-dns", "kube-system").cluster_ip)
    m:apply(DEMO)
    local pod = m:pod("deployment/web-frontend")
    assert.are.equal("10.244.0.2", pod.ip)
    assert.are.equal("kind-control-plane", pod.node)
    assert.are.equal("seed", m.profile)
    assert.truthy(m.istio_version:match("^1%.%d+%.%d+$")) -- the seed release line
    assert.are.equal("corp.local", m.cluster_domain)
    assert.are.equal(1700000000, pod.created)
    local bare = meshlua.mesh({ bare = true })
    assert.are.equal(0, #bare:namespaces())
    assert.are.equal(0, bare.version)
  end)

  it("refuses unknown or invalid options", function()
    assert.has_error(function() meshlua.mesh({ podcidr = "x" }) end, "meshlua.mesh: unknown option podcidr")
    assert.has_error(function() meshlua.mesh({ pod_cidr = "10.0.0.0" }) end,
      'meshlua.mesh: mesh options: invalid CIDR "10.0.0.0": expected a.b.c.d/n')
    assert.has_error(function() meshlua.mesh({ service_cidr = "10.0.0.0/31" }) end,
      'meshlua.mesh: mesh options: CIDR "10.0.0.0/31": the prefix length must be between 8 and 30')
    assert.has_error(function() meshlua.mesh({ profile = "1.5" }) end,
      'meshlua.mesh: unknown profile "1.5" (seed or current)')
    assert.has_error(function() meshlua.mesh({ cluster_domain = "Bad Domain" }) end)
  end)

  it("exposes objects' fields: names, labels, addresses, ports, readiness", function()
    local m = meshlua.mesh()
    m:apply(DEMO)
    local ns = m:namespaces()[1]
    assert.are.equal("default", ns.name)
    assert.are.equal("Namespace", ns.kind)
    assert.are.equal("default", ns.labels["kubernetes.io/metadata.name"])
    local svc = m:find("svc", "customers")
    assert.are.equal("10.43.0.3", svc.cluster_ip)
    assert.are.same({ { name = "http", port = 80, protocol = "TCP", target_port = 3000 } }, svc.ports)
    assert.are.same({ app = "customers" }, svc.selector)
    assert.are.equal("ClusterIP", svc.type)
    local d = m:find("deployment", "web-frontend")
    assert.are.equal(1, d.replicas)
    assert.are.equal("app=web-frontend", d.selector)
    assert.are.equal("gcr.io/tetratelabs/web-frontend:1.0.0", d.containers[1].image)
    assert.are.equal("http://customers.default.svc.cluster.local",
      d.spec.template.spec.containers[1].env[1].value)
    local pod = m:pod("deployment/web-frontend")
    assert.is_true(pod.ready)
    assert.are.equal(8080, pod.containers[1].ports[1].port)
    assert.are.equal("web", pod.containers[1].name)
    assert.is_true(pod.uid > svc.uid or pod.uid < svc.uid)
    assert.truthy(pod.uuid:match("^%x+%-%x+%-4%x+%-%x+%-%x+$"))
  end)

  it("returns nil for lookups that find nothing", function()
    local m = meshlua.mesh()
    m:apply(DEMO)
    assert.is_nil(m:find("svc", "nope"))
    assert.is_nil(m:find("svc", "customers", "kube-system"))
    local pod, err = m:pod("deployment/nope")
    assert.is_nil(pod)
    assert.are.equal('deployments.apps "nope" not found', err)
    assert.are.equal('pods "ghost" not found', select(2, m:pod("ghost.default")))
    m:scale("deployment/customers-v1", 0)
    assert.are.equal("no pods found for deployment customers-v1 in namespace default",
      select(2, m:pod("deployment/customers-v1")))
  end)

  it("finds pods the ways istioctl takes them", function()
    local m = meshlua.mesh()
    m:apply(DEMO)
    local pod = m:pod("deployment/web-frontend")
    assert.are.equal(pod, m:pod("deploy/web-frontend"))
    assert.are.equal(pod, m:pod("pod/" .. pod.name))
    assert.are.equal(pod, m:pod(pod.name .. ".default"))
    assert.are.equal(pod, m:pod(pod.name))
    assert.are.equal(pod, m:pod("service/web-frontend"))
    -- The first pod is a ready one.
    m:scale("deployment/customers-v1", 2)
    local first = m:pod("deployment/customers-v1")
    m:set_ready(first, false)
    assert.are_not.equal(first, m:pod("deployment/customers-v1"))
  end)

  it("keeps objects readable after they leave the mesh, and after the mesh is gone", function()
    local m = meshlua.mesh()
    m:apply(DEMO)
    local pod = m:pod("deployment/customers-v1")
    local svc = m:find("svc", "customers")
    m:delete({ file = DEMO })
    assert.is_true(pod.deleted and svc.deleted)
    assert.are.equal("10.42.0.3", pod.ip)
    assert.are.equal(0, #svc:endpoints())
    m = nil
    collectgarbage()
    collectgarbage()
    assert.are.equal("customers", svc.name)
    assert.truthy(tostring(pod):find("^customers%-v1%-"))
  end)

  it("iterates lists with for-in, ipairs and #, sorted by namespace and name", function()
    local m = meshlua.mesh()
    local seen = {}
    for ns in m:namespaces() do seen[#seen + 1] = ns.name end
    assert.are.same({ "default", "kube-node-lease", "kube-public", "kube-system" }, seen)
    local svcs = m:services()
    assert.are.equal(2, #svcs)
    for i, s in ipairs(svcs) do seen[i] = s.namespace .. "/" .. s.name end
    assert.are.same({ "default/kubernetes", "kube-system/kube-dns" }, { seen[1], seen[2] })
    assert.are.equal(1, #m:services({ selector = "k8s-app=kube-dns" }))
    assert.are.equal(1, #m:services({ selector = "k8s-app in (kube-dns, other),!missing" }))
    assert.are.equal(1, #m:services({ selector = "provider!=other,component" }))
    assert.has_error(function() m:services({ selector = "a in b" }) end)
  end)

  it("bumps the version on every operation that changes something", function()
    local m = meshlua.mesh()
    local v = m.version
    m:apply(DEMO)
    m:label("ns/default", "a=b")
    m:scale("deploy/customers-v1", 2)
    m:rollout_restart("deploy/customers-v1")
    m:set_ready("deployment/web-frontend", false)
    m:delete("deploy/web-frontend")
    assert.are.equal(v + 6, m.version)
    m:set_ready("deployment/customers-v1", true) -- already ready
    m:scale("deploy/customers-v1", 2)             -- already 2
    assert.are.equal(v + 6, m.version)
  end)
end)
