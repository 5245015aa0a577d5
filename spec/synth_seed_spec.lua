-- The seed walkthrough (Big Bang's "Envoy Demo", Istio of the seed profile)
-- replayed on the simulated cluster: examples/bigbang-cluster.yaml plus the
-- demo apps. Every expected value below is copied from the walkthrough's
-- own outputs (the listener table, the route "80" JSON, the cluster and
-- endpoint rows); only what the simulation cannot pin (pod IPs, the one
-- node where the walkthrough had four, the customers cluster IP) is
-- substituted, and said so where it happens.
local cjson = require("cjson")

local function squeeze(line)
  return (line:gsub("%s+", " "):gsub(" $", ""))
end

local function lines(text)
  local t = {}
  for line in text:gmatch("(.-)\n") do
    t[#t + 1] = squeeze(line)
  end
  return t
end

local function seed_mesh()
  local mesh = meshlua.mesh({ profile = "seed" })
  mesh:apply("examples/bigbang-cluster.yaml")
  mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
  mesh:apply("examples/envoy-demo-apps.yaml")
  return mesh
end

describe("synthesized sidecar of the seed walkthrough", function()
  local mesh, proxy
  setup(function()
    mesh = seed_mesh()
    proxy = mesh:proxy("deployment/web-frontend")
  end)

  it("lists the walkthrough's listener rows up to port 8686", function()
    -- The walkthrough's table, verbatim (its columns squeezed), up to the
    -- row where the walkthrough cut it. Substituted: jaeger-agent's pod IP
    -- (10.42.1.11 there) and the kubelet rows of the three other nodes.
    local jaeger = mesh:pods({ namespace = "jaeger", selector = "app=jaeger" })[1].ip
    local want = {
      "ADDRESS PORT MATCH DESTINATION",
      "10.43.0.10 53 ALL Cluster: outbound|53||kube-dns.kube-system.svc.cluster.local",
      "0.0.0.0 80 Trans: raw_buffer; App: HTTP Route: 80",
      "0.0.0.0 80 ALL PassthroughCluster",
      "10.43.253.168 80 Trans: raw_buffer; App: HTTP Route: monitoring-monitoring-grafana.monitoring.svc.cluster.local:80",
      "10.43.253.168 80 ALL Cluster: outbound|80||monitoring-monitoring-grafana.monitoring.svc.cluster.local",
      "10.43.0.1 443 ALL Cluster: outbound|443||kubernetes.default.svc.cluster.local",
      "10.43.105.55 443 ALL Cluster: outbound|443||metrics-server.kube-system.svc.cluster.local",
      "10.43.106.215 443 ALL Cluster: outbound|443||public-ingressgateway.istio-system.svc.cluster.local",
      "10.43.121.62 443 Trans: raw_buffer; App: HTTP Route: gatekeeper-webhook-service.gatekeeper-system.svc.cluster.local:443",
      "10.43.121.62 443 ALL Cluster: outbound|443||gatekeeper-webhook-service.gatekeeper-system.svc.cluster.local",
      "10.43.215.58 443 ALL Cluster: outbound|443||elastic-operator-webhook.eck-operator.svc.cluster.local",
      "10.43.42.125 443 ALL Cluster: outbound|443||monitoring-monitoring-kube-operator.monitoring.svc.cluster.local",
      "10.43.82.175 443 ALL Cluster: outbound|443||istiod.istio-system.svc.cluster.local",
      "0.0.0.0 2020 Trans: raw_buffer; App: HTTP Route: 2020",
      "0.0.0.0 2020 ALL PassthroughCluster",
      "0.0.0.0 2379 Trans: raw_buffer; App: HTTP Route: 2379",
      "0.0.0.0 2379 ALL PassthroughCluster",
      "172.18.0.2 4194 Trans: raw_buffer; App: HTTP Route: monitoring-monitoring-kube-kubelet.kube-system.svc.cluster.local:4194",
      "172.18.0.2 4194 ALL Cluster: outbound|4194||monitoring-monitoring-kube-kubelet.kube-system.svc.cluster.local",
      "0.0.0.0 5601 Trans: raw_buffer; App: HTTP Route: 5601",
      "0.0.0.0 5601 ALL PassthroughCluster",
      jaeger .. " 5778 Trans: raw_buffer; App: HTTP Route: jaeger-agent.jaeger.svc.cluster.local:5778",
      jaeger .. " 5778 ALL Cluster: outbound|5778||jaeger-agent.jaeger.svc.cluster.local",
      "0.0.0.0 8080 Trans: raw_buffer; App: HTTP Route: 8080",
      "0.0.0.0 8080 ALL PassthroughCluster",
      "0.0.0.0 8383 Trans: raw_buffer; App: HTTP Route: 8383",
      "0.0.0.0 8383 ALL PassthroughCluster",
    }
    local got = lines(tostring(proxy:listeners()))
    for i, row in ipairs(want) do
      assert.are.equal(row, got[i])
    end
    -- The walkthrough cut the next row at "Route: jaeger-jaeger-jaeger-operator-met".
    assert.are.equal(1, got[#want + 1]:find(
      "10.43.245.181 8686 Trans: raw_buffer; App: HTTP Route: jaeger-jaeger-jaeger-operator-met", 1, true))
  end)

  it("gives customers' vhost of route 80 exactly the seed's twelve domains, in order", function()
    local routes = cjson.decode(proxy:routes({ name = "80" }):json())
    assert.are.equal(1, #routes)
    assert.are.equal("80", routes[1].name)
    local vhost
    for _, vh in ipairs(routes[1].virtualHosts) do
      if vh.name == "customers.default.svc.cluster.local:80" then
        vhost = vh
      end
    end
    assert.truthy(vhost)
    -- The walkthrough's list; its cluster IP (10.43.246.220) is the one the
    -- simulation gave customers.
    local ip = mesh:find("service", "customers", "default").cluster_ip
    assert.are.same({
      "customers.default.svc.cluster.local",
      "customers.default.svc.cluster.local:80",
      "customers",
      "customers:80",
      "customers.default.svc.cluster",
      "customers.default.svc.cluster:80",
      "customers.default.svc",
      "customers.default.svc:80",
      "customers.default",
      "customers.default:80",
      ip,
      ip .. ":80",
    }, vhost.domains)
  end)

  it("gives customers the seed's default route, field for field", function()
    local routes = cjson.decode(proxy:routes({ name = "80" }):json())
    local route
    for _, vh in ipairs(routes[1].virtualHosts) do
      if vh.name == "customers.default.svc.cluster.local:80" then
        assert.are.equal(1, #vh.routes)
        route = vh.routes[1]
      end
    end
    -- The walkthrough's JSON of the route (it cut the output after
    -- "maxStreamDuration"; the decorator comes after it in the proto).
    local seed = cjson.decode([[
      {
        "name": "default",
        "match": {
            "prefix": "/"
        },
        "route": {
            "cluster": "outbound|80||customers.default.svc.cluster.local",
            "timeout": "0s",
            "retryPolicy": {
                "retryOn": "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
                "numRetries": 2,
                "retryHostPredicate": [
                    {
                        "name": "envoy.retry_host_predicates.previous_hosts"
                    }
                ],
                "hostSelectionRetryMaxAttempts": "5",
                "retriableStatusCodes": [
                    503
                ]
            },
            "maxStreamDuration": {
                "maxStreamDuration": "0s"
            }
        }
      }]])
    assert.are.equal(seed.name, route.name)
    assert.are.same(seed.match, route.match)
    assert.are.same(seed.route, route.route)
  end)

  it("shows the seed's cluster row for customers", function()
    local got = lines(tostring(proxy:clusters({ fqdn = "customers.default.svc.cluster.local" })))
    assert.are.same({
      "SERVICE FQDN PORT SUBSET DIRECTION TYPE DESTINATION RULE",
      "customers.default.svc.cluster.local 80 - outbound EDS",
    }, got)
  end)

  it("shows one endpoint for customers, then two after scaling", function()
    local cluster = "outbound|80||customers.default.svc.cluster.local"
    local function rows()
      local got = lines(tostring(proxy:endpoints({ cluster = cluster })))
      table.remove(got, 1)
      return got
    end
    local function ips()
      local out = {}
      for pod in mesh:pods({ namespace = "default", selector = "app=customers" }) do
        out[#out + 1] = pod.ip
      end
      table.sort(out)
      return out
    end
    assert.are.equal("ENDPOINT STATUS OUTLIER CHECK CLUSTER",
      lines(tostring(proxy:endpoints({ cluster = cluster })))[1])
    assert.are.same({ ips()[1] .. ":3000 HEALTHY OK " .. cluster }, rows())
    local before = proxy.version
    mesh:scale("deployment/customers-v1", 2)
    local want = {}
    for _, ip in ipairs(ips()) do
      want[#want + 1] = ip .. ":3000 HEALTHY OK " .. cluster
    end
    assert.are.equal(2, #want)
    assert.are.same(want, rows())
    assert.is_true(proxy.version > before)
  end)

  it("routes frontend.bigbang.dev on the public gateway to web-frontend", function()
    local gw = mesh:proxy("deployment/public-ingressgateway", "istio-system")
    local routes = cjson.decode(gw:routes({ name = "http.80" }):json())
    assert.are.equal(1, #routes)
    local vh = routes[1].virtualHosts[1]
    assert.are.equal("frontend.bigbang.dev:80", vh.name)
    -- 1.9-era gateway vhosts also match any port of the host.
    assert.are.same({ "frontend.bigbang.dev", "frontend.bigbang.dev:*" }, vh.domains)
    assert.are.equal("outbound|80||web-frontend.default.svc.cluster.local", vh.routes[1].route.cluster)
    -- The gateway listens on the Service's target port for port 80.
    local t = gw:resolve({ url = "http://frontend.bigbang.dev/", address = "10.0.0.1", port = 8080 })
    assert.are.equal("0.0.0.0_8080", t.listener.name)
    assert.are.equal("http.80", t.route_config.name)
    assert.are.equal("outbound|80||web-frontend.default.svc.cluster.local", t.cluster.name)
    assert.are.equal("forwarded", t.outcome)
  end)

  it("sends web-frontend's request for customers where the walkthrough says", function()
    local t = proxy:resolve("http://customers.default.svc.cluster.local/")
    assert.are.equal("0.0.0.0_80", t.listener.name)
    assert.are.equal("80", t.route_config.name)
    assert.are.equal("customers.default.svc.cluster.local:80", t.virtual_host.name)
    assert.are.equal("outbound|80||customers.default.svc.cluster.local", t.cluster.name)
    assert.are.equal("forwarded", t.outcome)
  end)
end)
