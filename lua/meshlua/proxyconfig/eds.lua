-- `istioctl proxy-config eds` (hidden command; also the ENDPOINTS section of
-- `pc all`): NAME, STATUS, LOCALITY, CLUSTER from the EndpointsConfigDump
-- of config_dump?include_eds (istioctl/pkg/writer/envoy/configdump/endpoint.go).
local pc = require("meshlua.proxyconfig")

local M = {}

function M.format(items, with_name)
  local rows = { { "NAME", "STATUS", "LOCALITY", "CLUSTER" } }
  for _, e in ipairs(items) do
    local name = with_name and ("endpoint/" .. e.address) or e.address
    rows[#rows + 1] = { name, e.status, e.locality, e.cluster }
  end
  return pc.table(rows, 5)
end

local function json(list)
  local view = pc.query(list).view
  return view:json() .. "\n"
end

M.presenter = {
  name = "endpoints",
  tostring = function(items, list)
    return M.format(items, pc.query(list).with_name)
  end,
  methods = {
    json = json,
    yaml = function(list)
      return pc.yaml_of(json(list))
    end,
  },
}

--- proxy:eds{address=, port=, cluster=, status=}
function M.view(proxy, opts)
  local rows, view = pc.xds().eds(proxy, {
    address = opts.address, port = opts.port, cluster = opts.cluster, status = opts.status,
  })
  for _, row in ipairs(rows) do
    row.name = row.address
  end
  return pc.list(pc.items(rows), M.presenter, { view = view, with_name = opts.with_name })
end

return M
