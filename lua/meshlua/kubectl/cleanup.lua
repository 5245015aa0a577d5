-- Cleanup checks: did a `kubectl delete` leave the cluster as it was? A
-- snapshot records every object of a mesh and, for every pod that runs an
-- Envoy, the proxy-config tables istioctl would print (listeners, routes,
-- clusters, endpoints). check() compares the mesh with a snapshot taken
-- before and says, one line per finding, what remains: objects that were
-- not there, proxies whose tables changed (with the lines that differ), and
-- any proxy configuration that still names one of the given words (the
-- demo's service names).
--
--   local cleanup = require("meshlua.kubectl.cleanup")
--   local before = cleanup.snapshot(mesh)
--   ... kubectl apply, experiments, kubectl delete ...
--   local leftovers = cleanup.check(mesh, before, { "web-frontend", "customers" })
local M = {}

local tables = { "listeners", "routes", "clusters", "endpoints" }

local function object_key(o)
  if o.namespace and o.namespace ~= "" then
    return ("%s %s/%s"):format(o.kind, o.namespace, o.name)
  end
  return ("%s %s"):format(o.kind, o.name)
end

-- Every object of the mesh, by key.
local function objects(mesh)
  local out = {}
  for _, kind in ipairs({ "namespaces", "serviceaccounts", "services", "deployments", "statefulsets",
    "daemonsets", "pods", "virtualservices", "destinationrules", "gateways", "serviceentries", "sidecars",
    "peerauthentications" }) do
    for _, o in ipairs(mesh:objects(kind)) do
      out[object_key(o)] = o
    end
  end
  return out
end

-- The proxy-config tables of every pod running an Envoy, by "pod.ns".
local function proxies(mesh)
  local out = {}
  for _, pod in ipairs(mesh:pods()) do
    if pod.proxy then
      local proxy = mesh:proxy(pod)
      local t = {}
      for _, name in ipairs(tables) do
        t[name] = tostring(proxy[name](proxy, {}))
      end
      out[pod.name .. "." .. pod.namespace] = t
    end
  end
  return out
end

--- Records the objects of mesh and the tables of its proxies.
function M.snapshot(mesh)
  return { objects = objects(mesh), proxies = proxies(mesh) }
end

-- Lines of b that are not in a (as a multiset), in b's order.
local function added_lines(a, b)
  local count = {}
  for line in a:gmatch("[^\n]+") do
    count[line] = (count[line] or 0) + 1
  end
  local out = {}
  for line in b:gmatch("[^\n]+") do
    if (count[line] or 0) > 0 then
      count[line] = count[line] - 1
    else
      out[#out + 1] = line
    end
  end
  return out
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    keys[#keys + 1] = k
  end
  table.sort(keys)
  return keys
end

--- Compares mesh with before (a snapshot). Returns a list of findings, each
-- a line of text ("VirtualService default/web-frontend is still there",
-- "proxy public-ingressgateway-x.istio-system: routes has a line that was
-- not there before: ..."); an empty list when the cleanup is complete.
-- words: names that no proxy configuration may mention any more.
function M.check(mesh, before, words)
  local findings = {}
  local now = M.snapshot(mesh)
  for _, key in ipairs(sorted_keys(now.objects)) do
    if not before.objects[key] then
      findings[#findings + 1] = key .. " is still there"
    end
  end
  for _, key in ipairs(sorted_keys(before.objects)) do
    if not now.objects[key] then
      findings[#findings + 1] = key .. " is gone, but was there before"
    end
  end
  for _, pod in ipairs(sorted_keys(now.proxies)) do
    local was = before.proxies[pod]
    if was then
      for _, name in ipairs(tables) do
        if was[name] ~= now.proxies[pod][name] then
          for _, line in ipairs(added_lines(was[name], now.proxies[pod][name])) do
            findings[#findings + 1] = ("proxy %s: %s has a row that was not there before: %s")
              :format(pod, name, (line:gsub("%s+", " ")))
          end
          for _, line in ipairs(added_lines(now.proxies[pod][name], was[name])) do
            findings[#findings + 1] = ("proxy %s: %s lost a row it had before: %s")
              :format(pod, name, (line:gsub("%s+", " ")))
          end
        end
      end
    end
    for _, name in ipairs(tables) do
      for line in now.proxies[pod][name]:gmatch("[^\n]+") do
        for _, word in ipairs(words or {}) do
          if line:find(word, 1, true) then
            findings[#findings + 1] = ("proxy %s: %s still mention %s: %s"):format(pod, name, word,
              (line:gsub("%s+", " ")))
            break
          end
        end
      end
    end
  end
  -- Identical findings (a changed row that also names a word) once.
  local seen, out = {}, {}
  for _, f in ipairs(findings) do
    if not seen[f] then
      seen[f] = true
      out[#out + 1] = f
    end
  end
  return out
end

return M
