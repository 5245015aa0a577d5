-- Writes the config dump of an Istio-like sidecar in a mesh of N services
-- (the shape of GET /config_dump?include_eds: snake_case field names; indented
-- with 2 spaces where Envoy writes 1, which keeps the sizes recorded in
-- bench/RESULTS.md comparable; jq and meshlua read the same bytes), for
-- bench/dump/run.sh. Each service has an EDS cluster with
-- Istio's defaults (circuit breakers, auto-mTLS transport socket matches,
-- istio metadata), a ClusterLoadAssignment with 2 endpoints, a virtual
-- host in route "80"; every fifth service is TCP and has its own listener.
--
--   meshlua bench/dump/gen_dump.lua 10000 dump.json
local n = tonumber(arg[1]) or 10000
local out = assert(io.open(arg[2] or "dump.json", "wb"))

local function w(s)
  out:write(s)
end

local function svc(i)
  return ("svc-%05d"):format(i), ("ns-%03d"):format(i % 200)
end

local function fqdn(i)
  local name, ns = svc(i)
  return ("%s.%s.svc.cluster.local"):format(name, ns)
end

-- The service's cluster IP (unique per service), or with host its pods' IPs.
local function ip(i, host)
  return ("10.%d.%d.%d"):format(96 + (i >> 16) % 64, (i >> 8) % 256, host or (i % 256))
end

local CLUSTER = [[
    {
     "cluster": {
      "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
      "name": "outbound|%d||%s",
      "type": "EDS",
      "eds_cluster_config": {
       "eds_config": {
        "ads": {},
        "initial_fetch_timeout": "0s",
        "resource_api_version": "V3"
       },
       "service_name": "outbound|%d||%s"
      },
      "connect_timeout": "10s",
      "lb_policy": "LEAST_REQUEST",
      "circuit_breakers": {
       "thresholds": [
        {
         "max_connections": 4294967295,
         "max_pending_requests": 4294967295,
         "max_requests": 4294967295,
         "max_retries": 4294967295,
         "track_remaining": true
        }
       ]
      },
      "metadata": {
       "filter_metadata": {
        "istio": {
         "services": [
          {
           "host": "%s",
           "name": "%s",
           "namespace": "%s"
          }
         ]
        }
       }
      },
      "common_lb_config": {},
      "transport_socket_matches": [
       {
        "name": "tlsMode-istio",
        "match": {
         "tlsMode": "istio"
        },
        "transport_socket": {
         "name": "envoy.transport_sockets.tls",
         "typed_config": {
          "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
          "common_tls_context": {
           "alpn_protocols": [
            "istio-peer-exchange",
            "istio"
           ],
           "tls_certificate_sds_secret_configs": [
            {
             "name": "default",
             "sds_config": {
              "api_config_source": {
               "api_type": "GRPC",
               "grpc_services": [
                {
                 "envoy_grpc": {
                  "cluster_name": "sds-grpc"
                 }
                }
               ],
               "transport_api_version": "V3"
              },
              "resource_api_version": "V3"
             }
            }
           ]
          },
          "sni": "outbound_.%d_._.%s"
         }
        }
       },
       {
        "name": "tlsMode-disabled",
        "match": {},
        "transport_socket": {
         "name": "envoy.transport_sockets.raw_buffer",
         "typed_config": {
          "@type": "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"
         }
        }
       }
      ],
      "alt_stat_name": "outbound|%d||%s;"
     }
    }]]

local ENDPOINTS = [[
    {
     "endpoint_config": {
      "@type": "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
      "cluster_name": "outbound|%d||%s",
      "endpoints": [
       {
        "locality": {},
        "lb_endpoints": [%s
        ],
        "load_balancing_weight": 2
       }
      ],
      "policy": {
       "overprovisioning_factor": 140
      }
     }
    }]]

local LB_ENDPOINT = [[

         {
          "endpoint": {
           "address": {
            "socket_address": {
             "address": "%s",
             "port_value": %d
            }
           },
           "health_check_config": {}
          },
          "health_status": "HEALTHY",
          "metadata": {
           "filter_metadata": {
            "istio": {
             "workload": "%s;%s;%s;v1;Kubernetes"
            }
           }
          },
          "load_balancing_weight": 1
         }]]

local VHOST = [[

        {
         "name": "%s:%d",
         "domains": [
          "%s",
          "%s.",
          "%s.%s.svc",
          "%s.%s",
          "%s"
         ],
         "routes": [
          {
           "match": {
            "prefix": "/"
           },
           "route": {
            "cluster": "outbound|%d||%s",
            "timeout": "0s",
            "retry_policy": {
             "retry_on": "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
             "num_retries": 2,
             "host_selection_retry_max_attempts": "5"
            },
            "max_grpc_timeout": "0s"
           },
           "name": "default"
          }
         ],
         "include_request_attempt_count": true
        }]]

local LISTENER = [[
    {
     "name": "%s_%d",
     "active_state": {
      "version_info": "2026-11-25T10:00:00Z/42",
      "listener": {
       "@type": "type.googleapis.com/envoy.config.listener.v3.Listener",
       "name": "%s_%d",
       "address": {
        "socket_address": {
         "address": "%s",
         "port_value": %d
        }
       },
       "filter_chains": [
        {
         "filters": [
          {
           "name": "envoy.filters.network.tcp_proxy",
           "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
            "stat_prefix": "outbound|%d||%s",
            "cluster": "outbound|%d||%s"
           }
          }
         ]
        }
       ],
       "bind_to_port": false,
       "traffic_direction": "OUTBOUND"
      },
      "last_updated": "2026-11-25T10:00:01.456Z"
     }
    }]]

local function port_of(i)
  return i % 5 == 0 and 5432 or 80
end

w('{\n "configs": [\n  {\n   "@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump",\n'
  .. '   "bootstrap": {\n    "node": {\n     "id": "sidecar~10.0.0.1~bench-0.default~default.svc.'
  .. 'cluster.local",\n     "metadata": {\n      "ISTIO_VERSION": "1.28.0"\n     },\n'
  .. '     "user_agent_build_version": {\n      "version": {\n       "major_number": 1,\n'
  .. '       "minor_number": 36\n      }\n     }\n    }\n   }\n  },\n')
-- Clusters
w('  {\n   "@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",\n'
  .. '   "version_info": "2026-11-25T10:00:00Z/42",\n   "static_clusters": [\n'
  .. '    {\n     "cluster": {\n      "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",\n'
  .. '      "name": "prometheus_stats",\n      "type": "STATIC"\n     }\n    }\n   ],\n'
  .. '   "dynamic_active_clusters": [\n')
for i = 1, n do
  local name, ns = svc(i)
  local p, f = port_of(i), fqdn(i)
  w(CLUSTER:format(p, f, p, f, f, name, ns, p, f, p, f))
  w(i < n and ",\n" or "\n")
end
w('   ]\n  },\n')
-- Endpoints
w('  {\n   "@type": "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump",\n'
  .. '   "dynamic_endpoint_configs": [\n')
for i = 1, n do
  local name, ns = svc(i)
  local p, f = port_of(i), fqdn(i)
  local eps = {}
  for k = 1, 2 do
    eps[k] = LB_ENDPOINT:format(ip(i, 10 + k), p == 80 and 8080 or p, name, ns, name)
  end
  w(ENDPOINTS:format(p, f, table.concat(eps, ",")))
  w(i < n and ",\n" or "\n")
end
w('   ]\n  },\n')
-- Listeners
w('  {\n   "@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",\n'
  .. '   "version_info": "2026-11-25T10:00:00Z/42",\n   "dynamic_listeners": [\n')
local first = true
for i = 1, n do
  if port_of(i) ~= 80 then
    local addr, f = ip(i), fqdn(i)
    w((first and "" or ",\n") .. LISTENER:format(addr, 5432, addr, 5432, addr, 5432, 5432, f, 5432, f))
    first = false
  end
end
w('\n   ]\n  },\n')
-- Routes
w('  {\n   "@type": "type.googleapis.com/envoy.admin.v3.RoutesConfigDump",\n'
  .. '   "dynamic_route_configs": [\n    {\n     "version_info": "2026-11-25T10:00:00Z/42",\n'
  .. '     "route_config": {\n      "@type": "type.googleapis.com/envoy.config.route.v3.'
  .. 'RouteConfiguration",\n      "name": "80",\n      "virtual_hosts": [')
first = true
for i = 1, n do
  if port_of(i) == 80 then
    local name, ns = svc(i)
    local f = fqdn(i)
    w((first and "" or ",") .. VHOST:format(f, 80, f, f, name, ns, name, ns, ip(i),
      80, f))
    first = false
  end
end
w('\n      ],\n      "validate_clusters": false\n     },\n'
  .. '     "last_updated": "2026-11-25T10:00:01.789Z"\n    }\n   ]\n  }\n ]\n}\n')
out:close()
