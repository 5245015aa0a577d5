-- The current profile against ../shared/reference/istio.md: its derived
-- example (§3) and the simulation cases of istiod's own tests (§4) that apply
-- to sidecars, gateways and ServiceEntries, each checked for the listener,
-- route configuration, virtual host and cluster the reference names.
local cjson = require("cjson")

local function squeeze(line)
  return (line:gsub("%s+", " "):gsub(" $", ""))
end

local function lines(text)
  local t = {}
  for line in text:gmatch("(.-)\n") do
    t[#t + 1] = squeeze(line)
  end
  return t
end

-- A mesh of the current profile with default labelled for injection.
local function new_mesh()
  local mesh = meshlua.mesh({ profile = "current" })
  mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
  return mesh
end

-- S: known, alt-known, not-default (ports 80 and 8080) and client pods.
local function known_mesh()
  local mesh = new_mesh()
  mesh:apply("spec/fixtures/synth/known-services.yaml")
  return mesh
end

local function vs(ns, name, hosts, dest, extra)
  return ([[
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: %s, namespace: %s}
spec:
  hosts: [%s]
%s  http:
  - route:
    - destination: {host: %s}
]]):format(name, ns, table.concat(hosts, ", "), extra or "", dest)
end

-- The names along a resolution, as the simulation's Result reports them
-- (ListenerMatched, RouteConfigMatched, VirtualHostMatched, ClusterMatched).
local function hops(t)
  return {
    listener = t.listener and t.listener.name,
    route_config = t.route_config and t.route_config.name,
    virtual_host = t.virtual_host and t.virtual_host.name,
    cluster = t.cluster and t.cluster.name,
  }
end

-- An HTTP call as the simulation makes it: to 1.3.3.7 unless the host is
-- a service of the mesh.
local function http(proxy, host, port, path)
  local ok, t = pcall(proxy.resolve, proxy, { host = host, port = port or 80, path = path or "/" })
  if not ok then
    t = proxy:resolve({ host = host, address = "1.3.3.7", port = port or 80, path = path or "/" })
  end
  return hops(t)
end

local function route_config(proxy, name)
  local list = cjson.decode(proxy:routes({ name = name }):json())
  return list[1]
end

local function vhost_names(rc)
  local out = {}
  for _, vh in ipairs(rc.virtualHosts) do
    out[#out + 1] = vh.name
  end
  return out
end

describe("synthesized sidecar, current profile", function()
  it("builds the listeners of the reference's derived example (sleep, customers, db, kube-dns)", function()
    local mesh = meshlua.mesh({ profile = "current", service_cidr = "10.96.0.0/12", bare = true })
    mesh:apply_string([[
apiVersion: v1
kind: Namespace
metadata: {name: default, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec:
  clusterIP: 10.96.0.10
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
  - {name: metrics, port: 9153, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {name: customers, namespace: default}
spec:
  clusterIP: 10.96.5.5
  selector: {app: customers}
  ports: [{name: http, port: 80, targetPort: 3000}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec:
  clusterIP: 10.96.7.7
  selector: {app: db}
  ports: [{name: tcp, port: 5432}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: sleep, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: sleep}}
  template:
    metadata: {labels: {app: sleep}}
    spec:
      containers: [{name: sleep, image: curlimages/curl}]
]])
    local p = mesh:proxy("deployment/sleep")
    local pt = "InboundPassthroughCluster"
    assert.are.same({
      "ADDRESSES PORT MATCH DESTINATION",
      "10.96.0.10 53 ALL Cluster: outbound|53||kube-dns.kube-system.svc.cluster.local",
      "0.0.0.0 80 Trans: raw_buffer; App: http/1.1,h2c Route: 80",
      "0.0.0.0 80 ALL PassthroughCluster",
      "10.96.7.7 5432 ALL Cluster: outbound|5432||db.default.svc.cluster.local",
      "10.96.0.10 9153 Trans: raw_buffer; App: http/1.1,h2c Route: kube-dns.kube-system.svc.cluster.local:9153",
      "10.96.0.10 9153 ALL Cluster: outbound|9153||kube-dns.kube-system.svc.cluster.local",
      "0.0.0.0 15001 ALL PassthroughCluster",
      "0.0.0.0 15001 Addr: *:15001 Non-HTTP/Non-TCP",
      "0.0.0.0 15006 Addr: *:15006 Non-HTTP/Non-TCP",
      -- the five Auto passthrough chains of PERMISSIVE, in the reference's order
      "0.0.0.0 15006 Trans: tls; App: istio-http/1.0,istio-http/1.1,istio-h2 " .. pt,
      "0.0.0.0 15006 Trans: raw_buffer; App: http/1.1,h2c " .. pt,
      "0.0.0.0 15006 Trans: tls; App: TCP TLS " .. pt,
      "0.0.0.0 15006 Trans: raw_buffer " .. pt,
      "0.0.0.0 15006 Trans: tls " .. pt,
      "0.0.0.0 15021 ALL Inline Route: /healthz/ready*",
      "0.0.0.0 15090 ALL Inline Route: /stats/prometheus*",
    }, lines(tostring(p:listeners())))
    -- The reference's route row for "80".
    local rows = lines(tostring(p:routes({ name = "80" })))
    assert.are.equal("80 customers.default.svc.cluster.local:80 customers.default.svc.cluster.local., "
      .. "customers + 2 more... /*", rows[2])
    local rc = route_config(p, "80")
    assert.are.same({ "customers.default.svc.cluster.local", "customers.default.svc.cluster.local.",
      "customers", "customers.default.svc", "customers.default", "10.96.5.5" }, rc.virtualHosts[1].domains)
    assert.is_true(rc.ignorePortInHostMatching)
    assert.are.equal("allow_any", rc.virtualHosts[#rc.virtualHosts].name)
    -- The default route: no 503 since 1.24.
    local route = rc.virtualHosts[1].routes[1]
    assert.are.same({
      cluster = "outbound|80||customers.default.svc.cluster.local",
      timeout = "0s",
      maxGrpcTimeout = "0s",
      retryPolicy = {
        retryOn = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
        numRetries = 2,
        retryHostPredicate = { { name = "envoy.retry_host_predicates.previous_hosts" } },
        hostSelectionRetryMaxAttempts = "5",
      },
    }, route.route)
    assert.are.equal("customers.default.svc.cluster.local:80/*", route.decorator.operation)
    -- Cluster defaults.
    local c = cjson.decode(p:clusters({ fqdn = "customers.default.svc.cluster.local" }):json())[1]
    assert.are.equal("EDS", c.type)
    assert.are.equal("10s", c.connectTimeout)
    assert.are.equal("LEAST_REQUEST", c.lbPolicy)
    assert.are.equal(4294967295, c.circuitBreakers.thresholds[1].maxConnections)
    assert.are.same({ { host = "customers.default.svc.cluster.local", name = "customers", namespace = "default" } },
      c.metadata.filterMetadata.istio.services)
    assert.are.equal("tlsMode-istio", c.transportSocketMatches[1].name)
  end)

  it("case 1: a VirtualService moves known's vhosts to alt-known on both ports", function()
    local mesh = known_mesh()
    mesh:apply_string(vs("default", "known-to-alt", { "known" }, "alt-known"))
    local p = mesh:proxy("deployment/client")
    assert.are.same({ listener = "0.0.0.0_80", route_config = "80",
      virtual_host = "known.default.svc.cluster.local:80",
      cluster = "outbound|80||alt-known.default.svc.cluster.local" },
      http(p, "known.default.svc.cluster.local", 80))
    assert.are.same({ listener = "0.0.0.0_8080", route_config = "8080",
      virtual_host = "known.default.svc.cluster.local:8080",
      cluster = "outbound|8080||alt-known.default.svc.cluster.local" },
      http(p, "known.default.svc.cluster.local", 8080))
  end)

  it("case 2: a host outside the registry gets a vhost on port 80 only", function()
    local mesh = known_mesh()
    mesh:apply_string(vs("default", "foo", { "foo.default.svc.cluster.local" }, "foo", [[
  # a port in the match or the destination does not make it appear on 8080
]]))
    local p = mesh:proxy("deployment/client")
    local h = http(p, "foo.default.svc.cluster.local", 80)
    assert.are.equal("0.0.0.0_80", h.listener)
    assert.are.equal("80", h.route_config)
    assert.are.equal("foo.default.svc.cluster.local:80", h.virtual_host)
    assert.are.equal("outbound|80||foo.default.svc.cluster.local", h.cluster)
    for _, extra in ipairs({ "port: {number: 8080}", "" }) do
      local m = known_mesh()
      m:apply_string(([[
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: foo, namespace: default}
spec:
  hosts: [foo.default.svc.cluster.local]
  http:
  - match: [{port: 8080}]
    route:
    - destination: {host: foo, %s}
]]):format(extra))
      local names = vhost_names(route_config(m:proxy("deployment/client"), "8080"))
      for _, n in ipairs(names) do
        assert.is_nil(n:find("^foo%."))
      end
    end
  end)

  it("case 3: of three VirtualServices for one host the oldest wins", function()
    local mesh = known_mesh()
    for _, ns in ipairs({ "arbitrary", "default", "not-default" }) do
      if ns == "arbitrary" then
        mesh:apply_string("apiVersion: v1\nkind: Namespace\nmetadata: {name: arbitrary}\n")
      end
      mesh:apply_string(vs(ns, "known", { "known.default.svc.cluster.local" }, ns .. ".example.com"))
      mesh:advance(10)
    end
    local p = mesh:proxy("deployment/client", "not-default")
    local h = http(p, "known.default.svc.cluster.local", 80)
    assert.are.equal("known.default.svc.cluster.local:80", h.virtual_host)
    assert.are.equal("outbound|80||arbitrary.example.com", h.cluster)
  end)

  it("case 4: an exact host beats an older wildcard; the wildcard gets no vhost of its own", function()
    local mesh = known_mesh()
    mesh:apply_string(vs("default", "wild", { '"*.cluster.local"' }, "wild.example.com"))
    mesh:advance(10)
    mesh:apply_string(vs("default", "explicit", { "known.default.svc.cluster.local" }, "explicit.example.com"))
    local p = mesh:proxy("deployment/client")
    assert.are.equal("outbound|80||wild.example.com", http(p, "alt-known.default.svc.cluster.local").cluster)
    assert.are.equal("outbound|80||explicit.example.com", http(p, "known.default.svc.cluster.local").cluster)
    for _, n in ipairs(vhost_names(route_config(p, "80"))) do
      assert.are_not.equal("*.cluster.local:80", n)
    end
  end)

  it("case 5: a Sidecar's egress hosts import the VirtualServices of their namespace only", function()
    local mesh = known_mesh()
    mesh:apply_string(vs("default", "explicit", { "known.default.svc.cluster.local" }, "explicit.example.com"))
    mesh:apply_string(vs("not-default", "wild", { '"*.default.svc.cluster.local"' }, "arbitrary.example.com"))
    mesh:apply_string([[
apiVersion: networking.istio.io/v1beta1
kind: Sidecar
metadata: {name: default, namespace: not-default}
spec:
  egress:
  - hosts: ["not-default/*.default.svc.cluster.local", "not-default/not-default.not-default.svc.cluster.local"]
]])
    local p = mesh:proxy("deployment/client", "not-default")
    local h = http(p, "known.default.svc.cluster.local", 80)
    assert.are.equal("*.default.svc.cluster.local:80", h.virtual_host)
    assert.are.equal("outbound|80||arbitrary.example.com", h.cluster)
    for _, n in ipairs(vhost_names(route_config(p, "80"))) do
      assert.is_nil(n:find("^known%."))
    end
  end)

  it("case 6: a VirtualService naming two hosts routes both, imported or not", function()
    local mesh = known_mesh()
    mesh:apply_string(vs("default", "both", { "known.default.svc.cluster.local", "alt-known.default.svc.cluster.local" },
      "example.com"))
    mesh:apply_string([[
apiVersion: networking.istio.io/v1beta1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress:
  - hosts: ["*/known.default.svc.cluster.local"]
]])
    local p = mesh:proxy("deployment/client")
    assert.are.equal("outbound|80||example.com", http(p, "known.default.svc.cluster.local").cluster)
    assert.are.equal("outbound|80||example.com", http(p, "alt-known.default.svc.cluster.local").cluster)
  end)

  it("case 7: a headless Service is reached on its endpoint's IP on every port", function()
    local mesh = new_mesh()
    mesh:apply_string([[
apiVersion: v1
kind: Service
metadata: {name: headless, namespace: default}
spec:
  clusterIP: None
  selector: {app: headless}
  ports:
  - {name: http, port: 80}
  - {name: auto, port: 81}
  - {name: tcp, port: 82}
  - {name: tls, port: 83}
  - {name: https, port: 84}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: headless, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: headless}}
  template:
    metadata: {labels: {app: headless}}
    spec:
      containers: [{name: app, image: nginx}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec:
      containers: [{name: client, image: curlimages/curl}]
]])
    local ip = mesh:pods({ selector = "app=headless" })[1].ip
    local p = mesh:proxy("deployment/client")
    for _, host in ipairs({ "headless.default.svc.cluster.local", "headless.default" }) do
      for _, port in ipairs({ 80, 81 }) do
        local t = p:resolve({ host = host, address = ip, port = port })
        assert.are.equal(("outbound|%d||headless.default.svc.cluster.local"):format(port), t.cluster.name)
      end
    end
    assert.are.equal(ip .. "_81", p:resolve({ host = "headless.default", address = ip, port = 81 }).listener.name)
    for _, port in ipairs({ 82, 83, 84 }) do
      local t = p:resolve({ protocol = "tcp", address = ip, port = port })
      assert.are.equal(ip .. "_" .. port, t.listener.name)
      assert.are.equal(("outbound|%d||headless.default.svc.cluster.local"):format(port), t.cluster.name)
    end
    local c = cjson.decode(p:clusters({ fqdn = "headless.default.svc.cluster.local", port = 80 }):json())[1]
    assert.are.equal("ORIGINAL_DST", c.type)
    assert.are.equal("CLUSTER_PROVIDED", c.lbPolicy)
  end)

  it("case 8: an ExternalName alias is routed to its concrete service", function()
    local mesh = new_mesh()
    mesh:apply_string([[
apiVersion: v1
kind: Service
metadata: {name: concrete, namespace: default}
spec:
  selector: {app: concrete}
  ports:
  - {name: http, port: 80}
  - {name: auto, port: 81}
  - {name: tcp, port: 82}
  - {name: tls, port: 83}
  - {name: https, port: 84}
---
apiVersion: v1
kind: Service
metadata: {name: alias, namespace: default}
spec:
  type: ExternalName
  externalName: concrete.default.svc.cluster.local
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec:
      containers: [{name: client, image: curlimages/curl}]
]])
    local p = mesh:proxy("deployment/client")
    for _, host in ipairs({ "alias.default.svc.cluster.local", "alias.default", "concrete.default.svc.cluster.local" }) do
      local t = p:resolve({ host = host, port = 80 })
      assert.are.equal("outbound|80||concrete.default.svc.cluster.local", t.cluster.name)
      assert.are.equal("default", t.route.name)
    end
    local ip = mesh:find("service", "concrete", "default").cluster_ip
    for _, port in ipairs({ 82, 83, 84 }) do
      local t = p:resolve({ protocol = "tcp", address = ip, port = port })
      assert.are.equal(("outbound|%d||concrete.default.svc.cluster.local"):format(port), t.cluster.name)
    end
    -- No listener, cluster or vhost of the alias itself.
    assert.are.equal(0, #p:clusters({ fqdn = "alias.default.svc.cluster.local" }))
    mesh:apply_string([[
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: alias, namespace: default}
spec:
  hosts: [alias.default.svc.cluster.local]
  http:
  - name: route1
    match: [{uri: {prefix: /one}}]
    route:
    - destination: {host: concrete.default.svc.cluster.local}
]])
    assert.are.equal("route1", p:resolve({ host = "alias.default.svc.cluster.local", port = 80, path = "/one" }).route.name)
    for _, host in ipairs({ "alias.default", "concrete.default.svc.cluster.local" }) do
      assert.are.equal("default", p:resolve({ host = host, port = 80, path = "/one" }).route.name)
    end
    assert.are.equal("default",
      p:resolve({ host = "alias.default.svc.cluster.local", port = 81, address = ip, path = "/one" }).route.name)
  end)

  it("case 10: a TCP call to 15001 or 15006 ends in the BlackHoleCluster", function()
    local p = known_mesh():proxy("deployment/client")
    for _, port in ipairs({ 15001, 15006 }) do
      local t = p:resolve({ protocol = "tcp", address = "1.2.3.4", port = port })
      assert.are.equal("BlackHoleCluster", t.cluster.name)
    end
  end)
end)

describe("synthesized ServiceEntries, current profile", function()
  local function se_mesh(registry_only)
    local mesh = known_mesh()
    mesh:apply_string([[
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: {name: istio-io, namespace: default}
spec:
  hosts: [istio.io]
  addresses: [1.2.3.4]
  resolution: DNS
  ports:
  - {number: 80, name: http, protocol: HTTP}
  - {number: 81, name: auto}
  - {number: 82, name: tcp, protocol: TCP}
  - {number: 83, name: tls, protocol: TLS}
  - {number: 84, name: https, protocol: HTTPS}
  - {number: 85, name: grpc, protocol: GRPC}
  - {number: 86, name: h2, protocol: HTTP2}
]])
    if registry_only then
      mesh:apply_string([[
apiVersion: v1
kind: Namespace
metadata: {name: istio-system}
---
apiVersion: networking.istio.io/v1beta1
kind: Sidecar
metadata: {name: default, namespace: istio-system}
spec:
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
]])
    end
    return mesh
  end

  it("case 9: ALLOW_ANY passes unknown destinations through", function()
    local p = se_mesh(false):proxy("deployment/client")
    for _, port in ipairs({ 80, 81, 85, 86 }) do
      local t = p:resolve({ host = "foo", address = "1.3.3.7", port = port })
      assert.are.equal("PassthroughCluster", t.cluster.name)
    end
    for _, port in ipairs({ 82, 83, 84 }) do
      assert.are.equal("PassthroughCluster",
        p:resolve({ protocol = "tcp", address = "1.3.3.7", port = port }).cluster.name)
    end
    -- The ServiceEntry's own listeners and clusters.
    local c = cjson.decode(p:clusters({ fqdn = "istio.io", port = 82 }):json())[1]
    assert.are.equal("STRICT_DNS", c.type)
    assert.are.equal("1.2.3.4_82", p:resolve({ protocol = "tcp", address = "1.2.3.4", port = 82 }).listener.name)
    assert.are.equal("outbound|82||istio.io",
      p:resolve({ protocol = "tcp", address = "1.2.3.4", port = 82 }).cluster.name)
    assert.are.equal("outbound|80||istio.io", p:resolve({ host = "istio.io", port = 80 }).cluster.name)
  end)

  it("case 9: REGISTRY_ONLY sends HTTP to block_all and the rest to the BlackHoleCluster", function()
    local p = se_mesh(true):proxy("deployment/client")
    for _, port in ipairs({ 80, 85, 86 }) do
      local t = p:resolve({ host = "foo", address = "1.3.3.7", port = port })
      assert.are.equal("block_all", t.virtual_host.name)
      assert.are.equal(502, t.status)
    end
    for _, port in ipairs({ 81, 82, 83, 84 }) do
      assert.are.equal("BlackHoleCluster",
        p:resolve({ protocol = "tcp", address = "1.3.3.7", port = port }).cluster.name)
    end
  end)

  local function cidr_mesh(a1, a2)
    local mesh = known_mesh()
    mesh:apply_string(([[
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: {name: se1, namespace: default}
spec:
  hosts: [blah1.somedomain]
  addresses: ["%s"]
  ports: [{number: 9999, name: port-9999, protocol: TCP}]
---
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: {name: se2, namespace: default}
spec:
  hosts: [blah2.somedomain]
  addresses: ["%s"]
  ports: [{number: 9999, name: port-9999, protocol: TCP}]
]]):format(a1, a2))
    return mesh:proxy("deployment/client")
  end

  -- istiod listens on the IPv4 wildcard for CIDRs; Envoy's own hand-off of
  -- an IPv6 destination would look for [::]:9999, so the chains are
  -- checked from that listener, as istiod's simulation does.
  local function call(p, address)
    return p:resolve({ protocol = "tcp", address = address, port = 9999, listener = "0.0.0.0_9999" })
  end

  it("case 12: CIDR addresses listen on 0.0.0.0 and the longest prefix wins", function()
    local p = cidr_mesh("1234:1f1:123:123:f816:3eff:feb8:2287/16", "1234:1f1:123:123:f816:3eff:febf:57ce/32")
    local l = cjson.decode(p:listeners({ port = 9999 }):json())
    assert.are.equal(1, #l)
    assert.are.equal("0.0.0.0_9999", l[1].name)
    assert.are.equal(2, #l[1].filterChains)
    assert.are.equal("outbound|9999||blah2.somedomain", call(p, "1234:1f1:123:123:f816:3eff:febf:57ce").cluster.name)
    assert.are.equal("outbound|9999||blah1.somedomain", call(p, "1234::1").cluster.name)
  end)

  it("case 12: a CIDR equal to an earlier one once masked is dropped", function()
    local p = cidr_mesh("1234:1f1:123:123:f816:3eff:feb8:2287/32", "1234:1f1:123:123:f816:3eff:febf:57ce/32")
    local l = cjson.decode(p:listeners({ port = 9999 }):json())
    assert.are.equal(1, #l[1].filterChains)
    assert.are.equal("outbound|9999||blah1.somedomain", call(p, "1234:1f1:1:1:1:1:1:1").cluster.name)
  end)

  it("case 12: with plain addresses each address gets its listener, the first service keeps a shared one", function()
    local mesh = known_mesh()
    mesh:apply_string([[
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: {name: blah1, namespace: default}
spec:
  hosts: [blah1.somedomain]
  addresses: [1.1.1.1]
  resolution: STATIC
  endpoints: [{address: 10.9.9.1}]
  ports: [{number: 9999, name: tcp, protocol: TCP}]
---
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: {name: blah2, namespace: default}
spec:
  hosts: [blah2.somedomain]
  addresses: [2.2.2.2, 1.1.1.1]
  resolution: STATIC
  endpoints: [{address: 10.9.9.2}]
  ports: [{number: 9999, name: tcp, protocol: TCP}]
]])
    local p = mesh:proxy("deployment/client")
    local t = p:resolve({ protocol = "tcp", address = "1.1.1.1", port = 9999 })
    assert.are.equal("1.1.1.1_9999", t.listener.name)
    assert.are.equal("outbound|9999||blah1.somedomain", t.cluster.name)
    t = p:resolve({ protocol = "tcp", address = "2.2.2.2", port = 9999 })
    assert.are.equal("2.2.2.2_9999", t.listener.name)
    assert.are.equal("outbound|9999||blah2.somedomain", t.cluster.name)
  end)
end)

describe("synthesized inbound side, current profile", function()
  -- Case 11: the proxy's own workload behind a ServiceEntry (ports 70 tcp,
  -- 80 http, 81 auto) under each PeerAuthentication mode.
  local function inbound_mesh(mode)
    local mesh = new_mesh()
    mesh:apply_string(([[
apiVersion: apps/v1
kind: Deployment
metadata: {name: server, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: server}}
  template:
    metadata: {labels: {app: server}}
    spec:
      containers: [{name: app, image: nginx}]
---
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: {name: foo, namespace: default}
spec:
  hosts: [foo.bar]
  addresses: [1.1.1.1]
  resolution: STATIC
  workloadSelector: {labels: {app: server}}
  ports:
  - {number: 70, name: tcp, protocol: TCP}
  - {number: 80, name: http, protocol: HTTP}
  - {number: 81, name: auto}
---
apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: {name: default, namespace: default}
spec:
  mtls: {mode: %s}
]]):format(mode))
    return mesh:proxy("deployment/server")
  end

  -- The rows of port's chains (istioctl sorts more than 12 rows with an
  -- unstable sort, so their order is not compared).
  local function chains(p, port)
    local out = {}
    for _, row in ipairs(lines(tostring(p:listeners({ port = 15006 })))) do
      if row:find("Addr: *:" .. port, 1, true) then
        out[#out + 1] = row
      end
    end
    table.sort(out)
    return out
  end

  local function sorted(t)
    table.sort(t)
    return t
  end

  it("case 11: PERMISSIVE takes mTLS and plaintext, STRICT only mTLS, DISABLE only plaintext", function()
    local perm, strict, disable = inbound_mesh("PERMISSIVE"), inbound_mesh("STRICT"), inbound_mesh("DISABLE")
    assert.are.same(sorted({
      "0.0.0.0 15006 Trans: tls; App: istio,istio-peer-exchange,istio-http/1.0,istio-http/1.1,istio-h2; Addr: *:70 Cluster: inbound|70||",
      "0.0.0.0 15006 Trans: tls; Addr: *:70 Cluster: inbound|70||",
      "0.0.0.0 15006 Trans: raw_buffer; Addr: *:70 Cluster: inbound|70||",
    }), chains(perm, 70))
    assert.are.same({ "0.0.0.0 15006 Trans: tls; Addr: *:70 Cluster: inbound|70||" }, chains(strict, 70))
    assert.are.same({ "0.0.0.0 15006 Trans: raw_buffer; Addr: *:70 Cluster: inbound|70||" }, chains(disable, 70))
    assert.are.same(sorted({
      "0.0.0.0 15006 Trans: tls; App: istio,istio-peer-exchange,istio-http/1.0,istio-http/1.1,istio-h2; Addr: *:80 Cluster: inbound|80||",
      "0.0.0.0 15006 Trans: raw_buffer; Addr: *:80 Cluster: inbound|80||",
    }), chains(perm, 80))
    assert.are.same({ "0.0.0.0 15006 Trans: tls; Addr: *:80 Cluster: inbound|80||" }, chains(strict, 80))
    -- Plain TCP to 70 reaches inbound|70|| unless STRICT; HTTP to 80 the vhost inbound|http|80.
    for _, p in ipairs({ perm, disable }) do
      local t = p:resolve({ protocol = "tcp", address = "1.1.1.1", port = 70, listener = "virtualInbound" })
      assert.are.equal("inbound|70||", t.cluster.name)
    end
    local t = strict:resolve({ protocol = "tcp", address = "1.1.1.1", port = 70, listener = "virtualInbound" })
    assert.is_nil(t.cluster)
    t = perm:resolve({ host = "foo.bar", address = "1.1.1.1", port = 80, listener = "virtualInbound" })
    assert.are.equal("inbound|http|80", t.virtual_host.name)
    assert.are.equal("inbound|80||", t.cluster.name)
    -- A port no service names passes through.
    t = perm:resolve({ protocol = "tcp", address = "1.1.1.1", port = 82, listener = "virtualInbound" })
    assert.are.equal("InboundPassthroughCluster", t.cluster.name)
    -- The inbound clusters.
    local c = cjson.decode(perm:clusters({ direction = "inbound", port = 80 }):json())[1]
    assert.are.equal("inbound|80||", c.name)
    assert.are.equal("ORIGINAL_DST", c.type)
  end)
end)

describe("synthesized gateway, current profile", function()
  local function gw_mesh(with_vs)
    local mesh = new_mesh()
    mesh:apply_string([[
apiVersion: v1
kind: Namespace
metadata: {name: istio-system}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  replicas: 1
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway, app: istio-ingressgateway}}
    spec:
      containers: [{name: istio-proxy, image: istio/proxyv2}]
---
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: {name: gateway, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [foo.bar]
---
apiVersion: v1
kind: Service
metadata: {name: productpage, namespace: default}
spec:
  selector: {app: productpage}
  ports: [{name: http, port: 9080}]
]])
    if with_vs then
      mesh:apply_string([[
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: bookinfo, namespace: default}
spec:
  hosts: ["*"]
  gateways: [gateway]
  http:
  - match: [{uri: {exact: /productpage}}]
    route:
    - destination: {host: productpage, port: {number: 9080}}
]])
    end
    return mesh:proxy("deployment/istio-ingressgateway", "istio-system")
  end

  it("case 13: routes /productpage of foo.bar and nothing else", function()
    local g = gw_mesh(true)
    local t = g:resolve({ host = "foo.bar", address = "1.1.1.1", port = 80, path = "/" })
    assert.are.same({ listener = "0.0.0.0_80", route_config = "http.80", virtual_host = "foo.bar:80" },
      hops(t))
    assert.are.equal("404 NR", t.outcome)
    assert.are.equal(404, t.status)
    t = g:resolve({ host = "bad.bar", address = "1.1.1.1", port = 80, path = "/" })
    assert.is_nil(t.virtual_host)
    assert.are.equal(404, t.status)
    t = g:resolve({ host = "foo.bar", address = "1.1.1.1", port = 80, path = "/productpage" })
    assert.are.equal("outbound|9080||productpage.default.svc.cluster.local", t.cluster.name)
    local rc = route_config(g, "http.80")
    assert.are.same({ "foo.bar" }, rc.virtualHosts[1].domains)
  end)

  it("case 13: without a VirtualService the port answers 404 from blackhole:80; port 81 has no listener", function()
    local g = gw_mesh(false)
    local t = g:resolve({ host = "foo.bar", address = "1.1.1.1", port = 80, path = "/" })
    assert.are.equal("blackhole:80", t.virtual_host.name)
    assert.are.equal(404, t.status)
    t = g:resolve({ host = "foo.bar", address = "1.1.1.1", port = 81, path = "/" })
    assert.is_nil(t.listener)
  end)
end)
