-- Writes an Envoy admin config dump (GET /config_dump?include_eds form) of an
-- Istio sidecar in a mesh of `services` services (default 32, about the
-- walkthrough's demo cluster): per service an outbound EDS cluster with one
-- or two endpoints, a vhost in route "80" and an outbound listener, plus
-- the sidecar's fixed listeners and clusters. Usage:
--   meshlua bench/admin/gen_dump.lua out.json [services]
local cjson = require("cjson")
local out, n = arg[1], tonumber(arg[2] or "32")
assert(out, "usage: gen_dump.lua out.json [services]")

local function any(t, msg)
  msg["@type"] = "type.googleapis.com/" .. t
  return msg
end

local clusters, endpoints, vhosts, listeners = {}, {}, {}, {}
local function cluster(name, extra)
  local c = any("envoy.config.cluster.v3.Cluster", {
    name = name, type = "EDS", connect_timeout = "10s",
    eds_cluster_config = { service_name = name, eds_config = { ads = {}, resource_api_version = "V3" } },
    circuit_breakers = { thresholds = { { max_connections = 4294967295, max_pending_requests = 4294967295,
      max_requests = 4294967295, max_retries = 4294967295 } } },
  })
  for k, v in pairs(extra or {}) do c[k] = v or nil end
  clusters[#clusters + 1] = { version_info = "2026-11-25T10:00:00Z/9", cluster = c,
    last_updated = "2026-11-25T10:00:00Z" }
end

for i = 1, n do
  local svc = ("svc%02d.ns%d.svc.cluster.local"):format(i, i % 4)
  local name = ("outbound|80||%s"):format(svc)
  cluster(name)
  local lbs = {}
  for k = 1, 1 + i % 2 do
    lbs[#lbs + 1] = { endpoint = { address = { socket_address = {
      address = ("10.42.%d.%d"):format(i % 250, 10 + k), port_value = 3000 } } },
      health_status = "HEALTHY", load_balancing_weight = 1 }
  end
  endpoints[#endpoints + 1] = { endpoint_config = any("envoy.config.endpoint.v3.ClusterLoadAssignment", {
    cluster_name = name, endpoints = { { locality = {}, lb_endpoints = lbs } },
    policy = { overprovisioning_factor = 140 } }) }
  vhosts[#vhosts + 1] = { name = svc .. ":80", domains = { svc, svc .. ":80" },
    routes = { { name = "default", match = { prefix = "/" }, route = { cluster = name, timeout = "0s" } } } }
  listeners[#listeners + 1] = { name = ("10.43.%d.%d_443"):format(i % 250, i), active_state = {
    version_info = "2026-11-25T10:00:00Z/9", last_updated = "2026-11-25T10:00:00Z",
    listener = any("envoy.config.listener.v3.Listener", {
      name = ("10.43.%d.%d_443"):format(i % 250, i),
      address = { socket_address = { address = ("10.43.%d.%d"):format(i % 250, i), port_value = 443 } },
      filter_chains = { { filters = { { name = "envoy.filters.network.tcp_proxy",
        typed_config = any("envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
          { stat_prefix = name, cluster = name }) } } } },
      traffic_direction = "OUTBOUND" }) } }
end
cluster("BlackHoleCluster", { type = "STATIC", eds_cluster_config = false })
cluster("PassthroughCluster", { type = "ORIGINAL_DST", lb_policy = "CLUSTER_PROVIDED",
  eds_cluster_config = false })
listeners[#listeners + 1] = { name = "0.0.0.0_80", active_state = {
  version_info = "2026-11-25T10:00:00Z/9", last_updated = "2026-11-25T10:00:00Z",
  listener = any("envoy.config.listener.v3.Listener", {
    name = "0.0.0.0_80", address = { socket_address = { address = "0.0.0.0", port_value = 80 } },
    filter_chains = { { filters = { { name = "envoy.filters.network.http_connection_manager",
      typed_config = any("envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        { stat_prefix = "outbound_0.0.0.0_80", rds = { route_config_name = "80",
          config_source = { ads = {}, resource_api_version = "V3" } },
          http_filters = { { name = "envoy.filters.http.router" } } }) } } } },
    bind_to_port = false, traffic_direction = "OUTBOUND" }) } }

local dump = { configs = {
  any("envoy.admin.v3.BootstrapConfigDump", { bootstrap = { node = {
    id = "sidecar~10.42.1.28~customers-v1-7b5b4b76fc-vtx98.default~default.svc.cluster.local",
    cluster = "customers.default" } }, last_updated = "2026-11-25T10:00:00Z" }),
  any("envoy.admin.v3.ClustersConfigDump", { version_info = "2026-11-25T10:00:00Z/9",
    dynamic_active_clusters = clusters }),
  any("envoy.admin.v3.EndpointsConfigDump", { dynamic_endpoint_configs = endpoints }),
  any("envoy.admin.v3.ListenersConfigDump", { version_info = "2026-11-25T10:00:00Z/9",
    dynamic_listeners = listeners }),
  any("envoy.admin.v3.RoutesConfigDump", { dynamic_route_configs = { {
    version_info = "2026-11-25T10:00:00Z/9", last_updated = "2026-11-25T10:00:00Z",
    route_config = any("envoy.config.route.v3.RouteConfiguration",
      { name = "80", virtual_hosts = vhosts, validate_clusters = false }) } } }),
} }
local f = assert(io.open(out, "wb"))
f:write(cjson.encode(dump))
f:close()
