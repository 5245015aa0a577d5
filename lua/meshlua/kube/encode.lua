-- kubectl's -o json and -o yaml text for Lua values: JSON as Go's
-- json.MarshalIndent(obj, "", "    ") writes an unstructured object (map keys
-- sorted, <, > and & escaped), YAML as sigs.k8s.io/yaml (go-yaml v2) writes
-- the same value (keys sorted, 2-space indent, lists flush under their key,
-- strings quoted only when they would read back as something else).
-- Tables are maps unless their metatable is M.array_mt (or they have a
-- non-empty array part and no other keys).
local M = {}

--- The metatable that marks a table as a JSON array (even when empty).
M.array_mt = { __name = "json array" }

--- Marks t as an array and returns it.
function M.array(t)
  return setmetatable(t or {}, M.array_mt)
end

local function is_array(t)
  if getmetatable(t) == M.array_mt then
    return true
  end
  local n = #t
  if n == 0 then
    return false
  end
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 or k > n then
      return false
    end
  end
  return true
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    keys[#keys + 1] = tostring(k)
  end
  table.sort(keys)
  return keys
end

local escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
  ["<"] = "\\u003c", [">"] = "\\u003e", ["&"] = "\\u0026",
}

local function json_string(s)
  return '"' .. s:gsub('[%c"\\<>&]', function(c)
    return escapes[c] or ("\\u%04x"):format(c:byte())
  end) .. '"'
end

local function json_number(v)
  if math.type(v) == "integer" then
    return tostring(v)
  end
  if v ~= v or v == math.huge or v == -math.huge then
    return "null"
  end
  if v == math.floor(v) and math.abs(v) < 1e21 then
    return ("%d"):format(v)
  end
  return ("%.17g"):format(v)
end

local function json(v, level, out)
  local t = type(v)
  if t == "string" then
    out[#out + 1] = json_string(v)
  elseif t == "number" then
    out[#out + 1] = json_number(v)
  elseif t == "boolean" then
    out[#out + 1] = tostring(v)
  elseif t == "table" then
    local pad = ("    "):rep(level + 1)
    if is_array(v) then
      if #v == 0 then
        out[#out + 1] = "[]"
        return
      end
      out[#out + 1] = "[\n"
      for i, item in ipairs(v) do
        out[#out + 1] = pad
        json(item, level + 1, out)
        out[#out + 1] = i < #v and ",\n" or "\n"
      end
      out[#out + 1] = ("    "):rep(level) .. "]"
    else
      local keys = sorted_keys(v)
      if #keys == 0 then
        out[#out + 1] = "{}"
        return
      end
      out[#out + 1] = "{\n"
      for i, k in ipairs(keys) do
        out[#out + 1] = pad .. json_string(k) .. ": "
        json(v[k], level + 1, out)
        out[#out + 1] = i < #keys and ",\n" or "\n"
      end
      out[#out + 1] = ("    "):rep(level) .. "}"
    end
  else
    out[#out + 1] = "null"
  end
end

--- v as kubectl -o json prints it (no trailing newline).
function M.json(v)
  local out = {}
  json(v, 0, out)
  return table.concat(out)
end

local function compact(v, out)
  local t = type(v)
  if t == "table" then
    if is_array(v) then
      out[#out + 1] = "["
      for i, item in ipairs(v) do
        if i > 1 then
          out[#out + 1] = ","
        end
        compact(item, out)
      end
      out[#out + 1] = "]"
    else
      out[#out + 1] = "{"
      for i, k in ipairs(sorted_keys(v)) do
        out[#out + 1] = (i > 1 and "," or "") .. json_string(k) .. ":"
        compact(v[k], out)
      end
      out[#out + 1] = "}"
    end
  else
    json(v, 0, out)
  end
end

--- v as Go's json.Marshal writes it: one line, keys sorted.
function M.json_compact(v)
  local out = {}
  compact(v, out)
  return table.concat(out)
end

-- Plain scalars that YAML 1.1 (go-yaml v2) would read as another type.
local special = {}
for _, w in ipairs({ "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True",
  "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null",
  "NULL", "~", "" }) do
  special[w] = true
end

-- go-yaml v2 writes a string double-quoted when, plain, it would read back
-- as another type (a number, a boolean, null, a timestamp) ...
local function resolves_elsewhere(s)
  if special[s] then
    return true
  end
  local body = s:gsub("_", "")
  if body:match("^[-+]?%d+$") or body:match("^[-+]?0x%x+$") or body:match("^[-+]?0b[01]+$")
      or body:match("^[-+]?%d*%.%d*$") and body:match("%d")
      or body:match("^[-+]?%d*%.?%d*[eE][-+]?%d+$") and body:match("^[-+]?%.?%d")
      or body:match("^[-+]?%.[iI][nN][fF]$") or body:match("^%.[nN][aA][nN]$")
      or s:match("^[-+]?%d[%d_]*:[0-5]?%d[:%d]*$") then
    return true
  end
  return s:match("^%d%d%d%d%-%d%d?%-%d%d?") ~= nil -- a timestamp
end

-- ... and single-quoted when the emitter cannot write it plain (indicators
-- first, ": " or " #" inside, spaces at either end).
local function plain_allowed(s)
  if s:match("^%s") or s:match("%s$") then
    return false
  end
  if s:match("^[,%[%]{}#&*!|>'\"%%@`]") then
    return false
  end
  if s:match("^[-?:]") and (#s == 1 or s:match("^[-?:]%s")) then
    return false
  end
  if s:find(": ", 1, true) or s:find(" #", 1, true) or s:match(":$") then
    return false
  end
  return true
end

local function double_quoted(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or ("\\x%02X"):format(c:byte())
  end) .. '"'
end

local function yaml_string(s, indent)
  if s:find("\n", 1, true) and not s:match("^%s") then
    -- A literal block, as go-yaml writes multi-line strings.
    local chomp = s:sub(-1) == "\n" and (s:sub(-2) == "\n\n" and "+" or "") or "-"
    local body = s:gsub("\n$", "")
    local lines = {}
    for line in (body .. "\n"):gmatch("(.-)\n") do
      lines[#lines + 1] = line == "" and "" or (indent .. line)
    end
    return "|" .. chomp .. "\n" .. table.concat(lines, "\n")
  end
  if resolves_elsewhere(s) or s:match("%c") then
    return double_quoted(s)
  end
  if not plain_allowed(s) then
    return "'" .. s:gsub("'", "''") .. "'"
  end
  return s
end

local function yaml_scalar(v, indent)
  local t = type(v)
  if t == "string" then
    return yaml_string(v, indent)
  elseif t == "number" then
    return json_number(v)
  elseif t == "boolean" then
    return tostring(v)
  end
  return "null"
end

local function yaml(v, indent, out)
  if is_array(v) then
    for _, item in ipairs(v) do
      if type(item) == "table" and next(item) ~= nil then
        local lines = {}
        yaml(item, indent .. "  ", lines)
        lines[1] = lines[1]:sub(#indent + 3)
        out[#out + 1] = indent .. "- " .. lines[1]
        for i = 2, #lines do
          out[#out + 1] = lines[i]
        end
      elseif type(item) == "table" then
        out[#out + 1] = indent .. "- " .. (is_array(item) and "[]" or "{}")
      else
        out[#out + 1] = indent .. "- " .. yaml_scalar(item, indent .. "  ")
      end
    end
    return
  end
  for _, k in ipairs(sorted_keys(v)) do
    local item = v[k]
    local key = yaml_string(k, indent)
    if type(item) == "table" and next(item) ~= nil then
      out[#out + 1] = indent .. key .. ":"
      yaml(item, is_array(item) and indent or indent .. "  ", out)
    elseif type(item) == "table" then
      out[#out + 1] = indent .. key .. ": " .. (is_array(item) and "[]" or "{}")
    else
      out[#out + 1] = indent .. key .. ": " .. yaml_scalar(item, indent .. "  ")
    end
  end
end

--- v as kubectl -o yaml prints it (ends with a newline).
function M.yaml(v)
  if type(v) ~= "table" then
    return yaml_scalar(v, "") .. "\n"
  end
  local out = {}
  yaml(v, "", out)
  return table.concat(out, "\n") .. "\n"
end

return M
