-- The prelude: run by the host before any script, -e or REPL line. It sets
-- the documented globals besides `meshlua` itself: `kubectl`, `istioctl`
-- (command-line facades) and `help`.
--
-- The facades take the rest of a command line as one string, as typed:
--   kubectl "label namespace default istio-injection=enabled"
-- Until the facade modules land (see issue "The walkthrough"), they raise a
-- clear error instead of pretending.

local help_texts = require("meshlua.help")

local function facade(tool)
  local module_name = "meshlua." .. tool
  return function(command_line)
    if command_line ~= nil and type(command_line) ~= "string" then
      error(("bad argument #1 to '%s' (string expected, got %s)"):format(tool, type(command_line)), 2)
    end
    local ok, module = pcall(require, module_name)
    if not ok then
      error(("%s: not available yet in meshlua %s (the %s command line arrives with the walkthrough)")
        :format(tool, meshlua.version, tool), 2)
    end
    return module.run(command_line or "")
  end
end

kubectl = facade("kubectl")
istioctl = facade("istioctl")

--- help([topic]) prints the REPL's help, or the help on one topic.
function help(topic)
  io.write(help_texts.text(topic))
end
