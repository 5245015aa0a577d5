-- `istioctl dashboard` (dash, d): envoy and controlz. istioctl port-forwards
-- to the pod and prints the local URL (istioctl/pkg/dashboard/dashboard.go);
-- meshlua finds the same pod in the current mesh, serves its Envoy admin
-- interface or istiod's ControlZ on that local port (meshlua.serve_admin,
-- meshlua.serve_controlz, on their own threads, so the REPL and scripts go
-- on) and prints the same URL. The command returns the URL and the server.
local cli = require("meshlua.cli")
local target = require("meshlua.istioctl.target")
local context = require("meshlua.kubectl.context")

local M = {}

-- The servers the dashboards started, by local port: a dashboard opened
-- again on the same port replaces the one before (a second istioctl would
-- find the port taken; here the first one is ours to close).
local running = {}

-- portForward: serve on --port, else on the remote port, else on any free
-- port, as istioctl's port preferences go. start(port) starts a server.
local function serve(ctx, remote_port, start)
  local prefs = ctx.flags.port ~= 0 and { ctx.flags.port } or { remote_port, 0 }
  local last
  for _, port in ipairs(prefs) do
    if running[port] then
      running[port]:close()
      running[port] = nil
    end
    local ok, server = pcall(start, port)
    if ok then
      running[server.port] = server
      return server
    end
    last = server
  end
  cli.fail("failure running port forward process: %s", tostring(last))
end

-- openBrowser: the URL, then what happened to the browser. Scripts and the
-- walkthrough run without a display, so meshlua opens a browser only when
-- --browser is given explicitly (istioctl's default is to open one); with
-- --browser=false it says so as istioctl does.
local function open(ctx, server)
  local link = ("http://%s:%d"):format(ctx.flags.address, server.port)
  ctx:write(link, "\n")
  if not ctx.flags.browser then
    ctx:write("skipping opening a browser")
  elseif ctx.changed.browser and not require("meshlua.dashboard").open_browser(link) then
    ctx:ewrite("Unable to open browser: no xdg-open or chromium found\n")
  end
  return link
end

local function envoy_command()
  return cli.command({
    use = "envoy [<type>/]<name>[.<namespace>]",
    short = "Open Envoy admin web UI",
    long = "Open the Envoy admin dashboard for a sidecar",
    example = table.concat({
      "  # Open Envoy dashboard for the productpage-123-456.default pod",
      "  istioctl dashboard envoy productpage-123-456.default",
      "",
      "  # Open Envoy dashboard for one pod under a deployment",
      "  istioctl dashboard envoy deployment/productpage-v1",
      "",
      "  # with short syntax",
      "  istioctl dash envoy productpage-123-456.default",
      "  istioctl d envoy productpage-123-456.default",
    }, "\n") .. "\n",
    persistent_flags = {
      { name = "selector", short = "l", usage = "Label selector" },
      { name = "ui-port", type = "int", default = 15000, usage = "The component dashboard UI port." },
    },
    run = function(ctx)
      local selector = ctx.flags.selector
      if selector == "" and #ctx.args < 1 then
        ctx:ewrite(ctx.command:usage(), "\n")
        cli.fail("specify a pod or --selector")
      end
      if selector ~= "" and #ctx.args > 0 then
        ctx:ewrite(ctx.command:usage(), "\n")
        cli.fail("name cannot be provided when a selector is specified")
      end
      local namespace = ctx.flags.namespace ~= "" and ctx.flags.namespace or "default"
      local pod
      if selector ~= "" then
        pod = target.pod_by_selector(selector, namespace)
      else
        pod = target.pod(ctx.args[1], namespace, true)
      end
      local proxy = target.pod_envoy(pod)
      local server = serve(ctx, ctx.flags["ui-port"], function(port)
        return meshlua.serve_admin(proxy, { port = port, address = ctx.flags.address })
      end)
      return open(ctx, server), server
    end,
  })
end

local function controlz_command()
  return cli.command({
    use = "controlz [<type>/]<name>[.<namespace>]",
    short = "Open ControlZ web UI",
    long = "Open the ControlZ web UI for a pod in the Istio control plane",
    example = table.concat({
      "  # Open ControlZ web UI for the istiod-56dd66799-jfdvs.istio-system pod",
      "  istioctl dashboard controlz istiod-56dd66799-jfdvs.istio-system",
      "",
      "  # Open ControlZ web UI for any Istiod pod",
      "  istioctl dashboard controlz deployment/istiod.istio-system",
    }, "\n") .. "\n",
    persistent_flags = {
      { name = "ctrlz_port", type = "int", default = 9876, usage = "ControlZ port" },
      { name = "selector", short = "l", usage = "Label selector" },
      { name = "revision", short = "r", usage = "Control plane revision" },
    },
    run = function(ctx)
      local selector, revision = ctx.flags.selector, ctx.flags.revision
      if selector == "" and revision == "" and #ctx.args < 1 then
        ctx:ewrite(ctx.command:usage(), "\n")
        cli.fail("specify a pod, --selector, or --revision")
      end
      if (selector ~= "" and #ctx.args > 0) or (selector ~= "" and revision ~= "")
        or (#ctx.args > 0 and revision ~= "") then
        ctx:ewrite(ctx.command:usage(), "\n")
        cli.fail("only one of name, --selector, or --revision can be specified")
      end
      local pod
      if revision ~= "" then
        selector = "istio.io/rev=" .. revision .. ", app=istiod"
      end
      if selector ~= "" then
        pod = target.pod_by_selector(selector .. ", app=istiod", ctx.flags.istioNamespace)
      else
        -- controlz looks for the pod in the Istio namespace, not -n.
        pod = target.pod(ctx.args[1], ctx.flags.istioNamespace, true)
      end
      local mesh = context.mesh()
      local server = serve(ctx, ctx.flags.ctrlz_port, function(port)
        return meshlua.serve_controlz({ port = port, address = ctx.flags.address, instance = pod.name,
          profile = context.profile(), mesh = mesh })
      end)
      return open(ctx, server), server
    end,
  })
end

--- The dashboard command tree.
function M.command()
  local dashboard = cli.command({
    use = "dashboard",
    aliases = { "dash", "d" },
    short = "Access to Istio web UIs",
    args = function(ctx)
      if #ctx.args ~= 0 then
        cli.fail('unknown dashboard "%s"', ctx.args[1])
      end
    end,
    run = function(ctx)
      ctx:write(ctx.command:help())
    end,
    persistent_flags = {
      { name = "port", short = "p", type = "int", usage = "Local port to listen to" },
      { name = "address", default = "localhost", usage = "Address to listen on. Only accepts IP address or localhost as a value. When localhost is supplied, istioctl will try to bind on both 127.0.0.1 and ::1 and will fail if neither of these address are available to bind." },
      { name = "browser", type = "bool", default = true, usage = "When --browser is supplied as false, istioctl dashboard will not open the browser. Default is true which means istioctl dashboard will always open a browser to view the dashboard." },
    },
  })
  dashboard:add(envoy_command(), controlz_command())
  return dashboard
end

return M
