-- kubectl's tables: the columns `kubectl get` prints for each kind
-- (k8s.io/kubernetes pkg/printers/internalversion/printers.go, and the Istio
-- CRDs' additionalPrinterColumns), -o wide, -L label columns, -A, laid out
-- by Go's tabwriter as kubectl configures it (minwidth 6, padding 3). Also
-- the list presenters the mesh binding uses: tostring(list) is the table,
-- list:json() and list:yaml() are -o json / -o yaml.
local tabwriter = require("meshlua.tabwriter")
local duration = require("meshlua.kube.duration")
local resource = require("meshlua.kube.resource")

local M = {}

local function age(obj, now)
  return duration.human(now - obj.created)
end

local function none(s)
  if s == nil or s == "" then
    return "<none>"
  end
  return s
end

--- "k=v,k2=v2" with keys sorted, "<none>" when empty (labels.FormatLabels).
function M.format_labels(t)
  local keys = {}
  for k in pairs(t or {}) do
    keys[#keys + 1] = k
  end
  table.sort(keys)
  for i, k in ipairs(keys) do
    keys[i] = k .. "=" .. t[k]
  end
  return none(table.concat(keys, ","))
end

-- The value of a CRD printer column: strings as they are, lists as compact
-- JSON (as kubectl's JSONPath printer writes them), nothing when absent.
local function crd_cell(v)
  if v == nil then
    return ""
  end
  if type(v) == "table" then
    local parts = {}
    for i, item in ipairs(v) do
      parts[i] = ('"%s"'):format(tostring(item):gsub('[\\"]', "\\%0"))
    end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  return tostring(v)
end

local function spec_of(obj)
  return (obj.manifest or {}).spec or {}
end

-- Container names and images joined by "," (layoutContainerCells).
local function containers(obj)
  local names, images = {}, {}
  for i, c in ipairs(obj.containers or {}) do
    names[i], images[i] = c.name, c.image
  end
  return table.concat(names, ","), table.concat(images, ",")
end

-- The -o wide columns of the workloads that print their selector
-- (printDeployment, printDaemonSet): containers, images, selector.
local containers_selector_headers = { "CONTAINERS", "IMAGES", "SELECTOR" }
local function containers_selector(obj)
  local names, images = containers(obj)
  return { names, images, obj.selector }
end

-- "80/TCP,443:30443/TCP" (makePortString).
local function ports(obj)
  local parts = {}
  for i, p in ipairs(obj.ports or {}) do
    if p.node_port then
      parts[i] = ("%d:%d/%s"):format(p.port, p.node_port, p.protocol)
    else
      parts[i] = ("%d/%s"):format(p.port, p.protocol)
    end
  end
  return none(table.concat(parts, ","))
end

-- kubectl's ENDPOINTS cell: at most 3 ip:port, then " + N more..."
-- (formatEndpoints); ready addresses only: "<none>" when the Endpoints
-- has no subsets, an empty cell when its addresses are all not ready.
local function endpoints_cell(obj)
  local list, count = {}, 0
  local eps = obj:endpoints()
  for _, ep in ipairs(eps) do
    if ep.ready then
      count = count + 1
      if #list < 3 then
        list[#list + 1] = ep.port and (ep.ip .. ":" .. ep.port) or ep.ip
      end
    end
  end
  if #eps == 0 then
    return "<none>"
  end
  local text = table.concat(list, ",")
  if count > 3 then
    text = ("%s + %d more..."):format(text, count - 3)
  end
  return text
end

--- The columns of each kind: headers, cells(obj, now), and the -o wide
-- extras.
M.kinds = {
  namespaces = {
    headers = { "NAME", "STATUS", "AGE" },
    cells = function(o, now)
      return { o.name, "Active", age(o, now) }
    end,
  },
  pods = {
    headers = { "NAME", "READY", "STATUS", "RESTARTS", "AGE" },
    cells = function(o, now)
      local total = #(o.containers or {}) + (o.sidecar and 1 or 0)
      local ready = o.ready and total or 0
      return { o.name, ("%d/%d"):format(ready, total), "Running", "0", age(o, now) }
    end,
    wide_headers = { "IP", "NODE", "NOMINATED NODE", "READINESS GATES" },
    wide = function(o)
      return { none(o.ip), none(o.node), "<none>", "<none>" }
    end,
  },
  services = {
    headers = { "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE" },
    cells = function(o, now)
      local external = "<none>"
      if o.type == "ExternalName" then
        external = o.external_name
      elseif o.type == "LoadBalancer" then
        external = "<pending>"
      end
      return { o.name, o.type, none(o.cluster_ip), external, ports(o), age(o, now) }
    end,
    wide_headers = { "SELECTOR" },
    wide = function(o)
      return { M.format_labels(o.selector) }
    end,
  },
  deployments = {
    headers = { "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE" },
    cells = function(o, now)
      return { o.name, ("%d/%d"):format(o.ready_replicas, o.replicas), tostring(o.updated_replicas),
        tostring(o.available_replicas), age(o, now) }
    end,
    wide_headers = containers_selector_headers,
    wide = containers_selector,
  },
  statefulsets = {
    headers = { "NAME", "READY", "AGE" },
    cells = function(o, now)
      return { o.name, ("%d/%d"):format(o.ready_replicas, o.replicas), age(o, now) }
    end,
    wide_headers = { "CONTAINERS", "IMAGES" },
    wide = function(o)
      local names, images = containers(o)
      return { names, images }
    end,
  },
  daemonsets = {
    headers = { "NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR",
      "AGE" },
    cells = function(o, now)
      local node_selector = ((spec_of(o).template or {}).spec or {}).nodeSelector
      return { o.name, "1", tostring(o.current_replicas), tostring(o.ready_replicas),
        tostring(o.updated_replicas), tostring(o.available_replicas), M.format_labels(node_selector),
        age(o, now) }
    end,
    wide_headers = containers_selector_headers,
    wide = containers_selector,
  },
  serviceaccounts = {
    headers = { "NAME", "SECRETS", "AGE" },
    cells = function(o, now)
      return { o.name, tostring(#((o.manifest or {}).secrets or {})), age(o, now) }
    end,
  },
  endpoints = {
    headers = { "NAME", "ENDPOINTS", "AGE" },
    cells = function(o, now)
      return { o.name, endpoints_cell(o), age(o, now) }
    end,
  },
  virtualservices = {
    headers = { "NAME", "GATEWAYS", "HOSTS", "AGE" },
    cells = function(o, now)
      local s = spec_of(o)
      return { o.name, crd_cell(s.gateways), crd_cell(s.hosts), age(o, now) }
    end,
  },
  destinationrules = {
    headers = { "NAME", "HOST", "AGE" },
    cells = function(o, now)
      return { o.name, crd_cell(spec_of(o).host), age(o, now) }
    end,
  },
  gateways = {
    headers = { "NAME", "AGE" },
    cells = function(o, now)
      return { o.name, age(o, now) }
    end,
  },
  serviceentries = {
    headers = { "NAME", "HOSTS", "LOCATION", "RESOLUTION", "AGE" },
    cells = function(o, now)
      local s = spec_of(o)
      return { o.name, crd_cell(s.hosts), crd_cell(s.location), crd_cell(s.resolution), age(o, now) }
    end,
  },
  sidecars = {
    headers = { "NAME", "AGE" },
    cells = function(o, now)
      return { o.name, age(o, now) }
    end,
  },
  peerauthentications = {
    headers = { "NAME", "MODE", "AGE" },
    cells = function(o, now)
      return { o.name, crd_cell((spec_of(o).mtls or {}).mode), age(o, now) }
    end,
  },
}

-- -L columns: the key's last path segment upper-cased (formatLabelHeaders).
local function label_headers(keys)
  local out = {}
  for i, k in ipairs(keys or {}) do
    out[i] = (k:match("([^/]*)$")):upper()
  end
  return out
end

--- One object's row (the cells, without header), as a string.
function M.row(obj, opts, now)
  opts = opts or {}
  local kind = M.kinds[opts.kind or obj.resource]
  local cells = {}
  if opts.all_namespaces then
    cells[1] = obj.namespace
  end
  for _, c in ipairs(kind.cells(obj, now or obj.mesh.now)) do
    cells[#cells + 1] = c
  end
  if opts.wide and kind.wide then
    for _, c in ipairs(kind.wide(obj)) do
      cells[#cells + 1] = c
    end
  end
  local labels = obj.labels
  for _, k in ipairs(opts.label_columns or {}) do
    cells[#cells + 1] = labels[k] or ""
  end
  return cells
end

--- kubectl get's table for items (objects of one kind). opts: kind (the
-- resource plural), wide, all_namespaces, label_columns, now.
function M.table(items, opts)
  local kind = M.kinds[opts.kind]
  local header = {}
  if opts.all_namespaces then
    header[1] = "NAMESPACE"
  end
  for _, h in ipairs(kind.headers) do
    header[#header + 1] = h
  end
  if opts.wide and kind.wide_headers then
    for _, h in ipairs(kind.wide_headers) do
      header[#header + 1] = h
    end
  end
  for _, h in ipairs(label_headers(opts.label_columns)) do
    header[#header + 1] = h
  end
  local lines = { table.concat(header, "\t") }
  for _, obj in ipairs(items) do
    lines[#lines + 1] = table.concat(M.row(obj, opts, opts.now), "\t")
  end
  return tabwriter.format(table.concat(lines, "\n") .. "\n", { minwidth = 6, padding = 3 })
end

--- tostring(obj): the object's row of kubectl get, without the header.
function M.line(obj)
  local row = M.row(obj)
  return (tabwriter.format(table.concat(row, "\t") .. "\n", { minwidth = 6, padding = 3 })
    :gsub("\n$", ""))
end

--- obj:json() -> kubectl get <kind> <name> -o json.
function M.object_json(obj)
  return resource.list_text({ obj }, { by_name = true }, "json")
end

--- obj:yaml() -> kubectl get <kind> <name> -o yaml.
function M.object_yaml(obj)
  return resource.list_text({ obj }, { by_name = true }, "yaml")
end

--- What kubectl says when nothing matched (on stderr).
function M.empty_message(opts)
  if opts.all_namespaces or not opts.namespaced then
    return "No resources found\n"
  end
  return ("No resources found in %s namespace.\n"):format(opts.namespace or "default")
end

local function list_tostring(items)
  local opts = items.opts or {}
  if #items == 0 then
    return M.empty_message(opts)
  end
  return M.table(items, opts)
end

--- A presenter for a list of objects printed with opts (see M.table; also
-- namespace and namespaced for the empty message, by_name for the -o
-- json/yaml of one object asked for by name). The list's items table
-- carries opts too (items.opts), for tostring.
function M.presenter(opts)
  return {
    name = opts.kind,
    tostring = list_tostring,
    methods = {
      --- list:json() -> kubectl get -o json (a List, or the object itself
      -- when it was asked for by name).
      json = function(list)
        return resource.list_text(list:items(), opts, "json")
      end,
      --- list:yaml() -> kubectl get -o yaml.
      yaml = function(list)
        return resource.list_text(list:items(), opts, "yaml")
      end,
    },
  }
end

--- The presenter of operation results: kubectl's lines, one per change
-- ("deployment.apps/web-frontend created", `deployment.apps "x" deleted`).
M.changes_presenter = {
  name = "changes",
  tostring = function(items)
    local lines = {}
    for i, c in ipairs(items) do
      if c.action == "deleted" then
        lines[i] = ('%s "%s" deleted'):format(c.resource, c.name)
      elseif c.action == "not found" then
        lines[i] = ('Error from server (NotFound): %s "%s" not found'):format(c.plural, c.name)
      else
        lines[i] = ("%s/%s %s"):format(c.resource, c.name, c.action)
      end
    end
    return table.concat(lines, "\n") .. (#lines > 0 and "\n" or "")
  end,
}

return M
