-- Protobuf's text format (TextFormat::PrintToString, as DebugString writes
-- it) of a RouteMatch given as its JSON/YAML table: what Envoy's router
-- check tool prints for a route no test reached (`--covall`). The printer
-- walks a message's fields in field-number order, writes `name: value`
-- for scalars and `name {` ... `}` for messages (two spaces a level),
-- leaves out proto3 scalars at their default unless they belong to a
-- oneof, and escapes strings as C does (CEscape: octal for bytes that are
-- not printable ASCII). Field numbers are those of
-- envoy/config/route/v3/route_components.proto and the matcher protos; a
-- field this table does not know is printed after the known ones, in name
-- order.
local M = {}

-- A field: { name, kind, message type for "msg", oneof = true,
-- repeated = true }.
-- kind: "string", "bool", "int", "enum" (values listed), "msg".
local function f(name, kind, extra)
  local field = { name = name, kind = kind }
  for k, v in pairs(extra or {}) do field[k] = v end
  return field
end

local ONEOF = { oneof = true }

local SCHEMA = {
  RouteMatch = {
    f("prefix", "string", ONEOF),
    f("path", "string", ONEOF),
    f("case_sensitive", "msg", { type = "BoolValue" }),
    f("headers", "msg", { type = "HeaderMatcher", repeated = true }),
    f("query_parameters", "msg", { type = "QueryParameterMatcher", repeated = true }),
    f("grpc", "msg", { type = "Empty" }),
    f("runtime_fraction", "msg", { type = "RuntimeFractionalPercent" }),
    f("safe_regex", "msg", { type = "RegexMatcher", oneof = true }),
    f("tls_context", "msg", { type = "TlsContextMatchOptions" }),
    f("connect_matcher", "msg", { type = "Empty", oneof = true }),
    f("dynamic_metadata", "msg", { repeated = true }),
    f("path_separated_prefix", "string", ONEOF),
    f("path_match_policy", "msg", ONEOF),
    f("filter_state", "msg", { repeated = true }),
  },
  HeaderMatcher = {
    f("name", "string"),
    f("exact_match", "string", ONEOF),
    f("range_match", "msg", { type = "Int64Range", oneof = true }),
    f("present_match", "bool", ONEOF),
    f("invert_match", "bool"),
    f("prefix_match", "string", ONEOF),
    f("suffix_match", "string", ONEOF),
    f("safe_regex_match", "msg", { type = "RegexMatcher", oneof = true }),
    f("contains_match", "string", ONEOF),
    f("string_match", "msg", { type = "StringMatcher", oneof = true }),
    f("treat_missing_header_as_empty", "bool"),
  },
  QueryParameterMatcher = {
    f("name", "string"),
    f("string_match", "msg", { type = "StringMatcher", oneof = true }),
    f("present_match", "bool", ONEOF),
  },
  StringMatcher = {
    f("exact", "string", ONEOF),
    f("prefix", "string", ONEOF),
    f("suffix", "string", ONEOF),
    f("safe_regex", "msg", { type = "RegexMatcher", oneof = true }),
    f("ignore_case", "bool"),
    f("contains", "string", ONEOF),
    f("custom", "msg", ONEOF),
  },
  RegexMatcher = {
    f("google_re2", "msg", { type = "GoogleRE2" }),
    f("regex", "string"),
  },
  GoogleRE2 = { f("max_program_size", "msg", { type = "UInt32Value" }) },
  Int64Range = { f("start", "int"), f("end", "int") },
  RuntimeFractionalPercent = {
    f("default_value", "msg", { type = "FractionalPercent" }),
    f("runtime_key", "string"),
  },
  FractionalPercent = {
    f("numerator", "int"),
    f("denominator", "enum", { values = { "HUNDRED", "TEN_THOUSAND", "MILLION" } }),
  },
  TlsContextMatchOptions = {
    f("presented", "msg", { type = "BoolValue" }),
    f("validated", "msg", { type = "BoolValue" }),
  },
  BoolValue = { f("value", "bool") },
  UInt32Value = { f("value", "int") },
  Empty = {},
}

--- CEscape: a string as protobuf's text format quotes it (without the quotes).
function M.escape(s)
  return (s:gsub("[%c\"'\\\128-\255]", function(c)
    if c == "\n" then return "\\n" end
    if c == "\r" then return "\\r" end
    if c == "\t" then return "\\t" end
    if c == "\"" or c == "'" or c == "\\" then return "\\" .. c end
    return ("\\%03o"):format(c:byte())
  end))
end

-- lowerCamel spelling of a snake_case name, as JSON input may use it.
local function camel(name)
  return (name:gsub("_(%l)", string.upper))
end

-- JSON/YAML scalars as text: numbers without ".0", booleans as words.
local function scalar_text(v)
  if math.type(v) == "float" and v == math.floor(v) then
    return ("%d"):format(v)
  end
  return tostring(v)
end

local print_message

local function default_value(field, v)
  if field.kind == "string" then return v == "" end
  if field.kind == "bool" then return v == false or v == "false" end
  if field.kind == "int" then return tonumber(v) == 0 end
  if field.kind == "enum" then return v == 0 or v == field.values[1] end
  return false
end

local function value_line(field, v, indent)
  local kind = field.kind
  if kind == "string" then
    return ('%s%s: "%s"\n'):format(indent, field.name, M.escape(tostring(v)))
  elseif kind == "enum" and math.type(tonumber(v)) == "integer" then
    return ("%s%s: %s\n"):format(indent, field.name, field.values[tonumber(v) + 1] or scalar_text(v))
  elseif kind == "msg" or type(v) == "table" then
    return ("%s%s {\n%s%s}\n"):format(indent, field.name, print_message(v, field.type, indent .. "  "), indent)
  end
  return ("%s%s: %s\n"):format(indent, field.name, scalar_text(v))
end

-- Appends the lines of one field (each element of a repeated one).
local function print_field(out, field, v, indent)
  if type(v) == "table" and (#v > 0 or field.repeated) then
    for _, item in ipairs(v) do out[#out + 1] = value_line(field, item, indent) end
  elseif type(v) ~= "table" and not field.oneof and default_value(field, v) then
    return
  elseif v ~= nil then
    out[#out + 1] = value_line(field, v, indent)
  end
end

--- The text format of t, a table holding a message of type name (a key of
-- the schema above; nil for an unknown message, whose fields print in name
-- order), each line prefixed by indent.
function print_message(t, name, indent)
  indent = indent or ""
  local out, seen = {}, {}
  if type(t) ~= "table" then return "" end
  for _, field in ipairs(SCHEMA[name] or {}) do
    local key = t[field.name] ~= nil and field.name or camel(field.name)
    seen[key] = true
    print_field(out, field, t[key], indent)
  end
  local rest = {}
  for k in pairs(t) do
    if type(k) == "string" and not seen[k] then rest[#rest + 1] = k end
  end
  table.sort(rest)
  for _, k in ipairs(rest) do
    local v = t[k]
    local kind = type(v) == "string" and "string" or type(v) == "boolean" and "bool"
      or type(v) == "number" and "int" or "msg"
    print_field(out, f(k, kind), v, indent)
  end
  return table.concat(out)
end

--- The text format of a RouteMatch table (nil prints as an empty match).
function M.route_match(match)
  return print_message(match or {}, "RouteMatch", "")
end

return M
