-- Writes the config dump of a sidecar in a mesh of N HTTP services, for
-- bench/resolve/run.sh: GET /config_dump?include_eds as Envoy prints it.
-- Every service has an EDS cluster (LEAST_REQUEST, Istio's defaults) with
-- 2 endpoints, and a virtual host in route configuration "80" with the 12
-- domains Istio 1.10 (the seed's release) generates for a service on port
-- 80: the FQDN and its shorter forms (name, name.ns, name.ns.svc,
-- name.ns.svc.cluster) and the cluster IP, each also with ":80". Listeners:
-- 0.0.0.0_80 (HTTP, RDS "80", Istio's ALPN match) and virtualOutbound
-- (use_original_dst, passthrough). Also writes the route configuration
-- alone (the RouteConfiguration message) when a third argument is given.
--
--   meshlua bench/resolve/gen_mesh.lua 10000 dump.json [routes.json]
local n = tonumber(arg[1]) or 10000
local dump_path = arg[2] or "dump.json"
local routes_path = arg[3]

local function name_ns(i)
  return ("svc-%05d"):format(i), ("ns-%03d"):format(i % 200)
end

--- The cluster IP of service i (10.96.0.0/12).
local function cluster_ip(i)
  return ("10.%d.%d.%d"):format(96 + (i >> 16), (i >> 8) & 255, i & 255)
end

local function pod_ip(i, k)
  return ("10.%d.%d.%d"):format(128 + (i >> 14), (i >> 6) & 255, ((i & 63) << 2) + k)
end

local function fqdn(i)
  local name, ns = name_ns(i)
  return ("%s.%s.svc.cluster.local"):format(name, ns)
end

local function domains(i)
  local name, ns = name_ns(i)
  local forms = { fqdn(i), ("%s.%s.svc.cluster"):format(name, ns), ("%s.%s.svc"):format(name, ns),
                  ("%s.%s"):format(name, ns), name, cluster_ip(i) }
  local out = {}
  for _, d in ipairs(forms) do
    out[#out + 1] = ('"%s"'):format(d)
    out[#out + 1] = ('"%s:80"'):format(d)
  end
  return table.concat(out, ", ")
end

local VHOST = [[
        {
         "name": "%s:80",
         "domains": [%s],
         "routes": [
          {
           "name": "default",
           "match": {"prefix": "/"},
           "route": {
            "cluster": "outbound|80||%s",
            "timeout": "0s",
            "retry_policy": {
             "retry_on": "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
             "num_retries": 2,
             "retry_host_predicate": [{"name": "envoy.retry_host_predicates.previous_hosts"}],
             "host_selection_retry_max_attempts": "5",
             "retriable_status_codes": [503]
            },
            "max_grpc_timeout": "0s"
           },
           "decorator": {"operation": "%s:80/*"}
          }
         ],
         "include_request_attempt_count": true
        }]]

local CLUSTER = [[
    {
     "version_info": "2026-11-25T10:00:00Z/7",
     "cluster": {
      "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
      "name": "outbound|80||%s",
      "type": "EDS",
      "eds_cluster_config": {"eds_config": {"ads": {}, "resource_api_version": "V3"}, "service_name": "outbound|80||%s"},
      "connect_timeout": "10s",
      "lb_policy": "LEAST_REQUEST",
      "circuit_breakers": {"thresholds": [{"max_connections": 4294967295, "max_pending_requests": 4294967295, "max_requests": 4294967295, "max_retries": 4294967295}]},
      "common_lb_config": {"locality_weighted_lb_config": {}},
      "metadata": {"filter_metadata": {"istio": {"default_original_port": 80, "services": [{"host": "%s", "name": "%s", "namespace": "%s"}]}}}
     },
     "last_updated": "2026-11-25T10:00:01.123Z"
    }]]

local ENDPOINTS = [[
    {
     "endpoint_config": {
      "@type": "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
      "cluster_name": "outbound|80||%s",
      "endpoints": [
       {
        "locality": {"region": "us-east1", "zone": "us-east1-b"},
        "lb_endpoints": [%s],
        "load_balancing_weight": 2
       }
      ],
      "policy": {"overprovisioning_factor": 140}
     }
    }]]

local LB_ENDPOINT = [[

         {
          "endpoint": {"address": {"socket_address": {"address": "%s", "port_value": 8080}}, "health_check_config": {}},
          "health_status": "HEALTHY",
          "load_balancing_weight": 1
         }]]

local LISTENERS = [[
  {
   "@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
   "version_info": "2026-11-25T10:00:00Z/7",
   "dynamic_listeners": [
    {
     "name": "0.0.0.0_80",
     "active_state": {
      "listener": {
       "@type": "type.googleapis.com/envoy.config.listener.v3.Listener",
       "name": "0.0.0.0_80",
       "address": {"socket_address": {"address": "0.0.0.0", "port_value": 80}},
       "filter_chains": [
        {
         "filter_chain_match": {"transport_protocol": "raw_buffer", "application_protocols": ["http/1.1", "h2c"]},
         "filters": [
          {
           "name": "envoy.filters.network.http_connection_manager",
           "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
            "stat_prefix": "outbound_0.0.0.0_80",
            "rds": {"config_source": {"ads": {}, "resource_api_version": "V3"}, "route_config_name": "80"},
            "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}],
            "normalize_path": true,
            "path_with_escaped_slashes_action": "KEEP_UNCHANGED"
           }
          }
         ]
        }
       ],
       "default_filter_chain": {
        "filters": [{"name": "envoy.filters.network.tcp_proxy", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", "stat_prefix": "PassthroughCluster", "cluster": "PassthroughCluster"}}]
       },
       "listener_filters": [
        {"name": "envoy.filters.listener.tls_inspector", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"}},
        {"name": "envoy.filters.listener.http_inspector", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector"}}
       ],
       "traffic_direction": "OUTBOUND",
       "bind_to_port": false
      }
     }
    },
    {
     "name": "virtualOutbound",
     "active_state": {
      "listener": {
       "@type": "type.googleapis.com/envoy.config.listener.v3.Listener",
       "name": "virtualOutbound",
       "address": {"socket_address": {"address": "0.0.0.0", "port_value": 15001}},
       "filter_chains": [
        {"filter_chain_match": {"destination_port": 15001}, "filters": [{"name": "envoy.filters.network.tcp_proxy", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", "stat_prefix": "BlackHoleCluster", "cluster": "BlackHoleCluster"}}], "name": "virtualOutbound-blackhole"},
        {"filters": [{"name": "envoy.filters.network.tcp_proxy", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", "stat_prefix": "PassthroughCluster", "cluster": "PassthroughCluster"}}], "name": "virtualOutbound-catchall-tcp"}
       ],
       "use_original_dst": true,
       "traffic_direction": "OUTBOUND"
      }
     }
    }
   ]
  },
]]

local function route_config(w)
  w('{\n      "@type": "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",\n'
    .. '      "name": "80",\n      "virtual_hosts": [\n')
  for i = 1, n do
    local f = fqdn(i)
    w(VHOST:format(f, domains(i), f, f))
    w(i < n and ",\n" or "\n")
  end
  w('      ],\n      "validate_clusters": false\n     }')
end

local out = assert(io.open(dump_path, "wb"))
local function w(s) out:write(s) end
w('{\n "configs": [\n')
w('  {\n   "@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",\n'
  .. '   "static_clusters": [\n'
  .. '    {"cluster": {"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster", "name": "BlackHoleCluster", "type": "STATIC", "connect_timeout": "10s"}},\n'
  .. '    {"cluster": {"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster", "name": "PassthroughCluster", "type": "ORIGINAL_DST", "connect_timeout": "10s", "lb_policy": "CLUSTER_PROVIDED"}}\n'
  .. '   ],\n   "dynamic_active_clusters": [\n')
for i = 1, n do
  local name, ns = name_ns(i)
  local f = fqdn(i)
  w(CLUSTER:format(f, f, f, name, ns))
  w(i < n and ",\n" or "\n")
end
w('   ]\n  },\n')
w('  {\n   "@type": "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump",\n'
  .. '   "dynamic_endpoint_configs": [\n')
for i = 1, n do
  w(ENDPOINTS:format(fqdn(i), LB_ENDPOINT:format(pod_ip(i, 1)) .. "," .. LB_ENDPOINT:format(pod_ip(i, 2))))
  w(i < n and ",\n" or "\n")
end
w('   ]\n  },\n')
w(LISTENERS)
w('  {\n   "@type": "type.googleapis.com/envoy.admin.v3.RoutesConfigDump",\n'
  .. '   "dynamic_route_configs": [\n    {\n     "version_info": "2026-11-25T10:00:00Z/7",\n'
  .. '     "route_config": ')
route_config(w)
w(',\n     "last_updated": "2026-11-25T10:00:01.789Z"\n    }\n   ]\n  }\n ]\n}\n')
out:close()

if routes_path then
  local rout = assert(io.open(routes_path, "wb"))
  route_config(function(s) rout:write(s) end)
  rout:write("\n")
  rout:close()
end
