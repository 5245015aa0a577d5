-- `istioctl proxy-config routes`: NAME, VHOST NAME, DOMAINS, MATCH, VIRTUAL
-- SERVICE, one row per route (istioctl/pkg/writer/envoy/configdump/route.go).
local pc = require("meshlua.proxyconfig")

local M = {}

local f = pc.field

--- describeRouteDomains: drop host:port forms, fold the .svc.cluster.local
-- and .svc duplicates, then "a, b + N more...".
function M.describe_domains(domains)
  domains = pc.seq(domains)
  if #domains == 0 then
    return ""
  end
  if #domains == 1 then
    return tostring(domains[1])
  end
  local without_port = {}
  for _, d in ipairs(domains) do
    d = tostring(d)
    local _, colons = d:gsub(":", "")
    if colons == 0 then
      without_port[#without_port + 1] = d
    elseif colons > 2 and d:sub(-1) == "]" then
      without_port[#without_port + 1] = d
    end
  end
  local unique, delete = {}, {}
  for _, d in ipairs(without_port) do
    unique[d] = true
  end
  for _, h in ipairs(without_port) do
    for _, suffix in ipairs({ ".svc.cluster.local", ".svc" }) do
      if #h > #suffix and h:sub(-#suffix) == suffix and unique[h:sub(1, -#suffix - 1)] then
        delete[h] = true
      end
    end
  end
  local kept = {}
  for _, h in ipairs(without_port) do
    if not delete[h] then
      kept[#kept + 1] = h
    end
  end
  if #kept > 2 then
    return ("%s, %s + %d more..."):format(kept[1], kept[2], #kept - 2)
  end
  return table.concat(kept, ", ")
end

--- describeMatch: prefix*, PathPrefix:p (unless path_separated is false:
-- before 1.21), path, regex r (headers ignored).
function M.describe_match(match, path_separated)
  local conds = {}
  local prefix = f(match, "prefix")
  if prefix and prefix ~= "" then
    conds[#conds + 1] = prefix .. "*"
  end
  local psp = f(match, "path_separated_prefix")
  if psp and psp ~= "" and path_separated ~= false then
    conds[#conds + 1] = "PathPrefix:" .. psp
  end
  local path = f(match, "path")
  if path and path ~= "" then
    conds[#conds + 1] = path
  end
  local regex = f(match, "safe_regex")
  if regex then
    conds[#conds + 1] = "regex " .. (f(regex, "regex") or "")
  end
  return table.concat(conds, " ")
end

local function is_passthrough(route)
  local action = f(route, "route")
  return action ~= nil and f(action, "cluster") == "PassthroughCluster"
end

-- retrieveSortedRouteSlice: dynamic, then static; sort.Slice on Atoi names.
local function sorted_routes(proxy)
  local dynamic = pc.active_then_static(proxy, "route")
  local function atoi(s)
    if s:match("^[+-]?%d+$") then
      return tonumber(s)
    end
  end
  pc.sort(proxy, dynamic, function(a, b)
    local x, y = atoi(a.name), atoi(b.name)
    return x ~= nil and y ~= nil and x < y
  end)
  return dynamic
end

function M.format(items, opts)
  local verbose = opts.verbose ~= false
  local profile = pc.xds().profile(opts.proxy)
  local vhost_col = profile.route_vhost_name
  local rows = {}
  if not verbose then
    rows[1] = { "NAME", "VIRTUAL HOSTS" }
  elseif vhost_col then
    rows[1] = { "NAME", "VHOST NAME", "DOMAINS", "MATCH", "VIRTUAL SERVICE" }
  else
    rows[1] = { "NAME", "DOMAINS", "MATCH", "VIRTUAL SERVICE" }
  end
  for _, item in ipairs(items) do
    local raw = item.resource.raw
    local name = opts.with_name and ("route/" .. item.name) or item.name
    local vhosts = pc.seq(f(raw, "virtual_hosts"))
    if verbose then
      for _, vh in ipairs(vhosts) do
        local domains = M.describe_domains(f(vh, "domains"))
        local routes = pc.seq(f(vh, "routes"))
        local function add(match, vs)
          if vhost_col then
            rows[#rows + 1] = { name, f(vh, "name") or "", domains, match, vs }
          else
            rows[#rows + 1] = { name, domains, match, vs }
          end
        end
        for _, r in ipairs(routes) do
          if not is_passthrough(r) then
            add(M.describe_match(f(r, "match"), profile.match_path_separated),
              pc.describe_management(f(r, "metadata"), profile.management_prefix))
          end
        end
        if #routes == 0 then
          add("/*", "404")
        end
      end
    else
      rows[#rows + 1] = { name, tostring(#vhosts) }
    end
  end
  return pc.table(rows, 5)
end

M.presenter = {
  name = "routes",
  tostring = function(items, list)
    return M.format(items, pc.query(list))
  end,
  methods = pc.resource_methods,
}

--- proxy:routes{name=, verbose=}
function M.view(proxy, opts)
  local items = {}
  for _, r in ipairs(sorted_routes(proxy)) do
    if opts.name == nil or opts.name == "" or opts.name == r.name then
      items[#items + 1] = { name = r.name, resource = r }
    end
  end
  return pc.list(pc.items(items), M.presenter, {
    proxy = proxy, verbose = opts.verbose, with_name = opts.with_name,
  })
end

return M
