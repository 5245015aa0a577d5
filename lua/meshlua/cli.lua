-- Command lines as kubectl and istioctl read them: shell-style word
-- splitting, then a command tree that finds subcommands and parses flags the
-- way spf13/cobra and spf13/pflag do, with their exact error texts. The
-- facades (meshlua.kubectl, meshlua.istioctl) describe their commands with it;
-- this file knows nothing of meshes or proxies.
--
--   local cli = require("meshlua.cli")
--   local root = cli.command{ use = "istioctl", flags = { ... } }
--   root:add(cli.command{ use = "version", run = function(ctx) ctx:print("1.10.0") end })
--   local r = cli.execute(root, cli.split("version --short"))   -- { code, out, err, values }
local M = {}

-- Word splitting -------------------------------------------------------------

--- Splits a command line into words as a POSIX shell does, without
-- expansions: blanks separate words; '...' is literal; "..." keeps blanks and
-- lets a backslash escape \ " $ ` and a newline; a backslash outside quotes
-- escapes the next character; '' and "" make an empty word; a # at the start
-- of a word begins a comment. Returns the list of words, or nil and bash's
-- message for an unterminated quote.
function M.split(line)
  local words, word, in_word = {}, {}, false
  local i, n = 1, #line
  while i <= n do
    -- A run of ordinary characters is taken at once.
    local s, e = line:find("^[^ \t\n\r\\'\"#]+", i)
    if s then
      word[#word + 1] = line:sub(s, e)
      in_word = true
      i = e + 1
    else
      local c = line:sub(i, i)
      if c == " " or c == "\t" or c == "\n" or c == "\r" then
        if in_word then
          words[#words + 1] = table.concat(word)
          word, in_word = {}, false
        end
        i = i + 1
      elseif c == "#" then
        if not in_word then
          break
        end
        word[#word + 1] = c
        i = i + 1
      elseif c == "\\" then
        local nxt = line:sub(i + 1, i + 1)
        if nxt ~= "\n" then
          word[#word + 1] = nxt
          in_word = true
        end
        i = i + 2
      elseif c == "'" then
        local close = line:find("'", i + 1, true)
        if not close then
          return nil, "unexpected EOF while looking for matching `''"
        end
        word[#word + 1] = line:sub(i + 1, close - 1)
        in_word = true
        i = close + 1
      else -- a double quote
        in_word = true
        i = i + 1
        while true do
          local ds, de = line:find('^[^"\\]+', i)
          if ds then
            word[#word + 1] = line:sub(ds, de)
            i = de + 1
          end
          local d = line:sub(i, i)
          if d == "" then
            return nil, "unexpected EOF while looking for matching `\"'"
          elseif d == '"' then
            i = i + 1
            break
          else -- a backslash: escapes only \ " $ ` and a newline here
            local esc = line:sub(i + 1, i + 1)
            if esc:find('^[\\"$`]') then
              word[#word + 1] = esc
              i = i + 2
            elseif esc == "\n" then
              i = i + 2
            else
              word[#word + 1] = "\\"
              i = i + 1
            end
          end
        end
      end
    end
  end
  if in_word then
    words[#words + 1] = table.concat(word)
  end
  return words
end

--- Quotes word for a shell when it needs quoting (the inverse of split), so
-- a command can be shown as a person would type it.
function M.quote(word)
  if word ~= "" and not word:find("[^%w%-%._/:=,@%%+]") then
    return word
  end
  if not word:find('["\\$`]') then
    return '"' .. word .. '"'
  end
  return "'" .. word:gsub("'", "'\\''") .. "'"
end

-- Errors ---------------------------------------------------------------------

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

-- Flag values, as pflag parses them -------------------------------------------

-- Go's strconv.ParseInt(s, 0, 64), as pflag's int flags read them: an
-- optional sign, then decimal, or a 0x/0o/0b/0 prefix.
local function parse_int(s)
  local sign, body = s:match("^([+-]?)(.*)$")
  local base, digits = 10, body
  local lower = body:lower()
  if lower:find("^0x") then
    base, digits = 16, body:sub(3)
  elseif lower:find("^0o") then
    base, digits = 8, body:sub(3)
  elseif lower:find("^0b") then
    base, digits = 2, body:sub(3)
  elseif body:find("^0[%d_]") then
    base, digits = 8, body:sub(2)
  end
  -- Go syntax allows "_" between digits, and after a base prefix.
  if digits:find("_", 1, true) then
    local prefixed = base ~= 10
    if digits:find("__", 1, true) or digits:find("_$") or (digits:find("^_") and not prefixed) then
      return nil, ('strconv.ParseInt: parsing "%s": invalid syntax'):format(s)
    end
    digits = digits:gsub("_", "")
  end
  local valid = { [2] = "^[01]+$", [8] = "^[0-7]+$", [10] = "^%d+$", [16] = "^%x+$" }
  if digits == "" or not digits:find(valid[base]) then
    return nil, ('strconv.ParseInt: parsing "%s": invalid syntax'):format(s)
  end
  local range = ('strconv.ParseInt: parsing "%s": value out of range'):format(s)
  local v = 0
  for k = 1, #digits do
    local d = tonumber(digits:sub(k, k), 16)
    if v > (math.maxinteger - d) // base then
      -- Only -2^63 lies past the largest integer; it wraps to the smallest.
      if sign == "-" and k == #digits and v * base + d == math.mininteger then
        return math.mininteger
      end
      return nil, range
    end
    v = v * base + d
  end
  return sign == "-" and -v or v
end

local bool_words = {
  ["1"] = true, t = true, T = true, ["true"] = true, TRUE = true, True = true,
  ["0"] = false, f = false, F = false, ["false"] = false, FALSE = false, False = false,
}

-- Go's time.ParseDuration, kept as the text after checking it.
local function parse_duration(s)
  if s == "0" or s:find("^[+-]?[%d.]+[a-zµ]+[%d.a-zµ]*$") then
    local rest = s:gsub("^[+-]", "")
    local ok = rest == "0"
    for num, unit in rest:gmatch("([%d.]+)([a-zµ]+)") do
      ok = tonumber(num) ~= nil and (unit == "ns" or unit == "us" or unit == "µs" or unit == "ms"
        or unit == "s" or unit == "m" or unit == "h")
      if not ok then
        break
      end
    end
    if ok then
      return s
    end
  end
  return nil, ('time: invalid duration "%s"'):format(s)
end

-- Types: how a value is set, the name in usage lines, the zero default.
local types = {
  string = { varname = "string", zero = "" },
  bool = { varname = "", zero = false },
  int = { varname = "int", zero = 0 },
  duration = { varname = "duration", zero = "0s" },
  stringArray = { varname = "stringArray", list = true },
  strings = { varname = "strings", list = true }, -- pflag StringSlice: comma-separated
}

-- Sets flag's value from text (pflag's Value.Set); returns nil or the cause.
local function set_flag(state, flag, text)
  local v, cause
  if flag.type == "string" then
    v = text
  elseif flag.type == "bool" then
    v = bool_words[text]
    if v == nil then
      cause = ('strconv.ParseBool: parsing "%s": invalid syntax'):format(text)
    end
  elseif flag.type == "int" then
    v, cause = parse_int(text)
  elseif flag.type == "duration" then
    v, cause = parse_duration(text)
  elseif flag.type == "stringArray" or flag.type == "strings" then
    local list = state.changed[flag.name] and state.values[flag.name] or {}
    if flag.type == "strings" then
      -- Go's encoding/csv reads the value; plain fields are enough here.
      if text ~= "" then
        for field in (text .. ","):gmatch("(.-),") do
          list[#list + 1] = field
        end
      end
    else
      list[#list + 1] = text
    end
    v = list
  end
  if cause then
    return cause
  end
  state.values[flag.name] = v
  state.changed[flag.name] = true
  return nil
end

-- The names a flag shows in errors: "-p, --port" or "--port".
local function flag_display(flag)
  if flag.short then
    return ("-%s, --%s"):format(flag.short, flag.name)
  end
  return "--" .. flag.name
end

local function invalid_value(flag, text, cause)
  return ('invalid argument "%s" for "%s" flag: %s'):format(text, flag_display(flag), cause)
end

-- Commands ---------------------------------------------------------------------

local Command = {}
Command.__index = Command

--- A command of the tree. spec: use ("cluster [<type>/]<name>"; the first
-- word is the name), aliases, short, long, example, flags and
-- persistent_flags (lists of { name, short, type = "string" | "bool" | "int" |
-- "duration" | "stringArray" | "strings", default, usage, hidden, required }),
-- args (a function(ctx) raising M.error for bad positional arguments, as
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

-- Index of the flags by long and short name.
local function flag_index(cmd)
  local by_name, by_short = {}, {}
  for _, entry in ipairs(cmd:all_flags()) do
    local f = entry.flag
    by_name[f.name] = f
    if f.short and not by_short[f.short] then
      by_short[f.short] = f
    end
  end
  return by_name, by_short
end

-- Whether a flag takes no value after it (pflag's NoOptDefVal).
local function no_value(f)
  return f and f.type == "bool"
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
      return cmd, rest, M.error({
        kind = "command",
        message = ('unknown command "%s" for "%s"%s'):format(words[1], cmd:path(), cmd:suggestions(words[1])),
      })
    end
  end
  return cmd, rest
end

-- pflag's parse: fills state.values/changed and state.args (positional words,
-- interspersed); returns an error message or nil.
local function parse_flags(cmd, args, state)
  local by_name, by_short = flag_index(cmd)
  local i = 1
  while i <= #args do
    local s = args[i]
    i = i + 1
    if #s < 2 or s:sub(1, 1) ~= "-" then
      state.args[#state.args + 1] = s
    elseif s == "--" then
      table.move(args, i, #args, #state.args + 1, state.args)
      return nil
    elseif s:sub(1, 2) == "--" then
      local body = s:sub(3)
      if body == "" or body:find("^[-=]") then
        return ("bad flag syntax: %s"):format(s)
      end
      local name, value = body:match("^([^=]*)=(.*)$")
      name = name or body
      local f = by_name[name]
      if not f then
        return ("unknown flag: --%s"):format(name)
      end
      if value == nil then
        if no_value(f) then
          value = "true"
        elseif i <= #args then
          value = args[i]
          i = i + 1
        else
          return ("flag needs an argument: --%s"):format(name)
        end
      end
      local cause = set_flag(state, f, value)
      if cause then
        return invalid_value(f, value, cause)
      end
    else
      local shorts = s:sub(2)
      while #shorts > 0 do
        local c = shorts:sub(1, 1)
        local f = by_short[c]
        if not f then
          return ("unknown shorthand flag: '%s' in -%s"):format(c, shorts)
        end
        local value
        if #shorts > 2 and shorts:sub(2, 2) == "=" then
          value, shorts = shorts:sub(3), ""
        elseif no_value(f) then
          value, shorts = "true", shorts:sub(2)
        elseif #shorts > 1 then
          value, shorts = shorts:sub(2), ""
        elseif i <= #args then
          value, shorts = args[i], ""
          i = i + 1
        else
          return ("flag needs an argument: '%s' in -%s"):format(c, shorts)
        end
        local cause = set_flag(state, f, value)
        if cause then
          return invalid_value(f, value, cause)
        end
      end
    end
  end
  return nil
end

-- Usage and help, as cobra's default templates print them --------------------------

-- pflag's FlagUsages for a list of flags (sorted by name).
local function flag_usages(flags)
  local sorted = {}
  for _, f in ipairs(flags) do
    if not f.hidden then
      sorted[#sorted + 1] = f
    end
  end
  table.sort(sorted, function(a, b)
    return a.name < b.name
  end)
  local lines, maxlen = {}, 0
  for _, f in ipairs(sorted) do
    local head = f.short and ("  -%s, --%s"):format(f.short, f.name) or ("      --%s"):format(f.name)
    local varname = types[f.type].varname
    if varname ~= "" then
      head = head .. " " .. varname
    end
    maxlen = math.max(maxlen, #head)
    local usage = f.usage or ""
    local default = f.default
    if default ~= nil and default ~= types[f.type].zero and not (type(default) == "table" and #default == 0) then
      if f.type == "string" then
        usage = usage .. (' (default "%s")'):format(default)
      elseif type(default) == "table" then
        usage = usage .. (" (default [%s])"):format(table.concat(default, ","))
      else
        usage = usage .. (" (default %s)"):format(tostring(default))
      end
    end
    lines[#lines + 1] = { head = head, usage = usage }
  end
  local out = {}
  for _, l in ipairs(lines) do
    -- pflag pads to the longest head plus a NUL it counts, then Println
    -- adds a blank on each side of the padding: three blanks at least.
    out[#out + 1] = l.head .. string.rep(" ", maxlen - #l.head + 3) .. l.usage .. "\n"
  end
  return table.concat(out)
end

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
    out[#out + 1] = "\n\nFlags:\n" .. trim_right(flag_usages(own))
  end
  if #inherited > 0 then
    out[#out + 1] = "\n\nGlobal Flags:\n" .. trim_right(flag_usages(inherited))
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
-- the M.error or nil, command = the command found }.
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
    local message = parse_flags(cmd, rest, ctx)
    if message then
      if opts.flag_error then
        message = opts.flag_error(cmd, message)
      end
      err = M.error({ kind = "flag", message = message })
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
      if not ok and M.is_error(e) then
        e.kind = "args"
      end
    end
    if ok and #missing > 0 then
      ok, e = false, M.error(('required flag(s) "%s" not set'):format(table.concat(missing, '", "')))
    end
    if ok then
      values = table.pack(pcall(cmd.run, ctx))
      ok, e = values[1], values[2]
      values = table.pack(select(2, table.unpack(values, 1, values.n)))
    end
    if not ok then
      err = M.is_error(e) and e or M.error({ message = tostring(e) })
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

-- Tools: a command tree behind a command line ------------------------------------------

--- Makes the module of a command-line tool. spec: name ("kubectl"), root (the
-- command tree, or a function returning it, built on first use), and the
-- execute options (format_error, flag_error, env). The module has:
--   exec(line) -> result: splits line (a string, or a list of words) and runs
--     it, printing nothing (see M.execute's result);
--   run(line, opts) -> values: prints the result as the tool would (stdout,
--     then stderr) and returns what the command returned; a failure raises
--     the M.error (tostring: the tool's text; fields code, message, reason),
--     or, with opts.interactive, prints the error text and returns nothing.
function M.tool(spec)
  local tool = { name = spec.name }
  local root = spec.root

  function tool.root()
    if type(root) == "function" then
      root = root()
    end
    return root
  end

  function tool.exec(line)
    if type(line) ~= "string" and type(line) ~= "table" then
      error(("bad argument #1 to 'exec' (string or list of words expected, got %s)"):format(type(line)), 2)
    end
    local words, err = line, nil
    if type(line) == "string" then
      words, err = M.split(line)
    end
    if not words then
      -- The shell's complaint, before the tool ever runs (bash exits 2).
      local e = M.error({ kind = "shell", message = err })
      e.text, e.code = ("%s: %s\n"):format(spec.name, err), 2
      return { code = 2, out = "", err = e.text, values = table.pack(), error = e }
    end
    return M.execute(tool.root(), words, spec)
  end

  function tool.run(line, opts)
    opts = opts or {}
    local r = tool.exec(line)
    io.stdout:write(r.out)
    io.stdout:flush()
    if r.error and not opts.interactive then
      -- What the command wrote before failing (warnings, partial results).
      io.stderr:write(r.err:sub(1, #r.err - #r.error.text))
      io.stderr:flush()
      error(r.error, 0)
    end
    io.stderr:write(r.err)
    io.stderr:flush()
    if opts.interactive then
      return
    end
    return table.unpack(r.values, 1, r.values.n)
  end

  return tool
end

return M
