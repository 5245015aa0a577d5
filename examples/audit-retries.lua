#!/usr/bin/env meshlua
-- examples/audit-retries.lua: a custom audit over Envoy route tables. It
-- lists every route that forwards requests without a retry policy, or with
-- a timeout of 0s (Envoy's "no timeout": a hung upstream holds the request
-- forever), and exits 1 when it found any, so it can gate a CI job.
--
--   meshlua examples/audit-retries.lua                 # Bookinfo's productpage, synthesized
--   meshlua examples/audit-retries.lua dump.json ...   # real config dumps (JSON or YAML)
--   meshlua examples/audit-retries.lua http://127.0.0.1:15000/config_dump
--
-- It shows the shape of an audit script: get proxies (meshlua.load,
-- meshlua.fetch or a simulated mesh), walk proxy:routes{} (each item's .raw
-- is the RouteConfiguration as Envoy reports it), print a table with
-- meshlua.tabwriter.
local tabwriter = require("meshlua.tabwriter")

-- A proto field in either of the names a dump may use (snake or lowerCamel).
local function field(t, snake)
  if type(t) ~= "table" then
    return nil
  end
  local v = t[snake]
  if v == nil then
    v = t[(snake:gsub("_(%w)", string.upper))]
  end
  return v
end

-- The directory of this script, to find the Bookinfo manifests.
local function here()
  local script = arg and arg[0] or ""
  return script:match("^(.*)/[^/]*$") or "."
end

-- The proxies to audit: the command line's dumps or URLs, else the
-- productpage sidecar of a simulated Bookinfo.
local function proxies(args)
  local out = {}
  for _, a in ipairs(args) do
    if a:find("^https?://") then
      out[#out + 1] = { name = a, proxy = meshlua.fetch(a) }
    else
      out[#out + 1] = { name = a, proxy = meshlua.load(a) }
    end
  end
  if #out == 0 then
    local mesh = meshlua.mesh()
    mesh:label("namespace/default", "istio-injection=enabled")
    mesh:apply(here() .. "/bookinfo.yaml")
    mesh:apply(here() .. "/bookinfo-routing.yaml")
    out[1] = { name = "deployment/productpage-v1 (simulated Bookinfo)", proxy = mesh:proxy("deployment/productpage-v1") }
  end
  return out
end

-- The findings of one route's action: a list of strings (empty when fine).
local function findings(route)
  local action = field(route, "route")
  if not action then
    return nil -- a redirect or a direct response: nothing is forwarded
  end
  local out = {}
  local retry = field(action, "retry_policy")
  if not retry or (field(retry, "num_retries") or 1) == 0 then
    out[#out + 1] = "no retry policy"
  end
  local timeout = field(action, "timeout")
  if timeout == "0s" then
    out[#out + 1] = "timeout 0s (none)"
  end
  return out
end

-- The cluster a route forwards to, as one cell.
local function destination(action)
  local cluster = field(action, "cluster")
  if cluster then
    return cluster
  end
  local weighted = field(action, "weighted_clusters")
  local names = {}
  for _, c in ipairs(field(weighted, "clusters") or {}) do
    names[#names + 1] = ("%s (%s)"):format(field(c, "name"), tostring(field(c, "weight")))
  end
  return #names > 0 and table.concat(names, ", ") or "-"
end

--- Audits one proxy: returns the table text, the number of routes seen and
-- the number flagged.
local function audit(proxy)
  local lines = { "ROUTE CONFIG\tVIRTUAL HOST\tROUTE\tCLUSTER\tFINDINGS" }
  local seen, flagged = 0, 0
  for _, item in ipairs(proxy:routes({})) do
    for _, vhost in ipairs(field(item.raw, "virtual_hosts") or {}) do
      for i, route in ipairs(field(vhost, "routes") or {}) do
        local found = findings(route)
        if found then
          seen = seen + 1
          if #found > 0 then
            flagged = flagged + 1
            lines[#lines + 1] = table.concat({ item.name, field(vhost, "name") or "",
              field(route, "name") or ("#" .. i), destination(field(route, "route")),
              table.concat(found, ", ") }, "\t")
          end
        end
      end
    end
  end
  return tabwriter.format(table.concat(lines, "\n") .. "\n", { padding = 3 }), seen, flagged
end

local total_flagged = 0
for _, p in ipairs(proxies({ ... })) do
  local text, seen, flagged = audit(p.proxy)
  total_flagged = total_flagged + flagged
  print(("%s: %d of %d forwarding routes lack a retry policy or a timeout"):format(p.name, flagged, seen))
  if flagged > 0 then
    io.write(text)
  end
end
if total_flagged > 0 then
  os.exit(1, true)
end
