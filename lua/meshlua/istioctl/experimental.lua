-- `istioctl experimental` (x, exp): the group istioctl keeps its newer
-- commands in; meshlua has `describe pod` there.
local cli = require("meshlua.cli")

local M = {}

--- The experimental command tree.
function M.command()
  local x = cli.command({
    use = "experimental",
    aliases = { "x", "exp" },
    short = "Experimental commands that may be modified or deprecated",
  })
  x:add(require("meshlua.istioctl.describe").command())
  return x
end

return M
