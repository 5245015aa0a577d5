-- mesh:proxy(): the synthesized Envoy of a pod as a Lua user sees it: the
-- references it takes, the errors it gives (kubectl's words, and why a pod
-- has no sidecar), the lazy rebuild on mesh changes (an xDS push), host
-- names resolved as kube-dns answers the pod, and the profile's effects.
local cjson = require("cjson")

local function demo(opts)
  local mesh = meshlua.mesh(opts)
  mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
  mesh:apply("examples/envoy-demo-apps.yaml")
  return mesh
end

local function cluster_names(p)
  local out = {}
  for _, c in ipairs(cjson.decode(p:clusters():json())) do
    out[c.name] = true
  end
  return out
end

describe("mesh:proxy", function()
  it("takes a workload, a pod name with its namespace, or a pod object", function()
    local mesh = demo()
    local pod = mesh:pod("deployment/web-frontend")
    local a = mesh:proxy("deployment/web-frontend")
    local b = mesh:proxy(pod.name .. ".default")
    local c = mesh:proxy(pod)
    local d = mesh:proxy("deployment/web-frontend", "default")
    for _, p in ipairs({ a, b, c, d }) do
      assert.are.equal(pod.name .. ".default", p.name)
      assert.is_true(p.synthesized)
      assert.are.equal("current", p.profile)
      assert.are.equal(mesh.version, p.version)
    end
    assert.are.equal(tostring(a:listeners()), tostring(c:listeners()))
    assert.matches("^proxy web%-frontend%-[%w-]+%.default %(current%)$", tostring(a))
  end)

  it("says what kubectl says when nothing matches", function()
    local mesh = demo()
    local ok, err = pcall(mesh.proxy, mesh, "deployment/nope")
    assert.is_false(ok)
    assert.matches('deployments.apps "nope" not found', err, 1, true)
    ok, err = pcall(mesh.proxy, mesh, "nope-abc.default")
    assert.is_false(ok)
    assert.matches('pods "nope-abc" not found', err, 1, true)
    ok, err = pcall(mesh.proxy, mesh, 42)
    assert.is_false(ok)
    ok, err = pcall(mesh.proxy, mesh, mesh:find("service", "customers", "default"))
    assert.is_false(ok)
    assert.matches("pod", err)
  end)

  it("says why a pod has no sidecar", function()
    local mesh = meshlua.mesh()
    mesh:apply("examples/envoy-demo-apps.yaml")
    local ok, err = pcall(mesh.proxy, mesh, "deployment/web-frontend")
    assert.is_false(ok)
    assert.matches("pod web%-frontend%-[%w-]+%.default has no Envoy: it has no istio%-proxy sidecar because", err)
    assert.matches("istio-injection=enabled when it was created", err, 1, true)
    -- said once, not wrapped twice
    assert.is_nil(err:find("has no Envoy", err:find("has no Envoy", 1, true) + 1, true))
    ok, err = pcall(mesh.proxy, mesh, "deployment/coredns", "kube-system")
    assert.is_false(ok)
  end)

  it("rebuilds lazily when the mesh changed, and only then", function()
    local mesh = demo()
    local p = mesh:proxy("deployment/web-frontend")
    local v = p.version
    local before = p:config_dump()
    assert.are.equal(before, p:config_dump())
    assert.are.equal(v, p.version)
    assert.is_nil(cluster_names(p)["outbound|5432||db.default.svc.cluster.local"])
    mesh:apply_string([[
apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec:
  selector: {app: db}
  ports: [{name: tcp, port: 5432}]
]])
    assert.is_true(p.version > v)
    assert.is_true(cluster_names(p)["outbound|5432||db.default.svc.cluster.local"])
    local ip = mesh:find("service", "db", "default").cluster_ip
    local t = p:resolve({ protocol = "tcp", address = ip, port = 5432 })
    assert.are.equal(ip .. "_5432", t.listener.name)
  end)

  it("follows its workload across a rollout restart and fails once it is gone", function()
    local mesh = demo()
    local p = mesh:proxy("deployment/customers-v1")
    local first = mesh:pod("deployment/customers-v1")
    mesh:rollout_restart("deployment/customers-v1")
    local second = mesh:pod("deployment/customers-v1")
    assert.are_not.equal(first.name, second.name)
    local dump = cjson.decode(p:config_dump())
    assert.truthy(dump.configs[1].bootstrap.node.id:find(second.name, 1, true))
    mesh:delete("deployment/customers-v1")
    local ok, err = pcall(function()
      return p:listeners()
    end)
    assert.is_false(ok)
    assert.matches('proxy deployment/customers%-v1: deployments.apps "customers%-v1" not found', err)
  end)

  it("keeps its mesh alive, and says so when the mesh was closed", function()
    local p
    do
      local mesh = demo()
      p = mesh:proxy("deployment/web-frontend")
    end
    collectgarbage()
    collectgarbage()
    assert.truthy(tostring(p:listeners()):find("Route: 80", 1, true))
    local mesh = demo()
    local q = mesh:proxy("deployment/web-frontend")
    getmetatable(mesh).__close(mesh)
    local ok, err = pcall(function()
      mesh:apply_string("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    end)
    assert.is_false(ok)
    ok, err = pcall(function()
      return q.version
    end)
    assert.is_false(ok)
    assert.matches("its mesh was closed", err, 1, true)
  end)

  it("resolves host names as kube-dns answers the pod", function()
    local mesh = demo()
    local ip = mesh:find("service", "customers", "default").cluster_ip
    local p = mesh:proxy("deployment/web-frontend")
    for _, host in ipairs({ "customers", "customers.default", "customers.default.svc",
      "customers.default.svc.cluster.local", "customers.default.svc.cluster.local." }) do
      local t = p:resolve({ host = host, port = 80 })
      -- the trace's first line names the address the name resolved to
      assert.are.equal(ip, tostring(t):match("^[^\n]*→ ([%d.]+):80\n"))
      assert.are.equal("outbound|80||customers.default.svc.cluster.local", t.cluster.name)
    end
    assert.has_error(function()
      p:resolve({ host = "nothing.here", port = 80 })
    end)
  end)

  it("answers 'no Envoy' for a pod whose sidecar injection was refused", function()
    local mesh = meshlua.mesh()
    mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
    mesh:apply_string([[
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: legacy}}
  template:
    metadata: {labels: {app: legacy, sidecar.istio.io/inject: "false"}}
    spec:
      containers: [{name: app, image: nginx}]
]])
    local ok, err = pcall(mesh.proxy, mesh, "deployment/legacy")
    assert.is_false(ok)
    assert.matches('sidecar.istio.io/inject: "false"', err, 1, true)
  end)
end)

describe("synthesized endpoints", function()
  it("drop not-ready pods under the seed profile and list them UNHEALTHY under current", function()
    for profile, want in pairs({ seed = {}, current = { "UNHEALTHY" } }) do
      local mesh = demo({ profile = profile })
      local p = mesh:proxy("deployment/web-frontend")
      mesh:set_ready("deployment/customers-v1", false)
      local rows = cjson.decode(p:eds({ cluster = "outbound|80||customers.default.svc.cluster.local" }):json())
      local got = {}
      for _, cla in ipairs(rows) do
        for _, group in ipairs(cla.endpoints or {}) do
          for _, e in ipairs(group.lbEndpoints) do
            got[#got + 1] = e.healthStatus
          end
        end
      end
      assert.are.same(want, got)
    end
  end)

  it("use the named target port of each pod", function()
    local mesh = demo()
    mesh:apply_string([[
apiVersion: v1
kind: Service
metadata: {name: named, namespace: default}
spec:
  selector: {app: named}
  ports: [{name: http, port: 80, targetPort: web}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: named, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: named}}
  template:
    metadata: {labels: {app: named}}
    spec:
      containers: [{name: app, image: nginx, ports: [{name: web, containerPort: 8081}]}]
]])
    local p = mesh:proxy("deployment/web-frontend")
    local text = tostring(p:endpoints({ cluster = "outbound|80||named.default.svc.cluster.local" }))
    local n = 0
    for pod in mesh:pods({ selector = "app=named" }) do
      assert.truthy(text:find(pod.ip .. ":8081", 1, true))
      n = n + 1
    end
    assert.are.equal(2, n)
  end)
end)

describe("synthesized gateway proxy", function()
  it("identifies as a router and carries no sidecar listeners", function()
    local mesh = meshlua.mesh({ profile = "seed" })
    mesh:apply("examples/bigbang-cluster.yaml")
    local g = mesh:proxy("deployment/public-ingressgateway", "istio-system")
    local dump = cjson.decode(g:config_dump())
    assert.matches("^router~", dump.configs[1].bootstrap.node.id)
    for _, l in ipairs(dump.configs[4].dynamic_listeners) do
      assert.are_not.equal("virtualOutbound", l.name)
      assert.are_not.equal("virtualInbound", l.name)
    end
    -- No VirtualService for the Gateway yet: blackhole:80.
    local rc = cjson.decode(g:routes({ name = "http.80" }):json())[1]
    assert.are.equal("blackhole:80", rc.virtualHosts[1].name)
    assert.are.same({ "*" }, rc.virtualHosts[1].domains)
  end)
end)
