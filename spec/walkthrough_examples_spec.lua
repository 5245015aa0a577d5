-- The examples beyond the demo: examples/bookinfo.lua (subsets, header
-- routing, traffic shifting, each shown by a trace) and
-- examples/audit-retries.lua (an audit over real dumps or a simulated proxy).
local process = require("process")

describe("examples/bookinfo.lua", function()
  local r

  it("runs every step and passes every check", function()
    r = process.meshlua({ "examples/bookinfo.lua" })
    assert.are.equal(0, r.code, r.stderr .. r.stdout)
    assert.truthy(r.stdout:find("\nAll 17 checks passed%.\n$"))
  end)

  it("shows the header route to v2 and both sides of the 80/20 split in traces", function()
    -- The trace's words belong to the resolution engine; what matters here
    -- is which route and which weighted cluster each request took.
    assert.truthy(r.stdout:find("\n  route           #1 jason ", 1, true))
    assert.truthy(r.stdout:find("\n  action          outbound|9080|v1|reviews.default.svc.cluster.local  (weight 80", 1, true))
    assert.truthy(r.stdout:find("\n  action          outbound|9080|v3|reviews.default.svc.cluster.local  (weight 20", 1, true))
    assert.truthy(r.stdout:find(" 80  outbound|9080|v1|reviews.default.svc.cluster.local\n 20  outbound|9080|v3|reviews.default.svc.cluster.local\n", 1, true))
  end)

  it("shows a cluster per subset, with the DestinationRule named", function()
    assert.truthy(r.stdout:find("\nreviews.default.svc.cluster.local     9080     v2         outbound      EDS      reviews.default\n", 1, true))
  end)
end)

describe("examples/audit-retries.lua", function()
  local FIX = "../shared/fixtures/istioctl/"

  it("lists the routes of a real dump that lack retries or a timeout, and exits 1", function()
    local r = process.meshlua({ "examples/audit-retries.lua", FIX .. "proxyconfig/config_dump.json" })
    assert.are.equal(1, r.code, r.stderr)
    assert.are.equal(table.concat({
      FIX .. "proxyconfig/config_dump.json: 1 of 1 forwarding routes lack a retry policy or a timeout",
      "ROUTE CONFIG                                              VIRTUAL HOST        ROUTE     CLUSTER                                                   FINDINGS",
      "inbound-vip|8000|http|httpbin.default.svc.cluster.local   inbound|http|8000   default   inbound-vip|8000|http|httpbin.default.svc.cluster.local   no retry policy, timeout 0s (none)",
    }, "\n") .. "\n", r.stdout)
  end)

  it("exits 0 when every forwarding route retries and times out, skipping redirects", function()
    local dump = process.temp_file([[
{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"route_config":{
 "@type":"type.googleapis.com/envoy.config.route.v3.RouteConfiguration","name":"80","virtual_hosts":[{"name":"a:80",
 "domains":["a"],"routes":[
  {"name":"r1","match":{"prefix":"/"},"route":{"cluster":"outbound|80||a","timeout":"15s","retry_policy":{"num_retries":2}}},
  {"name":"moved","match":{"prefix":"/old"},"redirect":{"path_redirect":"/new"}}]}]}}]}]}
]])
    local r = process.meshlua({ "examples/audit-retries.lua", dump })
    os.remove(dump)
    assert.are.equal(0, r.code, r.stderr)
    assert.truthy(r.stdout:find(": 0 of 1 forwarding routes lack a retry policy or a timeout\n$"))
  end)

  it("audits a simulated Bookinfo productpage when given nothing, weighted routes included", function()
    local r = process.meshlua({ "examples/audit-retries.lua" })
    assert.are.equal(1, r.code, r.stderr)
    assert.truthy(r.stdout:find("^deployment/productpage%-v1 %(simulated Bookinfo%): %d+ of %d+ forwarding routes"))
    assert.truthy(r.stdout:find("outbound|9080|v1|reviews.default.svc.cluster.local (80), outbound|9080|v3|reviews.default.svc.cluster.local (20)", 1, true))
  end)

  it("names a dump it cannot read", function()
    local r = process.meshlua({ "examples/audit-retries.lua", "/nonexistent/dump.json" })
    assert.are.equal(1, r.code)
    assert.truthy(r.stderr:find("/nonexistent/dump.json: cannot open", 1, true), r.stderr)
  end)
end)
