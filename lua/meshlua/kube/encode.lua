-- kubectl's -o json text for Lua values: JSON as Go's
-- json.MarshalIndent(obj, "", "    ") writes an unstructured object (map keys
-- sorted, <, > and & escaped), and one-line JSON as json.Marshal (the
-- last-applied-configuration annotation). -o yaml is this JSON through
-- sigs.k8s.io/yaml's JSONToYAML (meshlua._xds.yaml, in C).
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

return M
