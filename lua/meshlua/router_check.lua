-- Envoy's router check tool (test/tools/router_check), without Envoy:
-- meshlua.check_routes(route_config, tests [, options]) reads the tool's
-- test files (JSON or YAML: tests[].test_name, input, validate), routes each
-- input through the route configuration with meshlua's engine, compares
-- every validate field as the tool does, and reports the way the tool
-- prints: test names (stdout when passing, stderr with the failure lines
-- when failing), "Current route coverage: X%", the exit status.
--
-- What follows router.cc, coverage.cc and router_check.cc: the request the
-- tool builds (:authority, :path, :method, x-forwarded-proto and :scheme
-- from ssl, x-envoy-internal, additional headers in order), the runtime mock
-- (a runtime_fraction is on only for the test's runtime key), headers
-- finalized before validation, the failure lines
-- ("expected: [X], actual: [Y], test type: T"), and coverage counted per
-- route entry (a weighted route once per cluster; a cluster_header route
-- once per test, as Envoy builds a new entry for each request).

local proto_text = require("meshlua.proto_text")

local M = {}

-- A field of a proto JSON message in either name form.
local field = require("meshlua.proxyconfig").field

-- C++ ostream's default formatting of a double (6 significant digits).
local function num(x)
  return (("%.6g"):format(x))
end

local function list_of(v)
  if v == nil then return {} end
  if type(v) ~= "table" then error("expected a list", 0) end
  return v
end

-- The request the tool builds from a test's input (ToolConfig::create).
local function request_of(input, test_name)
  if type(input) ~= "table" then
    error(("test %q: input must be a table"):format(test_name), 0)
  end
  -- what the tool's proto parsing refuses, said with the test's name
  for key, want in pairs({ authority = "string", path = "string", method = "string", runtime = "string",
                           random_value = "number" }) do
    local v = field(input, key)
    if v ~= nil and type(v) ~= want and not (want == "number" and tonumber(v)) then
      error(("test %q: input.%s must be a %s, got %s"):format(test_name, key, want, type(v)), 0)
    end
  end
  for _, key in ipairs({ "additional_request_headers", "additional_headers", "additional_response_headers" }) do
    for i, h in ipairs(list_of(field(input, key))) do
      if type(h) ~= "table" then
        error(("test %q: input.%s[%d] must be a table of key and value, got %s"):format(test_name, key, i, type(h)), 0)
      end
    end
  end
  local req = {
    authority = field(input, "authority") or "",
    path = field(input, "path") or "",
    method = field(input, "method") or "",
    scheme = field(input, "ssl") and "https" or "http",
    internal = field(input, "internal") and true or false,
    random_value = tonumber(field(input, "random_value") or 0),
    runtime_mock = true,
    headers = {},
    response_headers = {},
  }
  local runtime = field(input, "runtime")
  if runtime and runtime ~= "" then req.runtime = runtime end
  if math.type(req.random_value) ~= "integer" then req.random_value = math.floor(req.random_value) end
  local extra = field(input, "additional_request_headers") or field(input, "additional_headers")
  for _, h in ipairs(list_of(extra)) do
    req.headers[#req.headers + 1] = { h.key or h.field, h.value or "" }
  end
  for _, h in ipairs(list_of(field(input, "additional_response_headers"))) do
    req.response_headers[#req.response_headers + 1] = { h.key, h.value or "" }
  end
  if req.path == "" then req.path = nil end
  return req
end

-- The kind name the tool prints for a HeaderMatcher (router.cc toString).
local function matcher_kind(m)
  for _, k in ipairs({ "exact_match", "safe_regex_match", "range_match", "present_match",
                      "prefix_match", "suffix_match", "contains_match" }) do
    if field(m, k) ~= nil then return k end
  end
  local sm = field(m, "string_match")
  if sm then
    for _, k in ipairs({ "exact", "prefix", "suffix", "safe_regex", "contains" }) do
      if field(sm, k) ~= nil then return "string_match." .. k end
    end
    return "string_match.match_pattern_not_set"
  end
  return "present_match"
end

local function failure(expected, actual, test_type, expect_match)
  return ("expected: [%s], actual: %s[%s], test type: %s"):format(
    tostring(expected), expect_match == false and "NOT " or "", tostring(actual), test_type)
end

-- RouterCheckTool::matchHeaderField: the failure line of a header matcher.
local function header_failure(trace, m, which, test_type)
  local kind = matcher_kind(m)
  local name = field(m, "name") or ""
  local value = trace:header(name:lower(), which)
  local shown = value and value:match("^[^,]*") or "NULL"
  local invert = field(m, "invert_match") and true or false
  local match_type = test_type .. "." .. kind
  if kind == "present_match" then
    return failure(("has(%s):%s"):format(name, invert and "false" or "true"),
      ("has(%s):%s"):format(name, invert and "true" or "false"), match_type)
  elseif kind == "string_match.exact" then
    return failure(name .. ": " .. tostring(field(field(m, "string_match"), "exact")),
      name .. ": " .. shown, match_type, not invert)
  end
  return ("actual: [%s: %s], test type: %s"):format(name, shown, match_type)
end

-- Route names as the tool makes them unique before it runs the tests
-- (router.cc: "<name>-<uuid>", a random version 4 UUID), which is how
-- --detailed-coverage prints them.
local function unique_name(name)
  local function hex(n)
    local t = {}
    for i = 1, n do t[i] = ("%x"):format(math.random(0, 15)) end
    return table.concat(t)
  end
  return ("%s-%s-%s-4%s-%x%s-%s"):format(name or "", hex(8), hex(4), hex(3), math.random(8, 11), hex(3), hex(12))
end

-- Coverage (coverage.cc): one entry per route object the tool saw.
local function new_coverage()
  return { entries = {}, order = {} }
end

local function entry_key(trace, test_index)
  if trace.entry == "direct_response" then
    if not trace.route then return "ssl-redirect", "direct" end
    return ("%d/%d"):format(trace.virtual_host.index, trace.route.index), "direct"
  end
  local key = ("%d/%d"):format(trace.virtual_host.index, trace.route.index)
  if trace.weighted then key = key .. "/w" .. trace.weighted.index end
  if trace.route.action == "cluster_header" then key = key .. "/t" .. test_index end
  return key, "route"
end

local function mark(cov, trace, test_index, what)
  local key, kind = entry_key(trace, test_index)
  local e = cov.entries[key]
  if not e then
    e = { kind = kind, fields = {},
          vhost = trace.virtual_host and trace.virtual_host.index,
          route = trace.route and trace.route.index }
    cov.entries[key] = e
    cov.order[#cov.order + 1] = key
  end
  e.fields[what] = true
end

local ROUTE_FIELDS = { "cluster", "virtual_cluster", "virtual_host", "path_rewrite", "host_rewrite" }
local DIRECT_FIELDS = { "redirect_path", "redirect_code" }

-- Runs one test; returns the failure lines (empty when it passes).
local function run_test(routes, test, index, cov)
  local name = field(test, "test_name") or ""
  local validate = field(test, "validate")
  if type(validate) ~= "table" then
    error(("test %q: validate must be a table"):format(name), 0)
  end
  local trace = routes:route(request_of(field(test, "input"), name))
  local failures = {}
  local route_entry = trace.entry == "route"
  local direct = trace.entry == "direct_response"

  local function check(key, actual, test_type, entry_ok, cover)
    local expected = field(validate, key)
    if expected == nil then return end
    if actual == expected then
      if entry_ok then mark(cov, trace, index, cover) end
    else
      failures[#failures + 1] = failure(expected, actual, test_type)
    end
  end

  check("cluster_name", route_entry and trace.cluster and trace.cluster.name or "", "cluster_name",
    route_entry, "cluster")
  -- The tool asks for the virtual cluster after finalizing the headers.
  check("virtual_cluster_name", route_entry and trace.final_virtual_cluster or "",
    "virtual_cluster_name", route_entry, "virtual_cluster")
  check("virtual_host_name", route_entry and trace.virtual_host.name or "", "virtual_host_name",
    route_entry, "virtual_host")
  check("path_rewrite", route_entry and (trace.path or "") or "", "path_rewrite", route_entry,
    "path_rewrite")
  check("host_rewrite", route_entry and (trace.host or "") or "", "host_rewrite", route_entry,
    "host_rewrite")
  check("path_redirect", direct and (trace.location or "") or "", "path_redirect", direct,
    "redirect_path")
  local code = field(validate, "code_redirect")
  if code ~= nil then
    local actual = direct and trace.status or 0
    if tonumber(code) == actual then
      if direct then mark(cov, trace, index, "redirect_code") end
    else
      failures[#failures + 1] = failure(math.tointeger(tonumber(code)) or code, actual, "code_redirect")
    end
  end
  for _, which in ipairs({ "request", "response" }) do
    for _, m in ipairs(list_of(field(validate, which .. "_header_matches"))) do
      if not trace:header_match(m, which) then
        failures[#failures + 1] = header_failure(trace, m, which, which .. "_header_matches")
      end
    end
    for _, h in ipairs(list_of(field(validate, which .. "_header_fields"))) do
      local actual = trace:header(h.key, which)
      actual = actual and actual:match("^[^,]*") or ""
      if actual ~= (h.value or "") then
        failures[#failures + 1] = failure(h.value or "", actual, which .. "_header_fields")
      end
    end
  end
  return name, failures
end

-- Appends a "Missing test for host: <vhost>, <what>: <label(route)>" line
-- for every route of info that no test reached, in the config's order.
local function report_missing(info, cov, out, what, label)
  for v, vh in ipairs(info.vhosts) do
    for r, route in ipairs(vh.routes) do
      local covered = false
      for _, key in ipairs(cov.order) do
        local e = cov.entries[key]
        if e.vhost == v and e.route == r then covered = true end
      end
      if not covered then
        out[#out + 1] = ("Missing test for host: %s, %s: %s\n"):format(vh.name, what, label(route))
      end
    end
  end
end

local function coverage_report(routes, cov, opts, out)
  local info = routes:info()
  local targets = info.targets
  if targets == 0 then return 0 end
  if opts.covall then
    local sum = 0
    for _, key in ipairs(cov.order) do
      local e = cov.entries[key]
      local list = e.kind == "route" and ROUTE_FIELDS or DIRECT_FIELDS
      local n = 0
      for _, f in ipairs(list) do if e.fields[f] then n = n + 1 end end
      sum = sum + n / #list
    end
    report_missing(info, cov, out, "route", function(route) return proto_text.route_match(route.match) end)
    return 100 * sum / targets
  end
  if opts.detailed_coverage then
    report_missing(info, cov, out, "route name", function(route) return unique_name(route.name) end)
  end
  return 100 * #cov.order / targets
end

--- check_routes(route_config, tests [, options]) -> report.
-- route_config: a RouteConfiguration (file name, JSON/YAML text or table);
-- tests: the tool's test file (same forms); options: { details = bool,
-- only_show_failures = bool, fail_under = pct, covall = bool,
-- detailed_coverage = bool }. The report: { passed = bool, exit_status = 0|1,
-- tests = { { name =, passed =, failures = {lines} } }, coverage = pct or
-- nil, stdout = text, stderr = text } where stdout and stderr are what
-- router_check_tool prints. Errors in either input raise, naming it.
function M.check_routes(route_config, tests, opts)
  opts = opts or {}
  local ok, routes = pcall(meshlua.routes, route_config, { router_check = true })
  if not ok then error(routes, 0) end
  local doc
  ok, doc = pcall(meshlua.read_document, tests)
  if not ok then error((doc:gsub("^document: ", "tests: ")), 0) end
  if type(doc) ~= "table" then error("tests: expected a table with a tests list", 0) end
  local list = field(doc, "tests") or (doc[1] and doc) or {}
  local cov = new_coverage()
  local report = { tests = {}, passed = true }
  local out, err = {}, {}
  for i, test in ipairs(list) do
    local name, failures = run_test(routes, test, i, cov)
    local passed = #failures == 0
    report.tests[#report.tests + 1] = { name = name, passed = passed, failures = failures }
    if not passed then report.passed = false end
    if (opts.details and not opts.only_show_failures) or (opts.only_show_failures and not passed) then
      if passed then
        out[#out + 1] = name .. "\n"
      else
        err[#err + 1] = name .. "\n"
        for _, f in ipairs(failures) do err[#err + 1] = f .. "\n" end
      end
    end
  end
  report.exit_status = report.passed and 0 or 1
  if report.passed then
    report.coverage = coverage_report(routes, cov, opts, out)
    out[#out + 1] = ("Current route coverage: %s%%\n"):format(num(report.coverage))
    local fail_under = tonumber(opts.fail_under or 0) or 0
    if fail_under ~= 0 and report.coverage < fail_under then
      err[#err + 1] = ("Failed to meet coverage requirement: %s%%\n"):format(num(fail_under))
      report.exit_status = 1
    end
  end
  report.stdout = table.concat(out)
  report.stderr = table.concat(err)
  return report
end

--- main(args) -> exit status: router_check_tool's command line
-- (-c/--config-path, -t/--test-path, -d/--details, --only-show-failures,
-- -f/--fail-under, --covall, --detailed-coverage, --disable-deprecation-check),
-- printing what it prints.
function M.main(args)
  local opts, config, tests = {}, nil, nil
  local i = 1
  local function value(flag)
    i = i + 1
    if args[i] == nil then error(("error: Missing a value for %s"):format(flag), 0) end
    return args[i]
  end
  while i <= #args do
    local a = args[i]
    if a == "-c" or a == "--config-path" then config = value(a)
    elseif a == "-t" or a == "--test-path" then tests = value(a)
    elseif a == "-d" or a == "--details" then opts.details = true
    elseif a == "--only-show-failures" then opts.only_show_failures = true
    elseif a == "-f" or a == "--fail-under" then opts.fail_under = tonumber(value(a))
    elseif a == "--covall" then opts.covall = true
    elseif a == "--detailed-coverage" then opts.detailed_coverage = true
    elseif a == "--disable-deprecation-check" then -- accepted, nothing to disable
    else
      io.stderr:write(("error: Couldn't find match for argument '%s'\n"):format(a))
      return 1
    end
    i = i + 1
  end
  if not config or not tests then
    io.stderr:write("error: Both --config-path/c and --test-path/t are mandatory\n")
    return 1
  end
  local ok, report = pcall(M.check_routes, config, tests, opts)
  if not ok then
    io.stderr:write(tostring(report), "\n")
    return 1
  end
  io.stdout:write(report.stdout)
  io.stderr:write(report.stderr)
  return report.exit_status
end

return M
