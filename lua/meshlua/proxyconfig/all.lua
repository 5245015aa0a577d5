-- `istioctl proxy-config all`: the bootstrap, cluster, listener, route,
-- secret and endpoint tables one after the other, each with a NAME column
-- of "<kind>/<name>" (PrintFullSummary); --with-headers adds a banner to
-- each. The list's items are the six section lists.
local pc = require("meshlua.proxyconfig")

local M = {}

local sections = {
  { "BOOTSTRAP INFO", "bootstrap" },
  { "CLUSTER INFO", "clusters" },
  { "LISTENER INFO", "listeners" },
  { "ROUTE INFO", "routes" },
  { "SECRET INFO", "secrets" },
  { "ENDPOINTS INFO", "eds" },
}

M.presenter = {
  name = "all",
  tostring = function(items, list)
    local q = pc.query(list)
    local out = {}
    for i, section in ipairs(items) do
      if q.with_headers then
        out[#out + 1] = "------ " .. section.title .. " ------\n\n"
      end
      out[#out + 1] = tostring(section.list)
      if i < #items then
        out[#out + 1] = "\n"
      end
    end
    return table.concat(out)
  end,
  methods = {
    json = function(list)
      return pc.query(list).proxy:config_dump()
    end,
    yaml = function(list)
      return pc.yaml_of((pc.query(list).proxy:config_dump():gsub("\n$", "")))
    end,
  },
}

--- proxy:all{with_headers=, and the filters of the other views}
function M.view(proxy, opts)
  local items = {}
  for _, s in ipairs(sections) do
    local o = {}
    for k, v in pairs(opts) do
      o[k] = v
    end
    o.with_name = true
    items[#items + 1] = { title = s[1], kind = s[2], list = pc.view(s[2], proxy, o) }
  end
  return pc.list(items, M.presenter, { with_headers = opts.with_headers, proxy = proxy })
end

return M
