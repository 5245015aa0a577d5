-- Command trees as spf13/cobra builds and runs them: subcommands found by
-- name or alias past flags (Find, stripFlags), the root's unknown-command
-- check with suggestions, help and usage texts from cobra's default
-- templates, argument checks, required flags, and the run context whose
-- output a tool prints. Part of meshlua.cli.
local errors = require("meshlua.cli.errors")
local flags = require("meshlua.cli.flags")

local M = {}
local types, flag_index, no_value = flags.types, flags.index, flags.no_value

local Command = {}
Command.__index = Command

--- A command of the tree. spec: use ("cluster [<type>/]<name>"; the first
-- word is the name), aliases, short, long, example, flags and
-- persistent_flags (lists of { name, short, type = "string" | "bool" | "int" |
-- "duration" | "stringArray" | "strings", default, usage, hidden, required }),
-- args (a function(ctx) raising cli.error for bad positional arguments, as
-- cobra's Args), run (function(ctx) returning the command's values; nil
-- makes the command a group that prints its help), hidden, suggest_for.
function M.command(spec)
  local cmd = setmetatable({}, Command)
  for k, v in pairs(spec) do
    cmd[k] = v
  end
  cmd.name = spec.use:match("^(%S+)")
  cmd.aliases = spec.aliases or {}
  cmd.flags = spec.flags or {}
  cmd.persistent_flags = spec.persistent_flags or {}
  cmd.children = {}
  for _, f in ipairs(cmd.flags) do
    assert(types[f.type or "string"], "unknown flag type")
    f.type = f.type or "string"
  end
  for _, f in ipairs(cmd.persistent_flags) do
    assert(types[f.type or "string"], "unknown flag type")
    f.type = f.type or "string"
  end
  return cmd
end

--- Adds subcommands; returns cmd.
function Command:add(...)
  for _, child in ipairs({ ... }) do
    child.parent = self
    self.children[#self.children + 1] = child
  end
  return self
end

--- "istioctl proxy-config cluster": the names from the root down.
function Command:path()
  if self.parent then
    return self.parent:path() .. " " .. self.name
  end
  return self.name
end

function Command:root()
  return self.parent and self.parent:root() or self
end

--- The flags that apply to cmd: its own, then the persistent flags of itself
-- and its ancestors (nearest first, as cobra merges them), then help.
function Command:all_flags()
  local list, seen = {}, {}
  local function take(f, inherited)
    if not seen[f.name] then
      seen[f.name] = true
      list[#list + 1] = { flag = f, inherited = inherited }
    end
  end
  for _, f in ipairs(self.flags) do
    take(f, false)
  end
  for _, f in ipairs(self.persistent_flags) do
    take(f, false)
  end
  local p = self.parent
  while p do
    for _, f in ipairs(p.persistent_flags) do
      take(f, true)
    end
    p = p.parent
  end
  take({ name = "help", short = "h", type = "bool", usage = "help for " .. self.name }, false)
  return list
end


-- cobra's stripFlags: the positional words of args for command cmd.
local function strip_flags(args, cmd)
  local by_name, by_short = flag_index(cmd)
  local out, i = {}, 1
  while i <= #args do
    local s = args[i]
    i = i + 1
    if s == "--" then
      break
    elseif s:sub(1, 2) == "--" and not s:find("=", 1, true) and not no_value(by_name[s:sub(3)]) then
      if i > #args then
        break
      end
      i = i + 1
    elseif s:sub(1, 1) == "-" and not s:find("=", 1, true) and #s == 2 and not no_value(by_short[s:sub(2)]) then
      if i > #args then
        break
      end
      i = i + 1
    elseif s ~= "" and s:sub(1, 1) ~= "-" then
      out[#out + 1] = s
    end
  end
  return out
end

-- cobra's argsMinusFirstX: args without the first positional word equal to x.
local function args_minus(args, cmd, x)
  local by_name, by_short = flag_index(cmd)
  local pos = 1
  while pos <= #args do
    local s = args[pos]
    if s == "--" then
      break
    elseif s:sub(1, 2) == "--" and not s:find("=", 1, true) and not no_value(by_name[s:sub(3)]) then
      pos = pos + 1
    elseif s:sub(1, 1) == "-" and not s:find("=", 1, true) and #s == 2 and not no_value(by_short[s:sub(2)]) then
      pos = pos + 1
    elseif s:sub(1, 1) ~= "-" and s == x then
      local out = table.move(args, 1, pos - 1, 1, {})
      return table.move(args, pos + 1, #args, #out + 1, out)
    end
    pos = pos + 1
  end
  return args
end

local function has_alias(cmd, name)
  for _, a in ipairs(cmd.aliases) do
    if a == name then
      return true
    end
  end
  return false
end

--- The child named name (or with that alias), or nil.
function Command:child(name)
  for _, c in ipairs(self.children) do
    if c.name == name or has_alias(c, name) then
      return c
    end
  end
  return nil
end

-- Go's cobra ld(): Levenshtein distance, case-insensitive.
local function distance(s, t)
  s, t = s:lower(), t:lower()
  local d = {}
  for i = 0, #s do
    d[i] = { [0] = i }
  end
  for j = 0, #t do
    d[0][j] = j
  end
  for j = 1, #t do
    for i = 1, #s do
      if s:sub(i, i) == t:sub(j, j) then
        d[i][j] = d[i - 1][j - 1]
      else
        d[i][j] = math.min(d[i - 1][j], d[i][j - 1], d[i - 1][j - 1]) + 1
      end
    end
  end
  return d[#s][#t]
end

local function sorted_children(cmd)
  local list = table.move(cmd.children, 1, #cmd.children, 1, {})
  table.sort(list, function(a, b)
    return a.name < b.name
  end)
  return list
end

--- cobra's findSuggestions: "\n\nDid you mean this?\n\t<name>\n" or "".
function Command:suggestions(typed)
  local names = {}
  for _, c in ipairs(sorted_children(self)) do
    if not c.hidden then
      if distance(typed, c.name) <= 2 or c.name:lower():sub(1, #typed) == typed:lower() then
        names[#names + 1] = c.name
      end
      for _, s in ipairs(c.suggest_for or {}) do
        if s:lower() == typed:lower() then
          names[#names + 1] = c.name
        end
      end
    end
  end
  if #names == 0 then
    return ""
  end
  local out = { "\n\nDid you mean this?\n" }
  for _, n in ipairs(names) do
    out[#out + 1] = "\t" .. n .. "\n"
  end
  return table.concat(out)
end

--- cobra's Find: the command args name and the words left for it, or the
-- command and an error for an unknown subcommand of the root.
function Command:find(args)
  local cmd, rest = self, args
  while true do
    local words = strip_flags(rest, cmd)
    if #words == 0 then
      break
    end
    local nxt = cmd:child(words[1])
    if not nxt then
      break
    end
    rest = args_minus(rest, cmd, words[1])
    nxt.called_as = words[1]
    cmd = nxt
  end
  -- cobra's legacyArgs: only the root checks that a word names a subcommand.
  if not cmd.args and #cmd.children > 0 and not cmd.parent then
    local words = strip_flags(rest, cmd)
    if #words > 0 then
      return cmd, rest, errors.error({
        kind = "command",
        message = ('unknown command "%s" for "%s"%s'):format(words[1], cmd:path(), cmd:suggestions(words[1])),
      })
    end
  end
  return cmd, rest
end


-- Usage and help, as cobra's default templates print them --------------------------

local function trim_right(s)
  return (s:gsub("%s+$", ""))
end

--- cobra's usage text for cmd.
function Command:usage()
  local out = { "Usage:" }
  if self.run then
    local line = (self.parent and (self.parent:path() .. " ") or "") .. self.use
    if not line:find("[flags]", 1, true) then
      line = line .. " [flags]"
    end
    out[#out + 1] = "\n  " .. line
  end
  local visible = {}
  for _, c in ipairs(sorted_children(self)) do
    if not c.hidden then
      visible[#visible + 1] = c
    end
  end
  if #visible > 0 then
    out[#out + 1] = ("\n  %s [command]"):format(self:path())
  end
  if #self.aliases > 0 then
    out[#out + 1] = "\n\nAliases:\n  " .. table.concat({ self.name, table.unpack(self.aliases) }, ", ")
  end
  if self.example then
    out[#out + 1] = "\n\nExamples:\n" .. self.example
  end
  if #visible > 0 then
    local pad = 11
    for _, c in ipairs(visible) do
      pad = math.max(pad, #c.name)
    end
    out[#out + 1] = "\n\nAvailable Commands:"
    for _, c in ipairs(visible) do
      out[#out + 1] = ("\n  %-" .. pad .. "s %s"):format(c.name, c.short or "")
    end
  end
  local own, inherited = {}, {}
  for _, entry in ipairs(self:all_flags()) do
    local list = entry.inherited and inherited or own
    list[#list + 1] = entry.flag
  end
  if #own > 0 then
    out[#out + 1] = "\n\nFlags:\n" .. trim_right(flags.usages(own))
  end
  if #inherited > 0 then
    out[#out + 1] = "\n\nGlobal Flags:\n" .. trim_right(flags.usages(inherited))
  end
  if #visible > 0 then
    out[#out + 1] = ('\n\nUse "%s [command] --help" for more information about a command.'):format(self:path())
  end
  out[#out + 1] = "\n"
  return table.concat(out)
end

--- cobra's help text for cmd: its long (or short) description, then usage.
function Command:help()
  local about = self.long or self.short
  return (about and (trim_right(about) .. "\n\n") or "") .. self:usage()
end

-- Execution ----------------------------------------------------------------------------------

local Context = {}
Context.__index = Context

--- Appends text to the command's standard output.
function Context:write(...)
  for _, s in ipairs({ ... }) do
    self.out[#self.out + 1] = tostring(s)
  end
end

--- Appends its arguments, tab-separated, and a newline to standard output.
function Context:print(...)
  local parts = table.pack(...)
  for i = 1, parts.n do
    parts[i] = tostring(parts[i])
  end
  self:write(table.concat(parts, "\t", 1, parts.n), "\n")
end

--- Appends text to the command's standard error (warnings, kubectl's "No
-- resources found").
function Context:ewrite(...)
  for _, s in ipairs({ ... }) do
    self.err[#self.err + 1] = tostring(s)
  end
end

--- Runs the command tree root over args (a list of words). opts.format_error
-- (function(cmd, err) -> text, code) prints errors as the tool does;
-- opts.flag_error (function(cmd, message) -> message) wraps flag errors as
-- cobra's FlagErrorFunc; opts.env is handed to run functions as ctx.env.
-- Never raises for a user's mistake; returns { code = exit status, out =
-- stdout text, err = stderr text, values = { what run returned }, error =
-- the cli.error or nil, command = the command found }.
function M.execute(root, args, opts)
  opts = opts or {}
  local format_error = opts.format_error or function(_, err)
    return "Error: " .. err.message .. "\n", 1
  end
  local cmd, rest, err
  if args[1] == "help" and #root.children > 0 and not root:child("help") then
    -- cobra's default help command: "istioctl help proxy-config".
    cmd = root
    for i = 2, #args do
      cmd = cmd:child(args[i]) or cmd
    end
    return { out = cmd:help(), err = "", code = 0, values = table.pack(), command = cmd }
  end
  cmd, rest, err = root:find(args)
  local ctx = setmetatable({ command = cmd, out = {}, err = {}, env = opts.env, values = {},
    changed = {}, args = {}, called_as = cmd.called_as or cmd.name }, Context)
  ctx.flags = ctx.values
  local values = table.pack()
  if not err then
    for _, entry in ipairs(cmd:all_flags()) do
      local f = entry.flag
      if types[f.type].list then
        ctx.values[f.name] = table.move(f.default or {}, 1, #(f.default or {}), 1, {})
      elseif f.default ~= nil then
        ctx.values[f.name] = f.default
      else
        ctx.values[f.name] = types[f.type].zero
      end
    end
    local message = flags.parse(cmd, rest, ctx)
    if message then
      if opts.flag_error then
        message = opts.flag_error(cmd, message)
      end
      err = errors.error({ kind = "flag", message = message })
    end
  end
  if not err and (ctx.values.help or not cmd.run) then
    ctx:write(cmd:help())
  elseif not err then
    local missing = {}
    for _, entry in ipairs(cmd:all_flags()) do
      if entry.flag.required and not ctx.changed[entry.flag.name] then
        missing[#missing + 1] = entry.flag.name
      end
    end
    local ok, e = true, nil
    if cmd.args then
      ok, e = pcall(cmd.args, ctx)
      if not ok and errors.is_error(e) then
        e.kind = "args"
      end
    end
    if ok and #missing > 0 then
      ok, e = false, errors.error(('required flag(s) "%s" not set'):format(table.concat(missing, '", "')))
    end
    if ok then
      values = table.pack(pcall(cmd.run, ctx))
      ok, e = values[1], values[2]
      values = table.pack(select(2, table.unpack(values, 1, values.n)))
    end
    if not ok then
      err = errors.is_error(e) and e or errors.error({ message = tostring(e) })
      values = table.pack()
    end
  end
  local result = { out = table.concat(ctx.out), err = table.concat(ctx.err), code = 0,
    values = values, command = cmd, context = ctx }
  if err then
    local text, code = format_error(cmd, err)
    err.text, err.code = text, code
    result.err = result.err .. text
    result.code = code
    result.error = err
  end
  return result
end

return M
