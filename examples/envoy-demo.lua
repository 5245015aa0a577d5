#!/usr/bin/env meshlua
-- examples/envoy-demo.lua: Big Bang's "Envoy Demo" walkthrough (Tetrate's
-- web-frontend and customers apps, Istio 1.10 on a k3d cluster), replayed
-- with no cluster: every command of the walkthrough runs against a
-- simulated cluster with the `seed` Istio profile and prints what the
-- real kubectl and istioctl print; after each step a check confirms what
-- the walkthrough claims; the last step checks that the cleanup left the
-- cluster as it was.
--
--   meshlua examples/envoy-demo.lua                 # the whole walkthrough
--   meshlua examples/envoy-demo.lua --list          # its steps
--   meshlua examples/envoy-demo.lua --step 6        # from step 6 (1-5 run silently)
--   meshlua examples/envoy-demo.lua --pause         # wait for Enter between steps
--   meshlua -i examples/envoy-demo.lua --setup-only # the starting cluster, then a REPL
--
-- Exit status 0 when every check passed, 1 otherwise.
local tutorial = require("meshlua.tutorial")
local kubectl = require("meshlua.kubectl")
local cleanup = require("meshlua.kubectl.cleanup")

-- Files beside this script, named as a person in the current directory
-- would type them.
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$")
local function beside(name)
  return dir and (dir .. "/" .. name) or name
end
local APPS = beside("envoy-demo-apps.yaml")
local CUSTOMERS = "customers.default.svc.cluster.local"
local CLUSTER = "outbound|80||" .. CUSTOMERS

local mesh, before

-- The facades' output split into rows of cells (runs of two or more blanks
-- or tabwriter's single-blank columns: split on blanks).
local function rows(text)
  local out = {}
  for line in text:gmatch("[^\n]+") do
    local cells = {}
    for cell in line:gmatch("%S+") do
      cells[#cells + 1] = cell
    end
    out[#out + 1] = cells
  end
  return out
end

local function has_row(text, wanted)
  for _, line in ipairs(rows(text)) do
    if table.concat(line, " ") == wanted then
      return true
    end
  end
  return false
end

local function pods_of(app)
  local list = {}
  for _, pod in ipairs(mesh:pods({ namespace = "default", selector = "app=" .. app })) do
    list[#list + 1] = pod
  end
  return list
end

local function sorted_endpoints(app, port)
  local eps = {}
  for _, pod in ipairs(pods_of(app)) do
    eps[#eps + 1] = pod.ip .. ":" .. port
  end
  table.sort(eps)
  return eps
end

local t = tutorial.new({
  name = "envoy-demo.lua",
  title = "Envoy demo: where does web-frontend send its requests to customers?",
  intro = "Big Bang's walkthrough, on a simulated cluster (Istio 1.10, the seed profile): deploy\n"
    .. "web-frontend and customers, then follow one request from web-frontend's Envoy\n"
    .. "to a customers pod: listener, route, cluster, endpoint.",
  args = arg,
  setup = function()
    mesh = meshlua.mesh({ profile = "seed" })
    mesh:apply(beside("bigbang-cluster.yaml"))
    -- The walkthrough's cluster had been up for six days and fifteen hours.
    mesh:advance(6 * 86400 + 15 * 3600)
    kubectl.use(mesh)
    before = cleanup.snapshot(mesh)
  end,
})

t:step({
  title = "Turn on sidecar injection in the default namespace",
  text = "Istio injects an Envoy sidecar into pods created in namespaces labelled\n"
    .. "istio-injection=enabled.",
  command = "kubectl label namespace default istio-injection=enabled",
  check = function(v, r)
    v:equal(r[1].out, "namespace/default labeled\n", "kubectl labelled the namespace")
    v:equal(mesh:find("namespace", "default").labels["istio-injection"], "enabled",
      "default carries istio-injection=enabled")
  end,
})

t:step({
  title = "See which namespaces are injected",
  command = "kubectl get namespace -L istio-injection",
  check = function(v, r)
    local want = { default = "enabled", jaeger = "enabled", logging = "enabled", kiali = "enabled",
      ["istio-operator"] = "disabled" }
    local got, names = {}, {}
    for i, row in ipairs(rows(r[1].out)) do
      if i > 1 then
        got[row[1]] = row[4] or ""
        names[#names + 1] = row[1]
      end
    end
    for _, ns in ipairs({ "default", "jaeger", "logging", "kiali", "istio-operator" }) do
      v:equal(got[ns], want[ns], ("%s is %s"):format(ns, want[ns]))
    end
    v:equal(#names, 14, "the cluster has the walkthrough's 14 namespaces")
  end,
})

t:step({
  title = "Deploy web-frontend and customers",
  text = "web-frontend calls CUSTOMER_SERVICE_URL=http://customers.default.svc.cluster.local;\n"
    .. "the Service customers sends port 80 to the pods' port 3000.",
  commands = { "kubectl apply -f " .. APPS, "kubectl get pods" },
  check = function(v, r)
    v:equal(#rows(r[1].out), 5, "five objects created (two Deployments, two Services, a VirtualService)")
    for _, app in ipairs({ "web-frontend", "customers" }) do
      local pods = pods_of(app)
      v:ok(#pods == 1 and pods[1].sidecar, app .. " runs one pod with an Envoy sidecar (READY 2/2)")
    end
  end,
})

t:step({
  title = "List web-frontend's listeners",
  text = "The request to customers is outbound HTTP to port 80: which listener takes it?",
  command = "istioctl proxy-config listeners deployment/web-frontend",
  check = function(v, r)
    local out = r[1].out
    v:ok(out:find("^ADDRESS%s+PORT%s+MATCH%s+DESTINATION\n"), "the table has istioctl 1.10's columns")
    v:ok(has_row(out, "0.0.0.0 80 Trans: raw_buffer; App: HTTP Route: 80"),
      "0.0.0.0:80 hands HTTP to the route configuration 80")
    v:ok(has_row(out, "0.0.0.0 80 ALL PassthroughCluster"), "other traffic to port 80 passes through")
    v:ok(has_row(out, "10.43.0.10 53 ALL Cluster: outbound|53||kube-dns.kube-system.svc.cluster.local"),
      "kube-dns has its own TCP listener on 10.43.0.10:53")
    v:ok(has_row(out, "10.43.82.175 443 ALL Cluster: outbound|443||istiod.istio-system.svc.cluster.local"),
      "istiod's 443 is plain TCP on its cluster IP")
  end,
})

t:step({
  title = "The 0.0.0.0:80 listener in JSON",
  text = "Filtering by address and port shows the listener itself: its HTTP connection\n"
    .. "manager gets its routes over RDS.",
  command = "istioctl proxy-config listeners deployment/web-frontend --address 0.0.0.0 --port 80 -o json",
  check = function(v, r)
    local ok, json = pcall(require("cjson").decode, r[1].out)
    v:ok(ok and #json == 1, "one listener matches 0.0.0.0:80")
    local hcm = ok and json[1].filterChains[1].filters[1].typedConfig or {}
    local rds = hcm.rds or {}
    v:equal(rds.routeConfigName, "80", 'RDS names the route configuration "80"')
    v:equal((rds.configSource or {}).resourceApiVersion, "V3", "over ADS, API version V3")
  end,
})

t:step({
  title = "Route configuration 80",
  text = "One virtual host per service on port 80; the request's host picks\n"
    .. "customers.default.svc.cluster.local:80, whose only route sends everything to a cluster.",
  command = "istioctl proxy-config route deployment/web-frontend --name 80 -o json",
  check = function(v, r)
    local ok, json = pcall(require("cjson").decode, r[1].out)
    local vhost
    for _, vh in ipairs(ok and json[1].virtualHosts or {}) do
      if vh.name == CUSTOMERS .. ":80" then
        vhost = vh
      end
    end
    v:ok(vhost ~= nil, "route 80 has the virtual host customers.default.svc.cluster.local:80")
    vhost = vhost or { domains = {}, routes = { {} } }
    local ip = mesh:find("service", "customers").cluster_ip
    local want = { CUSTOMERS, CUSTOMERS .. ":80", "customers", "customers:80", "customers.default.svc.cluster",
      "customers.default.svc.cluster:80", "customers.default.svc", "customers.default.svc:80", "customers.default",
      "customers.default:80", ip, ip .. ":80" }
    v:equal(table.concat(vhost.domains, " "), table.concat(want, " "),
      "its twelve domains, in the walkthrough's order")
    local route = vhost.routes[1] or {}
    v:equal((route.match or {}).prefix, "/", "its route matches every path (prefix /)")
    v:equal((route.route or {}).cluster, CLUSTER, "and sends to " .. CLUSTER)
    v:equal(((route.route or {}).retryPolicy or {}).numRetries, 2, "with Istio's default two retries")
  end,
})

t:step({
  title = "Follow one request through web-frontend's Envoy",
  text = "meshlua resolves the request the way Envoy would, step by step.",
  shown = 'print(require("meshlua.kubectl").mesh():proxy("deployment/web-frontend")'
    .. ':resolve("http://customers.default.svc.cluster.local/"))',
  run = function(step)
    local trace = mesh:proxy("deployment/web-frontend"):resolve("http://" .. CUSTOMERS .. "/")
    step:print(trace)
    return trace
  end,
  check = function(v, _, step)
    local trace = step.values[1]
    v:equal(trace.cluster and trace.cluster.name, CLUSTER, "the request goes to " .. CLUSTER)
    local pod = pods_of("customers")[1]
    local ep = trace.endpoint or {}
    v:equal(("%s:%s"):format(ep.address, ep.port), pod.ip .. ":3000",
      "and to the customers pod's IP, port 3000")
  end,
})

t:step({
  title = "The cluster",
  text = "Without -o json, istioctl shows the cluster's FQDN, port, subset and type.",
  command = "istioctl proxy-config cluster deployment/web-frontend --fqdn " .. CUSTOMERS,
  check = function(v, r)
    v:ok(has_row(r[1].out, CUSTOMERS .. " 80 - outbound EDS"),
      "one outbound EDS cluster on port 80, no subset, no DestinationRule")
  end,
})

local ENDPOINTS = 'istioctl proxy-config endpoints deployment/web-frontend --cluster "' .. CLUSTER .. '"'

-- The ENDPOINT column of an endpoints table.
local function endpoint_column(text)
  local eps = {}
  for i, row in ipairs(rows(text)) do
    if i > 1 then
      eps[#eps + 1] = row[1]
      if row[2] ~= "HEALTHY" or row[3] ~= "OK" then
        eps[#eps + 1] = "(not HEALTHY/OK)"
      end
    end
  end
  table.sort(eps)
  return table.concat(eps, " ")
end

t:step({
  title = "The endpoints",
  text = "The cluster's endpoints are the customers pods.",
  command = ENDPOINTS,
  check = function(v, r)
    v:equal(endpoint_column(r[1].out), table.concat(sorted_endpoints("customers", 3000), " "),
      "one endpoint: the customers pod's IP, port 3000, HEALTHY")
  end,
})

t:step({
  title = "Scale customers to two pods",
  text = "Two pods, two endpoints: Envoy's next EDS update brings the new one.",
  commands = { "kubectl scale deployment customers-v1 --replicas=2", ENDPOINTS },
  check = function(v, r)
    v:equal(r[1].out, "deployment.apps/customers-v1 scaled\n", "kubectl scaled the deployment")
    local eps = sorted_endpoints("customers", 3000)
    v:equal(#eps, 2, "customers runs two pods")
    v:equal(endpoint_column(r[2].out), table.concat(eps, " "), "both pods are endpoints of the cluster")
  end,
})

t:step({
  title = "The Envoy dashboard",
  text = "istioctl serves a sidecar's admin interface on a local port (press Enter with --pause\n"
    .. "and open it in a browser while the demo waits).",
  command = "istioctl dashboard envoy deployment/customers-v1",
  check = function(v, r)
    local url = r[1].values[1]
    v:ok(url and r[1].out == url .. "\n", "istioctl printed the dashboard's URL")
    local ok, proxy = pcall(meshlua.fetch, (url or "") .. "/config_dump?include_eds", { profile = "seed" })
    v:ok(ok, "the dashboard answers /config_dump", not ok and tostring(proxy) or nil)
    if ok then
      local want = tostring(mesh:proxy("deployment/customers-v1"):clusters({}))
      v:equal(tostring(proxy:clusters({})), want, "and it is the customers sidecar's configuration")
    end
  end,
})

local istiod_pod
t:step({
  title = "ControlZ, istiod's own dashboard",
  text = "Find istiod's pod, then open ControlZ on it.",
  commands = {
    "kubectl get pod -n istio-system",
    function()
      istiod_pod = mesh:pods({ namespace = "istio-system", selector = "app=istiod" })[1]
      return "istioctl dashboard controlz " .. (istiod_pod and istiod_pod.name or "istiod") .. ".istio-system"
    end,
  },
  check = function(v, r)
    v:ok(istiod_pod and r[1].out:find(istiod_pod.name, 1, true), "kubectl lists the istiod pod")
    local server = r[2].values[2]
    v:ok(server and server.kind == "controlz" and r[2].out == r[2].values[1] .. "\n",
      "istioctl serves ControlZ and printed its URL")
  end,
})

t:step({
  title = "Clean up",
  text = "Deleting the manifest removes everything the demo added; the check compares every\n"
    .. "object and every remaining proxy's tables with the cluster before the demo.",
  command = "kubectl delete -f " .. APPS,
  check = function(v, r)
    v:equal(#rows(r[1].out), 5, "kubectl deleted the five objects")
    local leftovers = cleanup.check(mesh, before, { "web-frontend", "customers" })
    v:ok(#leftovers == 0, "nothing of the demo remains; the platform's configuration is as before",
      #leftovers > 0 and ("what remains:\n" .. table.concat(leftovers, "\n")) or nil)
  end,
})

t:main()
