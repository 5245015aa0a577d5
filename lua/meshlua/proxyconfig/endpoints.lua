-- `istioctl proxy-config endpoints`: ENDPOINT, STATUS, OUTLIER CHECK,
-- CLUSTER from Envoy's /clusters?format=json (istioctl/pkg/writer/envoy/
-- clusters/clusters.go); a dump without that document falls back to its EDS.
local pc = require("meshlua.proxyconfig")

local M = {}

local f = pc.field

-- retrieveEndpointAddress (the IP alone), retrieveEndpointPort.
local function address_of(host)
  local addr = f(host, "address")
  local sock = f(addr, "socket_address")
  if sock then
    return f(sock, "address") or "", tonumber(f(sock, "port_value")) or 0
  end
  local pipe = f(addr, "pipe")
  if pipe then
    return "unix://" .. (f(pipe, "path") or ""), 0
  end
  local internal = f(addr, "envoy_internal_address")
  if internal and f(internal, "server_listener_name") then
    return ("envoy://%s/%s"):format(f(internal, "server_listener_name"),
      f(internal, "endpoint_id") or ""), 0
  end
  return "unknown", 0
end

local function eq_fold(a, b)
  return a:lower() == b:lower()
end

-- EndpointFilter.Verify of clusters.go.
local function verify(opts, address, port, cluster, status)
  if opts.address and opts.address ~= "" and not eq_fold(address, opts.address) then
    return false
  end
  if opts.port and opts.port ~= 0 and port ~= opts.port then
    return false
  end
  if opts.cluster and opts.cluster ~= "" and not eq_fold(cluster, opts.cluster) then
    return false
  end
  if opts.status and opts.status ~= "" and not eq_fold(status, opts.status) then
    return false
  end
  return true
end

-- retrieveSortedEndpointClusterSlice: address, then port, then cluster.
local function sort_rows(proxy, rows)
  pc.sort(proxy, rows, function(a, b)
    if a.address == b.address then
      if a.port == b.port then
        return a.cluster < b.cluster
      end
      return a.port < b.port
    end
    return a.address < b.address
  end)
  for _, r in ipairs(rows) do
    r.endpoint = r.port ~= 0 and (r.address .. ":" .. r.port) or r.address
  end
  return rows
end

-- The rows of the /clusters document, and the cluster statuses that have
-- at least one matching host (what -o json prints).
local function status_rows(proxy, status, opts)
  local rows, clusters = {}, {}
  local raw = status.raw
  for i, cs in ipairs(pc.seq(f(raw, "cluster_statuses"))) do
    local cluster, matched = f(cs, "name") or "", false
    for _, host in ipairs(pc.seq(f(cs, "host_statuses"))) do
      local address, port = address_of(host)
      local health = pc.seq(f(host, "health_status"))
      local st = f(health, "eds_health_status") or "UNKNOWN"
      if verify(opts, address, port, cluster, st) then
        matched = true
        rows[#rows + 1] = {
          address = address, port = port, status = st, cluster = cluster,
          outlier_check = f(health, "failed_outlier_check") and "FAILED" or "OK",
        }
      end
    end
    if matched then
      clusters[#clusters + 1] = status:get("cluster_statuses", i)
    end
  end
  return sort_rows(proxy, rows), clusters
end

function M.format(items)
  local rows = { { "ENDPOINT", "STATUS", "OUTLIER CHECK", "CLUSTER" } }
  for _, e in ipairs(items) do
    rows[#rows + 1] = { e.endpoint, e.status, e.outlier_check, e.cluster }
  end
  return pc.table(rows, 5)
end

M.presenter = {
  name = "endpoints",
  tostring = function(items)
    return M.format(items)
  end,
  methods = {
    json = function(list)
      local q = pc.query(list)
      return q.json and q.json() or "[]\n"
    end,
    yaml = function(list)
      local q = pc.query(list)
      return pc.yaml_of(q.json and q.json() or "[]")
    end,
  },
}

--- proxy:endpoints{address=, port=, cluster=, status=}
function M.view(proxy, opts)
  local xds = pc.xds()
  local status = xds.part(proxy, "clusters_status")
  if status then
    local rows, clusters = status_rows(proxy, status, opts)
    return pc.list(rows, M.presenter, {
      json = function()
        return xds.json_list(clusters, "istioctl") .. "\n"
      end,
    })
  end
  -- No /clusters document: the same table from the EDS of the dump.
  local eds, view = xds.eds(proxy, {})
  local rows = {}
  for _, r in ipairs(eds) do
    local sock = pc.path(r.endpoint.raw, "endpoint", "address", "socket_address")
    local address = sock and (pc.field(sock, "address") or "") or r.address
    if verify(opts, address, r.port, r.cluster, r.status) then
      rows[#rows + 1] = {
        address = address, port = r.port, status = r.status, cluster = r.cluster,
        outlier_check = "OK", resource = r.resource,
      }
    end
  end
  return pc.list(pc.items(sort_rows(proxy, rows)), M.presenter, {
    json = function()
      return view:json() .. "\n"
    end,
  })
end

return M
