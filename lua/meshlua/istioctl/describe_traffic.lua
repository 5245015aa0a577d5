-- What istioctl x describe says about traffic to a pod's Service: the
-- DestinationRule and VirtualService the pod's own Envoy configuration
-- names (the istio.config metadata istiod puts on clusters and routes), the
-- subsets the pod matches, and each HTTP route's destinations and matches,
-- worded as istioctl/pkg/describe/describe.go prints them. Also the small
-- helpers the describe files share.
local M = {}

local L0, L1, L2 = "", "   ", "      " -- printLevel0/1/2
local RULE = "--------------------\n"
local SUFFIX = ".svc.cluster.local"

-- A proto field of a resource's raw JSON in either name form.
local field = require("meshlua.proxyconfig").field

-- kname: "name" in the namespace described, "name.ns" elsewhere.
local function kname(o, ns)
  if o.namespace == ns then
    return o.name
  end
  return o.name .. "." .. o.namespace
end

local function extend_fqdn(host)
  if host:sub(1, 1) == "*" or host:sub(-#SUFFIX) == SUFFIX then
    return host
  end
  return host .. SUFFIX
end

-- model.ResolveShortnameToFQDN for a VirtualService in namespace ns.
local function resolve_short(host, ns)
  if host:sub(1, 1) == "*" or host:find(".", 1, true) then
    return host
  end
  return host .. "." .. ns .. SUFFIX
end

-- labels.SelectorFromSet(selector).Matches(labels)
local function matches(selector, labels)
  for k, v in pairs(selector or {}) do
    if labels[k] ~= v then
      return false
    end
  end
  return true
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t or {}) do
    keys[#keys + 1] = k
  end
  table.sort(keys)
  return keys
end


-- The istio.config metadata path of a resource's raw JSON.
local function istio_config(raw)
  local fm = field(field(raw, "metadata"), "filter_metadata")
  local istio = fm and fm.istio
  return istio and istio.config
end

-- getIstioDestinationRuleNameForSvc: from the outbound cluster's metadata.
local function dr_for(proxy, svc, port)
  local fqdn = extend_fqdn(svc.name .. "." .. svc.namespace)
  for _, c in ipairs(proxy:clusters({ fqdn = fqdn, port = port, direction = "outbound" })) do
    local path = istio_config(c.raw)
    if path then
      local ns, name = path:match("/apis/networking[%w.]*/v1[%w]*/namespaces/([^/]+)/destination%-rule/([^/]+)")
      if name then
        return name, ns
      end
    end
  end
end

-- routeDestinationMatchesSvc
local function route_matches_svc(route, vhost, svc, port)
  for _, d in ipairs(field(vhost, "domains") or {}) do
    local s, ns = d:match("^([^.]+)%.([^.]+)%.svc%.cluster%.local$")
    if s == svc.name and ns == svc.namespace then
      return true
    end
  end
  local action = field(route, "route") or {}
  local cluster = field(action, "cluster")
  if not cluster then
    local wc = field(field(action, "weighted_clusters"), "clusters")
    cluster = wc and wc[1] and field(wc[1], "name")
  end
  local s, ns = (cluster or ""):match("^outbound|" .. port .. "|[^|]*|([^.]+)%.([^.]+)%.svc%.cluster%.local$")
  return s == svc.name and ns == svc.namespace
end

-- getIstioVirtualServiceNameForSvc: from the first route of the matching
-- virtual host of route configuration "<port>" (or a gateway's http.*).
local function vs_for(proxy, svc, port)
  for _, item in ipairs(proxy:routes({})) do
    local name = item.name or ""
    if name == tostring(port) or name:find("^http%.") or name:find("^https%.") then
      for _, vhost in ipairs(field(item.raw, "virtual_hosts") or {}) do
        for _, route in ipairs(field(vhost, "routes") or {}) do
          if route_matches_svc(route, vhost, svc, port) then
            local path = istio_config(route) or ""
            local ns, vs = path:match("/apis/networking[%w.]*/v1[%w]*/namespaces/([^/]+)/virtual%-service/([^/]+)")
            return vs, ns
          end
        end
      end
    end
  end
end

local function dr_subsets(dr, labels)
  local yes, no = {}, {}
  for _, s in ipairs(field(dr.manifest.spec, "subsets") or {}) do
    if matches(s.labels, labels) then
      yes[#yes + 1] = s.name
    else
      no[#no + 1] = s.name
    end
  end
  return yes, no
end

local function print_dr(w, indent, dr, labels, ns)
  local spec = dr.manifest.spec or {}
  w(("%sDestinationRule: %s for %q\n"):format(indent, kname(dr, ns), spec.host or ""))
  local yes, no = dr_subsets(dr, labels)
  if #yes > 0 or #no > 0 then
    if #yes == 0 then
      w(("%s%sWARNING POD DOES NOT MATCH ANY SUBSETS.  (Non matching subsets %s)\n"):format(indent, L1,
        table.concat(no, ",")))
    end
    w(("%s%sMatching subsets: %s\n"):format(indent, L1, table.concat(yes, ",")))
    if #no > 0 then
      w(("%s%s(Non-matching subsets %s)\n"):format(indent, L2, table.concat(no, ",")))
    end
  end
  local tp = field(spec, "traffic_policy")
  if not tp then
    w(indent .. L1 .. "No Traffic Policy\n")
  else
    if tp.tls then
      w(("%s%sTraffic Policy TLS Mode: %s\n"):format(indent, L1, tp.tls.mode or "DISABLE"))
    end
    local extra = {}
    if field(tp, "load_balancer") then
      extra[#extra + 1] = "load balancer"
    end
    if field(tp, "connection_pool") then
      extra[#extra + 1] = "connection pool"
    end
    if field(tp, "outlier_detection") then
      extra[#extra + 1] = "outlier detection"
    end
    if #extra > 0 then
      w(("%s%sPolicies: %s\n"):format(indent, L1, table.concat(extra, "/")))
    end
  end
  return yes, no
end

-- renderStringMatch: exact as is, prefix with "*", others as proto text.
local function render_string_match(sm)
  if type(sm) ~= "table" then
    return ""
  end
  if sm.exact then
    return sm.exact
  elseif sm.prefix then
    return sm.prefix .. "*"
  elseif sm.regex then
    return ('regex:"%s"'):format(sm.regex)
  end
  return ""
end

local function render_match(m)
  local s = "Match: "
  if m.uri then
    s = s .. render_string_match(m.uri)
    if field(m, "ignore_uri_case") then
      s = s .. " uncased"
    end
  end
  if m.headers then
    local conds = {}
    for _, k in ipairs(sorted_keys(m.headers)) do
      conds[#conds + 1] = k .. "=" .. render_string_match(m.headers[k])
    end
    s = s .. " when headers are " .. table.concat(conds, "; ")
  end
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

local function render_matches(list)
  if not list or #list == 0 then
    return "everything"
  end
  local out = {}
  for _, m in ipairs(list) do
    out[#out + 1] = render_match(m)
  end
  return table.concat(out, ", ")
end

-- httpRouteMatchSvc: whether a route reaches svc's pods, and what to say.
local function http_route_facts(vs, route, svc, yes, no, dr)
  local svc_host = extend_fqdn(svc.name .. "." .. svc.namespace)
  local facts, notes, match = {}, {}, false
  local function has(list, x)
    for _, v in ipairs(list) do
      if v == x then
        return true
      end
    end
    return false
  end
  for _, dest in ipairs(route.route or {}) do
    local d = dest.destination or {}
    local host = d.host or ""
    if extend_fqdn(resolve_short(host, vs.namespace)) == svc_host then
      local skip = false
      if d.subset and d.subset ~= "" then
        if has(no, d.subset) then
          notes[#notes + 1] = ("Route to non-matching subset %s for (%s)"):format(d.subset, render_matches(route.match))
          skip = true
        elseif not has(yes, d.subset) then
          if not dr then
            notes[#notes + 1] = ("Warning: Route to subset %s but NO DESTINATION RULE defining subsets!"):format(d.subset)
          else
            notes[#notes + 1] = ("Warning: Route to UNKNOWN subset %s; check DestinationRule %s"):format(d.subset,
              kname(dr, svc.namespace))
          end
          skip = true
        end
      end
      if not skip then
        match = true
        if (dest.weight or 0) > 0 then
          local fact = ('Route to host "%s"'):format(host)
          if d.subset and d.subset ~= "" then
            fact = ('%s subset "%s"'):format(fact, d.subset)
          end
          facts[#facts + 1] = ("%s with weight %d%%"):format(fact, dest.weight)
        end
      end
    elseif not d.subset or d.subset == "" then
      facts[#facts + 1] = ('Route to host "%s" with weight %d%%'):format(host, dest.weight or 0)
    else
      facts[#facts + 1] = ("Route to %s with invalid config"):format(host)
    end
  end
  if match then
    local req = {}
    if route.fault then
      req[#req + 1] = "Fault injection " .. require("cjson").encode(route.fault)
    end
    for _, m in ipairs(route.match or {}) do
      req[#req + 1] = render_match(m)
    end
    if #req > 0 then
      facts[#facts + 1] = table.concat(req, ", ")
    end
  elseif #notes > 0 then
    for _, n in ipairs(notes) do
      facts[#facts + 1] = n
    end
  end
  return match, facts
end

local function print_vs(w, indent, vs, svc, yes, no, dr, ns)
  local spec = vs.manifest.spec or {}
  w(("%sVirtualService: %s\n"):format(indent, kname(vs, ns)))
  local http, tcp, tls = spec.http or {}, spec.tcp or {}, spec.tls or {}
  local matched, facts, mismatches = 0, 0, {}
  for _, route in ipairs(http) do
    local ok, found = http_route_facts(vs, route, svc, yes, no, dr)
    if ok then
      matched = matched + 1
      for _, f in ipairs(found) do
        w(indent .. L1 .. f .. "\n")
        facts = facts + 1
      end
    else
      for _, f in ipairs(found) do
        mismatches[#mismatches + 1] = f
      end
    end
  end
  for _, route in ipairs(tcp) do
    local svc_host = extend_fqdn(svc.name .. "." .. svc.namespace)
    for _, dest in ipairs(route.route or {}) do
      if extend_fqdn(resolve_short((dest.destination or {}).host or "", vs.namespace)) == svc_host then
        matched = matched + 1
        break
      end
    end
  end
  if matched == 0 then
    if #http > 0 then
      w(("%s%sWARNING: No destinations match pod subsets (checked %d HTTP routes)\n"):format(indent, L1, #http))
    end
    if #tcp > 0 then
      w(("%s%sWARNING: No destinations match pod subsets (checked %d TCP routes)\n"):format(indent, L1, #tcp))
    end
    for _, m in ipairs(mismatches) do
      w(indent .. L2 .. m .. "\n")
    end
    return
  end
  local possible = #http + #tls + #tcp
  if matched < possible then
    w(("%s%s%d additional destination(s) that will not reach this pod\n"):format(indent, L1, possible - matched))
    if facts == 0 then
      for _, m in ipairs(mismatches) do
        w(indent .. L2 .. m .. "\n")
      end
    end
    return
  end
  if facts == 0 then
    if #http > 0 then
      w(("%s%s%d HTTP route(s)\n"):format(indent, L1, #http))
    end
    if #tcp > 0 then
      w(("%s%s%d TCP route(s)\n"):format(indent, L1, #tcp))
    end
  end
end

M.L0, M.L1, M.L2, M.RULE = L0, L1, L2, RULE
M.field, M.kname, M.matches, M.sorted_keys = field, kname, matches, sorted_keys
M.dr_for, M.vs_for, M.dr_subsets = dr_for, vs_for, dr_subsets
M.print_dr, M.print_vs = print_dr, print_vs

return M
