-- The prelude: run by the host before any script, -e or REPL line. It sets
-- the documented globals besides `meshlua` itself: `kubectl`, `istioctl`
-- (command-line facades) and `help`.
--
-- The facades take the rest of a command line as one string, as typed:
--   kubectl "label namespace default istio-injection=enabled"
-- They print what the real tool prints (stdout and stderr) and return the
-- objects the command produced. A failing command raises an error object
-- whose tostring is the tool's error text (fields: code, message, reason),
-- so a script stops unless it catches it with pcall.
--
-- A line the REPL turns into a call (`kubectl get pods` at the prompt) is a
-- call made by the host itself, with no Lua code below it on the stack.
-- There the facade behaves as the tool in a shell: it prints, errors
-- included, exactly as the tool would and returns nothing, so the REPL
-- neither repeats the table nor prefixes the error with "meshlua:". A
-- failure sets the registry's "meshlua.line_failed", which the REPL reads
-- to fail the run when its input is piped (exit status 1, as a shell
-- script whose kubectl failed).

local help_texts = require("meshlua.help")

-- True when the facade (the caller of this function) was called by the host
-- directly: no Lua function anywhere below it.
local function called_by_host()
  local level = 3
  while true do
    local info = debug.getinfo(level, "S")
    if not info then
      return true
    end
    if info.what ~= "C" then
      return false
    end
    level = level + 1
  end
end

local function facade(tool)
  local module_name = "meshlua." .. tool
  return function(command_line)
    if command_line ~= nil and type(command_line) ~= "string" then
      error(("bad argument #1 to '%s' (string expected, got %s)"):format(tool, type(command_line)), 2)
    end
    if not called_by_host() then
      return require(module_name).run(command_line or "", {})
    end
    if not require(module_name).run(command_line or "", { interactive = true }) then
      debug.getregistry()["meshlua.line_failed"] = true
    end
  end
end

kubectl = facade("kubectl")
istioctl = facade("istioctl")

--- help([topic]) prints the REPL's help, or the help on one topic.
function help(topic)
  io.write(help_texts.text(topic))
end
