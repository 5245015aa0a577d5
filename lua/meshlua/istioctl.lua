-- `istioctl` as a Lua facade: the command line istioctl takes, run against
-- the current mesh (meshlua.kubectl.context) or a config dump (--file),
-- printing what istioctl prints. The global `istioctl(line)` (prelude.lua)
-- calls run(); scripts and tutorials call exec() to get the output as text.
--
--   local istioctl = require("meshlua.istioctl")
--   local r = istioctl.exec("pc clusters deployment/web-frontend --fqdn customers.default.svc.cluster.local")
--   print(r.code, r.out)        -- 0, the table; r.values[1] is the list
--
-- Errors read as istioctl's: cobra prints "Error: <message>" (and "Run
-- 'istioctl --help' for usage." after an unknown command); usage mistakes
-- exit 64 (istioctl/cmd/sysexits.go), other failures 1.
local cli = require("meshlua.cli")

local M = {}

local function root()
  local istioctl = cli.command({
    use = "istioctl",
    short = "Istio control interface.",
    long = "Istio configuration command line utility for service operators to\n"
      .. "debug and diagnose their Istio mesh.\n",
    persistent_flags = {
      { name = "context", usage = "Kubernetes configuration context" },
      { name = "istioNamespace", short = "i", default = "istio-system", usage = "Istio system namespace" },
      { name = "kubeconfig", short = "c", usage = "Kubernetes configuration file" },
      { name = "namespace", short = "n", usage = "Kubernetes namespace" },
      { name = "vklog", type = "int", hidden = true, usage = "number for the log level verbosity" },
    },
  })
  istioctl:add(require("meshlua.istioctl.proxy_config").command())
  istioctl:add(require("meshlua.istioctl.experimental").command())
  istioctl:add(require("meshlua.istioctl.dashboard").command())
  istioctl:add(require("meshlua.istioctl.version").command())
  istioctl:add(require("meshlua.istioctl.analyze").command())
  return istioctl
end

-- cobra prints "Error: " and the message; an unknown command adds a usage
-- hint. istioctl's GetExitCode: parse errors (flags, unknown commands) 64.
local function format_error(cmd, err)
  local text = "Error: " .. err.message .. "\n"
  local code = err.exit_code or 1
  if err.kind == "command" then
    text = text .. ("Run '%s --help' for usage.\n"):format(cmd:path())
    code = 64
  elseif err.kind == "flag" or err.message:find("unknown command", 1, true) then
    code = 64
  end
  return text, code
end

local tool = cli.tool({ name = "istioctl", root = root, format_error = format_error })

--- Runs an istioctl command line (a string, or a list of words) and returns
-- its result: { code, out, err, values, error } (see meshlua.cli.execute).
M.exec = tool.exec

--- Runs a command line, printing its output as istioctl would, and returns
-- what it produced (a proxy-config list, ...). A failure raises an error
-- object whose tostring is istioctl's text (fields code, message); with
-- opts.interactive (the REPL) it prints the text and returns only whether
-- the command succeeded.
M.run = tool.run

--- The command tree (for help and completion).
M.root = tool.root

return M
