-- A synthesized proxy's config dump is Envoy's admin JSON: it parses as
-- JSON, has GET /config_dump?include_eds's shape (configs in Envoy's order,
-- Any-wrapped resources, snake_case fields), and loaded back through the
-- same ingest it prints the same istioctl tables.
local cjson = require("cjson")

local function demo(profile)
  local mesh = meshlua.mesh({ profile = profile })
  mesh:apply("examples/bigbang-cluster.yaml")
  mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
  mesh:apply("examples/envoy-demo-apps.yaml")
  mesh:apply_string([[
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: customers, namespace: default}
spec:
  host: customers
  trafficPolicy:
    connectionPool: {tcp: {maxConnections: 100}}
    outlierDetection: {consecutive5xxErrors: 3, interval: 10s, baseEjectionTime: 30s}
  subsets:
  - {name: v1, labels: {version: v1}}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: customers, namespace: default}
spec:
  hosts: [customers]
  http:
  - match: [{headers: {x-user: {exact: debug}}, uri: {prefix: /api}}]
    route: [{destination: {host: customers, subset: v1}}]
    timeout: 5s
    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,gateway-error,503"}
  - route:
    - {destination: {host: customers, subset: v1}, weight: 90}
    - {destination: {host: customers}, weight: 10}
    fault: {abort: {httpStatus: 418, percentage: {value: 1.5}}}
]])
  return mesh
end

local function tables(p)
  return {
    tostring(p:listeners()),
    tostring(p:routes()),
    tostring(p:clusters()),
    tostring(p:endpoints()),
    tostring(p:secrets()),
    tostring(p:bootstrap({ output = "short" })),
  }
end

describe("synthesized config dump", function()
  for _, profile in ipairs({ "seed", "current" }) do
    it("is Envoy's admin JSON and loads back into the same tables (" .. profile .. ")", function()
      local mesh = demo(profile)
      for _, ref in ipairs({ "deployment/web-frontend", "deployment/public-ingressgateway" }) do
        local p = mesh:proxy(ref, ref:find("gateway") and "istio-system" or nil)
        local text = p:config_dump()
        local dump = cjson.decode(text)
        local types = {}
        for _, c in ipairs(dump.configs) do
          types[#types + 1] = c["@type"]:match("%.([%w]+)$")
        end
        assert.are.same({ "BootstrapConfigDump", "ClustersConfigDump", "EndpointsConfigDump",
          "ListenersConfigDump", "RoutesConfigDump", "SecretsConfigDump" }, types)
        local clusters = dump.configs[2].dynamic_active_clusters
        assert.truthy(#clusters > 0)
        assert.are.equal("type.googleapis.com/envoy.config.cluster.v3.Cluster", clusters[1].cluster["@type"])
        assert.truthy(clusters[1].version_info:find("/" .. mesh.version .. "$"))
        local listener = dump.configs[4].dynamic_listeners[1]
        assert.are.equal(listener.name, listener.active_state.listener.name)
        assert.truthy(dump.configs[5].dynamic_route_configs[1].route_config.virtual_hosts)
        assert.are.equal(p.name, dump.configs[1].bootstrap.node.id:match("~[^~]*~([^~]*)~"))
        local back = meshlua.load(text, { profile = profile, name = "reloaded" })
        assert.are.same(tables(p), tables(back))
        assert.are.equal(text, back:config_dump())
      end
    end)
  end

  it("translates the VirtualService and DestinationRule into the fields istiod writes", function()
    local p = demo("current"):proxy("deployment/web-frontend")
    local dump = cjson.decode(p:config_dump())
    local vhost
    for _, rc in ipairs(dump.configs[5].dynamic_route_configs) do
      if rc.route_config.name == "80" then
        for _, vh in ipairs(rc.route_config.virtual_hosts) do
          if vh.name == "customers.default.svc.cluster.local:80" then
            vhost = vh
          end
        end
      end
    end
    assert.truthy(vhost)
    local r1, r2 = vhost.routes[1], vhost.routes[2]
    assert.are.same({ prefix = "/api", case_sensitive = true,
      headers = { { name = "x-user", string_match = { exact = "debug" } } } }, r1.match)
    assert.are.equal("outbound|80|v1|customers.default.svc.cluster.local", r1.route.cluster)
    assert.are.equal("5s", r1.route.timeout)
    assert.are.same({ retry_on = "5xx,gateway-error,retriable-status-codes", num_retries = 3,
      per_try_timeout = "2s",
      retry_host_predicate = { { name = "envoy.retry_host_predicates.previous_hosts" } },
      host_selection_retry_max_attempts = "5", retriable_status_codes = { 503 } }, r1.route.retry_policy)
    assert.are.equal("/apis/networking.istio.io/v1/namespaces/default/virtual-service/customers",
      r1.metadata.filter_metadata.istio.config)
    assert.are.same({ clusters = {
      { name = "outbound|80|v1|customers.default.svc.cluster.local", weight = 90 },
      { name = "outbound|80||customers.default.svc.cluster.local", weight = 10 } } },
      r2.route.weighted_clusters)
    assert.are.same({ ["@type"] = "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault",
      abort = { http_status = 418, percentage = { numerator = 15000, denominator = "MILLION" } } },
      r2.typed_per_filter_config["envoy.filters.http.fault"])
    local subset, default
    for _, e in ipairs(dump.configs[2].dynamic_active_clusters) do
      if e.cluster.name == "outbound|80|v1|customers.default.svc.cluster.local" then
        subset = e.cluster
      elseif e.cluster.name == "outbound|80||customers.default.svc.cluster.local" then
        default = e.cluster
      end
    end
    assert.are.equal(100, default.circuit_breakers.thresholds[1].max_connections)
    assert.are.same({ consecutive_5xx = 3, interval = "10s", base_ejection_time = "30s",
      enforcing_consecutive_5xx = 100, enforcing_success_rate = 0 }, default.outlier_detection)
    assert.are.equal("/apis/networking.istio.io/v1/namespaces/default/destination-rule/customers",
      subset.metadata.filter_metadata.istio.config)
    assert.are.equal("v1", subset.metadata.filter_metadata.istio.subset)
    assert.are.equal("outbound|80|v1|customers.default.svc.cluster.local",
      subset.eds_cluster_config.service_name)
    local rows = {}
    for line in tostring(p:clusters({ fqdn = "customers.default.svc.cluster.local" })):gmatch("(.-)\n") do
      rows[#rows + 1] = line:gsub("%s+", " "):gsub(" $", "")
    end
    assert.are.same({ "SERVICE FQDN PORT SUBSET DIRECTION TYPE DESTINATION RULE",
      "customers.default.svc.cluster.local 80 - outbound EDS customers.default",
      "customers.default.svc.cluster.local 80 v1 outbound EDS customers.default" }, rows)
  end)
end)
