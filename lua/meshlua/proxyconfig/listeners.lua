-- `istioctl proxy-config listeners`: ADDRESSES, PORT, MATCH, DESTINATION,
-- one row per filter chain (istioctl/pkg/writer/envoy/configdump/listener.go).
local pc = require("meshlua.proxyconfig")
local routes = require("meshlua.proxyconfig.routes")

local M = {}

local f, path = pc.field, pc.path

local HCM = "envoy.filters.network.http_connection_manager"
local TCP_PROXY = "envoy.filters.network.tcp_proxy"

-- "The proto bytes contain BlackHoleCluster": any string in the config.
local function mentions_blackhole(t)
  if type(t) == "string" then
    return t:find("BlackHoleCluster", 1, true) ~= nil
  elseif type(t) == "table" then
    for _, v in pairs(t) do
      if mentions_blackhole(v) then
        return true
      end
    end
  end
  return false
end

local function chains(l)
  local res = {}
  for _, c in ipairs(pc.seq(f(l, "filter_chains"))) do
    res[#res + 1] = c
  end
  local default = f(l, "default_filter_chain")
  if default then
    res[#res + 1] = default
  end
  return res
end

--- retrieveListenerType: HTTP, TCP, HTTP+TCP or UNKNOWN.
function M.listener_type(l)
  local http, tcp = 0, 0
  for _, chain in ipairs(chains(l)) do
    for _, filter in ipairs(pc.seq(f(chain, "filters"))) do
      if f(filter, "name") == HCM then
        http = http + 1
      elseif f(filter, "name") == TCP_PROXY and not mentions_blackhole(f(filter, "typed_config")) then
        tcp = tcp + 1
      end
    end
  end
  if http > 0 then
    return tcp == 0 and "HTTP" or "HTTP+TCP"
  end
  return tcp > 0 and "TCP" or "UNKNOWN"
end

-- retrieveListenerAddress; before 1.19 (more = false) the socket address only.
local function address(l, more)
  local a = f(l, "address")
  local sock = f(a, "socket_address")
  if sock then
    return f(sock, "address") or ""
  end
  local pipe = f(a, "pipe")
  return more and pipe and f(pipe, "path") or ""
end

local function port(l)
  return tonumber(path(l, "address", "socket_address", "port_value")) or 0
end

local function addresses(l, more)
  local res = { address(l, more) }
  if not more then
    return res
  end
  for _, extra in ipairs(pc.seq(f(l, "additional_addresses"))) do
    res[#res + 1] = path(extra, "address", "socket_address", "address") or ""
  end
  return res
end

local named_alpns = {
  { "App: HTTP TLS", { "http/1.0", "http/1.1", "h2c", "istio-http/1.0", "istio-http/1.1", "istio-h2" } },
  { "App: Istio HTTP Plain", { "istio", "istio-http/1.0", "istio-http/1.1", "istio-h2" } },
  { "App: TCP TLS", { "istio-peer-exchange", "istio" } },
  { "App: HTTP", { "http/1.0", "http/1.1", "h2c" } },
}

local function same_list(a, b)
  if #a ~= #b then
    return false
  end
  for i = 1, #a do
    if a[i] ~= b[i] then
      return false
    end
  end
  return true
end

--- getMatches: the MATCH column of a filter chain match.
function M.describe_chain_match(m)
  m = pc.seq(m)
  local descrs = {}
  local sni = pc.seq(f(m, "server_names"))
  if #sni > 0 then
    descrs[#descrs + 1] = "SNI: " .. table.concat(sni, ",")
  end
  local tp = f(m, "transport_protocol")
  if tp and tp ~= "" then
    descrs[#descrs + 1] = "Trans: " .. tp
  end
  local alpn = pc.seq(f(m, "application_protocols"))
  if #alpn > 0 then
    local named
    for _, n in ipairs(named_alpns) do
      if same_list(alpn, n[2]) then
        named = n[1]
      end
    end
    descrs[#descrs + 1] = named or ("App: " .. table.concat(alpn, ","))
  end
  local dport = f(m, "destination_port")
  local port_text = dport and (":" .. tostring(dport)) or ""
  local ranges = pc.seq(f(m, "prefix_ranges"))
  if #ranges > 0 then
    local pf = {}
    for _, r in ipairs(ranges) do
      pf[#pf + 1] = ("%s/%d"):format(f(r, "address_prefix") or "", tonumber(f(r, "prefix_len")) or 0)
    end
    descrs[#descrs + 1] = "Addr: " .. table.concat(pf, ",") .. port_text
  elseif port_text ~= "" then
    descrs[#descrs + 1] = "Addr: *" .. port_text
  end
  if #descrs == 0 then
    return "ALL"
  end
  return table.concat(descrs, "; ")
end

-- getMatchAllCluster: one vhost "*" with one route prefix "/" to a cluster.
local function match_all_cluster(rc)
  local vhosts = pc.seq(f(rc, "virtual_hosts"))
  if #vhosts ~= 1 then
    return nil
  end
  local vh = vhosts[1]
  local domains = pc.seq(f(vh, "domains"))
  if #domains ~= 1 or domains[1] ~= "*" then
    return nil
  end
  local rs = pc.seq(f(vh, "routes"))
  if #rs ~= 1 or path(rs[1], "match", "prefix") ~= "/" then
    return nil
  end
  local cluster = path(rs[1], "route", "cluster")
  if not cluster then
    return nil
  end
  return cluster:find("Cluster", 1, true) and cluster or ("Cluster: " .. cluster)
end

local function describe_route_config(rc, path_separated)
  local all = match_all_cluster(rc)
  if all then
    return all
  end
  local vhosts = {}
  for _, vh in ipairs(pc.seq(f(rc, "virtual_hosts"))) do
    local domains = pc.seq(f(vh, "domains"))
    local matches = {}
    for _, r in ipairs(pc.seq(f(vh, "routes"))) do
      matches[#matches + 1] = routes.describe_match(f(r, "match"), path_separated)
    end
    local described = table.concat(matches, ", ")
    if #domains == 1 and domains[1] == "*" then
      vhosts[#vhosts + 1] = described
    else
      vhosts[#vhosts + 1] = table.concat(domains, "/") .. " " .. described
    end
  end
  return "Inline Route: " .. table.concat(vhosts, "; ")
end

--- getFilterType: the DESTINATION column of a chain's filters.
function M.describe_destination(filters, path_separated)
  for _, filter in ipairs(pc.seq(filters)) do
    if f(filter, "name") == HCM then
      local hcm = pc.seq(f(filter, "typed_config"))
      local rc = f(hcm, "route_config")
      if rc then
        return describe_route_config(rc, path_separated)
      end
      local rds = path(hcm, "rds", "route_config_name")
      if rds and rds ~= "" then
        return "Route: " .. rds
      end
      return "HTTP"
    elseif f(filter, "name") == TCP_PROXY then
      local tcp = pc.seq(f(filter, "typed_config"))
      if not mentions_blackhole(tcp) then
        local cluster = f(tcp, "cluster") or ""
        return cluster:find("Cluster", 1, true) and cluster or ("Cluster: " .. cluster)
      end
    end
  end
  return "Non-HTTP/Non-TCP"
end

local function verify(opts, l, info)
  if opts.address and opts.address ~= "" then
    local found = false
    for _, a in ipairs(info.addresses) do
      found = found or a:lower() == opts.address:lower()
    end
    if not found then
      return false
    end
  end
  if opts.port and opts.port ~= 0 and info.port ~= opts.port then
    return false
  end
  if opts.type and opts.type ~= "" and info.type:lower() ~= opts.type:lower() then
    return false
  end
  return true
end

function M.format(items, q)
  local verbose = q.verbose ~= false
  local header = { pc.xds().profile(q.proxy).listener_address_header, "PORT" }
  if verbose then
    header[3], header[4] = "MATCH", "DESTINATION"
  else
    header[3] = "TYPE"
  end
  if q.with_name then
    table.insert(header, 1, "NAME")
  end
  local rows = { header }
  for _, l in ipairs(items) do
    local addrs = table.concat(l.addresses, ",")
    local prefix = q.with_name and { "listener/" .. l.name } or {}
    if verbose then
      for _, chain in ipairs(l.chains) do
        local row = { table.unpack(prefix) }
        row[#row + 1] = addrs
        row[#row + 1] = tostring(l.port)
        row[#row + 1] = chain.match
        row[#row + 1] = chain.destination
        rows[#rows + 1] = row
      end
    else
      local row = { table.unpack(prefix) }
      row[#row + 1] = addrs
      row[#row + 1] = tostring(l.port)
      row[#row + 1] = l.type
      rows[#rows + 1] = row
    end
  end
  return pc.table(rows, 1)
end

M.presenter = {
  name = "listeners",
  tostring = function(items, list)
    return M.format(items, pc.query(list))
  end,
  methods = pc.resource_methods,
}

--- proxy:listeners{address=, port=, type=, verbose=}
function M.view(proxy, opts)
  local profile = pc.xds().profile(proxy)
  local more = profile.listener_more_addresses
  local items = {}
  for _, r in ipairs(pc.active_then_static(proxy, "listener")) do
    local l = r.raw
    local info = {
      name = r.name, resource = r, addresses = addresses(l, more), address = address(l, more),
      port = port(l), type = M.listener_type(l),
    }
    if verify(opts, l, info) then
      local cs = {}
      for _, chain in ipairs(chains(l)) do
        cs[#cs + 1] = {
          name = f(chain, "name"),
          match = M.describe_chain_match(f(chain, "filter_chain_match")),
          destination = M.describe_destination(f(chain, "filters"), profile.match_path_separated),
        }
      end
      pc.sort(proxy, cs, function(a, b)
        return a.destination > b.destination
      end)
      info.chains = cs
      items[#items + 1] = info
    end
  end
  pc.sort(proxy, items, function(a, b)
    if a.port ~= b.port then
      return a.port < b.port
    end
    if a.address ~= b.address then
      return a.address < b.address
    end
    return a.type < b.type
  end)
  return pc.list(pc.items(items), M.presenter, {
    proxy = proxy, verbose = opts.verbose, with_name = opts.with_name,
  })
end

return M
