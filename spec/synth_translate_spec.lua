-- VirtualService and DestinationRule translation, field by field, against
-- istiod's rules (pilot/pkg/networking/core/route/route.go TranslateRoute,
-- TranslateRouteMatch, ApplyRedirect, ApplyDirectResponse, retry.ConvertPolicy;
-- cluster_traffic_policy.go; reference/istio.md §3), current profile. The
-- config dump is read as Envoy's admin JSON (snake_case).
local cjson = require("cjson")

local base = [[
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}, {name: tcp-admin, port: 9999}]
---
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: default}
spec:
  selector: {app: ratings}
  ports: [{name: http, port: 9080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v1, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: reviews, version: v1}}
  template:
    metadata: {labels: {app: reviews, version: v1}}
    spec: {containers: [{name: app, image: reviews}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v2, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: reviews, version: v2}}
  template:
    metadata: {labels: {app: reviews, version: v2}}
    spec: {containers: [{name: app, image: reviews}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client, role: tester}}
    spec: {containers: [{name: client, image: curl}]}
]]

local function dump_of(extra)
  local mesh = meshlua.mesh({ profile = "current" })
  mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
  mesh:apply_string(base)
  if extra then
    mesh:apply_string(extra)
  end
  return cjson.decode(mesh:proxy("deployment/client"):config_dump()), mesh
end

local function vhost(dump, rc_name, name)
  for _, e in ipairs(dump.configs[5].dynamic_route_configs) do
    if e.route_config.name == rc_name then
      for _, vh in ipairs(e.route_config.virtual_hosts) do
        if vh.name == name then
          return vh
        end
      end
    end
  end
end

local function cluster(dump, name)
  for _, e in ipairs(dump.configs[2].dynamic_active_clusters) do
    if e.cluster.name == name then
      return e.cluster
    end
  end
end

local function listener(dump, name)
  for _, e in ipairs(dump.configs[4].dynamic_listeners) do
    if e.name == name then
      return e.active_state.listener
    end
  end
end

local R = "reviews.default.svc.cluster.local"

describe("VirtualService translation", function()
  it("turns matches into route matches: uri, case, headers sorted, method, query", function()
    local d = dump_of([[
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - name: api
    match:
    - name: exact
      uri: {exact: /api/v1}
      ignoreUriCase: true
      headers: {x-b: {prefix: beta}, x-a: {regex: "a+"}}
      withoutHeaders: {x-c: {exact: "no"}}
      method: {exact: GET}
      queryParams: {debug: {exact: "1"}}
    - uri: {regex: "/r[0-9]+"}
    route: [{destination: {host: reviews, subset: v1}}]
  - route: [{destination: {host: reviews}}]
]])
    local vh = vhost(d, "9080", R .. ":9080")
    assert.are.equal(3, #vh.routes)
    local r1, r2, r3 = vh.routes[1], vh.routes[2], vh.routes[3]
    assert.are.equal("api.exact", r1.name)
    assert.are.same({
      path = "/api/v1",
      case_sensitive = false,
      headers = {
        { name = "x-a", string_match = { safe_regex = { regex = "a+" } } },
        { name = "x-b", string_match = { prefix = "beta" } },
        { name = "x-c", invert_match = true, string_match = { exact = "no" }, treat_missing_header_as_empty = true },
        { name = ":method", string_match = { exact = "GET" } },
      },
      query_parameters = { { name = "debug", string_match = { exact = "1" } } },
    }, r1.match)
    assert.are.equal("api", r2.name)
    assert.are.same({ case_sensitive = true, safe_regex = { regex = "/r[0-9]+" } }, r2.match)
    assert.are.equal("outbound|9080|v1|" .. R, r1.route.cluster)
    assert.are.equal(R .. ":9080/api/v1", r1.decorator.operation)
    -- the catch-all ends the list; with no match at all istiod sets only the prefix
    assert.are.same({ prefix = "/" }, r3.match)
    assert.are.equal("/apis/networking.istio.io/v1/namespaces/default/virtual-service/reviews",
      r3.metadata.filter_metadata.istio.config)
  end)

  it("keeps only the matches for this proxy and port: port, sourceLabels, sourceNamespace, gateways", function()
    local d = dump_of([[
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - name: other-port
    match: [{port: 9999, uri: {prefix: /a}}]
    route: [{destination: {host: reviews}}]
  - name: not-me
    match: [{sourceLabels: {role: admin}, uri: {prefix: /b}}]
    route: [{destination: {host: reviews}}]
  - name: me
    match: [{sourceLabels: {role: tester}, uri: {prefix: /c}}]
    route: [{destination: {host: reviews}}]
  - name: other-ns
    match: [{sourceNamespace: prod, uri: {prefix: /d}}]
    route: [{destination: {host: reviews}}]
  - name: gateway-only
    match: [{gateways: [some-gateway], uri: {prefix: /e}}]
    route: [{destination: {host: reviews}}]
  - name: mesh
    match: [{gateways: [mesh], uri: {prefix: /f}}]
    route: [{destination: {host: reviews}}]
]])
    local names = {}
    for _, r in ipairs(vhost(d, "9080", R .. ":9080").routes) do
      names[#names + 1] = r.name
    end
    assert.are.same({ "me", "mesh" }, names)
  end)

  it("translates actions: weights, rewrites, timeouts, retries, mirror, headers", function()
    local d = dump_of([[
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - name: split
    match: [{uri: {prefix: /split}}]
    route:
    - {destination: {host: reviews, subset: v1}, weight: 75}
    - {destination: {host: reviews, subset: v2}, weight: 25}
    - {destination: {host: ratings}, weight: 0}
  - name: rewrite
    match: [{uri: {prefix: /old}}]
    rewrite: {uri: /new, authority: reviews.internal}
    route: [{destination: {host: reviews}}]
    timeout: 1.5s
    retries: {attempts: 0}
    mirror: {host: ratings}
    mirrorPercentage: {value: 10}
  - name: regex
    match: [{uri: {prefix: /re}}]
    rewrite: {uriRegexRewrite: {match: "^/re/(.*)", rewrite: "/\\1"}}
    route: [{destination: {host: reviews}}]
    headers:
      request: {set: {x-set: "1"}, add: {x-add: "2"}, remove: [x-gone]}
      response: {add: {x-served-by: reviews}}
]])
    local vh = vhost(d, "9080", R .. ":9080")
    local split, rewrite, regex = vh.routes[1], vh.routes[2], vh.routes[3]
    assert.are.same({ clusters = {
      { name = "outbound|9080|v1|" .. R, weight = 75 },
      { name = "outbound|9080|v2|" .. R, weight = 25 },
    } }, split.route.weighted_clusters)
    -- no single cluster: the operation names the VirtualService
    assert.are.equal("reviews:9080/split*", split.decorator.operation)
    assert.are.equal("/new", rewrite.route.prefix_rewrite)
    assert.are.equal("reviews.internal", rewrite.route.host_rewrite_literal)
    assert.are.equal("1.500s", rewrite.route.timeout)
    assert.are.equal("1.500s", rewrite.route.max_grpc_timeout)
    assert.is_nil(rewrite.route.retry_policy)
    assert.are.same({ {
      cluster = "outbound|9080||ratings.default.svc.cluster.local",
      runtime_fraction = { default_value = { numerator = 100000, denominator = "MILLION" } },
      trace_sampled = false,
    } }, rewrite.route.request_mirror_policies)
    assert.are.same({ pattern = { regex = "^/re/(.*)" }, substitution = "/\\1" }, regex.route.regex_rewrite)
    assert.are.same({
      { header = { key = "x-set", value = "1" }, append_action = "OVERWRITE_IF_EXISTS_OR_ADD" },
      { header = { key = "x-add", value = "2" } },
    }, regex.request_headers_to_add)
    assert.are.same({ "x-gone" }, regex.request_headers_to_remove)
    assert.are.same({ { header = { key = "x-served-by", value = "reviews" } } }, regex.response_headers_to_add)
  end)

  it("translates redirects and direct responses", function()
    local d = dump_of([[
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - name: moved
    match: [{uri: {exact: /moved}}]
    redirect: {uri: /here, authority: new.example.com, redirectCode: 308, port: 8443, scheme: https}
  - name: gone
    match: [{uri: {exact: /gone}}]
    directResponse: {status: 410, body: {string: "gone for good"}}
  - route: [{destination: {host: reviews}}]
]])
    local vh = vhost(d, "9080", R .. ":9080")
    assert.are.same({ host_redirect = "new.example.com", path_redirect = "/here",
      response_code = "PERMANENT_REDIRECT", scheme_redirect = "https", port_redirect = 8443 },
      vh.routes[1].redirect)
    assert.are.same({ status = 410, body = { inline_string = "gone for good" } }, vh.routes[2].direct_response)
  end)

  it("routes TCP by the tcp routes of a VirtualService", function()
    local d, mesh = dump_of([[
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: reviews-tcp, namespace: default}
spec:
  hosts: [reviews]
  tcp:
  - route:
    - {destination: {host: reviews, subset: v1, port: {number: 9999}}, weight: 80}
    - {destination: {host: reviews, subset: v2, port: {number: 9999}}, weight: 20}
]])
    local ip = mesh:find("service", "reviews", "default").cluster_ip
    local l = listener(d, ip .. "_9999")
    local tcp = l.filter_chains[1].filters[2].typed_config
    assert.are.same({
      { name = "outbound|9999|v1|" .. R, weight = 80 },
      { name = "outbound|9999|v2|" .. R, weight = 20 },
    }, tcp.weighted_clusters.clusters)
  end)

  it("reads the booleans of Istio resources as kubectl does: yes, On and True are true", function()
    -- they were read as the text "true" alone, so these three were false
    local d, mesh = dump_of([[
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - match: [{uri: {prefix: /api}, ignoreUriCase: yes}]
    route: [{destination: {host: reviews}}]
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: ratings, namespace: default}
spec:
  host: ratings
  trafficPolicy:
    loadBalancer: {consistentHash: {useSourceIp: On}}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: ratings, namespace: default}
spec:
  hosts: [ratings]
  http:
  - route: [{destination: {host: ratings}}]
]])
    assert.are.same({ prefix = "/api", case_sensitive = false },
      vhost(d, "9080", R .. ":9080").routes[1].match)
    assert.are.same({ { connection_properties = { source_ip = true } } },
      vhost(d, "9080", "ratings.default.svc.cluster.local:9080").routes[1].route.hash_policy)
    mesh:apply_string([[
apiVersion: v1
kind: Namespace
metadata: {name: istio-system}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  replicas: 1
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway}}
    spec: {containers: [{name: istio-proxy, image: istio/proxyv2}]}
---
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: {name: gateway, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [foo.bar]
    tls: {httpsRedirect: True}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: front, namespace: default}
spec:
  hosts: [foo.bar]
  gateways: [gateway]
  http:
  - route: [{destination: {host: reviews}}]
]])
    local g = cjson.decode(mesh:proxy("deployment/istio-ingressgateway", "istio-system"):config_dump())
    assert.are.equal("ALL", vhost(g, "http.80", "foo.bar:80").require_tls)
  end)
end)

describe("DestinationRule translation", function()
  local dr = [[
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {simple: RANDOM}
    connectionPool:
      tcp: {maxConnections: 10, connectTimeout: 3s}
      http: {http1MaxPendingRequests: 5, http2MaxRequests: 50, maxRetries: 2, idleTimeout: 30s}
    outlierDetection: {consecutive5xxErrors: 5, interval: 5s, baseEjectionTime: 1m, maxEjectionPercent: 50, minHealthPercent: 20}
    portLevelSettings:
    - port: {number: 9999}
      loadBalancer: {consistentHash: {httpHeaderName: x-user}}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy:
      loadBalancer: {simple: LEAST_REQUEST}
      tls: {mode: DISABLE}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      tls: {mode: SIMPLE, sni: reviews.example.com}
]]

  it("maps the traffic policy onto the cluster", function()
    local d = dump_of(dr)
    local c = cluster(d, "outbound|9080||" .. R)
    assert.are.equal("RANDOM", c.lb_policy)
    assert.are.equal("3s", c.connect_timeout)
    assert.are.same({ max_connections = 10, max_pending_requests = 5, max_requests = 50, max_retries = 2,
      track_remaining = true }, c.circuit_breakers.thresholds[1])
    assert.are.same({ consecutive_5xx = 5, interval = "5s", base_ejection_time = "60s", max_ejection_percent = 50,
      enforcing_consecutive_5xx = 100, enforcing_success_rate = 0 }, c.outlier_detection)
    -- with unhealthy endpoints sent, the panic threshold is disabled
    assert.are.same({ healthy_panic_threshold = { value = 0 } }, c.common_lb_config)
    assert.are.equal("30s", c.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
      .common_http_protocol_options.idle_timeout)
    assert.are.equal("/apis/networking.istio.io/v1/namespaces/default/destination-rule/reviews",
      c.metadata.filter_metadata.istio.config)
  end)

  it("applies port-level settings and subset overrides", function()
    local d = dump_of(dr)
    local admin = cluster(d, "outbound|9999||" .. R)
    assert.are.equal("RING_HASH", admin.lb_policy)
    assert.are.same({ minimum_ring_size = "1024" }, admin.ring_hash_lb_config)
    local v1 = cluster(d, "outbound|9080|v1|" .. R)
    assert.are.equal("LEAST_REQUEST", v1.lb_policy)
    assert.is_nil(v1.transport_socket_matches)
    assert.is_nil(v1.transport_socket)
    local v2 = cluster(d, "outbound|9080|v2|" .. R)
    assert.are.equal("RANDOM", v2.lb_policy)
    assert.are.equal("reviews.example.com", v2.transport_socket.typed_config.sni)
    -- the subset's endpoints are the pods with its labels
    for _, e in ipairs(d.configs[3].dynamic_endpoint_configs) do
      local cla = e.endpoint_config
      if cla.cluster_name == "outbound|9080|v2|" .. R then
        assert.are.equal(2, #cla.endpoints[1].lb_endpoints)
      elseif cla.cluster_name == "outbound|9080|v1|" .. R then
        assert.are.equal(1, #cla.endpoints[1].lb_endpoints)
      elseif cla.cluster_name == "outbound|9080||" .. R then
        assert.are.equal(3, #cla.endpoints[1].lb_endpoints)
      end
    end
  end)

  it("adds the consistent hash to the route and drops the previous-hosts retry predicate", function()
    local d = dump_of([[
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: ratings, namespace: default}
spec:
  host: ratings
  trafficPolicy:
    loadBalancer: {consistentHash: {httpCookie: {name: user, ttl: 10s}}}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: ratings, namespace: default}
spec:
  hosts: [ratings]
  http:
  - route: [{destination: {host: ratings}}]
    retries: {attempts: 2}
]])
    local r = vhost(d, "9080", "ratings.default.svc.cluster.local:9080").routes[1]
    assert.are.same({ { cookie = { name = "user", ttl = "10s" } } }, r.route.hash_policy)
    assert.is_nil(r.route.retry_policy.retry_host_predicate)
    local c = cluster(d, "outbound|9080||ratings.default.svc.cluster.local")
    assert.are.equal("RING_HASH", c.lb_policy)
  end)

  it("turns PASSTHROUGH into an ORIGINAL_DST cluster", function()
    local d = dump_of([[
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: ratings, namespace: default}
spec:
  host: ratings.default.svc.cluster.local
  trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}
]])
    local c = cluster(d, "outbound|9080||ratings.default.svc.cluster.local")
    assert.are.equal("ORIGINAL_DST", c.type)
    assert.are.equal("CLUSTER_PROVIDED", c.lb_policy)
    assert.is_nil(c.eds_cluster_config)
  end)

  it("prefers the proxy namespace's rule, then an exact host over a wildcard", function()
    local d = dump_of([[
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: wild, namespace: default}
spec:
  host: "*.default.svc.cluster.local"
  trafficPolicy: {loadBalancer: {simple: RANDOM}}
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: exact, namespace: default}
spec:
  host: ratings
  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: elsewhere, namespace: other}
spec:
  host: reviews.default.svc.cluster.local
  trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}
]])
    assert.is_nil(cluster(d, "outbound|9080||ratings.default.svc.cluster.local").lb_policy) -- ROUND_ROBIN
    assert.are.equal("RANDOM", cluster(d, "outbound|9080||" .. R).lb_policy)
  end)
end)
