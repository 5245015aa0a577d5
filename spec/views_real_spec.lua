-- The real sidecar dumps of ../shared/fixtures/istioctl load and print the
-- four tables; chosen rows are what reference/istio.md §1 says they must be.
local F = "../shared/fixtures/istioctl/"

local function lines(text)
  local t = {}
  for line in text:gmatch("(.-)\n") do
    t[#t + 1] = line:gsub("%s+", " "):gsub(" $", "")
  end
  return t
end

local function has_line(text, want)
  for _, line in ipairs(lines(text)) do
    if line == want then
      return true
    end
  end
  return false
end

describe("real config dumps", function()
  local dumps = { "authz/configdump.yaml", "describe/http_config.json", "describe/tls_config.json",
    "writer-configdump/endpoint/configdump.json", "compare/configdump.json",
    "compare/configdump_diff.json", "proxyconfig/config_dump.json" }

  for _, name in ipairs(dumps) do
    it("loads " .. name .. " and prints listeners, routes, clusters and endpoints", function()
      local p = meshlua.load(F .. name)
      assert.matches("^ADDRESSES +PORT +MATCH +DESTINATION\n", tostring(p:listeners()))
      assert.matches("^NAME +VHOST NAME +DOMAINS +MATCH +VIRTUAL SERVICE\n", tostring(p:routes()))
      assert.matches("^SERVICE FQDN +PORT +SUBSET +DIRECTION +TYPE +DESTINATION RULE\n",
        tostring(p:clusters()))
      assert.matches("^ENDPOINT +STATUS +OUTLIER CHECK +CLUSTER\n", tostring(p:endpoints()))
    end)
  end

  it("shows the sidecar listener rows of the YAML dump as istioctl does", function()
    local text = tostring(meshlua.load(F .. "authz/configdump.yaml"):listeners())
    -- An HTTP port: the sniffed chain to RDS "80", then the passthrough default chain.
    assert.is_true(has_line(text, "0.0.0.0 80 Trans: raw_buffer; App: http/1.1,h2c Route: 80"))
    assert.is_true(has_line(text, "0.0.0.0 80 ALL PassthroughCluster"))
    -- A TCP port on the service VIP.
    assert.is_true(has_line(text,
      "10.96.0.10 53 ALL Cluster: outbound|53||kube-dns.kube-system.svc.cluster.local"))
    -- virtualOutbound and virtualInbound blackhole chains.
    assert.is_true(has_line(text, "0.0.0.0 15001 ALL PassthroughCluster"))
    assert.is_true(has_line(text, "0.0.0.0 15001 Addr: *:15001 Non-HTTP/Non-TCP"))
    assert.is_true(has_line(text, "0.0.0.0 15006 Trans: tls; App: TCP TLS; Addr: 0.0.0.0/0 "
      .. "InboundPassthroughClusterIpv4"))
    -- Bootstrap statics: inline routes.
    assert.is_true(has_line(text, "0.0.0.0 15090 ALL Inline Route: /stats/prometheus*"))
    assert.is_true(has_line(text, "0.0.0.0 15021 ALL Inline Route: /healthz/ready*"))
  end)

  it("sorts listeners by port, then address as a string, chains by destination descending",
    function()
      local list = meshlua.load(F .. "authz/configdump.yaml"):listeners()
      local prev
      for l in list do
        if prev then
          assert.is_true(prev.port < l.port or (prev.port == l.port and prev.address <= l.address))
        end
        for i = 2, #l.chains do
          assert.is_true(l.chains[i - 1].destination >= l.chains[i].destination)
        end
        prev = l
      end
      local short = tostring(list:items() and meshlua.load(F .. "authz/configdump.yaml")
        :listeners{ verbose = false })
      assert.is_true(has_line(short, "0.0.0.0 80 HTTP+TCP"))
      assert.is_true(has_line(short, "10.96.0.10 53 TCP"))
    end)

  it("filters listeners by address, port and type as istioctl's flags do", function()
    local p = meshlua.load(F .. "authz/configdump.yaml")
    local l9153 = p:listeners{ port = 9153 }
    assert.are.equal(1, #l9153)
    assert.are.equal(2, #l9153[1].chains)
    assert.are.equal(1, #p:listeners{ address = "10.96.0.10", port = 53 })
    for l in p:listeners{ type = "tcp" } do
      assert.are.equal("TCP", l.type)
    end
  end)

  it("prints clusters with the DESTINATION RULE from istio.config metadata", function()
    local text = tostring(meshlua.load(F .. "describe/http_config.json"):clusters())
    assert.is_true(has_line(text, "productpage.default.svc.cluster.local 9080 v1 outbound EDS "
      .. "productpage.default"))
    local c = meshlua.load(F .. "proxyconfig/config_dump.json"):clusters{ direction = "inbound-vip" }
    assert.are.equal(1, #c)
    assert.are.same({ "httpbin.default.svc.cluster.local", 8000, "http", "inbound-vip", "EDS" },
      { c[1].fqdn, c[1].port, c[1].subset, c[1].direction, c[1].type })
  end)

  it("prints routes with their virtual service and hides nothing but Passthrough", function()
    local text = tostring(meshlua.load(F .. "describe/http_config.json"):routes())
    assert.is_true(has_line(text, "http.8080 *:80 * /productpage bookinfo.default"))
    assert.is_true(has_line(text, "http.8080 *:80 * /static* bookinfo.default"))
  end)

  it("reads endpoints from EDS when no /clusters document came with the dump", function()
    local text = tostring(meshlua.load(F .. "writer-configdump/endpoint/configdump.json")
      :endpoints())
    assert.is_true(has_line(text, "10.244.0.109:3000 HEALTHY OK "
      .. "outbound|3000||grafana.istio-system.svc.cluster.local"))
  end)

  it("gives list items their resource's fields, raw table and JSON", function()
    local p = meshlua.load(F .. "proxyconfig/config_dump.json")
    local c = p:clusters()[1]
    assert.are.equal("agent", c.name)
    assert.are.equal("agent", c.raw.name)
    assert.matches('^{\n    "name": "agent",', c:json())
    local l = p:listeners{ port = 15021 }[1]
    assert.are.equal("0.0.0.0", l.address)
    assert.are.equal(15021, l.raw.address.socket_address.port_value)
  end)

  it("writes the dump back as Envoy's admin JSON, which loads to the same tables", function()
    local p = meshlua.load(F .. "proxyconfig/config_dump.json")
    local dump = p:config_dump()
    assert.matches('^{\n "configs": %[\n  {\n   "@type": "type.googleapis.com/envoy.admin.v3.'
      .. 'BootstrapConfigDump"', dump)
    local again = meshlua.load(dump)
    assert.are.equal(tostring(p:all{}), tostring(again:all{}))
    -- lowerCamel input comes back in snake_case, map and Struct keys untouched.
    local camel = meshlua.load('{"configs": [{"@type": '
      .. '"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump", '
      .. p:bootstrap():json():match("^{(.*)}%s*$") .. "}]}")
    local back = camel:config_dump()
    assert.matches('"last_updated"', back)
    assert.matches('"ISTIO_VERSION"', back)
    local filtered = p:config_dump{ name_regex = "^agent$", include_eds = false }
    assert.is_nil(filtered:find("EndpointsConfigDump", 1, true))
    assert.is_nil(filtered:find('"prometheus_stats"', 1, true))
    assert.is_truthy(filtered:find('"name": "agent"', 1, true))
  end)

  it("prints the SecretsConfigDump as `pc secret -o json` (legacy jsonpb) and -o yaml", function()
    local p = meshlua.load(F .. "writer-configdump/secret/istio/config_dump.json")
    local json = p:secrets():json()
    assert.matches('^{\n    "dynamicActiveSecrets": %[\n        {\n            "name": "default",', json)
    assert.matches('"dynamicWarmingSecrets"', json)
    assert.matches("\n  name: default\n", p:secrets():yaml())
    assert.has_error(function()
      meshlua.load(F .. "writer-configdump/configdump.json"):secrets():json()
    end)
  end)

  it("prints the seed profile's (Istio 1.10) columns and rules", function()
    local routes = tostring(meshlua.load(F .. "writer-configdump/routes/"
      .. "k8s-gateway-http-route-path-prefix/configdump.json", { profile = "seed" }):routes())
    -- No VHOST NAME column, no PathPrefix match (1.21+), v1 config paths unknown (1.24+).
    assert.are.equal("NAME        DOMAINS                 MATCH                  VIRTUAL SERVICE\n"
      .. "http.80     httpbin.example.com                            <unknown>\n"
      .. "            *                       /healthz/ready*        \n"
      .. "            *                       /stats/prometheus*     \n", routes)
    local listeners = tostring(meshlua.load(F .. "proxyconfig/config_dump.json",
      { profile = "seed" }):listeners())
    assert.matches("^ADDRESS PORT  MATCH DESTINATION\n", listeners)
    local clusters = tostring(meshlua.load(F .. "describe/http_config.json",
      { profile = "seed" }):clusters())
    assert.is_true(has_line(clusters, "productpage.default.svc.cluster.local 9080 v1 outbound "
      .. "EDS productpage.default"))
  end)

  it("answers config_dump's resource= and mask= as Envoy's admin does", function()
    local p = meshlua.load(F .. "proxyconfig/config_dump.json")
    local one = meshlua.load(p:config_dump{ resource = "dynamic_active_clusters",
      mask = "cluster.name" }):config_dump()
    assert.matches('"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster"',
      one)
    assert.is_nil(one:find("connect_timeout", 1, true))
    local masked = p:config_dump{ mask = "version_info" }
    assert.is_nil(masked:find("dynamic_active_clusters", 1, true))
    assert.matches('"version_info": "2023%-12%-26T05:56:10Z/3"', masked)
    assert.has_error(function()
      p:config_dump{ resource = "version_info" }
    end, F .. "proxyconfig/config_dump.json: version_info is not a repeated field. "
      .. "Use ?mask=version_info to get only this field")
    assert.has_error(function()
      p:config_dump{ resource = "nope" }
    end, F .. "proxyconfig/config_dump.json: nope not found in config dump")
  end)
end)
