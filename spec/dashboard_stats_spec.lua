-- What proxy:resolve counts in the proxy's /stats and /clusters: each
-- outcome under Envoy's counter names, exactly what proxy:count_request
-- counts for the same requests, and counts that go on across an xDS push
-- (a new snapshot) of a synthesized proxy.
local http = require("spec.helpers.http")
local D = dofile("spec/fixtures/resolve/dump.lua")

-- One HTTP listener (stat_prefix "http") whose routes lead to each outcome,
-- and one TCP listener.
local function dump()
  local routes = {
    { match = { prefix = "/ok" }, route = { cluster = "c" } },
    { match = { prefix = "/gone" }, route = { cluster = "gone" } },
    { match = { prefix = "/pick" }, route = { cluster_header = "x-cluster" } },
    { match = { prefix = "/sick" }, route = { cluster = "sick" } },
    { match = { prefix = "/moved" }, redirect = { path_redirect = "/ok" } },
    { match = { prefix = "/teapot" }, direct_response = { status = 418 } },
  }
  return D.dump({
    listeners = {
      D.listener("http", "0.0.0.0", 80, { { filters = { D.hcm({ name = "local",
        virtual_hosts = { { name = "all", domains = { "*" }, routes = routes } } }) } } }),
      D.listener("tcp", "0.0.0.0", 9000, { { filters = { D.tcp("c") } } }),
    },
    clusters = {
      D.cluster("c"),
      D.cluster("sick", { common_lb_config = { healthy_panic_threshold = { value = 0 } } }),
    },
    endpoints = {
      D.cla("c", { { endpoints = { "10.1.0.1:8080", "10.1.0.2:8080", "10.1.0.3:8080" } } }),
      D.cla("sick", { { endpoints = { { "10.2.0.1:80", "UNHEALTHY" } } } }),
    },
  })
end

local requests = {
  "http://10.0.0.1/ok", "http://10.0.0.1/ok/a", "http://10.0.0.1/gone",
  { url = "http://10.0.0.1/pick", headers = { ["x-cluster"] = "c" } },
  { url = "http://10.0.0.1/pick", headers = { ["x-cluster"] = "nowhere" } },
  { url = "http://10.0.0.1/pick", headers = { ["x-cluster"] = "elsewhere" } },
  "http://10.0.0.1/sick", "http://10.0.0.1/moved", "http://10.0.0.1/teapot",
  "http://10.0.0.1/none", "tcp://10.0.0.1:9000",
}

local function counters(url)
  local out = {}
  for name, v in http.request(url .. "/stats?usedonly").body:gmatch("([^\n]+): (%d+)\n") do
    if name ~= "server.uptime" then out[name] = tonumber(v) end -- seconds since it started
  end
  return out
end

local function host_lines(url)
  local out = {}
  for line in http.request(url .. "/clusters").body:gmatch("[^\n]+") do
    if line:find("::[rc][qx]_[a-z]+::%d+$") then out[#out + 1] = line end
  end
  table.sort(out)
  return out
end

describe("counting proxy:resolve", function()
  it("counts each outcome under Envoy's counter names", function()
    local proxy = meshlua.load(dump())
    local s <close> = meshlua.serve_admin(proxy, { port = 0 })
    for round = 1, 2 do
      for _, req in ipairs(requests) do proxy:resolve(req) end
      local c = counters(s.url)
      assert.are.equal(11 * round, c["listener.0.0.0.0_80.downstream_cx_total"]
        + c["listener.0.0.0.0_9000.downstream_cx_total"])
      assert.are.equal(round, c["listener.0.0.0.0_9000.downstream_cx_total"])
      assert.are.equal(10 * round, c["http.http.downstream_rq_total"])
      -- /ok twice, /pick to c: 200; /moved 301; /teapot 418, /none 404; the
      -- rest 503 (NC three times, UH once)
      assert.are.equal(3 * round, c["http.http.downstream_rq_2xx"])
      assert.are.equal(round, c["http.http.downstream_rq_3xx"])
      assert.are.equal(2 * round, c["http.http.downstream_rq_4xx"])
      assert.are.equal(4 * round, c["http.http.downstream_rq_5xx"])
      assert.are.equal(round, c["http.http.no_route"])
      assert.are.equal(3 * round, c["http.http.no_cluster"])
      assert.are.equal(4 * round, c["cluster.c.upstream_rq_total"]) -- with TCP
      assert.are.equal(3 * round, c["cluster.c.upstream_rq_200"])
      assert.are.equal(round, c["cluster.sick.upstream_cx_none_healthy"])
      -- a cluster the snapshot lacks is counted by the name asked for
      assert.are.equal(round, c["cluster.gone.upstream_cx_none_healthy"])
      assert.are.equal(round, c["cluster.nowhere.upstream_cx_none_healthy"])
      assert.are.equal(round, c["cluster.elsewhere.upstream_cx_none_healthy"])
      assert.is_nil(c["cluster.sick.upstream_rq_total"])
    end
    -- round robin over c's three hosts: 8 requests, 3 + 3 + 2
    local lines = table.concat(host_lines(s.url), "\n")
    local total = 0
    for n in lines:gmatch("c::10%.1%.0%.%d:8080::rq_total::(%d+)") do total = total + tonumber(n) end
    assert.are.equal(8, total)
    assert.truthy(lines:find("c::10.1.0.1:8080::rq_total::3", 1, true))
  end)

  it("counts what proxy:count_request counts for the same requests", function()
    local resolved, counted = meshlua.load(dump()), meshlua.load(dump())
    local a <close> = meshlua.serve_admin(resolved, { port = 0 })
    local b <close> = meshlua.serve_admin(counted, { port = 0 })
    local status = { forwarded = 200, redirect = 301, direct_response = 418 }
    for i = 1, 60 do
      local t = resolved:resolve(requests[i % #requests + 1])
      local tcp = t.listener.name == "tcp"
      local ep = t.endpoint
      counted:count_request {
        listener = tcp and "0.0.0.0_9000" or "0.0.0.0_80",
        stat_prefix = not tcp and "http" or nil,
        cluster = t.cluster and t.cluster.name or nil,
        host = ep and ep.health and (ep.address .. ":" .. ep.port) or nil,
        status = not tcp and (status[t.outcome] or tonumber(t.outcome:match("^%d+"))) or 0,
        flags = t.flags,
      }
    end
    assert.are.same(counters(b.url), counters(a.url))
    assert.are.same(host_lines(b.url), host_lines(a.url))
    for _, name in ipairs({ "cluster.c.upstream_rq_2xx", "http.http.downstream_rq_5xx",
                            "cluster.gone.upstream_cx_none_healthy" }) do
      assert.is_true(resolved:stat(name) > 0, name)
      assert.are.equal(counted:stat(name), resolved:stat(name), name)
    end
  end)

  it("goes on counting across an xDS push, and resets", function()
    local mesh = meshlua.mesh { profile = "seed" }
    mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
    mesh:apply("examples/envoy-demo-apps.yaml")
    local web = mesh:proxy("deployment/web-frontend")
    local s <close> = mesh:serve_admin(web, { port = 0 })
    local cluster = "cluster.outbound|80||customers.default.svc.cluster.local"
    for _ = 1, 3 do web:resolve("http://customers.default.svc.cluster.local/") end
    assert.are.equal(3, web:stat(cluster .. ".upstream_rq_total"))
    mesh:scale("deployment/customers-v1", 2) -- a new snapshot for web-frontend
    for _ = 1, 4 do web:resolve("http://customers.default.svc.cluster.local/") end
    assert.are.equal(7, web:stat(cluster .. ".upstream_rq_total"))
    assert.are.equal(7, counters(s.url)[cluster .. ".upstream_rq_2xx"])
    assert.are.equal(7, web:stat("http.outbound_0.0.0.0_80.downstream_rq_2xx"))
    http.request(s.url .. "/reset_counters", { method = "POST" })
    assert.are.equal(0, web:stat(cluster .. ".upstream_rq_total"))
    web:resolve("http://customers.default.svc.cluster.local/")
    assert.are.equal(1, s:stat(cluster .. ".upstream_rq_total"))
  end)
end)
