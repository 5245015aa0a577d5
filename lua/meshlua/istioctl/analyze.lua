-- `istioctl analyze`: its analyzers belong to a later issue. The command
-- exists, with istioctl's flags, so a command line that uses it parses the
-- same, and it says plainly that meshlua does not run the analyzers yet.
local cli = require("meshlua.cli")

local M = {}

--- The analyze command.
function M.command()
  return cli.command({
    use = "analyze <file>...",
    short = "Analyze Istio configuration and print validation messages",
    flags = {
      { name = "all-namespaces", short = "A", type = "bool", usage = "Analyze all namespaces" },
      { name = "use-kube", short = "k", type = "bool", default = true, usage = "Use live Kubernetes cluster for analysis." },
      { name = "output", short = "o", default = "log", usage = "Output format: one of [log json yaml]" },
      { name = "recursive", short = "R", type = "bool", usage = "Process directory arguments recursively." },
      { name = "suppress", short = "S", type = "stringArray", usage = "Suppress reporting a message code on a specific resource." },
    },
    run = function()
      cli.fail("istioctl analyze is not simulated by meshlua %s yet (its analyzers come with a later release)",
        meshlua.version)
    end,
  })
end

return M
