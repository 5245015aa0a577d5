-- `kubectl` as a Lua facade: the command lines kubectl takes, run against the
-- current mesh (meshlua.kubectl.context), printing what kubectl prints. The
-- global `kubectl(line)` (prelude.lua) calls run(); scripts and tutorials
-- call exec() to get the output as text.
--
--   local kubectl = require("meshlua.kubectl")
--   kubectl.use(meshlua.mesh({ profile = "seed" }))
--   local r = kubectl.exec("label namespace default istio-injection=enabled")
--   print(r.code, r.out)        -- 0, "namespace/default labeled\n"
--
-- Errors read as kubectl's (pkg/cmd/util/helpers.go checkErr): API errors
-- as "Error from server (NotFound): ...", others as "error: ...", flag
-- errors followed by "See 'kubectl get --help' for usage."; exit status 1.
local cli = require("meshlua.cli")
local context = require("meshlua.kubectl.context")

local M = {}

local function root()
  local kubectl = cli.command({
    use = "kubectl",
    short = "kubectl controls the Kubernetes cluster manager",
    long = "kubectl controls the Kubernetes cluster manager.\n\n"
      .. " Find more information at: https://kubernetes.io/docs/reference/kubectl/",
    persistent_flags = {
      { name = "namespace", short = "n", usage = "If present, the namespace scope for this CLI request" },
      { name = "context", usage = "The name of the kubeconfig context to use" },
      { name = "kubeconfig", usage = "Path to the kubeconfig file to use for CLI requests." },
      { name = "cluster", usage = "The name of the kubeconfig cluster to use" },
      { name = "user", usage = "The name of the kubeconfig user to use" },
      { name = "server", short = "s", usage = "The address and port of the Kubernetes API server" },
      { name = "request-timeout", default = "0", usage = "The length of time to wait before giving up on a single server request. Non-zero values should contain a corresponding time unit (e.g. 1s, 2m, 3h). A value of zero means don't timeout requests." },
      { name = "v", short = "v", type = "int", usage = "number for the log level verbosity" },
    },
  })
  local mutate = require("meshlua.kubectl.mutate")
  kubectl:add(mutate.apply(), mutate.delete(), mutate.label(), mutate.scale(), mutate.rollout())
  kubectl:add(require("meshlua.kubectl.get").command())
  kubectl:add(require("meshlua.kubectl.describe").command())
  return kubectl
end

-- checkErr: API status errors and messages that already carry their
-- prefix print as they are; anything else gets "error: ".
local function format_error(_, err)
  local text = err.message
  if err.reason then
    text = ("Error from server (%s): %s"):format(err.reason, text)
  elseif not text:find("^error: ") and not text:find("^Error from server") then
    text = "error: " .. text
  end
  -- fatal(): a newline unless the message already ends with one.
  if text:sub(-1) ~= "\n" then
    text = text .. "\n"
  end
  return text, err.exit_code or 1
end

-- The templater's FlagErrorFunc (pkg/util/templates/templater.go).
local function flag_error(cmd, message)
  return ("%s\nSee '%s --help' for usage."):format(message, cmd:path())
end

local tool = cli.tool({ name = "kubectl", root = root, format_error = format_error, flag_error = flag_error })

--- Runs a kubectl command line (a string, or a list of words) and returns
-- its result: { code, out, err, values, error } (see meshlua.cli.execute).
M.exec = tool.exec

--- Runs a command line, printing its output as kubectl would, and returns
-- what it produced (the changes of apply, the list of get ...). A failure
-- raises an error object whose tostring is kubectl's text (fields code,
-- message); with opts.interactive (the REPL) it prints the text and
-- returns only whether the command succeeded.
M.run = tool.run

--- The command tree (for help and completion).
M.root = tool.root

--- Makes mesh the cluster kubectl and istioctl act on (returns it).
M.use = context.use

--- The cluster kubectl and istioctl act on (a fresh meshlua.mesh() until
-- use() chose one).
M.mesh = context.mesh

return M
