-- istioctl proxy-config, the presentation side: each view module builds the
-- rows of one `istioctl proxy-config <kind>` table from a proxy (rows of the
-- big tables come from C through meshlua._xds) and returns a list whose
-- tostring is istioctl's output byte for byte, :json() its -o json and
-- :yaml() its -o yaml (each exactly what istioctl writes to stdout, final
-- newline included).
local M = {}

local tabwriter = require("meshlua.tabwriter")

local modules = {
  listeners = "meshlua.proxyconfig.listeners",
  routes = "meshlua.proxyconfig.routes",
  clusters = "meshlua.proxyconfig.clusters",
  endpoints = "meshlua.proxyconfig.endpoints",
  eds = "meshlua.proxyconfig.eds",
  secrets = "meshlua.proxyconfig.secrets",
  bootstrap = "meshlua.proxyconfig.bootstrap",
  ecds = "meshlua.proxyconfig.ecds",
  all = "meshlua.proxyconfig.all",
}

--- The C helpers (src/lua/l_views.c).
function M.xds()
  return meshlua._xds
end

--- Sorts array in place as istioctl's Go sort.Slice does for proxy's
-- profile (ties and inconsistent comparisons land where istioctl's do).
function M.sort(proxy, array, less)
  return M.xds().gosort(array, less, M.xds().profile(proxy).go_sort)
end

-- The Lua types of the options named as istioctl's string and number flags
-- (booleans such as verbose are taken for their truth, as Lua does).
local option_types = {
  address = "string", type = "string", name = "string", fqdn = "string", subset = "string",
  direction = "string", cluster = "string", status = "string", port = "number",
}

--- Builds the view kind of proxy with opts (a table of istioctl's flags);
-- an option of the wrong type is the caller's error, named as such.
function M.view(kind, proxy, opts)
  if opts ~= nil and type(opts) ~= "table" then
    error(("proxy:%s: options must be a table, got %s"):format(kind, type(opts)), 3)
  end
  for key, want in pairs(option_types) do
    local v = opts and opts[key]
    if v ~= nil and type(v) ~= want then
      error(("proxy:%s: option %s must be a %s, got %s"):format(kind, key, want, type(v)), 3)
    end
  end
  return require(modules[kind]).view(proxy, opts or {})
end

-- What each list was built from, for its :json() and :yaml() (weak keys:
-- the query lives as long as its list).
local queries = setmetatable({}, { __mode = "k" })

--- The resources of kind ("listener", "route") in the order istioctl's
-- retrieve functions read a config dump: the dynamic ones in their active
-- state, then the static ones (warming and draining ones are left out).
function M.active_then_static(proxy, kind)
  local dynamic, static = {}, {}
  for _, r in ipairs(M.xds().resources(proxy, kind)) do
    if r.state == "active" then
      dynamic[#dynamic + 1] = r
    elseif r.state == "static" then
      static[#static + 1] = r
    end
  end
  for _, r in ipairs(static) do
    dynamic[#dynamic + 1] = r
  end
  return dynamic
end

--- Makes a list of items with presenter and remembers query for it.
function M.list(items, presenter, query)
  local list = meshlua.list(items, presenter)
  queries[list] = query or {}
  return list
end

--- The query a list was built from.
function M.query(list)
  return queries[list] or {}
end

local function width(s)
  return utf8.len(s) or #s
end

--- Formats rows (lists of cells, each row printed with a final newline) as
-- Go's tabwriter (minwidth 0, pad ' ') with padding. When every row has as
-- many cells, every column is one block of tabwriter's and its width is
-- the widest cell plus padding: that case (10,000-row tables) is laid out
-- here directly; ragged rows go through meshlua.tabwriter.
function M.table(rows, padding)
  local ncol = rows[1] and #rows[1] or 0
  for _, row in ipairs(rows) do
    for j = 1, #row do
      if type(row[j]) ~= "string" then
        row[j] = tostring(row[j] == nil and "" or row[j])
      end
    end
  end
  for _, row in ipairs(rows) do
    if #row ~= ncol then
      return tabwriter.rows(rows, { padding = padding })
    end
  end
  local nrow, cellw, widths = #rows, {}, {}
  for j = 1, ncol - 1 do
    local w = 0
    for i = 1, nrow do
      local cw = width(rows[i][j])
      cellw[(i - 1) * ncol + j] = cw
      if cw > w then
        w = cw
      end
    end
    widths[j] = w + padding
  end
  local pads = setmetatable({}, {
    __index = function(t, n)
      local pad = string.rep(" ", n)
      t[n] = pad
      return pad
    end,
  })
  local out, buf = {}, {}
  for i = 1, nrow do
    local row, base = rows[i], (i - 1) * ncol
    for j = 1, ncol - 1 do
      buf[2 * j - 1] = row[j]
      buf[2 * j] = pads[widths[j] - cellw[base + j]]
    end
    buf[2 * ncol - 1] = row[ncol]
    buf[2 * ncol] = "\n"
    out[i] = table.concat(buf, "", 1, 2 * ncol)
  end
  return table.concat(out)
end

--- field(t, "route_config_name"): a proto field in snake_case or lowerCamel.
function M.field(t, snake)
  if type(t) ~= "table" then
    return nil
  end
  local v = t[snake]
  if v == nil then
    v = t[(snake:gsub("_(%w)", string.upper))]
  end
  return v
end

--- v when it is a table (a JSON list or map), else an empty table: dumps
-- that do not follow the protos must not break a view.
function M.seq(v)
  return type(v) == "table" and v or {}
end

--- field along a path: M.path(t, "address", "socket_address", "port_value").
function M.path(t, ...)
  for i = 1, select("#", ...) do
    t = M.field(t, (select(i, ...)))
    if t == nil then
      return nil
    end
  end
  return t
end

--- istioctl's describeManagement of a Metadata table; prefix is the
-- profile's management_prefix (default "/apis/networking.istio.io/").
function M.describe_management(metadata, prefix)
  prefix = prefix or "/apis/networking.istio.io/"
  local istio = M.field(metadata, "filter_metadata")
  istio = istio and istio.istio
  local config = istio and istio.config
  if type(config) ~= "string" then
    return ""
  end
  if config:sub(1, #prefix) == prefix then
    local pieces = {}
    for piece in (config .. "/"):gmatch("(.-)/") do
      pieces[#pieces + 1] = piece
    end
    if #pieces ~= 8 then
      return ""
    end
    return pieces[8] .. "." .. pieces[6]
  end
  return "<unknown>"
end

--- Item metatable: rows expose their resource's .raw, :json() and :yaml().
M.item_mt = {
  __index = function(item, key)
    local res = rawget(item, "resource")
    if key == "raw" then
      return res and res.raw
    elseif key == "json" then
      return function(self, ...)
        return rawget(self, "resource"):json(...)
      end
    elseif key == "yaml" then
      return function(self)
        return rawget(self, "resource"):yaml()
      end
    end
  end,
}

--- Gives every item the item metatable; returns items.
function M.items(items)
  for _, item in ipairs(items) do
    setmetatable(item, M.item_mt)
  end
  return items
end

--- istioctl's -o json of a list of resources (MessageSlice + Println).
function M.json_of(items)
  local handles = {}
  for i, item in ipairs(items) do
    handles[i] = item.resource
  end
  return M.xds().json_list(handles, "istioctl") .. "\n"
end

--- JSONToYAML of json text, as istioctl prints it (with Println's newline).
function M.yaml_of(json)
  return M.xds().yaml(json) .. "\n"
end

--- Presenter methods shared by the resource lists.
M.resource_methods = {
  json = function(list)
    return M.json_of(list:items())
  end,
  yaml = function(list)
    return M.yaml_of(M.json_of(list:items()))
  end,
}

return M
