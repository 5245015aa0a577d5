-- meshlua.check_routes and examples/router-check.lua: Envoy's router check
-- tool without Envoy. Every pair of ../shared/fixtures/envoy-router-check/
-- passes as it does in Envoy; tests changed to fail print the tool's failure
-- lines (router.cc's "expected: [X], actual: [Y], test type: T").

local process = dofile("spec/helpers/process.lua")

local DIR = "../shared/fixtures/envoy-router-check/"
local PAIRS = {
  ClusterHeader = { "Test1", "Test2", "Test3" },
  ContentType = { "Test_1", "Test_2", "Test_3" },
  DirectResponse = { "Direct Response", "Direct Response custom content-type",
                     "Direct Response custom content-type appended", "Direct Response empty body" },
  HeaderMatchedRouting = { "Test_1", "Test_2", "Test_3", "Test_4", "Test_5", "Test_6", "Test_7", "Test_8", "Test_9" },
  Redirect = { "Test_1", "Test_2", "Test_3", "Test_4", "Test_5", "Test_6", "Test_7", "Test_8", "Test_9", "Test_10" },
  Runtime = { "Test_1", "Test_2" },
  Weighted = { "Test_1", "Test_2", "Test_3", "Test_4", "Test_5", "Test_6", "Test_7" },
}

local function tests_of(name)
  return meshlua.read_document(DIR .. name .. ".golden.proto.json")
end

local function find(doc, test_name)
  for _, t in ipairs(doc.tests) do
    if t.test_name == test_name then return t end
  end
  error("no test " .. test_name)
end

describe("meshlua.check_routes on Envoy's router check pairs", function()
  for name, names in pairs(PAIRS) do
    it(name .. " passes every test, as in Envoy", function()
      local report = meshlua.check_routes(DIR .. name .. ".yaml", DIR .. name .. ".golden.proto.json",
        { details = true })
      assert.is_true(report.passed)
      assert.are.equal(0, report.exit_status)
      assert.are.equal("", report.stderr)
      local got = {}
      for _, t in ipairs(report.tests) do
        got[#got + 1] = t.name
        assert.is_true(t.passed, t.name)
      end
      assert.are.same(names, got)
      assert.are.equal(table.concat(names, "\n") .. "\n", report.stdout:match("^(.-)Current route coverage"))
      assert.matches("Current route coverage: [%d.]+%%\n$", report.stdout)
    end)
  end

  it("reads the test file in YAML too", function()
    local report = meshlua.check_routes(DIR .. "Weighted.yaml", DIR .. "Weighted.golden.proto.yaml", { details = true })
    assert.is_true(report.passed)
    assert.are.equal("Test_1\nTest_2\nTest_3\nTest_4\n", report.stdout:match("^(.-)Current"))
  end)

  it("takes the route configuration as JSON text or a table", function()
    local rc = meshlua.read_document(DIR .. "ContentType.yaml")
    assert.is_true(meshlua.check_routes(rc, tests_of("ContentType")).passed)
    assert.is_true(meshlua.check_routes(require("cjson").encode(rc), DIR .. "ContentType.golden.proto.json").passed)
  end)

  it("prints nothing but the coverage without --details", function()
    local report = meshlua.check_routes(DIR .. "ContentType.yaml", DIR .. "ContentType.golden.proto.json")
    assert.are.equal("Current route coverage: 100%\n", report.stdout)
  end)

  it("counts coverage per route entry, a weighted route once per cluster", function()
    local function coverage(name, opts)
      return meshlua.check_routes(DIR .. name .. ".yaml", DIR .. name .. ".golden.proto.json", opts).stdout
        :match("Current route coverage: (.-)%%")
    end
    assert.are.equal("100", coverage("ContentType"))
    assert.are.equal("87.5", coverage("HeaderMatchedRouting"))
    assert.are.equal("100", coverage("Weighted"))
    -- Envoy's route_tests.sh: DirectResponse reaches 100% even with --covall
    assert.are.equal("100", coverage("DirectResponse", { covall = true }))
  end)

  it("finalizes the headers before asking for the virtual cluster, as router.cc does", function()
    local rc = { virtual_hosts = { { name = "v", domains = { "*" },
      routes = { { match = { prefix = "/old" }, route = { cluster = "c", prefix_rewrite = "/new" } } },
      virtual_clusters = { { name = "new-api", headers = { { name = ":path", string_match = { prefix = "/new" } } } } } } } }
    local tests = { tests = { { test_name = "rewritten", input = { authority = "a", path = "/old/x", method = "GET" },
      validate = { virtual_cluster_name = "new-api", path_rewrite = "/new/x" } } } }
    assert.is_true(meshlua.check_routes(rc, tests).passed)
  end)

  it("fails under the required coverage as route_tests.sh expects", function()
    local ok = meshlua.check_routes(DIR .. "Redirect.yaml", DIR .. "Redirect.golden.proto.json",
      { details = true, fail_under = 1.0 })
    assert.are.equal(0, ok.exit_status)
    assert.matches("Current route coverage: ", ok.stdout, 1, true)
    local fail = meshlua.check_routes(DIR .. "Redirect.yaml", DIR .. "Redirect.golden.proto.json",
      { details = true, fail_under = 100 })
    assert.are.equal(1, fail.exit_status)
    assert.are.equal("Failed to meet coverage requirement: 100%\n", fail.stderr)
  end)
end)

describe("meshlua.check_routes failures", function()
  local function run(name, edit, opts)
    local doc = tests_of(name)
    edit(doc)
    return meshlua.check_routes(DIR .. name .. ".yaml", doc, opts or { details = true })
  end

  it("prints Envoy's lines when a catch-all route answers what Weighted expects (route_tests.sh)", function()
    local report = meshlua.check_routes("spec/fixtures/resolve/catchall_routes.yaml",
      DIR .. "Weighted.golden.proto.json", { details = true })
    assert.are.equal(1, report.exit_status)
    assert.is_nil(report.stdout:find("Current route coverage", 1, true))
    assert.matches("^Test_1\n", report.stdout)
    local err = report.stderr
    local a = err:find("Test_2\nexpected: [cluster1], actual: [instant-server], test type: cluster_name\n" ..
      "expected: [test_virtual_cluster], actual: [other], test type: virtual_cluster_name\n", 1, true)
    local b = err:find("Test_3\nexpected: [cluster2], actual: [instant-server], test type: cluster_name\n", 1, true)
    assert.is_truthy(a)
    assert.is_truthy(b)
    assert.is_true(a < b)
  end)

  it("with --only-show-failures prints only the failing tests", function()
    local report = meshlua.check_routes("spec/fixtures/resolve/catchall_routes.yaml",
      DIR .. "Weighted.golden.proto.json", { only_show_failures = true })
    assert.are.equal("", report.stdout)
    assert.is_nil(report.stderr:find("Test_1", 1, true))
    assert.matches("Test_2\nexpected: [cluster1], actual: [instant-server], test type: cluster_name", report.stderr, 1, true)
  end)

  local cases = {
    { "Weighted", "Test_2", function(t) t.validate.cluster_name = "cluster2" end,
      "expected: [cluster2], actual: [cluster1], test type: cluster_name" },
    { "Weighted", "Test_2", function(t) t.validate.virtual_cluster_name = "other" end,
      "expected: [other], actual: [test_virtual_cluster], test type: virtual_cluster_name" },
    { "Redirect", "Test_3", function(t) t.validate.path_redirect = "https://www.lyft.com/bar" end,
      "expected: [https://www.lyft.com/bar], actual: [https://www.lyft.com/foo], test type: path_redirect" },
    { "Redirect", "Test_9", function(t) t.validate.path_rewrite = "/pre/x" end,
      "expected: [/pre/x], actual: [/pre/test], test type: path_rewrite" },
    { "Redirect", "Test_9", function(t) t.validate.host_rewrite = "other.lyft.com" end,
      "expected: [other.lyft.com], actual: [api.lyft.com], test type: host_rewrite" },
    { "Redirect", "Test_10", function(t) t.validate.virtual_host_name = "www2" end,
      "expected: [www2], actual: [api], test type: virtual_host_name" },
    { "ClusterHeader", "Test2", function(t) t.validate.cluster_name = "some_cluster" end,
      "expected: [some_cluster], actual: [], test type: cluster_name" },
    { "DirectResponse", "Direct Response", function(t) t.validate.code_redirect = 301 end,
      "expected: [301], actual: [200], test type: code_redirect" },
    { "DirectResponse", "Direct Response", function(t)
        t.validate.response_header_matches[2].string_match.exact = "9" end,
      "expected: [content-length: 9], actual: [content-length: 8], test type: response_header_matches.string_match.exact" },
    { "DirectResponse", "Direct Response empty body", function(t)
        t.validate.response_header_matches[1].invert_match = false end,
      "expected: [has(content-type):true], actual: [has(content-type):false], test type: response_header_matches.present_match" },
    { "DirectResponse", "Direct Response custom content-type", function(t)
        t.validate.response_header_matches[1] = { name = "content-type", string_match = { prefix = "text/" } } end,
      "actual: [content-type: application/json], test type: response_header_matches.string_match.prefix" },
    { "HeaderMatchedRouting", "Test_2", function(t) t.validate.cluster_name = "local_service_without_headers" end,
      "expected: [local_service_without_headers], actual: [local_service_with_headers], test type: cluster_name" },
    { "Runtime", "Test_2", function(t) t.input.runtime = nil end,
      "expected: [www2], actual: [www3], test type: cluster_name" },
  }
  for _, case in ipairs(cases) do
    local pair, test_name, edit, line = case[1], case[2], case[3], case[4]
    it(("reports %s/%s changed to fail: %s"):format(pair, test_name, line), function()
      local report = run(pair, function(doc) edit(find(doc, test_name)) end)
      assert.is_false(report.passed)
      assert.are.equal(1, report.exit_status)
      assert.matches("\n" .. test_name .. "\n" .. line .. "\n", "\n" .. report.stderr, 1, true)
      for _, t in ipairs(report.tests) do
        assert.are.equal(t.name ~= test_name, t.passed, t.name)
      end
    end)
  end

  it("prints NOT for an inverted exact header match that holds", function()
    local report = run("DirectResponse", function(doc)
      find(doc, "Direct Response").validate.response_header_matches[1].invert_match = true
    end)
    assert.matches("expected: [content-type: text/plain], actual: NOT [content-type: text/plain], " ..
      "test type: response_header_matches.string_match.exact", report.stderr, 1, true)
  end)

  it("raises naming the input when a file does not parse", function()
    local ok, err = pcall(meshlua.check_routes, DIR .. "Weighted.yaml", "tests: [ {")
    assert.is_false(ok)
    assert.matches("^tests: <string>:2:1: ", err)
    ok, err = pcall(meshlua.check_routes, "virtual_hosts: [{name: v, domains: ['*'], routes: [{match: {safe_regex: {regex: '('}}, route: {cluster: c}}]}]",
      DIR .. "Weighted.golden.proto.json")
    assert.is_false(ok)
    assert.matches("invalid regex", err, 1, true)
  end)
end)

describe("examples/router-check.lua", function()
  it("runs like router_check_tool: names on stdout, status 0", function()
    local r = process.meshlua({ "examples/router-check.lua", "-c", DIR .. "Redirect.yaml",
      "-t", DIR .. "Redirect.golden.proto.json", "--details" })
    assert.are.equal(0, r.code)
    assert.matches("^Test_1\nTest_2\n", r.stdout)
    assert.matches("Current route coverage: [%d.]+%%\n$", r.stdout)
    assert.are.equal("", r.stderr)
  end)

  it("exits 1 with the failures on stderr", function()
    local r = process.meshlua({ "examples/router-check.lua", "-c", "spec/fixtures/resolve/catchall_routes.yaml",
      "-t", DIR .. "Weighted.golden.proto.json", "-d" })
    assert.are.equal(1, r.code)
    assert.matches("expected: [cluster1], actual: [instant-server], test type: cluster_name", r.stderr, 1, true)
  end)

  it("insists on both paths, as the tool does", function()
    local r = process.meshlua({ "examples/router-check.lua", "-c", DIR .. "Redirect.yaml" })
    assert.are.equal(1, r.code)
    assert.are.equal("error: Both --config-path/c and --test-path/t are mandatory\n", r.stderr)
  end)
end)

describe("meshlua.check_routes coverage reports", function()
  -- routes no test reaches, named and not, with matchers of every shape
  local rc = { virtual_hosts = {
    { name = "www2_staging", domains = { "www-staging.lyft.net" }, routes = {
      { match = { prefix = "/" }, route = { cluster = "www2_staging" } } } },
    { name = "default", domains = { "*" }, routes = {
      { name = "api", route = { cluster = "api" }, match = { prefix = "/api", caseSensitive = { value = false },
        headers = { { name = "x-a", string_match = { exact = "b\"c\n\195\169" } }, { name = "x-b", present_match = false } } } },
      { match = { safe_regex = { regex = "/r.*" }, runtime_fraction = { runtime_key = "k",
        default_value = { numerator = 50, denominator = "TEN_THOUSAND" } } }, route = { cluster = "r" } },
      { match = { path = "/x", grpc = {}, query_parameters = {} }, route = { cluster = "x" } },
      { match = { prefix = "" }, route = { cluster = "instant-server" } } } } } }
  local tests = { tests = { { test_name = "t", input = { authority = "example.com", path = "/zzz", method = "GET" },
    validate = { cluster_name = "instant-server" } } } }

  it("--covall prints each missing route's match as protobuf's text format does", function()
    local out = meshlua.check_routes(rc, tests, { covall = true }).stdout
    -- TextFormat: fields in field-number order, a trailing newline that
    -- std::endl follows, proto3 defaults left out but for oneof members,
    -- strings C-escaped with octal for bytes outside printable ASCII
    assert.are.equal(table.concat({
      'Missing test for host: www2_staging, route: prefix: "/"\n\n',
      'Missing test for host: default, route: prefix: "/api"\ncase_sensitive {\n}\n',
      'headers {\n  name: "x-a"\n  string_match {\n    exact: "b\\"c\\n\\303\\251"\n  }\n}\n',
      'headers {\n  name: "x-b"\n  present_match: false\n}\n\n',
      'Missing test for host: default, route: runtime_fraction {\n  default_value {\n    numerator: 50\n',
      '    denominator: TEN_THOUSAND\n  }\n  runtime_key: "k"\n}\nsafe_regex {\n  regex: "/r.*"\n}\n\n',
      'Missing test for host: default, route: path: "/x"\ngrpc {\n}\n\n',
      "Current route coverage: 4%\n" }), out)
  end)

  it("--detailed-coverage names each missing route as the tool made it unique", function()
    local out = meshlua.check_routes(rc, tests, { detailed_coverage = true }).stdout
    local uuid = "%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x"
    local names = {}
    for host, name in out:gmatch("Missing test for host: ([^,]+), route name: ([^\n]*)\n") do
      assert.truthy(name:match("^[%w_]*%-" .. uuid .. "$"), name)
      names[#names + 1] = host .. " " .. name:sub(1, -38)
    end
    assert.are.same({ "www2_staging ", "default api", "default ", "default " }, names)
    assert.truthy(out:find("Current route coverage: 20%\n", 1, true))
  end)
end)

describe("meshlua.check_routes on malformed tests", function()
  local rc = { virtual_hosts = { { name = "v", domains = { "*" },
    routes = { { match = { prefix = "/" }, route = { cluster = "c" } } } } } }
  it("names the test and the field, without meshlua's own source position", function()
    for _, case in ipairs({
      { { path = {} }, 'test "t": input.path must be a string, got table' },
      { { authority = 5 }, 'test "t": input.authority must be a string, got number' },
      { { random_value = "x" }, 'test "t": input.random_value must be a number, got string' },
      { { additional_request_headers = { "a" } },
        'test "t": input.additional_request_headers[1] must be a table of key and value, got string' },
    }) do
      local input = case[1]
      input.authority = input.authority or "a"
      input.path = input.path or "/"
      local ok, err = pcall(meshlua.check_routes, rc,
        { tests = { { test_name = "t", input = input, validate = { cluster_name = "c" } } } })
      assert.is_false(ok)
      assert.are.equal(case[2], tostring(err))
    end
    -- a uint64 given as a JSON string is fine, as in proto JSON
    assert.is_true(meshlua.check_routes(rc, { tests = { { test_name = "t",
      input = { authority = "a", path = "/", random_value = "7" }, validate = { cluster_name = "c" } } } }).passed)
  end)
end)
