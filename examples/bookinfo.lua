#!/usr/bin/env meshlua
-- examples/bookinfo.lua: Istio's Bookinfo on a simulated cluster (the
-- current Istio profile): what a DestinationRule's subsets and a
-- VirtualService's header match and weights do to productpage's Envoy, and
-- the traces that show where each request to reviews goes.
--
--   meshlua examples/bookinfo.lua [--list] [--step N] [--pause]
--
-- Exit status 0 when every check passed, 1 otherwise.
local tutorial = require("meshlua.tutorial")
local kubectl = require("meshlua.kubectl")

local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$")
local function beside(name)
  return dir and (dir .. "/" .. name) or name
end

local REVIEWS = "reviews.default.svc.cluster.local"
local URL = "http://reviews:9080/reviews/0"

local mesh

local function subset_cluster(subset)
  return ("outbound|9080|%s|%s"):format(subset or "", REVIEWS)
end

-- The IP:port of the pod of reviews-<version>.
local function reviews_pod(version)
  local pod = mesh:pods({ namespace = "default", selector = "app=reviews,version=" .. version })[1]
  return pod and (pod.ip .. ":9080")
end

local function productpage()
  return mesh:proxy("deployment/productpage-v1")
end

local function landed(trace)
  local ep = trace.endpoint or {}
  return trace.cluster and trace.cluster.name, ep.address and (ep.address .. ":" .. tostring(ep.port))
end

local t = tutorial.new({
  name = "bookinfo.lua",
  title = "Bookinfo: subsets, header routing and traffic shifting for reviews",
  args = arg,
  setup = function()
    mesh = kubectl.use(meshlua.mesh())
  end,
})

t:step({
  title = "Deploy Bookinfo with sidecars",
  text = "productpage calls reviews, which runs three versions behind one Service.",
  commands = { "kubectl label namespace default istio-injection=enabled",
    "kubectl apply -f " .. beside("bookinfo.yaml"), "kubectl get pods" },
  check = function(v)
    for _, version in ipairs({ "v1", "v2", "v3" }) do
      v:ok(reviews_pod(version) ~= nil, "reviews-" .. version .. " runs")
    end
  end,
})

t:step({
  title = "Without routing rules, reviews is one cluster of three endpoints",
  commands = { 'istioctl proxy-config endpoints deployment/productpage-v1 --cluster "' .. subset_cluster() .. '"' },
  shown = 'productpage = require("meshlua.kubectl").mesh():proxy("deployment/productpage-v1")\n'
    .. '> print(productpage:resolve("' .. URL .. '"))',
  run = function(step)
    local trace = productpage():resolve(URL)
    step:print(trace)
    return trace
  end,
  check = function(v, r, step)
    local _, lines = r[1].out:gsub("\n", "")
    v:equal(lines - 1, 3, "the reviews cluster has the three pods as endpoints")
    v:equal((landed(step.values[1])), subset_cluster(), "a request goes to the whole reviews cluster")
  end,
})

t:step({
  title = "Apply a DestinationRule with subsets and a VirtualService",
  text = "Subsets v1, v2, v3 by the version label; the user jason goes to v2, everybody else\n"
    .. "80% to v1 and 20% to v3.",
  commands = { "kubectl apply -f " .. beside("bookinfo-routing.yaml"),
    "istioctl proxy-config clusters deployment/productpage-v1 --fqdn " .. REVIEWS,
    "istioctl proxy-config routes deployment/productpage-v1 --name 9080" },
  check = function(v, r)
    for _, subset in ipairs({ "v1", "v2", "v3" }) do
      v:ok(r[2].out:find("\n" .. REVIEWS:gsub("%.", "%%.") .. "%s+9080%s+" .. subset .. "%s+outbound%s+EDS%s+reviews%.default\n"),
        ("a cluster per subset: %s"):format(subset_cluster(subset)))
    end
    local _, vs_rows = r[3].out:gsub("reviews%.default\n", "")
    v:equal(vs_rows, 2, "route 9080 has the VirtualService's two routes for reviews")
  end,
})

t:step({
  title = "Header-based routing: end-user jason",
  shown = 'print(productpage:resolve{ url = "' .. URL .. '", headers = { ["end-user"] = "jason" } })',
  run = function(step)
    local trace = productpage():resolve({ url = URL, headers = { ["end-user"] = "jason" } })
    step:print(trace)
    return trace
  end,
  check = function(v, _, step)
    local cluster, endpoint = landed(step.values[1])
    v:equal(cluster, subset_cluster("v2"), "jason's request matches the first route and goes to subset v2")
    v:equal(endpoint, reviews_pod("v2"), "and reaches the reviews-v2 pod")
  end,
})

t:step({
  title = "Traffic shifting: 80% to v1, 20% to v3",
  text = "Envoy picks a weighted cluster with a random number; fixing it shows both sides.",
  shown = 'for _, r in ipairs({ 10, 90 }) do print(productpage:resolve{ url = "' .. URL .. '", random_value = r }) end',
  run = function(step)
    local traces = {}
    for _, r in ipairs({ 10, 90 }) do
      traces[#traces + 1] = productpage():resolve({ url = URL, random_value = r })
      step:print(traces[#traces])
    end
    return traces
  end,
  check = function(v, _, step)
    local low, high = step.values[1][1], step.values[1][2]
    v:equal((landed(low)), subset_cluster("v1"), "random value 10 falls in v1's 80")
    v:equal((landed(high)), subset_cluster("v3"), "random value 90 falls in v3's 20")
    v:equal(select(2, landed(high)), reviews_pod("v3"), "and reaches the reviews-v3 pod")
  end,
})

t:step({
  title = "Every random value at once: the split is 80/20",
  shown = 'n = {} for r = 0, 99 do local c = productpage:resolve{ url = "' .. URL
    .. '", random_value = r }.cluster.name n[c] = (n[c] or 0) + 1 end',
  run = function(step)
    local counts, order = {}, {}
    local proxy = productpage()
    for r = 0, 99 do
      local cluster = landed(proxy:resolve({ url = URL, random_value = r }))
      if not counts[cluster] then
        order[#order + 1] = cluster
      end
      counts[cluster] = (counts[cluster] or 0) + 1
    end
    table.sort(order)
    for _, c in ipairs(order) do
      step:print(("%3d  %s"):format(counts[c], c))
    end
    return counts
  end,
  check = function(v, _, step)
    local counts = step.values[1]
    v:equal(counts[subset_cluster("v1")], 80, "80 of 100 requests go to v1")
    v:equal(counts[subset_cluster("v3")], 20, "20 of 100 go to v3")
    v:equal(counts[subset_cluster("v2")], nil, "none go to v2 without the header")
  end,
})

t:main()
