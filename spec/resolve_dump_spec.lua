-- proxy:resolve on real config dumps (../shared/fixtures/istioctl/): the
-- listener, filter chain, route configuration, virtual host, route and
-- cluster a request goes through, step by step, in Envoy's order.

local FIX = "../shared/fixtures/istioctl/"

local function step(trace, name)
  for _, s in ipairs(trace.steps) do
    if s.step == name then return s end
  end
end

describe("resolving through a real sidecar's listeners (authz/configdump.yaml)", function()
  local proxy = meshlua.load(FIX .. "authz/configdump.yaml")

  it("takes an HTTP request to httpbin:8000 to the 0.0.0.0_8000 listener and its RDS name", function()
    local t = proxy:resolve({ url = "http://httpbin.default:8000/get", address = "10.96.5.5" })
    assert.are.equal("0.0.0.0_8000", t.listener.name)
    assert.are.equal(8000, t.listener.port)
    assert.are.equal(1, t.filter_chain.index)
    assert.are.same({ "http/1.1", "h2c" }, t.filter_chain.match.application_protocols)
    assert.are.equal("envoy.filters.network.http_connection_manager", t.network_filter)
    -- this dump holds listeners only: RDS "8000" is not in it, and Envoy
    -- routes with an empty route configuration until RDS delivers one
    assert.are.equal("404 NR", t.outcome)
    assert.are.equal(404, t.status)
    assert.are.equal("RDS route configuration 8000 is not in the snapshot: Envoy routes with an empty one (no virtual host)",
      step(t, "route_config").info[1].text)
    assert.are.equal("no listener on 10.96.5.5:8000", step(t, "listener").rejected[1].text)
  end)

  it("sends DNS over TCP to kube-dns through its tcp_proxy", function()
    local t = proxy:resolve("tcp://10.96.0.10:53")
    assert.are.equal("10.96.0.10_53", t.listener.name)
    assert.are.equal("envoy.filters.network.tcp_proxy", t.network_filter)
    assert.are.equal("outbound|53||kube-dns.kube-system.svc.cluster.local", t.cluster.name)
    assert.is_false(t.cluster.found)
    assert.are.equal("503 NC", t.outcome)
  end)

  it("lets virtualOutbound catch an address no listener claims, on its catch-all chain", function()
    local t = proxy:resolve("http://10.1.2.3:9999/")
    assert.are.equal("virtualOutbound", t.listener.name)
    assert.are.equal(2, t.filter_chain.index)
    assert.are.equal("virtualOutbound-catchall-tcp", t.filter_chain.name)
    assert.are.equal("PassthroughCluster", t.cluster.name)
    local chain = step(t, "filter_chain")
    assert.are.equal("destination_port 15001 ≠ 9999", chain.rejected[1].text)
  end)

  it("sends connections to port 15001 itself to the blackhole chain", function()
    local t = proxy:resolve("http://10.1.2.3:15001/")
    assert.are.equal("virtualOutbound", t.listener.name)
    assert.are.equal("virtualOutbound-blackhole", t.filter_chain.name)
    assert.are.equal("BlackHoleCluster", t.cluster.name)
  end)

  it("starts inbound requests at virtualInbound when asked, matching by port and ALPN", function()
    local t = proxy:resolve({ listener = "virtualInbound", address = "10.244.0.22", port = 9080,
                              host = "productpage", path = "/" })
    assert.are.equal("virtualInbound", t.listener.name)
    assert.are.equal("virtualInbound-catchall-http", t.filter_chain.name)
    assert.are.equal("InboundPassthroughClusterIpv4", t.route_config.name)
    assert.are.equal("InboundPassthroughClusterIpv4", t.cluster.name)
  end)
end)

describe("resolving through a waypoint's internal listener (proxyconfig/config_dump.json)", function()
  local proxy = meshlua.load(FIX .. "proxyconfig/config_dump.json")

  it("follows filter_chain_matcher to the httpbin chain and its inline routes", function()
    local t = proxy:resolve({ listener = "main_internal", address = "10.104.171.68", port = 8000,
                              host = "httpbin.default", path = "/headers" })
    assert.are.equal("main_internal", t.listener.name)
    assert.are.equal("inbound-vip|8000||httpbin.default.svc.cluster.local-http", t.filter_chain.name)
    assert.are.equal("inbound-vip|8000|http|httpbin.default.svc.cluster.local", t.route_config.name)
    assert.are.equal("inbound|http|8000", t.virtual_host.name)
    assert.are.equal("default", t.route.name)
    assert.are.equal("inbound-vip|8000|http|httpbin.default.svc.cluster.local", t.cluster.name)
    assert.are.equal("EDS", t.cluster.type)
    -- the dump's endpoints hold port 8100's load assignment only
    assert.are.equal("503 UH", t.outcome)
  end)

  it("takes other HTTP to the pod to direct-http, by application protocol", function()
    local t = proxy:resolve({ listener = "main_internal", address = "192.168.195.248", port = 80,
                              host = "httpbin", path = "/" })
    assert.are.equal("direct-http", t.filter_chain.name)
    local tcp = proxy:resolve({ listener = "main_internal", address = "192.168.195.248", port = 80,
                                protocol = "tcp" })
    assert.are.equal("direct-tcp", tcp.filter_chain.name)
  end)

  it("forwards the readiness probe on 15021 to the agent cluster's endpoint", function()
    local t = proxy:resolve("http://10.1.1.1:15021/healthz/ready")
    assert.are.equal("0.0.0.0:15021", step(t, "listener").chosen.candidate)
    assert.are.equal("agent", t.cluster.name)
    assert.are.equal("STATIC", t.cluster.type)
    assert.are.equal("forwarded", t.outcome)
    assert.are.equal("127.0.0.1", t.endpoint.address)
    assert.are.equal(15020, t.endpoint.port)
  end)
end)

describe("resolving through a route configuration of a dump (describe/http_config.json)", function()
  local proxy = meshlua.load(FIX .. "describe/http_config.json")

  it("routes /productpage to the productpage cluster of route configuration http.8080", function()
    local t = proxy:resolve({ route_config = "http.8080", url = "http://productpage:9080/productpage" })
    assert.are.equal("http.8080", t.route_config.name)
    assert.are.equal("*:80", t.virtual_host.name)
    assert.are.equal(1, t.route.index)
    assert.are.same({ path = "/productpage", case_sensitive = true }, t.route.match)
    assert.are.equal("outbound|9080||productpage.default.svc.cluster.local", t.cluster.name)
    assert.are.equal("0s", t.timeout)
    assert.are.equal(2, t.retry_policy.num_retries)
    -- the dump only has the v1 subset cluster
    assert.are.equal("503 NC", t.outcome)
  end)

  it("takes the first matching route in order and explains the ones before it", function()
    local t = proxy:resolve({ route_config = "http.8080", url = "http://productpage:9080/api/v1/products/1" })
    assert.are.equal(5, t.route.index)
    local r = step(t, "route")
    assert.are.equal(4, #r.rejected)
    assert.are.equal("path /productpage ≠ /api/v1/products/1", r.rejected[1].text)
    assert.are.equal("prefix /static does not match /api/v1/products/1", r.rejected[2].text)
  end)

  it("answers 404 NR when no route matches", function()
    local t = proxy:resolve({ route_config = "http.8080", url = "http://productpage:9080/nothing" })
    assert.are.equal("404 NR", t.outcome)
    assert.matches("route%s+%(no route matches /nothing%)", tostring(t))
  end)
end)

describe("bad requests", function()
  local proxy = meshlua.load(FIX .. "authz/configdump.yaml")

  it("refuses unparsable URLs, naming them", function()
    for _, url in ipairs({ "customers", "http://", "http://bad host/", "http://h:abc/", "ftp://h/" }) do
      local ok, err = pcall(proxy.resolve, proxy, url)
      assert.is_false(ok, url)
      assert.matches('bad URL "' .. url:gsub("%p", "%%%0") .. '"', err)
    end
  end)

  it("refuses ports outside 1..65535", function()
    local ok, err = pcall(proxy.resolve, proxy, "http://10.0.0.1:0/")
    assert.is_false(ok)
    assert.matches("port 0 must be from 1 to 65535", err, 1, true)
    ok, err = pcall(proxy.resolve, proxy, "http://10.0.0.1:70000/")
    assert.is_false(ok)
    assert.matches("port 70000 must be from 1 to 65535", err, 1, true)
    ok, err = pcall(proxy.resolve, proxy, { host = "10.0.0.1", port = 0 })
    assert.is_false(ok)
    assert.matches("port 0 must be from 1 to 65535", err, 1, true)
  end)

  it("asks for an address when a dump's host is a name", function()
    local ok, err = pcall(proxy.resolve, proxy, "http://httpbin.default:8000/")
    assert.is_false(ok)
    assert.matches('host "httpbin.default" is not an IP address and a loaded dump has no DNS: give address = "<ip>"', err, 1, true)
  end)

  it("refuses what is not a proxy", function()
    local ok, err = pcall(proxy.resolve, {}, "http://10.0.0.1/")
    assert.is_false(ok)
    assert.matches("proxy expected", err, 1, true)
    ok, err = pcall(proxy.resolve, proxy, 42)
    assert.is_false(ok)
    assert.matches("URL string or request table expected", err, 1, true)
  end)

  it("refuses bad field values", function()
    local cases = {
      { { url = "http://10.0.0.1/", random_value = -1 }, "random_value must be a non-negative integer" },
      { { url = "http://10.0.0.1/", address = "nowhere" }, 'address "nowhere" is not an IP address' },
      { { url = "http://10.0.0.1/", protocol = "quic" }, 'protocol "quic" must be http, http2, tcp or tls' },
      { { url = "http://10.0.0.1/", source = "10.0.0.2:99999" }, "source port" },
      { { url = "http://10.0.0.1/", path = "relative" }, 'path "relative" must start with /' },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(proxy.resolve, proxy, c[1])
      assert.is_false(ok)
      assert.matches(c[2], err, 1, true)
    end
  end)
end)
