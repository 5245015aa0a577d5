-- Command failures as the tools report them: an error object whose
-- tostring is the tool's text and whose fields say what failed (kind,
-- reason, exit code). Part of meshlua.cli.
local M = {}

local Error = {}
Error.__index = Error

--- The text the tool printed, so pcall users and the REPL see it.
function Error.__tostring(e)
  return (e.text or e.message):gsub("\n$", "")
end

--- A command failure. fields: message (the error's own text, as Go's
-- err.Error()), kind ("flag", "command", "args", "run"), reason (a
-- Kubernetes status reason such as "NotFound", printed by kubectl as
-- "Error from server (NotFound): ..."), code (exit status, filled by the
-- tool's error printer). Raise it from a run function with error(...).
function M.error(fields)
  if type(fields) == "string" then
    fields = { message = fields }
  end
  fields.kind = fields.kind or "run"
  return setmetatable(fields, Error)
end

--- Raises M.error{ message = string.format(fmt, ...) }.
function M.fail(fmt, ...)
  error(M.error({ message = fmt:format(...) }), 0)
end

--- True when v is an error made by M.error.
function M.is_error(v)
  return getmetatable(v) == Error
end
return M
