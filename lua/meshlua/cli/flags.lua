-- Flags as spf13/pflag reads and prints them: typed values (Go's integer,
-- boolean and duration syntax) with pflag's error texts, the parse of one
-- command's arguments (--flag value, --flag=value, -f value, -fvalue,
-- -f=value, combined short bools, --), and FlagUsages for help. Part of
-- meshlua.cli.
local M = {}

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

M.types = types
M.set = set_flag
M.index = flag_index
M.no_value = no_value
M.parse = parse_flags
M.usages = flag_usages

return M
