-- `istioctl proxy-config bootstrap`: -o short prints the Istio and Envoy
-- versions (PrintBootstrapSummary), the default -o json the
-- BootstrapConfigDump through legacy jsonpb (PrintBootstrapDump).
local pc = require("meshlua.proxyconfig")

local M = {}

local f, path = pc.field, pc.path

--- The three version lines' values of a Bootstrap table.
function M.versions(bootstrap)
  local node = pc.seq(f(bootstrap, "node"))
  local md = pc.seq(f(node, "metadata"))
  local istio = type(md.ISTIO_VERSION) == "string" and md.ISTIO_VERSION or ""
  local sha = type(md.ISTIO_PROXY_SHA) == "string" and md.ISTIO_PROXY_SHA or ""
  local parts = {}
  for part in (sha .. ":"):gmatch("(.-):") do
    parts[#parts + 1] = part
  end
  if #parts > 1 then
    sha = parts[2]
  end
  local build = pc.seq(f(node, "user_agent_build_version"))
  local v = pc.seq(f(build, "version"))
  local bmd = pc.seq(f(build, "metadata"))
  local envoy = ("%d.%d.%d"):format(tonumber(f(v, "major_number")) or 0,
    tonumber(f(v, "minor_number")) or 0, tonumber(f(v, "patch")) or 0)
  if bmd["build.label"] then
    envoy = envoy .. "-" .. tostring(bmd["build.label"])
  end
  for _, key in ipairs({ "revision.status", "build.type", "ssl.version" }) do
    if bmd[key] then
      envoy = envoy .. "/" .. tostring(bmd[key])
    end
  end
  return istio, sha, envoy
end

function M.summary(bootstrap)
  local istio, sha, envoy = M.versions(bootstrap)
  local rows = {}
  if #istio > 0 then
    rows[#rows + 1] = { "Istio Version:", istio }
  end
  if #sha > 0 then
    rows[#rows + 1] = { "Istio Proxy Version:", sha }
  end
  if #envoy > 0 then
    rows[#rows + 1] = { "Envoy Version:", envoy }
  end
  return pc.table(rows, 1)
end

local function dump_json(list)
  local dump = list[1] and list[1].dump
  return dump:json("jsonpb", true) .. "\n"
end

M.presenter = {
  name = "bootstrap",
  tostring = function(items, list)
    if pc.query(list).output == "json" then
      return dump_json(list)
    end
    return M.summary(items[1].raw)
  end,
  methods = {
    json = dump_json,
    yaml = function(list)
      return pc.yaml_of((dump_json(list):gsub("\n$", "")))
    end,
    short = function(list)
      return M.summary(list[1].raw)
    end,
  },
}

--- The bootstrap handle of proxy, or an error as istioctl reports it.
function M.find(proxy)
  local dump = pc.xds().part(proxy, "bootstrap_dump")
  local bootstrap = pc.xds().part(proxy, "bootstrap")
  if not dump or not bootstrap then
    error(("%s: config dump has no configuration type "
      .. "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump"):format(proxy.source), 0)
  end
  return bootstrap, dump
end

--- proxy:bootstrap{output=} ("short" by default for tostring; "json" makes
-- tostring print what istioctl's default -o json prints).
function M.view(proxy, opts)
  local bootstrap, dump = M.find(proxy)
  local item = setmetatable({ name = "bootstrap", resource = bootstrap, dump = dump }, pc.item_mt)
  return pc.list({ item }, M.presenter, { output = opts.output })
end

return M
