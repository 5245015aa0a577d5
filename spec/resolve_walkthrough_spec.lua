-- The walkthrough's request, step by step, on the synthesized demo mesh:
-- web-frontend calls http://customers.default.svc.cluster.local/, an
-- outbound HTTP request on port 80, so it lands on the 0.0.0.0_80
-- listener, whose RDS route configuration "80" has a virtual host whose
-- domains match, whose first route sends it to the cluster
-- outbound|80||customers.default.svc.cluster.local, whose endpoints are the
-- customers pods. Then Bookinfo's header and weighted routing.

local process = dofile("spec/helpers/process.lua")

local function step(trace, name)
  for _, s in ipairs(trace.steps) do
    if s.step == name then return s end
  end
end

local function seed_mesh()
  local mesh = meshlua.mesh({ profile = "seed" })
  mesh:apply("examples/bigbang-cluster.yaml")
  mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
  mesh:apply("examples/envoy-demo-apps.yaml")
  return mesh
end

describe("the seed walkthrough's request from web-frontend to customers", function()
  local mesh, proxy, trace
  setup(function()
    mesh = seed_mesh()
    proxy = mesh:proxy("deployment/web-frontend")
    trace = proxy:resolve("http://customers.default.svc.cluster.local/")
  end)

  it("connects to the customers service's cluster IP on port 80", function()
    local svc = mesh:services({ namespace = "default" })
    local ip
    for _, s in ipairs(svc) do if s.name == "customers" then ip = s.cluster_ip end end
    assert.is_truthy(ip)
    assert.are.equal(ip, trace.request.address)
    assert.are.equal(80, trace.request.port)
  end)

  it("lands on the 0.0.0.0_80 listener, no listener having the service IP itself", function()
    assert.are.equal("0.0.0.0_80", trace.listener.name)
    local l = step(trace, "listener")
    assert.matches("^no listener on [%d.]+:80$", l.rejected[1].text)
    assert.are.equal("listens on 0.0.0.0:80", l.chosen.text)
  end)

  it("takes the HTTP filter chain and its connection manager's RDS route configuration 80", function()
    assert.are.equal(1, trace.filter_chain.index)
    assert.are.equal("envoy.filters.network.http_connection_manager", trace.network_filter)
    assert.are.equal("80", trace.route_config.name)
    assert.are.equal("from RDS", step(trace, "route_config").chosen.text)
    assert.matches("^matches: transport_protocol raw_buffer, application_protocols [%w/.,]*http/1%.1",
      step(trace, "filter_chain").chosen.text)
  end)

  it("matches the customers virtual host by its domain, not the others", function()
    assert.are.equal("customers.default.svc.cluster.local:80", trace.virtual_host.name)
    local vh = step(trace, "virtual_host")
    assert.are.equal("domain customers.default.svc.cluster.local matches customers.default.svc.cluster.local",
      vh.chosen.text)
    local rejected = {}
    for _, n in ipairs(vh.rejected) do rejected[n.candidate] = true end
    assert.is_true(rejected["web-frontend.default.svc.cluster.local:80"])
  end)

  it("follows the first route to the customers cluster and a customers pod", function()
    assert.are.equal("default", trace.route.name)
    assert.are.same({ prefix = "/" }, trace.route.match)
    assert.are.equal("outbound|80||customers.default.svc.cluster.local", trace.cluster.name)
    assert.are.equal("EDS", trace.cluster.type)
    local pods = mesh:pods({ namespace = "default", selector = "app=customers" })
    local ips = {}
    for _, p in ipairs(pods) do ips[p.ip] = true end
    assert.is_true(ips[trace.endpoint.address])
    assert.are.equal(3000, trace.endpoint.port)
    assert.are.equal("forwarded", trace.outcome)
  end)

  it("prints the walk as an aligned explanation", function()
    local text = tostring(trace)
    local labels = {}
    for label in text:gmatch("\n  (%a[%a ]-)  +") do labels[#labels + 1] = label end
    assert.are.same({ "listener", "filter chain", "network filter", "route config", "virtual host",
                      "route", "action", "cluster", "endpoint", "outcome" }, labels)
    assert.matches("\n  virtual host    customers.default.svc.cluster.local:80  ", text, 1, true)
    assert.matches("\n  outcome         forwarded to " .. trace.endpoint.address:gsub("%.", "%%.") .. ":3000$", text)
  end)

  it("prints a passthrough's endpoint as the address and port the connection was made to", function()
    -- no service has port 8080 behind customers' IP: route 8080's allow_any
    -- sends the request to PassthroughCluster (ORIGINAL_DST)
    local t = proxy:resolve("http://customers:8080/")
    assert.are.equal("passthrough", t.outcome)
    local text = tostring(t)
    local ip = t.request.address:gsub("%.", "%%.")
    assert.matches("\n  endpoint        " .. ip .. ":8080  %(ORIGINAL_DST: ", text)
    assert.matches("\n  outcome         passthrough to the original destination " .. ip .. ":8080$", text)
  end)

  it("resolves short names through the mesh, as kube-dns would", function()
    local t = proxy:resolve("http://customers/")
    assert.are.equal(trace.request.address, t.request.address)
    assert.are.equal("outbound|80||customers.default.svc.cluster.local", t.cluster.name)
    local ok, err = pcall(proxy.resolve, proxy, "http://no-such-service/")
    assert.is_false(ok)
    assert.matches('host "no-such-service" is not a service of the mesh', err, 1, true)
  end)

  it("cycles ROUND_ROBIN over the customers pods once there are two", function()
    mesh:scale("deployment/customers-v1", 2)
    local seen = {}
    for _ = 1, 4 do
      seen[#seen + 1] = proxy:resolve("http://customers/").endpoint.address
    end
    assert.are_not.equal(seen[1], seen[2])
    assert.are.equal(seen[1], seen[3])
    assert.are.equal(seen[2], seen[4])
  end)

  it("passes an address outside the mesh through, by the allow_any virtual host", function()
    local t = proxy:resolve("http://93.184.216.34/")
    assert.are.equal("allow_any", t.virtual_host.name)
    assert.are.equal("PassthroughCluster", t.cluster.name)
    assert.are.equal("passthrough", t.outcome)
    assert.are.equal("93.184.216.34", t.endpoint.address)
  end)
end)

describe("the walkthrough's ingress gateway", function()
  it("routes frontend.bigbang.dev to web-frontend through the gateway's port 8080 listener", function()
    local gw = seed_mesh():proxy("deployment/public-ingressgateway", "istio-system")
    local t = gw:resolve({ url = "http://10.0.0.1:8080/", authority = "frontend.bigbang.dev" })
    assert.are.equal("0.0.0.0_8080", t.listener.name)
    assert.are.equal("frontend.bigbang.dev:80", t.virtual_host.name)
    assert.are.equal("outbound|80||web-frontend.default.svc.cluster.local", t.cluster.name)
    assert.are.equal("forwarded", t.outcome)
    assert.are.equal(8080, t.endpoint.port)
    assert.are.equal("404 NR", gw:resolve({ url = "http://10.0.0.1:8080/", authority = "nobody.example" }).outcome)
  end)
end)

describe("Bookinfo's reviews routing through productpage's sidecar", function()
  local proxy
  setup(function()
    local mesh = meshlua.mesh()
    mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
    mesh:apply("examples/bookinfo.yaml")
    mesh:apply("examples/bookinfo-routing.yaml")
    proxy = mesh:proxy("deployment/productpage-v1")
  end)

  it("sends the user jason to v2 by his end-user header", function()
    local t = proxy:resolve({ url = "http://reviews:9080/reviews/0", headers = { ["end-user"] = "jason" } })
    assert.are.equal("jason", t.route.name)
    assert.are.equal("outbound|9080|v2|reviews.default.svc.cluster.local", t.cluster.name)
  end)

  it("explains why everyone else skips the jason route, and splits them 80/20", function()
    local t = proxy:resolve({ url = "http://reviews:9080/reviews/0", random_value = 85 })
    local r = step(t, "route")
    assert.are.equal("shift", r.chosen.candidate)
    assert.are.equal("header end-user missing", r.rejected[1].text)
    assert.are.equal("outbound|9080|v3|reviews.default.svc.cluster.local", t.cluster.name)
    assert.are.equal("weight 20: random_value 85 % 100 = 85 falls in [80, 100)", step(t, "action").chosen.text)
    assert.are.equal("outbound|9080|v1|reviews.default.svc.cluster.local",
      proxy:resolve({ url = "http://reviews:9080/", random_value = 79 }).cluster.name)
    assert.are.equal("outbound|9080|v3|reviews.default.svc.cluster.local",
      proxy:resolve({ url = "http://reviews:9080/", random_value = 80 }).cluster.name)
    local other = proxy:resolve({ url = "http://reviews:9080/", random_value = 5, headers = { ["end-user"] = "bob" } })
    assert.are.equal('header end-user: "bob" does not match "jason"', step(other, "route").rejected[1].text)
  end)
end)

describe("examples/trace.lua", function()
  it("prints the walkthrough's request and exits 0 when it is forwarded", function()
    local r = process.meshlua({ "examples/trace.lua" })
    assert.are.equal(0, r.code)
    assert.matches("^GET http://customers.default.svc.cluster.local/ → ", r.stdout)
    assert.matches("\n  outcome         forwarded to [%d.]+:3000\n$", r.stdout)
  end)

  it("finds the demo's manifests beside itself, from any directory", function()
    local r = process.meshlua({ "trace.lua" }, { cwd = "examples" })
    assert.are.equal(0, r.code, r.stderr)
    assert.matches("\n  outcome         forwarded to [%d.]+:3000\n$", r.stdout)
  end)

  it("traces a request through a real dump, with headers, and exits 1 when it is not forwarded", function()
    local r = process.meshlua({ "examples/trace.lua", "../shared/fixtures/istioctl/describe/http_config.json",
      "http://productpage:9080/login", "10.96.1.1", "end-user=jason" })
    assert.are.equal(1, r.code)
    assert.matches("listener        (none)", r.stdout, 1, true)
    r = process.meshlua({ "examples/trace.lua", "../shared/fixtures/istioctl/authz/configdump.yaml",
      "http://httpbin.default:8000/" })
    assert.are.equal(2, r.code)
    assert.matches("give address =", r.stderr, 1, true)
  end)
end)
