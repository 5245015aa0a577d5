-- GET /config_dump's shaping (src/xds/dump*.c), one implementation behind
-- proxy:config_dump{} and the admin server's /config_dump: the same bytes
-- from both, and the behaviours Envoy's source/server/admin/
-- config_dump_handler.cc has where meshlua's two former implementations
-- differed (../shared/reference/envoy.md section 1).
local cjson = require("cjson")
local http = require("spec.helpers.http")

local F = "../shared/fixtures/istioctl/"
local DUMP = F .. "proxyconfig/config_dump.json"       -- has an EndpointsConfigDump
local SIDECAR = F .. "compare/configdump.json"          -- has none

local ADMIN = "type.googleapis.com/envoy.admin.v3."

local read = require("spec.helpers.process").read_file

local function types(text)
  local t = {}
  for _, c in ipairs(cjson.decode(text).configs) do
    t[#t + 1] = c["@type"]:match("([%w]+)$")
  end
  return t
end

-- The message proxy:config_dump raises, without the "<source>: " prefix.
local function refusal(proxy, opts)
  local ok, msg = pcall(proxy.config_dump, proxy, opts)
  assert.is_false(ok)
  return (msg:gsub("^.-%.json: ", ""))
end

-- A dump of one ClustersConfigDump holding these Cluster messages, dynamic.
local function clusters_dump(clusters)
  local dynamic = {}
  for i, c in ipairs(clusters) do
    c["@type"] = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
    dynamic[i] = { version_info = "1", cluster = c }
  end
  return cjson.encode({ configs = { { ["@type"] = ADMIN .. "ClustersConfigDump",
    dynamic_active_clusters = dynamic } } })
end

describe("config_dump", function()
  it("answers the same bytes from proxy:config_dump{} and the admin server", function()
    local queries = {
      { "", { include_eds = false } },
      { "?include_eds", { include_eds = true } },
      { "?name_regex=.*httpbin.*&include_eds", { name_regex = ".*httpbin.*", include_eds = true } },
      { "?mask=static_clusters", { mask = "static_clusters", include_eds = false } },
      { "?resource=dynamic_active_clusters&mask=cluster.name",
        { resource = "dynamic_active_clusters", mask = "cluster.name", include_eds = false } },
      { "?resource=static_endpoint_configs&include_eds",
        { resource = "static_endpoint_configs", include_eds = true } },
    }
    for _, path in ipairs({ DUMP, SIDECAR }) do
      local proxy = meshlua.load(path)
      local server <close> = meshlua.serve_admin(proxy, { port = 0 })
      for _, q in ipairs(queries) do
        local r = http.request(server.url .. "/config_dump" .. q[1])
        assert.are.equal(200, r.status, q[1])
        assert.are.equal(proxy:config_dump(q[2]), r.body, path .. q[1])
      end
      -- refusals: the same status text, raised in Lua
      for _, q in ipairs({
        { "?resource=version_info", { resource = "version_info" }, 400 },
        { "?resource=nope", { resource = "nope" }, 404 },
        { "?mask=nope", { mask = "nope" }, 400 },
        { "?resource=static_clusters&mask=nope", { resource = "static_clusters", mask = "nope" }, 400 },
      }) do
        local r = http.request(server.url .. "/config_dump" .. q[1])
        assert.are.equal(q[3], r.status, q[1])
        assert.are.equal(r.body, refusal(proxy, q[2]), q[1])
      end
    end
  end)

  -- Envoy's buildNameMatcher makes a RegexMatcher with google_re2, whose
  -- match() is RE2::FullMatch (source/common/common/regex.cc), on UTF-8.
  it("matches name_regex against the whole name, as RE2's FullMatch", function()
    local p = meshlua.load(DUMP)
    local function static_names(opts)
      local names = {}
      -- none left: protobuf's printer leaves the empty repeated field out
      for _, c in ipairs(cjson.decode(p:config_dump(opts)).configs[2].static_clusters or {}) do
        names[#names + 1] = c.cluster.name
      end
      return names
    end
    assert.are.same({ "agent" }, static_names({ name_regex = "agent" }))
    assert.are.same({}, static_names({ name_regex = "gent" }))        -- a search would keep agent
    assert.are.same({}, static_names({ name_regex = "^agen" }))
    assert.are.same({ "agent", "prometheus_stats" }, static_names({ name_regex = "" }))
    -- one "." is one UTF-8 character, as RE2 reads the pattern and the name
    local cafe = meshlua.load(clusters_dump({ { name = "café", type = "STATIC" } }))
    assert.are.equal(1, #cjson.decode(cafe:config_dump{ name_regex = "caf." })
      .configs[1].dynamic_active_clusters)
    -- a bad pattern: absl::InvalidArgumentError's text, as Envoy answers 400
    assert.matches("^INVALID_ARGUMENT: Error while parsing name_regex from %(: ",
      refusal(p, { name_regex = "(" }))
  end)

  -- ScopedRoutesConfigProviderManager::dumpConfigs (source/common/router/
  -- scoped_rds.cc) keeps each scoped routes entry and matches name_regex
  -- against every ScopedRouteConfiguration's name inside it.
  it("filters scoped routes by each ScopedRouteConfiguration's name", function()
    local function scope(name)
      return { ["@type"] = "type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration",
        name = name, route_configuration_name = name .. "-routes",
        key = { fragments = { { string_key = name } } } }
    end
    local p = meshlua.load(cjson.encode({ configs = { {
      ["@type"] = ADMIN .. "ScopedRoutesConfigDump",
      inline_scoped_route_configs = { { name = "gateway-scopes",
        scoped_route_configs = { scope("tenant-a"), scope("tenant-b") } } },
    } } }), { name = "scoped.json" })
    local dump = cjson.decode(p:config_dump{ name_regex = "tenant-b" }).configs[1]
    assert.are.equal(1, #dump.inline_scoped_route_configs)
    assert.are.equal("gateway-scopes", dump.inline_scoped_route_configs[1].name)
    local kept = dump.inline_scoped_route_configs[1].scoped_route_configs
    assert.are.equal(1, #kept)
    assert.are.equal("tenant-b", kept[1].name)
    -- the entry's own name is not what is matched
    dump = cjson.decode(p:config_dump{ name_regex = "gateway-scopes" }).configs[1]
    -- none kept: the empty repeated field is left out, as protobuf prints
    assert.is_nil(dump.inline_scoped_route_configs[1].scoped_route_configs)
  end)

  -- addAllConfigToDump: a dump whose descriptor the mask does not fit
  -- (FieldMaskUtil::GetFieldDescriptors) is left out; none fitting is a 400.
  it("leaves out the dumps a mask does not fit, and never goes through a list", function()
    local p = meshlua.load(DUMP)
    assert.are.same({ "ClustersConfigDump", "ListenersConfigDump" },
      types(p:config_dump{ mask = "version_info" }))
    assert.are.same({ "BootstrapConfigDump" }, types(p:config_dump{ mask = "bootstrap.node" }))
    -- GetFieldDescriptors stops at a repeated field: no dump fits
    assert.are.equal("FieldMask dynamic_active_clusters.cluster.name could not be "
      .. "successfully applied to any configs.",
      refusal(p, { mask = "dynamic_active_clusters.cluster.name" }))
    assert.are.equal('FieldMask paths: "nope"\n could not be successfully used.',
      refusal(p, { resource = "static_clusters", mask = "nope" }))
  end)

  -- addResourceToDump asks each dump's descriptor for the field
  -- (FindFieldByName), not its JSON, where an empty list is left out.
  it("answers a repeated field the dump leaves out with no configs", function()
    local p = meshlua.load(DUMP)
    -- a ConfigDump without configs: protobuf leaves the empty repeated field out
    assert.are.equal("{}\n", p:config_dump{ resource = "dynamic_warming_clusters" })
    assert.are.equal("dynamic_warming_clusters not found in config dump",
      refusal(meshlua.load(F .. "writer-configdump/configdump.json"),
        { resource = "dynamic_warming_clusters" }))
  end)

  -- dumpEndpointConfigs: one ClusterLoadAssignment per active cluster, named
  -- after eds_service_name else the cluster, static or dynamic as the
  -- cluster was added, its hosts as Envoy's host sets hold them: the dump's
  -- own EndpointsConfigDump, written by the Envoy that served the clusters,
  -- is what the rebuilt one must be.
  it("builds the EndpointsConfigDump from the clusters with include_eds", function()
    local dump = cjson.decode(read(DUMP))
    local clusters = dump.configs[2]
    local real = {}
    for _, e in ipairs(dump.configs[3].static_endpoint_configs) do
      local cla = e.endpoint_config
      for _, loc in ipairs(cla.endpoints or {}) do
        -- that Envoy release set an empty locality weight wrapper (0);
        -- newer ones leave it out, as the other fixture dumps show
        if loc.load_balancing_weight == 0 then loc.load_balancing_weight = nil end
      end
      real[cla.cluster_name] = cla
    end
    local p = meshlua.load(cjson.encode({ configs = { clusters } }), { name = "clusters.json" })
    local eds = cjson.decode(p:config_dump{ include_eds = true }).configs[2]
    assert.are.equal(ADMIN .. "EndpointsConfigDump", eds["@type"])
    assert.are.equal(#clusters.static_clusters, #eds.static_endpoint_configs)
    local compared = 0
    for i, c in ipairs(clusters.static_clusters) do
      local cla = eds.static_endpoint_configs[i].endpoint_config
      assert.are.equal("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
        cla["@type"])
      assert.are.equal(c.cluster.name, cla.cluster_name)
      if real[cla.cluster_name] then
        assert.are.same(real[cla.cluster_name], cla)
        compared = compared + 1
      end
    end
    assert.is_true(compared > 0)
    local dynamic = clusters.dynamic_active_clusters[1].cluster
    assert.are.equal(dynamic.eds_cluster_config.service_name,
      eds.dynamic_endpoint_configs[1].endpoint_config.cluster_name)
    -- name_regex matches the ClusterLoadAssignment's cluster_name
    eds = cjson.decode(p:config_dump{ include_eds = true, name_regex = "prom.*" }).configs[2]
    assert.are.equal(1, #eds.static_endpoint_configs)
    assert.are.equal("prometheus_stats", eds.static_endpoint_configs[1].endpoint_config.cluster_name)
    -- without include_eds, or by default (the proxy as it came), none is built
    assert.are.same({ "ClustersConfigDump" }, types(p:config_dump()))
    assert.are.same({ "ClustersConfigDump" }, types(p:config_dump{ include_eds = false }))
    -- a dump that has its own keeps it, whatever the clusters say
    local own = meshlua.load(DUMP)
    assert.are.same(cjson.decode(read(DUMP)).configs[3], cjson.decode(own:config_dump{ include_eds = true }).configs[3])
    -- and no clusters, no endpoints (Envoy adds the dump for active clusters only)
    local bootstrap = meshlua.load(F .. "writer-configdump/configdump.json")
    assert.are.same({ "BootstrapConfigDump" }, types(bootstrap:config_dump{ include_eds = true }))
  end)

  it("dumps a bootstrap document as a BootstrapConfigDump", function()
    local p = meshlua.load('{"bootstrap": {"node": {"id": "sidecar~10.0.0.1~x.ns~ns.svc.cluster.local"}}}',
      { name = "bootstrap.json" })
    local configs = cjson.decode(p:config_dump()).configs
    assert.are.equal(1, #configs)
    assert.are.equal(ADMIN .. "BootstrapConfigDump", configs[1]["@type"])
    assert.are.equal("sidecar~10.0.0.1~x.ns~ns.svc.cluster.local", configs[1].bootstrap.node.id)
  end)
end)
