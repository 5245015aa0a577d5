-- The bytes of each JSON page of the Envoy admin interface (meshlua.serve_admin),
-- compared with the text a real Envoy writes. Envoy writes its pages through
-- protobuf's C++ JSON printer (MessageUtil::getJsonStringFromMessage with
-- pretty_print: one space a level, `"key": value`, "{}"/"[]" when empty, '<' and
-- '>' as \u003c \u003e, a newline after the top value; empty repeated fields left
-- out unless the handler asks for always_print_primitive_fields), except
-- /stats?format=json, which StatsJsonRender streams compactly through
-- Json::Streamer. Each expectation names the Envoy test or handler it follows
-- (envoyproxy/envoy test/server/admin/*_test.cc, source/server/admin/*.cc).
local http = require("spec.helpers.http")

-- A tiny dump in Envoy's own format (fields in field-number order, strings
-- escaped as protobuf escapes them): one static cluster with one endpoint, one
-- listener, a bootstrap with a node and Istio's runtime layers.
local DUMP = [[
{
 "configs": [
  {
   "@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump",
   "bootstrap": {
    "node": {
     "id": "sidecar~10.0.0.5~app-1.default~default.svc.cluster.local",
     "cluster": "app.default",
     "metadata": {
      "ISTIO_VERSION": "1.22.0",
      "LABELS": {
       "app": "a\u003cb\u003e"
      }
     },
     "user_agent_name": "envoy",
     "user_agent_build_version": {
      "version": {
       "major_number": 1,
       "minor_number": 30,
       "patch": 2
      },
      "metadata": {
       "revision.sha": "abc123"
      }
     }
    },
    "layered_runtime": {
     "layers": [
      {
       "name": "global config",
       "static_layer": {
        "overload.global_downstream_max_connections": 2147483647
       }
      },
      {
       "name": "admin",
       "admin_layer": {}
      }
     ]
    }
   },
   "last_updated": "2024-05-01T10:00:00Z"
  },
  {
   "@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
   "static_clusters": [
    {
     "cluster": {
      "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
      "name": "backend",
      "type": "STATIC",
      "connect_timeout": "1s",
      "load_assignment": {
       "cluster_name": "backend",
       "endpoints": [
        {
         "lb_endpoints": [
          {
           "endpoint": {
            "address": {
             "socket_address": {
              "address": "10.0.0.7",
              "port_value": 8080
             }
            }
           }
          }
         ]
        }
       ]
      }
     },
     "last_updated": "2024-05-01T10:00:00Z"
    }
   ]
  },
  {
   "@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
   "static_listeners": [
    {
     "listener": {
      "@type": "type.googleapis.com/envoy.config.listener.v3.Listener",
      "name": "listener_0",
      "address": {
       "socket_address": {
        "address": "0.0.0.0",
        "port_value": 10000
       }
      },
      "filter_chains": [
       {
        "filters": [
         {
          "name": "envoy.filters.network.tcp_proxy",
          "typed_config": {
           "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
           "stat_prefix": "in",
           "cluster": "backend"
          }
         }
        ]
       }
      ]
     },
     "last_updated": "2024-05-01T10:00:00Z"
    }
   ]
  }
 ]
}
]]

local ROUTES = "../shared/fixtures/istioctl/writer-configdump/routes/"

local read = require("spec.helpers.process").read_file

describe("the Envoy admin pages' JSON, byte for byte", function()
  local server

  setup(function()
    server = meshlua.serve_admin(meshlua.load(DUMP), { port = 0 })
  end)

  teardown(function()
    server:close()
  end)

  local function get(path)
    local r = http.request(server.url .. path)
    assert.are.equal(200, r.status, path)
    return r.body, r
  end

  -- config_dump_handler_test.cc, ConfigDump / ConfigDumpMaintainsOrder: the
  -- ConfigDump pretty-printed, one space a level, "}\n" at the end. The dump
  -- above is in that format, so it comes back as it is.
  it("/config_dump", function()
    assert.are.equal(DUMP, get("/config_dump"))
    -- ConfigDump: empty resource=, mask= and name_regex= change nothing
    assert.are.equal(DUMP, get("/config_dump?resource=&mask=&name_regex="))
  end)

  -- Real dumps served by Envoy (istioctl's testdata, saved with one more
  -- newline at the end) are written back byte for byte.
  it("/config_dump of real Envoy dumps", function()
    for _, name in ipairs({ "empty-gateway", "istio-gateway-http-route-prefix",
                            "k8s-gateway-http-route-path-prefix" }) do
      local text = read(ROUTES .. name .. "/configdump.json")
      assert.are.equal("}\n\n", text:sub(-3), name)
      assert.are.equal(text:sub(1, -2), meshlua.load(text):config_dump(), name)
    end
  end)

  -- ConfigDumpFiltersByResource: each element its own Any, "@type" first.
  it("/config_dump?resource=", function()
    assert.are.equal([[
{
 "configs": [
  {
   "@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump.StaticListener",
   "listener": {
    "@type": "type.googleapis.com/envoy.config.listener.v3.Listener",
    "name": "listener_0",
    "address": {
     "socket_address": {
      "address": "0.0.0.0",
      "port_value": 10000
     }
    },
    "filter_chains": [
     {
      "filters": [
       {
        "name": "envoy.filters.network.tcp_proxy",
        "typed_config": {
         "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
         "stat_prefix": "in",
         "cluster": "backend"
        }
       }
      ]
     }
    ]
   },
   "last_updated": "2024-05-01T10:00:00Z"
  }
 ]
}
]], get("/config_dump?resource=static_listeners"))
    -- a repeated field with no elements: a ConfigDump without configs, whose
    -- empty repeated field protobuf leaves out
    assert.are.equal("{}\n", get("/config_dump?resource=dynamic_warming_clusters"))
  end)

  -- ConfigDumpFiltersByResourceAndMask: the mask applied inside each Any.
  it("/config_dump?resource=&mask=", function()
    assert.are.equal([[
{
 "configs": [
  {
   "@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump.StaticCluster",
   "cluster": {
    "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
    "name": "backend"
   }
  }
 ]
}
]], get("/config_dump?resource=static_clusters&mask=cluster.name"))
  end)

  -- ConfigDumpFiltersByMask / FieldMasksWorkWhenFetchingAllResources: only the
  -- dumps the mask fits, trimmed to it.
  it("/config_dump?mask=", function()
    assert.are.equal([[
{
 "configs": [
  {
   "@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump",
   "bootstrap": {
    "node": {
     "id": "sidecar~10.0.0.5~app-1.default~default.svc.cluster.local"
    }
   }
  }
 ]
}
]], get("/config_dump?mask=bootstrap.node.id"))
  end)

  -- ConfigDumpFiltersByNameRegex: resources whose name does not match are
  -- dropped; a dump left without any keeps its "@type" alone (the empty
  -- repeated field is not printed).
  it("/config_dump?name_regex=", function()
    local body = get("/config_dump?name_regex=backend")
    assert.truthy(body:find('"name": "backend"', 1, true))
    assert.is_nil(body:find("listener_0", 1, true))
    assert.are.equal([[
  {
   "@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump"
  }
 ]
}
]], body:sub(-#'  {\n   "@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump"\n  }\n ]\n}\n'))
  end)

  -- clusters_handler.cc writeClustersAsJson: admin.v3.Clusters through
  -- getJsonStringFromMessageOrError(clusters, true); fields in field-number
  -- order, defaults left out (COUNTER type, zero values, DEFAULT priority,
  -- added_via_api false, empty hostname); the locality is set, so "{}"
  -- (ClustersJsonAndText has the same shape with values).
  it("/clusters?format=json", function()
    assert.are.equal([[
{
 "cluster_statuses": [
  {
   "name": "backend",
   "host_statuses": [
    {
     "address": {
      "socket_address": {
       "address": "10.0.0.7",
       "port_value": 8080
      }
     },
     "stats": [
      {
       "name": "cx_connect_fail"
      },
      {
       "name": "cx_total"
      },
      {
       "name": "rq_error"
      },
      {
       "name": "rq_success"
      },
      {
       "name": "rq_timeout"
      },
      {
       "name": "rq_total"
      },
      {
       "type": "GAUGE",
       "name": "cx_active"
      },
      {
       "type": "GAUGE",
       "name": "rq_active"
      }
     ],
     "health_status": {
      "eds_health_status": "HEALTHY"
     },
     "weight": 1,
     "locality": {}
    }
   ],
   "circuit_breakers": {
    "thresholds": [
     {
      "max_connections": 1024,
      "max_pending_requests": 1024,
      "max_requests": 1024,
      "max_retries": 3
     },
     {
      "priority": "HIGH",
      "max_connections": 1024,
      "max_pending_requests": 1024,
      "max_requests": 1024,
      "max_retries": 3
     }
    ]
   },
   "observability_name": "backend"
  }
 ]
}
]], get("/clusters?format=json"))
  end)

  -- listeners_handler.cc writeListenersAsJson: admin.v3.Listeners, pretty.
  it("/listeners?format=json", function()
    assert.are.equal([[
{
 "listener_statuses": [
  {
   "name": "listener_0",
   "local_address": {
    "socket_address": {
     "address": "0.0.0.0",
     "port_value": 10000
    }
   }
  }
 ]
}
]], get("/listeners?format=json"))
  end)

  -- server_info_handler.cc handlerCerts: getJsonStringFromMessageOrError(
  -- certificates, true, true); with always_print_primitive_fields the empty
  -- list is printed (ContextThatReturnsNullCertDetails: "ca_cert": []).
  it("/certs", function()
    assert.are.equal('{\n "certificates": []\n}\n', get("/certs"))
  end)

  -- server_info_handler.cc handlerServerInfo: ServerInfo with
  -- always_print_primitive_fields: every CommandLineOptions field in field-number
  -- order, the node's unset strings, lists and maps too (GetRequest parses it).
  it("/server_info", function()
    local body = get("/server_info")
    body = body:gsub('("uptime_[a-z_]+": )"%d+s"', '%1"0s"')
    assert.are.equal([[
{
 "version": "abc123/1.30.2/Clean/RELEASE/BoringSSL",
 "state": "LIVE",
 "uptime_current_epoch": "0s",
 "uptime_all_epochs": "0s",
 "hot_restart_version": "disabled",
 "command_line_options": {
  "base_id": "0",
  "concurrency": 2,
  "config_path": "etc/istio/proxy/envoy-rev.json",
  "config_yaml": "",
  "allow_unknown_static_fields": false,
  "admin_address_path": "",
  "local_address_ip_version": "v4",
  "log_level": "warning",
  "component_log_level": "misc:error",
  "log_format": "%Y-%m-%dT%T.%fZ\t%l\tenvoy %n\t%v",
  "log_path": "",
  "service_cluster": "app.default",
  "service_node": "sidecar~10.0.0.5~app-1.default~default.svc.cluster.local",
  "service_zone": "",
  "file_flush_interval": "1s",
  "drain_time": "45s",
  "parent_shutdown_time": "60s",
  "mode": "Serve",
  "disable_hot_restart": true,
  "enable_mutex_tracing": false,
  "restart_epoch": 0,
  "cpuset_threads": false,
  "reject_unknown_dynamic_fields": false,
  "log_format_escaped": false,
  "disabled_extensions": [],
  "bootstrap_version": 0,
  "ignore_unknown_dynamic_fields": false,
  "use_dynamic_base_id": false,
  "base_id_path": "",
  "drain_strategy": "Immediate",
  "enable_fine_grain_logging": false,
  "socket_path": "@envoy_domain_socket",
  "socket_mode": 0,
  "enable_core_dump": false
 },
 "node": {
  "id": "sidecar~10.0.0.5~app-1.default~default.svc.cluster.local",
  "cluster": "app.default",
  "metadata": {
   "ISTIO_VERSION": "1.22.0",
   "LABELS": {
    "app": "a\u003cb\u003e"
   }
  },
  "user_agent_name": "envoy",
  "user_agent_build_version": {
   "version": {
    "major_number": 1,
    "minor_number": 30,
    "patch": 2
   },
   "metadata": {
    "revision.sha": "abc123"
   }
  },
  "extensions": [],
  "client_features": [],
  "listening_addresses": [],
  "dynamic_parameters": {}
 }
}
]], body)
  end)

  -- runtime_handler.cc handlerRuntime: a google.protobuf.Struct through
  -- getJsonStringFromMessage(runtime, true, true). (Struct keys come out in
  -- protobuf's map order, which Envoy's own Runtime test does not pin: it
  -- compares with JsonStringEq.)
  it("/runtime", function()
    assert.are.equal([[
{
 "entries": {
  "overload.global_downstream_max_connections": {
   "layer_values": [
    "2147483647",
    ""
   ],
   "final_value": "2147483647"
  }
 },
 "layers": [
  "global config",
  "admin"
 ]
}
]], get("/runtime"))
  end)

  -- server_info_handler.cc handlerMemory: admin.v3.Memory with
  -- always_print_primitive_fields, uint64 as JSON strings, field-number order.
  it("/memory", function()
    local body = get("/memory"):gsub(': "%d+"', ': "N"')
    assert.are.equal([[
{
 "allocated": "N",
 "heap_size": "N",
 "pageheap_unmapped": "N",
 "pageheap_free": "N",
 "total_thread_cache": "N",
 "total_physical_bytes": "N"
}
]], body)
  end)

  -- stats_render.cc StatsJsonRender through Json::Streamer: compact, no newline
  -- (integration_admin_test.cc, Admin: {"stats":[{"name":"server.version",
  -- "value":0}]} for one stat, {"stats":[]} for none).
  it("/stats?format=json", function()
    assert.are.equal('{"stats":[{"name":"cluster.backend.upstream_rq_total","value":0}]}',
      get("/stats?format=json&filter=^cluster%5C.backend%5C.upstream_rq_total$"))
    assert.are.equal('{"stats":[]}', get("/stats?format=json&filter=not_intended_to_appear"))
  end)

  -- server_info_handler.cc handlerReady and handlerHotRestartVersion (a
  -- disabled hot restart's version is "disabled"): text, not JSON.
  it("/ready and /hot_restart_version", function()
    local body, r = get("/ready")
    assert.are.equal("LIVE\n", body) -- GetReadyRequest
    assert.are.equal("text/plain", r.content_type:sub(1, 10))
    assert.are.equal("disabled", get("/hot_restart_version"))
  end)

  -- config_dump_handler_test.cc ConfigDumpWithEndpoint: Envoy builds its
  -- EndpointsConfigDump from the host sets, so each lb_endpoint has an
  -- endpoint {address, health_check_config, hostname when set},
  -- health_status and load_balancing_weight (always set), each locality entry
  -- a "locality" ({} when none), and the assignment a policy with
  -- overprovisioning_factor 140; static clusters go to static_endpoint_configs.
  -- Empty metadata is left out, as in the real sidecar dumps of
  -- ../shared/fixtures/istioctl/writer-configdump/endpoint/configdump.json.
  it("/config_dump?include_eds&resource=static_endpoint_configs", function()
    assert.are.equal([[
{
 "configs": [
  {
   "@type": "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump.StaticEndpointConfig",
   "endpoint_config": {
    "@type": "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
    "cluster_name": "backend",
    "endpoints": [
     {
      "locality": {},
      "lb_endpoints": [
       {
        "endpoint": {
         "address": {
          "socket_address": {
           "address": "10.0.0.7",
           "port_value": 8080
          }
         },
         "health_check_config": {}
        },
        "health_status": "HEALTHY",
        "load_balancing_weight": 1
       }
      ]
     }
    ],
    "policy": {
     "overprovisioning_factor": 140
    }
   }
  }
 ]
}
]], get("/config_dump?include_eds&resource=static_endpoint_configs"))
  end)

  it("rebuilds hosts with their health, hostname, health check port, weights and priority", function()
    local dump = require("cjson").decode(DUMP)
    local cla = dump.configs[2].static_clusters[1].cluster.load_assignment
    cla.endpoints = {
      { locality = { region = "r1", zone = "z1" }, load_balancing_weight = 3, priority = 1,
        lb_endpoints = { { endpoint = { address = { socket_address = { address = "10.0.0.8", port_value = 80,
          protocol = "TCP" } }, hostname = "b.example", health_check_config = { port_value = 9090 } },
          health_status = "DRAINING", load_balancing_weight = 5, metadata = { filter_metadata = { x = { y = "z" } } } } } },
      { lb_endpoints = {} },
    }
    cla.policy = { overprovisioning_factor = 200 }
    local s <close> = meshlua.serve_admin(meshlua.load(require("cjson").encode(dump)), { port = 0 })
    local body = http.request(s.url .. "/config_dump?include_eds&resource=static_endpoint_configs").body
    local got = require("cjson").decode(body).configs[1].endpoint_config
    assert.are.same({
      ["@type"] = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
      cluster_name = "backend",
      endpoints = { { locality = { region = "r1", zone = "z1" }, load_balancing_weight = 3, priority = 1,
        lb_endpoints = { { endpoint = { address = { socket_address = { address = "10.0.0.8", port_value = 80 } },
          health_check_config = { port_value = 9090 }, hostname = "b.example" },
          health_status = "UNHEALTHY", metadata = { filter_metadata = { x = { y = "z" } } },
          load_balancing_weight = 5 } } } },
      policy = { overprovisioning_factor = 200 },
    }, got)
    -- and in protobuf's field order
    assert.truthy(body:find('"health_check_config": {\n          "port_value": 9090\n         },\n         "hostname"', 1, true), body)
  end)
end)
