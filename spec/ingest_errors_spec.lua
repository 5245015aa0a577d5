-- meshlua.load on bad input: a clear error naming the input and the place
-- (line:col and byte offset), never a crash; and what loads fine.
local process = require("spec.helpers.process")

local function load_error(...)
  local ok, err = pcall(meshlua.load, ...)
  assert.is_false(ok)
  return err
end

describe("meshlua.load", function()
  it("loads JSON and YAML dumps from files or text", function()
    local p = meshlua.load("../shared/fixtures/istioctl/authz/configdump.yaml")
    assert.are.equal("../shared/fixtures/istioctl/authz/configdump.yaml", p.source)
    assert.are.equal("current", p.profile)
    local q = meshlua.load('{"configs": []}', { profile = "seed", name = "empty" })
    assert.are.equal("seed", q.profile)
    assert.are.equal("empty", q.name)
    assert.matches("^ADDRESS PORT MATCH DESTINATION\n$", tostring(q:listeners()))
  end)

  it("names the file, line, column and byte of truncated JSON", function()
    local path = process.temp_file('{"configs": [\n  {"@type": "x.ClustersConfigDump",\n')
    local err = load_error(path)
    os.remove(path)
    assert.are.equal(path .. ":3:1: invalid JSON at byte 50: expected a string key, got end of "
      .. "input", err)
  end)

  it("refuses a dump whose configs is not a list", function()
    assert.are.equal('dump.json:1:13: configs must be a list, got map',
      load_error('{"configs": {"@type": "x"}}', { source = "dump.json" }))
  end)

  it("refuses a listener without an address, naming it", function()
    local text = '{"configs": [{"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",\n'
      .. ' "dynamic_listeners": [{"name": "l1", "active_state": {"listener":\n'
      .. '   {"name": "l1", "filter_chains": []}}}]}]}'
    assert.are.equal('<string>:3:4: listener "l1" has no address (only internal listeners may '
      .. 'lack one)', load_error(text))
  end)

  it("reports YAML errors with their line", function()
    assert.matches("^<string>:3:1: ", load_error("configs:\n  - [a,\n"))
  end)

  it("says what is wrong with a missing file or a bad profile", function()
    assert.are.equal("no/such/dump.json: cannot open: No such file or directory",
      load_error("no/such/dump.json"))
    assert.matches('unknown profile "1.2"', load_error("{}", { profile = "1.2" }))
  end)

  it("fails cleanly on 200 MB of random bytes", function()
    local path = os.tmpname()
    assert.is_true(os.execute("head -c 200000000 /dev/urandom > " .. path .. " && printf '{' | "
      .. "dd of=" .. path .. " bs=1 count=1 conv=notrunc 2>/dev/null"))
    local err = load_error(path)
    os.remove(path)
    -- random whitespace after the "{" (a newline among it) may move the error
    -- to a later line: any line, but always the place and the byte
    assert.matches("^" .. path:gsub("%p", "%%%0") .. ":%d+:%d+: invalid JSON at byte %d+: ", err)
  end)

  it("prints every view of a dump whose resources do not follow the protos", function()
    local p = meshlua.load([[{"configs": [
      {"@type": "x.BootstrapConfigDump", "bootstrap": {"node": {"metadata": 3,
        "user_agent_build_version": {"version": {"major_number": "x"}, "metadata": {"build.label": 5}}}}},
      {"@type": "x.ClustersConfigDump", "dynamic_active_clusters": [
        {"cluster": {"name": "a|b|c|d", "metadata": 5, "type": "EDS"}}, {"cluster": {"name": "x"}}]},
      {"@type": "x.EndpointsConfigDump", "dynamic_endpoint_configs": [{"endpoint_config":
        {"cluster_name": "c", "endpoints": [{"lb_endpoints": [{"endpoint": 4}, 3]}, 7]}}]},
      {"@type": "x.SecretsConfigDump", "dynamic_active_secrets": [{"name": "s", "secret":
        {"tls_certificate": {"certificate_chain": {"inline_bytes": "!!!"}}}}]},
      {"@type": "x.EcdsConfigDump", "ecds_filters": [{"ecds_filter": {"name": 5, "typed_config": 3}}]}
    ]}]])
    for _, view in ipairs({ "listeners", "routes", "clusters", "endpoints", "eds", "secrets", "ecds",
      "bootstrap", "all" }) do
      local list = p[view](p)
      assert.is_string(tostring(list))
      assert.is_string(list:json())
      assert.is_string(list:yaml())
    end
    assert.matches("\nunknown +UNKNOWN +c\n", tostring(p:eds()))
    assert.matches("\ns +ACTIVE +false", tostring(p:secrets()))
    assert.matches("Envoy Version: +0%.0%.0%-5\n", tostring(p:bootstrap()))
  end)

  it("reads /clusters?format=json given beside a dump", function()
    local clusters = '{"cluster_statuses": [{"name": "outbound|80||web.default.svc.cluster.local",'
      .. ' "host_statuses": [{"address": {"socket_address": {"address": "10.0.0.7",'
      .. ' "port_value": 8080}}, "health_status": {"eds_health_status": "HEALTHY",'
      .. ' "failed_outlier_check": true}}]}]}'
    local p = meshlua.load('{"configs": []}', { clusters = clusters })
    assert.are.equal("ENDPOINT          STATUS      OUTLIER CHECK     CLUSTER\n"
      .. "10.0.0.7:8080     HEALTHY     FAILED            outbound|80||web.default.svc.cluster.local\n",
      tostring(p:endpoints()))
    assert.matches("cluster_statuses must be a list",
      load_error('{"configs": []}', { clusters = '{"cluster_statuses": 1}' }))
  end)
end)
