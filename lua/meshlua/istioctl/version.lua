-- `istioctl version`: the client's version, then (with --remote, the
-- default) the control plane's and the data plane's, as
-- pkg/version/cobra.go prints them. meshlua's istioctl, istiod and proxies
-- are all the release of the current mesh's Istio profile.
local cli = require("meshlua.cli")
local context = require("meshlua.kubectl.context")
local target = require("meshlua.istioctl.target")

local M = {}

-- The profile table of name (meshlua.profiles()), or the default one.
local function profile(name)
  for _, p in ipairs(meshlua.profiles()) do
    if (name and p.name == name) or (not name and p.default) then
      return p
    end
  end
  error(("no Istio profile %q"):format(tostring(name)), 0)
end

--- The versions istioctl reports: client, the control plane's (nil when no
-- istiod runs in istio_namespace), and the data plane's proxies (a list of
-- { id, version }).
function M.versions(istio_namespace)
  local p = profile(context.profile())
  local control, proxies = nil, {}
  local mesh = context.mesh()
  if #target.istiod_pods(mesh, istio_namespace) > 0 then
    control = p.istio_version
    for _, pod in ipairs(target.proxy_pods(mesh)) do
      proxies[#proxies + 1] = { id = pod.name .. "." .. pod.namespace, version = p.istio_version }
    end
  end
  return p.istio_version, control, proxies
end

-- renderProxyVersions: "1.10.3 (12 proxies)", or "none".
local function render_proxies(proxies)
  if #proxies == 0 then
    return "none"
  end
  local counts, order = {}, {}
  for _, p in ipairs(proxies) do
    if not counts[p.version] then
      order[#order + 1] = p.version
    end
    counts[p.version] = (counts[p.version] or 0) + 1
  end
  table.sort(order)
  local parts = {}
  for _, v in ipairs(order) do
    parts[#parts + 1] = ("%s (%d proxies)"):format(v, counts[v])
  end
  return table.concat(parts, ", ")
end

--- The version command.
function M.command()
  return cli.command({
    use = "version",
    short = "Prints out build version information",
    flags = {
      { name = "short", short = "s", type = "bool", default = true, usage = "Use --short=false to generate full version information" },
      { name = "output", short = "o", usage = "One of 'yaml' or 'json'." },
      { name = "remote", type = "bool", default = true, usage = "Use --remote=false to suppress control plane check" },
      { name = "revision", short = "r", usage = "Control plane revision" },
    },
    run = function(ctx)
      local output = ctx.flags.output
      if output ~= "" and output ~= "yaml" and output ~= "json" then
        cli.fail("--output must be 'yaml' or 'json'")
      end
      if output ~= "" or not ctx.flags.short then
        cli.fail("istioctl version: meshlua prints the short form only (no build details are simulated)")
      end
      local client, control, proxies
      if ctx.flags.remote then
        client, control, proxies = M.versions(ctx.flags.istioNamespace)
      else
        client = profile(context.profile()).istio_version
      end
      ctx:write("client version: ", client, "\n")
      if ctx.flags.remote and not control then
        ctx:ewrite(("Istio is not present in the cluster: unable to find any Istio pod in namespace %s\n")
          :format(ctx.flags.istioNamespace))
      end
      if control then
        ctx:write("control plane version: ", control, "\n")
        ctx:write("data plane version: ", render_proxies(proxies), "\n")
      end
      return { client = client, control_plane = control, data_plane = proxies }
    end,
  })
end

return M
