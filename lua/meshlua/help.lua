-- The REPL's help texts, kept in one place so `help()` and the README agree.
local M = {}

local topics = {}

topics[""] = [[
meshlua: where will Envoy send this request, and why?

This is a Lua 5.4 REPL with the meshlua library loaded.
  1+1                      an expression prints its value
  for i = 1, 2 do          an unfinished statement continues on the next line
  kubectl <args>           a kubectl command line (once the facades are in)
  istioctl <args>          an istioctl command line (once the facades are in)
  meshlua.version          the global `meshlua` holds the library
  help("keys")             the keys of the REPL
  help("modules")          the bundled Lua modules

Tab completes globals, fields (string.fo<Tab>) and methods (obj:<Tab>).
Ctrl-C interrupts a running statement or discards the line; Ctrl-D exits.
]]

topics.keys = [[
Tab       complete a global, a field after '.', a method after ':'
Ctrl-C    interrupt the running statement, or discard the current line
Ctrl-D    exit (on an empty line)
Up/Down   history (kept in ~/.meshlua_history, or $MESHLUA_HISTORY)
]]

--- Returns the help text for topic (nil or "" for the overview). An unknown
-- topic returns a line saying so and listing the known ones.
function M.text(topic)
  topic = topic or ""
  if topic == "modules" then
    return "Bundled modules: " .. table.concat(meshlua.bundled_modules(), ", ") .. "\n"
  end
  local text = topics[topic]
  if text then
    return text
  end
  return ("No help on %q. Topics: keys, modules.\n"):format(tostring(topic))
end

return M
