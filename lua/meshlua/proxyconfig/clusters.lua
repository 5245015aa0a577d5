-- `istioctl proxy-config clusters`: SERVICE FQDN, PORT, SUBSET, DIRECTION,
-- TYPE, DESTINATION RULE (istioctl/pkg/writer/envoy/configdump/cluster.go).
-- Rows, filters and order come from C (xds_view_clusters).
local pc = require("meshlua.proxyconfig")

local M = {}

--- The table text; with_name adds istioctl pc all's NAME column.
function M.format(items, with_name)
  local rows = {}
  if with_name then
    rows[1] = { "NAME", "SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE", "DESTINATION RULE" }
  else
    rows[1] = { "SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE", "DESTINATION RULE" }
  end
  for _, c in ipairs(items) do
    local row
    if c.parsed then
      local subset = c.subset == "" and "-" or c.subset
      row = { c.fqdn, tostring(c.port), subset, c.direction, c.type, c.destination_rule }
      if with_name then
        table.insert(row, 1, "cluster/" .. c.name)
      end
    elseif with_name and #c.name > 0 then
      local name = "cluster/" .. c.name
      row = { name, name, "-", "-", "-", c.type, c.destination_rule }
    else
      -- istioctl prints an unnamed cluster without its NAME cell even in `all`.
      row = { c.name, "-", "-", "-", c.type, c.destination_rule }
    end
    rows[#rows + 1] = row
  end
  return pc.table(rows, 5)
end

M.presenter = {
  name = "clusters",
  tostring = function(items, list)
    return M.format(items, pc.query(list).with_name)
  end,
  methods = pc.resource_methods,
}

--- proxy:clusters{fqdn=, port=, subset=, direction=}
function M.view(proxy, opts)
  local items = pc.xds().clusters(proxy, {
    fqdn = opts.fqdn, port = opts.port, subset = opts.subset, direction = opts.direction,
  })
  return pc.list(pc.items(items), M.presenter, { with_name = opts.with_name })
end

return M
