-- proxy:resolve on small config dumps built for each rule: listener
-- selection, filter chain matching (reference/envoy.md section 2), the HTTP
-- connection manager's host and path handling, clusters, priorities,
-- health and every load-balancing policy (section 5).

local D = dofile("spec/fixtures/resolve/dump.lua")

local function chain(name, match, cluster)
  return { name = name, filter_chain_match = match, filters = { D.tcp(cluster or name) } }
end

describe("listener selection", function()
  local proxy = D.load({ listeners = {
    D.listener("exact", "10.0.0.1", 80, { chain("exact-chain", nil) }),
    D.listener("wild", "0.0.0.0", 80, { chain("wild-chain", nil) }),
    D.listener("virtual", "0.0.0.0", 15001, { chain("virtual-chain", nil) }, { use_original_dst = true }),
  } })

  it("prefers the exact address:port, then 0.0.0.0:port, then the use_original_dst listener", function()
    assert.are.equal("exact", proxy:resolve("http://10.0.0.1/").listener.name)
    assert.are.equal("wild", proxy:resolve("http://10.0.0.2/").listener.name)
    assert.are.equal("virtual", proxy:resolve("http://10.0.0.2:8080/").listener.name)
  end)

  it("reports no listener when nothing listens and there is no virtual listener", function()
    local lonely = D.load({ listeners = { D.listener("only", "10.0.0.1", 80, { chain("c", nil) }) } })
    local t = lonely:resolve("http://10.0.0.9:81/")
    assert.are.equal("no_listener", t.outcome)
    assert.is_nil(t.listener)
  end)
end)

describe("filter chain matching", function()
  local function resolve(chains, req, extra)
    local proxy = D.load({ listeners = { D.listener("l", "0.0.0.0", 443, chains, extra) } })
    local t = proxy:resolve(req)
    return t.filter_chain and (t.filter_chain.name or "default"), t
  end

  it("follows the exact destination port and never backtracks to a less specific chain", function()
    local chains = {
      chain("port-443", { destination_port = 443, server_names = { "a.test" } }),
      chain("any-port", nil),
    }
    local extra = { default_filter_chain = { filters = { D.tcp("dflt") } } }
    assert.are.equal("port-443", resolve(chains, { url = "tcp://10.0.0.1:443", protocol = "tls", sni = "a.test" }, extra))
    -- the exact port wins the first level; its SNI then fails: default, not any-port
    local name, t = resolve(chains, { url = "tcp://10.0.0.1:443", protocol = "tls", sni = "b.test" }, extra)
    assert.are.equal("default", name)
    assert.is_true(t.filter_chain.default)
    -- without a default chain the connection is closed
    name, t = resolve(chains, { url = "tcp://10.0.0.1:443", protocol = "tls", sni = "b.test" })
    assert.is_nil(name)
    assert.are.equal("no_filter_chain", t.outcome)
  end)

  it("takes the longest matching destination prefix", function()
    local chains = {
      chain("wide", { prefix_ranges = { { address_prefix = "10.0.0.0", prefix_len = 8 } } }),
      chain("narrow", { prefix_ranges = { { address_prefix = "10.1.0.0", prefix_len = 16 } } }),
      chain("none", nil),
    }
    assert.are.equal("narrow", resolve(chains, "tcp://10.1.2.3:443"))
    assert.are.equal("wide", resolve(chains, "tcp://10.2.0.1:443"))
    assert.are.equal("none", resolve(chains, "tcp://11.0.0.1:443"))
  end)

  it("matches server names exactly, then by the longest wildcard, then chains without names", function()
    local chains = {
      chain("exact", { server_names = { "www.example.com" } }),
      chain("long", { server_names = { "*.b.example.com" } }),
      chain("short", { server_names = { "*.example.com" } }),
      chain("nameless", nil),
    }
    local function sni(name) return resolve(chains, { url = "tcp://10.0.0.1:443", protocol = "tls", sni = name }) end
    assert.are.equal("exact", sni("WWW.example.com"))
    assert.are.equal("long", sni("a.b.example.com"))
    assert.are.equal("short", sni("c.example.com"))
    assert.are.equal("nameless", sni("example.com"))
    assert.are.equal("nameless", resolve(chains, "tcp://10.0.0.1:443"))
  end)

  it("matches the detected transport protocol, then application protocols in request order", function()
    local chains = {
      chain("tls-h2", { transport_protocol = "tls", application_protocols = { "h2" } }),
      chain("tls-http11", { transport_protocol = "tls", application_protocols = { "http/1.1" } }),
      chain("tls", { transport_protocol = "tls" }),
      chain("plain-http", { transport_protocol = "raw_buffer", application_protocols = { "http/1.1", "h2c" } }),
      chain("plain", { transport_protocol = "raw_buffer" }),
    }
    assert.are.equal("tls-http11", resolve(chains, { url = "tcp://10.0.0.1:443", protocol = "tls", alpn = { "http/1.1", "h2" } }))
    assert.are.equal("tls-h2", resolve(chains, { url = "tcp://10.0.0.1:443", protocol = "tls", alpn = { "h2", "http/1.1" } }))
    assert.are.equal("tls", resolve(chains, { url = "tcp://10.0.0.1:443", protocol = "tls", alpn = { "spdy" } }))
    assert.are.equal("plain-http", resolve(chains, "http://10.0.0.1:443/"))
    assert.are.equal("plain-http", resolve(chains, { url = "http://10.0.0.1:443/", protocol = "http2" }))
    assert.are.equal("plain", resolve(chains, "tcp://10.0.0.1:443"))
  end)

  it("needs the inspectors: without tls_inspector a TLS client looks like raw_buffer", function()
    local chains = { chain("tls", { transport_protocol = "tls" }), chain("plain", nil) }
    assert.are.equal("plain", resolve(chains, { url = "tcp://10.0.0.1:443", protocol = "tls" },
      { listener_filters = {} }))
  end)

  it("tells local from external sources and matches source prefixes and ports", function()
    local chains = {
      chain("local", { source_type = "SAME_IP_OR_LOOPBACK" }),
      chain("external", { source_type = "EXTERNAL", source_prefix_ranges = { { address_prefix = "192.168.0.0", prefix_len = 16 } } }),
      chain("external-port", { source_type = "EXTERNAL", source_prefix_ranges = { { address_prefix = "192.168.0.0", prefix_len = 16 } }, source_ports = { 5555 } }),
    }
    assert.are.equal("local", resolve(chains, { url = "tcp://10.0.0.1:443", source = "127.0.0.1" }))
    assert.are.equal("local", resolve(chains, { url = "tcp://10.0.0.1:443", source = "10.0.0.1" }))
    assert.are.equal("external", resolve(chains, { url = "tcp://10.0.0.1:443", source = "192.168.1.1:4444" }))
    assert.are.equal("external-port", resolve(chains, { url = "tcp://10.0.0.1:443", source = "192.168.1.1:5555" }))
    assert.is_nil(resolve(chains, { url = "tcp://10.0.0.1:443", source = "172.16.0.1" }))
  end)

  it("explains each rejected chain", function()
    local _, t = resolve({
      chain("p8443", { destination_port = 8443 }),
      chain("tls", { transport_protocol = "tls" }),
      chain("plain", { transport_protocol = "raw_buffer" }),
    }, "tcp://10.0.0.1:443")
    local text = tostring(t)
    assert.matches("filter chain%s+#3 plain", text)
    assert.matches("✗ #1 p8443: destination_port 8443 ≠ 443", text, 1, true)
    assert.matches("✗ #2 tls: transport_protocol tls ≠ raw_buffer", text, 1, true)
  end)
end)

describe("the HTTP connection manager", function()
  local rc = { name = "r", virtual_hosts = {
    { name = "svc", domains = { "svc.test" }, routes = {
      { match = { path = "/b" }, route = { cluster = "b" } },
      { match = { prefix = "/" }, route = { cluster = "root" } } } } } }

  local function proxy_with(hcm_extra)
    local f = D.hcm(rc)
    for k, v in pairs(hcm_extra) do f.typed_config[k] = v end
    return D.load({ listeners = { D.listener("l", "0.0.0.0", 8080, { { filters = { f } } }) } })
  end

  it("strips the host's port when told to, before the virtual host lookup", function()
    assert.are.equal("404 NR", proxy_with({}):resolve("http://10.0.0.1:8080/b").outcome)
    local t = proxy_with({ strip_any_host_port = true }):resolve({ url = "http://10.0.0.1:8080/b", authority = "svc.test:8080" })
    assert.are.equal("svc", t.virtual_host.name)
    t = proxy_with({ strip_matching_host_port = true }):resolve({ url = "http://10.0.0.1:8080/b", authority = "svc.test:9090" })
    assert.are.equal("404 NR", t.outcome)
    t = proxy_with({ strip_matching_host_port = true }):resolve({ url = "http://10.0.0.1:8080/b", authority = "svc.test:8080" })
    assert.are.equal("svc", t.virtual_host.name)
  end)

  it("normalizes the path when normalize_path is on", function()
    local t = proxy_with({ normalize_path = true }):resolve({ url = "http://10.0.0.1:8080/a/../b", authority = "svc.test" })
    assert.are.equal("b", t.cluster.name)
    t = proxy_with({}):resolve({ url = "http://10.0.0.1:8080/a/../b", authority = "svc.test" })
    assert.are.equal("root", t.cluster.name)
    t = proxy_with({ merge_slashes = true }):resolve({ url = "http://10.0.0.1:8080//b", authority = "svc.test" })
    assert.are.equal("b", t.cluster.name)
  end)
end)

describe("clusters and endpoints", function()
  local function proxy_for(clusters, endpoints, route_extra)
    local route = { cluster = "c" }
    for k, v in pairs(route_extra or {}) do route[k] = v end
    return D.load({
      listeners = { D.listener("l", "0.0.0.0", 80, { { filters = { D.hcm("80") } } }) },
      routes = { { name = "80", virtual_hosts = { { name = "v", domains = { "*" },
        routes = { { match = { prefix = "/" }, route = route } } } } } },
      clusters = clusters, endpoints = endpoints,
    })
  end

  local function picks(proxy, n, req)
    local seen, order = {}, {}
    for i = 1, n do
      local t = proxy:resolve(req or "http://10.0.0.1/")
      local key = t.endpoint and (t.endpoint.address .. ":" .. t.endpoint.port) or t.outcome
      seen[key] = (seen[key] or 0) + 1
      order[i] = key
    end
    return seen, order
  end

  local three = D.cla("c", { { endpoints = { "10.1.0.1:8080", "10.1.0.2:8080", "10.1.0.3:8080" } } })

  it("answers 503 NC for a cluster the snapshot does not have", function()
    local t = proxy_for({ D.cluster("other") }, { three }):resolve("http://10.0.0.1/")
    assert.are.equal("503 NC", t.outcome)
    assert.are.equal("c", t.cluster.name)
    assert.is_false(t.cluster.found)
  end)

  it("cycles ROUND_ROBIN across calls on the same proxy", function()
    local proxy = proxy_for({ D.cluster("c") }, { three })
    local _, order = picks(proxy, 4)
    assert.are.same({ "10.1.0.1:8080", "10.1.0.2:8080", "10.1.0.3:8080", "10.1.0.1:8080" }, order)
    proxy:resolver_reset()
    local _, again = picks(proxy, 1)
    assert.are.same({ "10.1.0.1:8080" }, again)
  end)

  it("never picks unhealthy or draining endpoints while the priority is healthy", function()
    local proxy = proxy_for({ D.cluster("c") }, { D.cla("c", { { endpoints = {
      "10.1.0.1:80", { "10.1.0.2:80", "UNHEALTHY" }, { "10.1.0.3:80", "DRAINING" }, "10.1.0.4:80", "10.1.0.5:80" } } }) })
    local seen = picks(proxy, 12)
    assert.is_nil(seen["10.1.0.2:80"])
    assert.is_nil(seen["10.1.0.3:80"])
    assert.are.equal(4, seen["10.1.0.1:80"])
  end)

  it("answers 503 UH with no eligible endpoint, and panics below 50% healthy", function()
    local none = proxy_for({ D.cluster("c", { common_lb_config = { healthy_panic_threshold = { value = 0 } } }) },
      { D.cla("c", { { endpoints = { { "10.1.0.1:80", "UNHEALTHY" } } } }) })
    local t = none:resolve("http://10.0.0.1/")
    assert.are.equal("503 UH", t.outcome)
    assert.are.equal("UH", t.flags)
    local empty = proxy_for({ D.cluster("c") }, { D.cla("c", {}) })
    assert.are.equal("503 UH", empty:resolve("http://10.0.0.1/").outcome)
    -- one healthy of three (33% < 50%): panic, every host is a candidate
    local panic = proxy_for({ D.cluster("c") }, { D.cla("c", { { endpoints = {
      "10.1.0.1:80", { "10.1.0.2:80", "UNHEALTHY" }, { "10.1.0.3:80", "UNHEALTHY" } } } }) })
    local seen = picks(panic, 3)
    assert.are.same({ ["10.1.0.1:80"] = 1, ["10.1.0.2:80"] = 1, ["10.1.0.3:80"] = 1 }, seen)
    assert.is_true(panic:resolve("http://10.0.0.1/").endpoint.panic)
  end)

  it("sends traffic to degraded hosts when no healthy one is left", function()
    local proxy = proxy_for({ D.cluster("c") }, { D.cla("c", { { endpoints = {
      { "10.1.0.1:80", "DEGRADED" }, { "10.1.0.2:80", "UNHEALTHY" } } } }) })
    local t = proxy:resolve("http://10.0.0.1/")
    -- 1 degraded of 2: degraded availability 70%, so no panic (healthy+degraded = 50%)
    assert.are.equal("forwarded", t.outcome)
    assert.are.equal("10.1.0.1", t.endpoint.address)
    assert.are.equal("DEGRADED", t.endpoint.health)
  end)

  it("splits load across priorities by their health (overprovisioning 1.4)", function()
    -- P0: 1 healthy of 2 -> 70% of the load; P1 takes the remaining 30%
    local proxy = proxy_for({ D.cluster("c") }, { D.cla("c", {
      { priority = 0, endpoints = { "10.1.0.1:80", { "10.1.0.2:80", "UNHEALTHY" } } },
      { priority = 1, endpoints = { "10.2.0.1:80" } } }) })
    local seen = picks(proxy, 1000)
    assert.is_true(seen["10.1.0.1:80"] > 640 and seen["10.1.0.1:80"] < 760, tostring(seen["10.1.0.1:80"]))
    assert.are.equal(1000, seen["10.1.0.1:80"] + seen["10.2.0.1:80"])
    local t = proxy:resolve("http://10.0.0.1/")
    assert.is_true(t.endpoint.priority == 0 or t.endpoint.priority == 1)
  end)

  it("weights localities with locality_weighted_lb_config", function()
    local proxy = proxy_for({ D.cluster("c", { common_lb_config = { locality_weighted_lb_config = {} } }) },
      { D.cla("c", { { weight = 1, locality = { zone = "a" }, endpoints = { "10.1.0.1:80" } },
                     { weight = 3, locality = { zone = "b" }, endpoints = { "10.2.0.1:80" } } }) })
    local seen = picks(proxy, 1000)
    assert.is_true(seen["10.2.0.1:80"] > 680 and seen["10.2.0.1:80"] < 820, tostring(seen["10.2.0.1:80"]))
  end)

  -- Locality weighted picks follow Envoy's locality scheduler
  -- (upstream_impl.cc HostSetImpl::rebuildLocalityScheduler/chooseLocality,
  -- edf_scheduler.h): earliest deadline first over the localities whose
  -- effective weight, weight * min(1, OF/100 * healthy/hosts), is > 0. A
  -- pick takes the earliest deadline (ties: the earliest inserted, so the
  -- lower locality first at the start), moves the clock there and puts the
  -- locality back at clock + 1/weight. From an empty schedule:
  --   1:2   A@1 B@.5 -> B(t=.5, B@1), tie at 1: A (first inserted, A@2),
  --         B(B@1.5), B(B@2), tie at 2: A ... => cycle B A B
  --   3:1   A@1/3 B@1 -> A, A, tie at 1: B (inserted first), A, A, A,
  --         tie at 2: B ... => cycle A A B A (A three times per B)
  --   1:1   A@1 B@1 -> A, B, A, B ... => cycle A B
  --   1:2:3 A@1 B@.5 C@1/3 -> C, B, C, tie at 1: A B C, then C B C A B C
  --         => cycle C B C A B C
  -- Newer Envoy builds the schedule with createWithPicks(seed): as if a
  -- pseudo-random number of picks had already been made, so the walk
  -- starts somewhere in the cycle. Here that number comes from the
  -- resolver's seed, so the expectation is "the cycle, from some point",
  -- checked pick by pick.
  local function zone_cla(locs, policy)
    local list = {}
    for i, loc in ipairs(locs) do
      local eps = {}
      for k, health in ipairs(loc.hosts or { "HEALTHY" }) do
        eps[k] = { ("10.%d.0.%d:80"):format(i, k), health }
      end
      list[i] = { weight = loc.weight, locality = { zone = string.char(96 + i) }, endpoints = eps }
    end
    local cla = D.cla("c", list)
    cla.policy = policy
    return cla
  end

  -- The zones ("A", "B", ...) of n successive picks on a fresh resolver.
  local function zones(locs, n, seed, policy)
    local proxy = proxy_for({ D.cluster("c", { common_lb_config = { locality_weighted_lb_config = {} } }) },
      { zone_cla(locs, policy) })
    proxy:resolver_reset(seed)
    local out = {}
    for i = 1, n do
      local t = proxy:resolve("http://10.0.0.1/")
      assert.are.equal("forwarded", t.outcome)
      -- zone i's hosts are 10.i.0.k
      out[i] = string.char(64 + tonumber(t.endpoint.address:match("^10%.(%d+)%.")))
    end
    return table.concat(out), proxy
  end

  -- The offset at which seq walks cycle (repeated), or nil.
  local function cycle_offset(seq, cycle)
    local long = cycle:rep(#seq // #cycle + 2)
    for k = 1, #cycle do
      if long:sub(k, k + #seq - 1) == seq then return k end
    end
  end

  local function weights(list)
    local locs = {}
    for i, w in ipairs(list) do locs[i] = { weight = w } end
    return locs
  end

  it("walks localities in Envoy's EDF order from a seeded start", function()
    for _, case in ipairs({
      { w = { 1, 2 }, cycle = "BAB" },
      { w = { 3, 1 }, cycle = "AABA" },
      { w = { 1, 1 }, cycle = "AB" },
      { w = { 1, 2, 3 }, cycle = "CBCABC" },
    }) do
      local starts = {}
      for seed = 1, 12 do
        local seq = zones(weights(case.w), 30, seed)
        local k = cycle_offset(seq, case.cycle)
        assert.is_truthy(k, table.concat(case.w, ":") .. " seed " .. seed .. ": " .. seq)
        starts[k] = true
        -- the same seed walks the same way
        assert.are.equal(seq, (zones(weights(case.w), 30, seed)))
      end
      -- createWithPicks: different seeds start at different points
      local n = 0
      for _ in pairs(starts) do n = n + 1 end
      assert.is_true(n > 1, table.concat(case.w, ":"))
    end
  end)

  it("keeps the locality schedule in the resolver until resolver_reset", function()
    local seq, proxy = zones(weights({ 1, 2 }), 9, 5)
    -- the next picks continue the walk; a reset with the seed restarts it
    local more = {}
    for i = 1, 3 do
      more[i] = string.char(64 + tonumber(proxy:resolve("http://10.0.0.1/").endpoint.address:match("^10%.(%d+)%.")))
    end
    assert.is_truthy(cycle_offset(seq .. table.concat(more), "BAB"))
    proxy:resolver_reset(5)
    local again = {}
    for i = 1, 9 do
      again[i] = string.char(64 + tonumber(proxy:resolve("http://10.0.0.1/").endpoint.address:match("^10%.(%d+)%.")))
    end
    assert.are.equal(seq, table.concat(again))
  end)

  it("leaves a locality without a healthy host out of the schedule", function()
    -- B (weight 5) has only an unhealthy host: effective weight 0, so the
    -- schedule is A:C = 1:2 (cycle C A C); 2 healthy of 3 is no panic
    for seed = 1, 6 do
      local seq = zones({ { weight = 1 }, { weight = 5, hosts = { "UNHEALTHY" } }, { weight = 2 } }, 24, seed)
      assert.is_nil(seq:find("B"), seq)
      assert.is_truthy(cycle_offset(seq, "CAC"), seq)
    end
  end)

  it("scales a partially healthy locality by the overprovisioning factor", function()
    -- A: 2 healthy of 2, B: 1 healthy of 2, both weight 1.
    local locs = { { weight = 1, hosts = { "HEALTHY", "HEALTHY" } },
                   { weight = 1, hosts = { "HEALTHY", "UNHEALTHY" } } }
    for seed = 1, 6 do
      -- OF 100: B is 1 * min(1, 1.0 * 1/2) = 0.5, so A:B = 2:1; from
      -- empty: A@1 B@2 -> A, tie at 2: B (inserted first), A, A, B ...
      -- => cycle A B A
      local seq = zones(locs, 24, seed, { overprovisioning_factor = 100 })
      assert.is_truthy(cycle_offset(seq, "ABA"), seq)
      -- OF 200: min(1, 2.0 * 1/2) = 1: the half healthy locality keeps
      -- its full weight => cycle A B
      seq = zones(locs, 24, seed, { overprovisioning_factor = 200 })
      assert.is_truthy(cycle_offset(seq, "AB"), seq)
      -- default OF 140: B is 0.7; over 170 picks the EDF gives A 100 and
      -- B 70, each within one pick of its share
      seq = zones(locs, 170, seed)
      local _, b = seq:gsub("B", "")
      assert.is_true(b >= 69 and b <= 71, tostring(b))
    end
  end)

  it("says in the trace which locality the scheduler chose and by what weight", function()
    -- us-east1/a: weight 1, both hosts healthy -> 1; b/rack1: weight 3,
    -- 1 healthy of 2 -> 3 * min(1, 1.4 * 1/2) = 2.1 (default OF 140);
    -- the schedule's total is 3.1
    local proxy = proxy_for({ D.cluster("c", { common_lb_config = { locality_weighted_lb_config = {} } }) },
      { D.cla("c", {
        { weight = 1, locality = { region = "us-east1", zone = "a" }, endpoints = { "10.1.0.1:80", "10.1.0.2:80" } },
        { weight = 3, locality = { zone = "b", sub_zone = "rack1" },
          endpoints = { "10.2.0.1:80", { "10.2.0.2:80", "UNHEALTHY" } } } }) })
    local expect = {
      ["1"] = { name = "us-east1/a", index = 1, weight = "1", locality = { region = "us-east1", zone = "a" } },
      ["2"] = { name = "b/rack1", index = 2, weight = "2.1", locality = { zone = "b", sub_zone = "rack1" } },
    }
    local seen = {}
    for _ = 1, 4 do
      local t = proxy:resolve("http://10.0.0.1/")
      local e = expect[t.endpoint.address:match("^10%.(%d+)%.")]
      seen[e.name] = true
      assert.are.same(e.locality, t.endpoint.locality)
      local notes = {}
      for _, n in ipairs(t:notes()) do
        if n.step == "endpoint" and n.why == "locality_weighted" then notes[#notes + 1] = n end
      end
      assert.are.equal(1, #notes)
      local n = notes[1]
      assert.are.same({ "info", e.name, e.index, "healthy", e.weight, "3.1" },
        { n.verdict, n.candidate, n.index, n.field, n.expected, n.actual })
      local line = ("locality %s by weight (effective weight %s of 3.1, Envoy's EDF schedule)"):format(e.name, e.weight)
      local step = t.steps[#t.steps]
      assert.are.equal("endpoint", step.step)
      assert.are.equal(line, step.info[1].text)
      assert.is_truthy(tostring(t):find("\n%s+" .. line:gsub("%p", "%%%0") .. "\n"), tostring(t))
      -- the endpoint note itself keeps its wording
      assert.are.equal("picked by ROUND_ROBIN", step.chosen.text)
    end
    -- the schedule gives b/rack1 2.1 of 3.1: both show up in four picks
    assert.is_true(seen["us-east1/a"] and seen["b/rack1"])
    -- a locality without region, zone or sub_zone
    local bare = proxy_for({ D.cluster("c", { common_lb_config = { locality_weighted_lb_config = {} } }) },
      { D.cla("c", { { weight = 1, endpoints = { "10.1.0.1:80" } },
                     { weight = 1, locality = { zone = "z" }, endpoints = { "10.2.0.1:80" } } }) })
    local names = {}
    for _ = 1, 2 do
      local t = bare:resolve("http://10.0.0.1/")
      names[t.steps[#t.steps].info[1].candidate] = t.endpoint.locality
    end
    assert.are.same({ ["(no locality)"] = {}, z = { zone = "z" } }, names)
    -- not locality weighted: no locality note, no endpoint.locality
    local plain = proxy_for({ D.cluster("c") },
      { D.cla("c", { { weight = 1, locality = { zone = "a" }, endpoints = { "10.1.0.1:80" } },
                     { weight = 3, locality = { zone = "b" }, endpoints = { "10.2.0.1:80" } } }) })
    local t = plain:resolve("http://10.0.0.1/")
    assert.is_nil(t.endpoint.locality)
    for _, n in ipairs(t:notes()) do assert.are_not.equal("locality_weighted", n.why) end
  end)

  it("makes RANDOM and LEAST_REQUEST reproducible with a seed", function()
    for _, policy in ipairs({ "RANDOM", "LEAST_REQUEST" }) do
      local proxy = proxy_for({ D.cluster("c", { lb_policy = policy }) }, { three })
      proxy:resolver_reset(7)
      local seen, first = picks(proxy, 30)
      proxy:resolver_reset(7)
      local _, second = picks(proxy, 30)
      assert.are.same(first, second, policy)
      local kinds = 0
      for _ in pairs(seen) do kinds = kinds + 1 end
      assert.are.equal(3, kinds, policy)
      proxy:resolver_reset(8)
      local _, other = picks(proxy, 30)
      assert.are_not.same(first, other, policy)
      assert.are.equal(policy, proxy:resolve("http://10.0.0.1/").cluster.lb_policy)
    end
  end)

  it("hashes RING_HASH and MAGLEV picks from hash_key or the route's hash policy", function()
    for _, policy in ipairs({ "RING_HASH", "MAGLEV" }) do
      local proxy = proxy_for({ D.cluster("c", { lb_policy = policy }) }, { three },
        { hash_policy = { { header = { header_name = "x-user" } } } })
      local by_key = {}
      for i = 1, 40 do
        local key = "user-" .. i
        local a = proxy:resolve({ url = "http://10.0.0.1/", hash_key = key }).endpoint.address
        local b = proxy:resolve({ url = "http://10.0.0.1/", hash_key = key }).endpoint.address
        local c = proxy:resolve({ url = "http://10.0.0.1/", headers = { ["x-user"] = key } }).endpoint.address
        assert.are.equal(a, b, policy)
        assert.are.equal(a, c, policy)
        by_key[a] = true
      end
      local spread = 0
      for _ in pairs(by_key) do spread = spread + 1 end
      assert.are.equal(3, spread, policy)
    end
  end)

  it("passes ORIGINAL_DST clusters through to the requested address", function()
    local proxy = D.load({
      listeners = { D.listener("virtual", "0.0.0.0", 15001, { { filters = { D.tcp("PassthroughCluster") } } },
        { use_original_dst = true }) },
      clusters = { { name = "PassthroughCluster", type = "ORIGINAL_DST", lb_policy = "CLUSTER_PROVIDED" },
                   { name = "BlackHoleCluster", type = "STATIC" } },
    })
    local t = proxy:resolve("tcp://93.184.216.34:443")
    assert.are.equal("passthrough", t.outcome)
    assert.are.equal("93.184.216.34", t.endpoint.address)
    assert.are.equal(443, t.endpoint.port)
    local hole = D.load({
      listeners = { D.listener("l", "0.0.0.0", 9, { { filters = { D.tcp("BlackHoleCluster") } } }) },
      clusters = { { name = "BlackHoleCluster", type = "STATIC" } },
    })
    assert.are.equal("blackhole", hole:resolve("tcp://10.0.0.1:9").outcome)
  end)

  it("splits a tcp_proxy's weighted clusters by random_value", function()
    local tcp = D.tcp("unused")
    tcp.typed_config.cluster = nil
    tcp.typed_config.weighted_clusters = { clusters = { { name = "a", weight = 1 }, { name = "b", weight = 3 } } }
    local proxy = D.load({ listeners = { D.listener("db", "10.0.0.9", 5432, { { filters = { tcp } } }) },
      clusters = { D.cluster("a"), D.cluster("b") },
      endpoints = { D.cla("a", { { endpoints = { "10.5.0.1:5432" } } }), D.cla("b", { { endpoints = { "10.6.0.1:5432" } } }) } })
    local function pick(v) return proxy:resolve({ url = "tcp://10.0.0.9:5432", random_value = v }) end
    assert.are.equal("a", pick(0).cluster.name)
    assert.are.equal("b", pick(1).cluster.name)
    assert.are.equal("b", pick(3).cluster.name)
    assert.are.equal("a", pick(4).cluster.name)
    local t = pick(2)
    assert.is_nil(t.status)
    assert.are.equal("10.6.0.1", t.endpoint.address)
    assert.are.same({ { name = "a", weight = 1, percent = 25.0 }, { name = "b", weight = 3, percent = 75.0 } },
      t.weighted.clusters)
  end)

  it("forwards without an endpoint when the dump has no endpoint data", function()
    local proxy = proxy_for({ D.cluster("c") }, nil)
    local t = proxy:resolve("http://10.0.0.1/")
    assert.are.equal("forwarded", t.outcome)
    assert.is_nil(t.endpoint)
    assert.matches("the snapshot has no endpoint data for this cluster", tostring(t), 1, true)
  end)

  it("keeps a trace valid after its proxy is gone", function()
    local t = proxy_for({ D.cluster("c") }, { three }):resolve("http://10.0.0.1/")
    collectgarbage()
    collectgarbage()
    assert.are.equal("c", t.cluster.name)
    assert.matches("outcome%s+forwarded to 10.1.0.1:8080", tostring(t))
  end)

  it("reports an invalid regex when the dump is loaded, not at resolve", function()
    local ok, err = pcall(D.load, { routes = { { name = "80", virtual_hosts = { { name = "v", domains = { "*" },
      routes = { { match = { safe_regex = { regex = "([" } }, route = { cluster = "c" } } } } } } } })
    assert.is_false(ok)
    assert.matches('<string>:1:%d+: route configuration "80", virtual host "v", route 1: invalid regex "%(%[": ' ..
      "missing terminating %] for character class", err)
  end)
end)

describe("what loading checks and what waits for the first resolve", function()
  local function bad_routes(name)
    return { name = name, virtual_hosts = { { name = "v", domains = { "*" },
      routes = { { match = { safe_regex = { regex = "([" } }, route = { cluster = "c" } } } } } }
  end

  it("reports an invalid regex inline in a listener's HTTP connection manager at load", function()
    local chains = { { filters = { D.tcp("c") } }, { filters = { D.hcm(bad_routes("inline")) } } }
    local ok, err = pcall(D.load, { listeners = { D.listener("l", "0.0.0.0", 80, chains) } })
    assert.is_false(ok)
    assert.matches('<string>:1:%d+: route configuration "inline", virtual host "v", route 1: ' ..
      'invalid regex "%(%[": missing terminating %] for character class', err)
    -- in the default filter chain too
    ok, err = pcall(D.load, { listeners = { D.listener("l", "0.0.0.0", 80, { { filters = { D.tcp("c") } } },
      { default_filter_chain = { filters = { D.hcm(bad_routes("dflt")) } } }) } })
    assert.is_false(ok)
    assert.matches('route configuration "dflt", virtual host "v", route 1: invalid regex', err, 1, true)
  end)

  it("reports a duplicate domain inline in an HCM at load, and a route configuration that is not a map with its chain", function()
    local rc = { virtual_hosts = { { name = "a", domains = { "dup.test" } }, { name = "b", domains = { "DUP.test" } } } }
    local ok, err = pcall(D.load, { listeners = { D.listener("l", "0.0.0.0", 80, { { filters = { D.hcm(rc) } } }) } })
    assert.is_false(ok)
    assert.matches("route configuration (unnamed): Only unique values for domains are permitted. " ..
      "Duplicate entry of domain dup.test in route ", err, 1, true)
    local hcm = D.hcm("80")
    hcm.typed_config.rds, hcm.typed_config.route_config = nil, "not a map"
    ok, err = pcall(D.load, { listeners = { D.listener("l", "0.0.0.0", 80, { { filters = { D.tcp("c") } }, { filters = { hcm } } }) } })
    assert.is_false(ok)
    assert.matches('<string>:1:%d+: listener "l", filter chain 2: a route configuration must be a map, got string', err)
  end)

  it("checks only route configurations a resolution can reach, as the index takes them", function()
    -- behind a tcp_proxy (the chain's terminal filter), in a warming listener, in a
    -- second listener of the same name: Envoy never routes through them
    local behind = { { filters = { D.tcp("c"), D.hcm(bad_routes("behind")) } } }
    local proxy = D.load({ listeners = { D.listener("l", "0.0.0.0", 80, behind) }, clusters = { D.cluster("c") } })
    assert.are.equal("forwarded", proxy:resolve("tcp://10.0.0.1:80").outcome)
    local dump = require("cjson").decode(D.dump({ listeners = {
      D.listener("l", "0.0.0.0", 80, { { filters = { D.tcp("c") } } }),
      D.listener("l", "0.0.0.0", 81, { { filters = { D.hcm(bad_routes("twice")) } } }),
      D.listener("w", "0.0.0.0", 82, { { filters = { D.hcm(bad_routes("warming")) } } }) },
      clusters = { D.cluster("c") } }))
    local listeners = dump.configs[2].dynamic_listeners
    listeners[3].warming_state, listeners[3].active_state = listeners[3].active_state, nil
    proxy = meshlua.load(require("cjson").encode(dump))
    assert.are.equal("forwarded", proxy:resolve("tcp://10.0.0.1:80").outcome)
    assert.are.equal("no_listener", proxy:resolve("http://10.0.0.1:82/").outcome)
  end)

  it("reports a listener or cluster Envoy would reject at the first resolve, every time, with its place", function()
    local tcp = D.tcp("c")
    tcp.typed_config.cluster = nil
    local proxy = D.load({ listeners = { D.listener("l", "0.0.0.0", 80, { { filters = { tcp } } }) } })
    for _ = 1, 2 do
      local ok, err = pcall(proxy.resolve, proxy, "tcp://10.0.0.1:80")
      assert.is_false(ok)
      assert.matches('<string>:1:%d+: listener "l", filter chain 1: a tcp_proxy needs a cluster or weighted_clusters', err)
    end
  end)

  it("routes through inline and RDS route configurations compiled at load, linked to their clusters", function()
    local inline = { name = "inline", virtual_hosts = { { name = "v", domains = { "*" },
      routes = { { match = { prefix = "/" }, route = { cluster = "c" } } } } } }
    local rds = { name = "80", virtual_hosts = { { name = "w", domains = { "*" },
      routes = { { match = { prefix = "/" }, route = { cluster = "c" } } } } } }
    local proxy = D.load({
      listeners = { D.listener("a", "0.0.0.0", 80, { { filters = { D.hcm("80") } } }),
                    D.listener("b", "0.0.0.0", 81, { { filters = { D.hcm(inline) } } }) },
      routes = { rds },
      clusters = { D.cluster("c") },
      endpoints = { D.cla("c", { { endpoints = { "10.1.0.1:8080" } } }) },
    })
    local t = proxy:resolve("http://10.0.0.1:80/")
    assert.are.equal("80", t.route_config.name)
    assert.are.equal("10.1.0.1", t.endpoint.address)
    t = proxy:resolve("http://10.0.0.1:81/")
    assert.are.equal("inline", t.route_config.name)
    assert.are.equal("10.1.0.1", t.endpoint.address)
    t = proxy:resolve({ route_config = "80", host = "x.test" })
    assert.are.equal("w", t.virtual_host.name)
  end)
end)
