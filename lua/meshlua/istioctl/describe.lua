-- `istioctl x describe pod`: placeholder until written.
local cli = require("meshlua.cli")
local M = {}
function M.command()
  local describe = cli.command({ use = "describe", aliases = { "des" }, short = "Describe resource and related Istio configuration" })
  describe:add(cli.command({ use = "pod <pod>", aliases = { "pods", "po" }, short = "Describe pods and their Istio configuration [kube-only]",
    run = function() cli.fail("not written yet") end }))
  return describe
end
return M
