-- `istioctl proxy-config ecds`: ECDS NAME, TYPE sorted by type URL then name
-- (PrintEcdsSummary); -o json is protojson of the merged EcdsConfigDump.
local pc = require("meshlua.proxyconfig")

local M = {}

local function type_url(item)
  local tc = pc.field(item.resource.raw, "typed_config")
  local url = type(tc) == "table" and tc["@type"]
  return type(url) == "string" and url or ""
end

function M.format(items)
  local rows = { { "ECDS NAME", "TYPE" } }
  for _, e in ipairs(items) do
    rows[#rows + 1] = { e.name, (e.type_url:gsub("^type%.googleapis%.com/", "", 1)) }
  end
  return pc.table(rows, 5)
end

local function json(list)
  local entries = pc.query(list).entries
  if #entries == 0 then
    return "{}\n"
  end
  return "{\n    \"ecdsFilters\": " .. pc.xds().json_list(entries, "protojson", true, 1) .. "\n}\n"
end

M.presenter = {
  name = "ecds",
  tostring = function(items)
    return M.format(items)
  end,
  methods = {
    json = json,
    yaml = function(list)
      return pc.yaml_of((json(list):gsub("\n$", "")))
    end,
  },
}

--- proxy:ecds()
function M.view(proxy)
  local items, entries = {}, {}
  for _, r in ipairs(pc.xds().resources(proxy, "ecds")) do
    local item = { name = r.name, resource = r }
    item.type_url = type_url(item)
    items[#items + 1] = item
    entries[#entries + 1] = r.entry
  end
  pc.sort(proxy, items, function(a, b)
    if a.type_url == b.type_url then
      return a.name < b.name
    end
    return a.type_url < b.type_url
  end)
  return pc.list(pc.items(items), M.presenter, { entries = entries })
end

return M
