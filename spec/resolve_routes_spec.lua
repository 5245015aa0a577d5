-- Route-level resolution (meshlua.routes): virtual host selection, route
-- matching, actions and outcomes, with the semantics of Envoy's router
-- (../shared/reference/envoy.md section 3 and its rules 3-10).

local function routes(vhosts, extra)
  local rc = { name = "test", virtual_hosts = vhosts }
  for k, v in pairs(extra or {}) do rc[k] = v end
  return meshlua.routes(rc)
end

local function one_vhost(route_list, vhost_extra)
  local vh = { name = "vh", domains = { "*" }, routes = route_list }
  for k, v in pairs(vhost_extra or {}) do vh[k] = v end
  return routes({ vh })
end

local function cluster_of(rt, req)
  local t = rt:route(req)
  return t.cluster and t.cluster.name, t
end

describe("virtual host selection", function()
  local rt = routes({
    { name = "exact", domains = { "www.example.com" }, routes = { { match = { prefix = "/" }, route = { cluster = "exact" } } } },
    { name = "suffix-long", domains = { "*.b.example.com" }, routes = { { match = { prefix = "/" }, route = { cluster = "suffix-long" } } } },
    { name = "suffix-short", domains = { "*.example.com" }, routes = { { match = { prefix = "/" }, route = { cluster = "suffix-short" } } } },
    { name = "suffix-dash", domains = { "*-bar.baz.com", "*.baz.com" }, routes = { { match = { prefix = "/" }, route = { cluster = "suffix-dash" } } } },
    { name = "prefix-long", domains = { "api.example.*" }, routes = { { match = { prefix = "/" }, route = { cluster = "prefix-long" } } } },
    { name = "prefix-short", domains = { "api.*" }, routes = { { match = { prefix = "/" }, route = { cluster = "prefix-short" } } } },
    { name = "ported", domains = { "svc:8080" }, routes = { { match = { prefix = "/" }, route = { cluster = "ported" } } } },
    { name = "default", domains = { "*" }, routes = { { match = { prefix = "/" }, route = { cluster = "default" } } } },
  })

  it("prefers an exact domain, case-insensitively", function()
    assert.are.equal("exact", cluster_of(rt, { authority = "WWW.Example.COM" }))
  end)

  it("takes the longest suffix wildcard before a shorter one", function()
    assert.are.equal("suffix-long", cluster_of(rt, { authority = "a.b.example.com" }))
    assert.are.equal("suffix-short", cluster_of(rt, { authority = "a.c.example.com" }))
  end)

  it("never lets *.example.com match example.com itself", function()
    assert.are.equal("default", cluster_of(rt, { authority = "example.com" }))
    assert.are.equal("default", cluster_of(rt, { authority = ".example.com" }))
  end)

  it("matches foo-bar.baz.com with *-bar.baz.com before *.baz.com", function()
    assert.are.equal("suffix-dash", cluster_of(rt, { authority = "foo-bar.baz.com" }))
  end)

  it("tries every suffix wildcard before any prefix wildcard, whatever their lengths", function()
    -- api.example.com fits "api.example.*" (longer) and "*.example.com": the suffix wins
    assert.are.equal("suffix-short", cluster_of(rt, { authority = "api.example.com" }))
    assert.are.equal("prefix-long", cluster_of(rt, { authority = "api.example.org" }))
    assert.are.equal("prefix-short", cluster_of(rt, { authority = "api.other.org" }))
  end)

  it("falls back to the * virtual host", function()
    assert.are.equal("default", cluster_of(rt, { authority = "unknown.test" }))
  end)

  it("keeps the port as part of the host unless it is ignored", function()
    assert.are.equal("ported", cluster_of(rt, { authority = "svc:8080" }))
    assert.are.equal("default", cluster_of(rt, { authority = "svc" }))
    assert.are.equal("default", cluster_of(rt, { authority = "www.example.com:80" }))
    local ignoring = routes({
      { name = "plain", domains = { "svc" }, routes = { { match = { prefix = "/" }, route = { cluster = "plain" } } } },
      { name = "v6", domains = { "[::1]" }, routes = { { match = { prefix = "/" }, route = { cluster = "v6" } } } },
    }, { ignore_port_in_host_matching = true })
    assert.are.equal("plain", cluster_of(ignoring, { authority = "svc:8080" }))
    assert.are.equal("v6", cluster_of(ignoring, { authority = "[::1]:443" }))
    assert.are.equal("v6", cluster_of(ignoring, { authority = "[::1]" }))
  end)

  it("answers 404 NR when no virtual host matches", function()
    local strict = routes({ { name = "only", domains = { "a.test" }, routes = { { match = { prefix = "/" }, route = { cluster = "a" } } } } })
    local t = strict:route({ authority = "b.test" })
    assert.are.equal("404 NR", t.outcome)
    assert.are.equal(404, t.status)
    assert.is_nil(t.virtual_host)
  end)

  it("uses vhost_header instead of :authority when configured", function()
    local by_header = routes({
      { name = "x", domains = { "x.test" }, routes = { { match = { prefix = "/" }, route = { cluster = "x" } } } },
      { name = "y", domains = { "y.test" }, routes = { { match = { prefix = "/" }, route = { cluster = "y" } } } },
    }, { vhost_header = "x-vhost" })
    assert.are.equal("y", cluster_of(by_header, { authority = "x.test", headers = { ["x-vhost"] = "y.test" } }))
    assert.are.equal("404 NR", by_header:route({ authority = "x.test" }).outcome)
  end)

  it("rejects duplicate domains and a second * at load", function()
    local ok, err = pcall(routes, {
      { name = "a", domains = { "dup.test" }, routes = {} },
      { name = "b", domains = { "DUP.test" }, routes = {} },
    })
    assert.is_false(ok)
    assert.matches("Only unique values for domains are permitted. Duplicate entry of domain dup.test in route test", err, 1, true)
    ok, err = pcall(routes, { { name = "a", domains = { "*" } }, { name = "b", domains = { "*" } } })
    assert.is_false(ok)
    assert.matches("Only a single wildcard domain is permitted in route test", err, 1, true)
  end)
end)

describe("route matching", function()
  it("takes the first matching route in order, not the longest prefix", function()
    local rt = one_vhost({
      { match = { prefix = "/" }, route = { cluster = "root" } },
      { match = { prefix = "/api" }, route = { cluster = "api" } },
    })
    assert.are.equal("root", cluster_of(rt, { path = "/api/v1" }))
  end)

  it("matches prefix, path, safe_regex and path_separated_prefix on the path without query", function()
    local rt = one_vhost({
      { match = { path = "/exact" }, route = { cluster = "path" } },
      { match = { safe_regex = { regex = "/users/[0-9]+" } }, route = { cluster = "regex" } },
      { match = { path_separated_prefix = "/docs" }, route = { cluster = "sep" } },
      { match = { prefix = "/pre" }, route = { cluster = "prefix" } },
    })
    assert.are.equal("path", cluster_of(rt, { path = "/exact?x=1" }))
    assert.is_nil(cluster_of(rt, { path = "/exact/more" }))
    assert.are.equal("regex", cluster_of(rt, { path = "/users/42?sort=asc" }))
    -- a regex is a full match
    assert.is_nil(cluster_of(rt, { path = "/users/42/x" }))
    assert.are.equal("sep", cluster_of(rt, { path = "/docs" }))
    assert.are.equal("sep", cluster_of(rt, { path = "/docs/intro#top" }))
    assert.is_nil(cluster_of(rt, { path = "/docsy" }))
    assert.are.equal("prefix", cluster_of(rt, { path = "/prefix" }))
  end)

  it("honours case_sensitive false for prefix and path, not for regex", function()
    local rt = one_vhost({
      { match = { prefix = "/API", case_sensitive = false }, route = { cluster = "api" } },
      { match = { safe_regex = { regex = "/Regex" }, case_sensitive = false }, route = { cluster = "regex" } },
    })
    assert.are.equal("api", cluster_of(rt, { path = "/api/x" }))
    assert.is_nil(cluster_of(rt, { path = "/regex" }))
    assert.are.equal("regex", cluster_of(rt, { path = "/Regex" }))
  end)

  it("matches uri templates and CONNECT requests", function()
    local rt = one_vhost({
      { match = { connect_matcher = {} }, route = { cluster = "connect" } },
      { match = { path_match_policy = { name = "envoy.path.match.uri_template.uri_template_matcher",
                   typed_config = { ["@type"] = "type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig",
                                    path_template = "/shelves/{shelf}/books/**" } } },
        route = { cluster = "template" } },
    })
    assert.are.equal("template", cluster_of(rt, { path = "/shelves/s1/books/b/2" }))
    assert.is_nil(cluster_of(rt, { path = "/shelves//books/b" }))
    assert.are.equal("connect", cluster_of(rt, { method = "CONNECT", path = "/" }))
  end)

  describe("headers", function()
    local rt = one_vhost({
      { match = { prefix = "/", headers = { { name = "x-exact", exact_match = "a" } } }, route = { cluster = "exact_match" } },
      { match = { prefix = "/", headers = { { name = "x-re", safe_regex_match = { regex = "v[0-9]+" } } } }, route = { cluster = "safe_regex_match" } },
      { match = { prefix = "/", headers = { { name = "x-range", range_match = { start = 10, ["end"] = 20 } } } }, route = { cluster = "range_match" } },
      { match = { prefix = "/", headers = { { name = "x-absent", present_match = false } } }, route = { cluster = "absent" } },
    })
    local function with(headers) return cluster_of(rt, { headers = headers }) end

    it("matches exact, regex (full) and range [start, end) values", function()
      assert.are.equal("exact_match", with({ ["x-exact"] = "a", ["x-absent"] = "1" }))
      assert.are.equal("safe_regex_match", with({ ["x-re"] = "v12", ["x-absent"] = "1" }))
      assert.are.equal("absent", with({ ["x-re"] = "v12x" }))
      assert.are.equal("range_match", with({ ["x-range"] = "10", ["x-absent"] = "1" }))
      assert.is_nil(with({ ["x-range"] = "20", ["x-absent"] = "1" }))
      assert.is_nil(with({ ["x-range"] = "1x", ["x-absent"] = "1" }))
    end)

    it("matches present_match false only when the header is missing", function()
      assert.are.equal("absent", with({}))
    end)

    local function single(matcher, headers)
      local m = { name = "h" }
      for k, v in pairs(matcher) do m[k] = v end
      local r = one_vhost({ { match = { prefix = "/", headers = { m } }, route = { cluster = "yes" } } })
      return cluster_of(r, { headers = headers }) == "yes"
    end

    it("matches prefix, suffix, contains and string_match (with ignore_case)", function()
      assert.is_true(single({ prefix_match = "ab" }, { h = "abc" }))
      assert.is_true(single({ suffix_match = "bc" }, { h = "abc" }))
      assert.is_true(single({ contains_match = "b" }, { h = "abc" }))
      assert.is_false(single({ contains_match = "x" }, { h = "abc" }))
      assert.is_true(single({ string_match = { exact = "ABC", ignore_case = true } }, { h = "abc" }))
      assert.is_false(single({ string_match = { exact = "ABC" } }, { h = "abc" }))
      assert.is_true(single({ string_match = { prefix = "A", ignore_case = true } }, { h = "abc" }))
      assert.is_true(single({ string_match = { suffix = "C", ignore_case = true } }, { h = "abc" }))
      assert.is_true(single({ string_match = { contains = "B", ignore_case = true } }, { h = "abc" }))
      assert.is_true(single({ string_match = { safe_regex = { regex = "a.c" } } }, { h = "abc" }))
    end)

    it("tests all values of a header joined with commas", function()
      assert.is_true(single({ exact_match = "a,b" }, { { "h", "a" }, { "h", "b" } }))
      assert.is_false(single({ exact_match = "a" }, { { "h", "a" }, { "h", "b" } }))
    end)

    it("fails inverted value matchers on a missing header, unless treated as empty", function()
      assert.is_true(single({ exact_match = "x", invert_match = true }, { h = "y" }))
      assert.is_false(single({ exact_match = "x", invert_match = true }, {}))
      assert.is_true(single({ exact_match = "x", invert_match = true, treat_missing_header_as_empty = true }, {}))
      assert.is_true(single({ string_match = { exact = "" }, treat_missing_header_as_empty = true }, {}))
    end)

    it("inverts presence checks, including a matcher with no specifier", function()
      assert.is_true(single({}, { h = "" }))
      assert.is_false(single({}, {}))
      assert.is_true(single({ invert_match = true }, {}))
      assert.is_true(single({ present_match = true, invert_match = true }, {}))
      assert.is_false(single({ present_match = false, invert_match = true }, {}))
    end)

    it("treats an empty exact_match as matching any value", function()
      assert.is_true(single({ exact_match = "" }, { h = "anything" }))
    end)

    it("matches pseudo-headers, :path including the query", function()
      local function first(matchers, req)
        return cluster_of(one_vhost({ { match = { prefix = "/", headers = matchers }, route = { cluster = "yes" } } }), req)
      end
      assert.are.equal("yes", first({ { name = ":path", exact_match = "/a?b=c" } }, { path = "/a?b=c" }))
      assert.is_nil(first({ { name = ":path", exact_match = "/a" } }, { path = "/a?b=c" }))
      assert.are.equal("yes", first({ { name = ":method", exact_match = "POST" } }, { method = "POST" }))
      assert.are.equal("yes", first({ { name = ":authority", exact_match = "h.test" } }, { authority = "h.test" }))
    end)
  end)

  it("matches query parameters without decoding, first value only", function()
    local rt = one_vhost({
      { match = { prefix = "/", query_parameters = { { name = "debug", string_match = { exact = "a b" } } } }, route = { cluster = "raw" } },
      { match = { prefix = "/", query_parameters = { { name = "v", string_match = { exact = "1" } } } }, route = { cluster = "v1" } },
      { match = { prefix = "/", query_parameters = { { name = "flag" } } }, route = { cluster = "present" } },
    })
    assert.is_nil(cluster_of(rt, { path = "/?debug=a%20b" }))
    assert.are.equal("v1", cluster_of(rt, { path = "/?v=1&v=2" }))
    assert.is_nil(cluster_of(rt, { path = "/?v=2&v=1" }))
    assert.are.equal("present", cluster_of(rt, { path = "/x?flag" }))
    assert.is_nil(cluster_of(rt, { path = "/x?flags=1" }))
  end)

  it("gates runtime_fraction routes by random_value % denominator < numerator", function()
    local rt = one_vhost({
      { match = { prefix = "/", runtime_fraction = { runtime_key = "k", default_value = { numerator = 25, denominator = "HUNDRED" } } }, route = { cluster = "canary" } },
      { match = { prefix = "/" }, route = { cluster = "stable" } },
    })
    assert.are.equal("canary", cluster_of(rt, { random_value = 24 }))
    assert.are.equal("stable", cluster_of(rt, { random_value = 25 }))
    assert.are.equal("canary", cluster_of(rt, { random_value = 124 }))
    local tenk = one_vhost({
      { match = { prefix = "/", runtime_fraction = { default_value = { numerator = 1, denominator = "TEN_THOUSAND" } } }, route = { cluster = "rare" } },
      { match = { prefix = "/" }, route = { cluster = "common" } },
    })
    assert.are.equal("rare", cluster_of(tenk, { random_value = 10000 }))
    assert.are.equal("common", cluster_of(tenk, { random_value = 1 }))
  end)

  it("matches grpc routes only for application/grpc content types", function()
    local rt = one_vhost({
      { match = { prefix = "/", grpc = {} }, route = { cluster = "grpc" } },
      { match = { prefix = "/" }, route = { cluster = "http" } },
    })
    assert.are.equal("grpc", cluster_of(rt, { headers = { ["content-type"] = "application/grpc" } }))
    assert.are.equal("grpc", cluster_of(rt, { headers = { ["content-type"] = "application/grpc+proto" } }))
    assert.are.equal("http", cluster_of(rt, { headers = { ["content-type"] = "application/grpc-web" } }))
  end)

  it("reports an invalid regex when the table is built, with its place", function()
    local ok, err = pcall(meshlua.routes, "name: bad\nvirtual_hosts:\n- name: v\n  domains: ['*']\n  routes:\n  - match:\n      safe_regex: {regex: '[a-'}\n    route: {cluster: c}\n")
    assert.is_false(ok)
    assert.matches('^<string>:7:19: route configuration "bad", virtual host "v", route 1: invalid regex "%[a%-"', err)
    ok, err = pcall(meshlua.routes, { virtual_hosts = { { name = "v", domains = { "*" }, routes = {
      { match = { prefix = "/", headers = { { name = "h", safe_regex_match = { regex = "(a)\\1" } } } }, route = { cluster = "c" } } } } } })
    assert.is_false(ok)
    assert.matches("RE2 does not support backreferences", err, 1, true)
  end)
end)

describe("configurations Envoy rejects", function()
  local function vh(route) return { virtual_hosts = { { name = "a", domains = { "*" }, routes = { route } } } } end
  local cases = {
    { { virtual_hosts = "x" }, "route configuration (unnamed): virtual_hosts must be a list, got string" },
    { vh({ match = {}, route = { cluster = "c" } }), "a route match needs one of prefix, path" },
    { vh({ match = { prefix = "/" } }), "a route needs one of route, redirect or direct_response" },
    { { virtual_hosts = { { name = "a", domains = {} } } }, 'virtual host "a" needs at least one domain' },
    { vh({ match = { prefix = "/", headers = { {} } }, route = { cluster = "c" } }), "a header matcher needs a name" },
    { vh({ match = { prefix = "/" }, route = { weighted_clusters = { clusters = { { name = "x", weight = -1 } } } } }),
      'weight must be a non-negative integer, got "-1"' },
    { vh({ match = { prefix = "/" }, route = { weighted_clusters = { clusters = { { name = "x", weight = 0 } } } } }),
      "the weights of weighted_clusters add up to 0" },
    { vh({ match = { prefix = "/" }, direct_response = { status = 99 } }), "direct_response status must be from 200 to 599, got 99" },
    { vh({ match = { prefix = "/" }, redirect = { response_code = "NOPE" } }), 'unknown redirect response_code "NOPE"' },
    { vh({ match = { prefix = "/" }, route = { cluster = "c", prefix_rewrite = "/a",
           regex_rewrite = { pattern = { regex = "a" }, substitution = "b" } } }),
      "Specify only one of prefix_rewrite, regex_rewrite or path_rewrite_policy" },
    { vh({ match = { path_separated_prefix = "/a/" }, route = { cluster = "c" } }), "must not be empty, end in / or hold ? or #" },
    { { max_direct_response_body_size_bytes = 2, virtual_hosts = { { name = "a", domains = { "*" },
        routes = { { match = { prefix = "/" }, direct_response = { status = 200, body = { inline_string = "long" } } } } } } },
      "response body size is 4 bytes; maximum is 2" },
  }
  for _, c in ipairs(cases) do
    it("refuses: " .. c[2], function()
      local ok, err = pcall(meshlua.routes, c[1])
      assert.is_false(ok)
      assert.matches(c[2], err, 1, true)
    end)
  end
end)

describe("actions", function()
  it("forwards to the cluster named in a request header, or answers 503 NC without it", function()
    local rt = one_vhost({ { match = { prefix = "/" }, route = { cluster_header = "x-cluster" } } })
    assert.are.equal("picked", cluster_of(rt, { headers = { ["x-cluster"] = "picked" } }))
    local t = rt:route({})
    assert.are.equal("503 NC", t.outcome)
    assert.are.equal("NC", t.flags)
    assert.are.equal("", t.cluster.name)
  end)

  it("answers with the route's cluster_not_found_response_code", function()
    local rt = one_vhost({ { match = { prefix = "/" }, route = { cluster_header = "x", cluster_not_found_response_code = "NOT_FOUND" } } })
    assert.are.equal("404 NC", rt:route({}).outcome)
  end)

  describe("weighted clusters", function()
    local rt = one_vhost({ { match = { prefix = "/" }, route = { weighted_clusters = { clusters = {
      { name = "a", weight = 30 }, { name = "b", weight = 30 }, { name = "zero", weight = 0 }, { name = "c", weight = 40 } } } } } })

    it("picks random_value % total in half-open intervals, in order; weight 0 never", function()
      local cases = { [0] = "a", [29] = "a", [30] = "b", [59] = "b", [60] = "c", [99] = "c", [100] = "a", [159] = "b" }
      for value, want in pairs(cases) do
        local name, t = cluster_of(rt, { random_value = value })
        assert.are.equal(want, name, "random_value " .. value)
        assert.are.equal(100, t.weighted.total)
      end
    end)

    it("reports the distribution the pick draws from", function()
      local t = rt:route({ random_value = 61 })
      assert.are.same({ { name = "a", weight = 30, percent = 30.0 }, { name = "b", weight = 30, percent = 30.0 },
                        { name = "zero", weight = 0, percent = 0.0 }, { name = "c", weight = 40, percent = 40.0 } },
        t.weighted.clusters)
      assert.are.equal(4, t.weighted.index)
      assert.are.equal(61, t.weighted.value)
    end)

    it("uses the integer in header_name when the request carries one", function()
      local by_header = one_vhost({ { match = { prefix = "/" }, route = { weighted_clusters = { header_name = "x-pick", clusters = {
        { name = "a", weight = 1 }, { name = "b", weight = 1 } } } } } })
      assert.are.equal("b", cluster_of(by_header, { random_value = 0, headers = { ["x-pick"] = "3" } }))
      assert.are.equal("a", cluster_of(by_header, { random_value = 0, headers = { ["x-pick"] = "x" } }))
    end)
  end)

  it("redirects with Envoy's new URI rules", function()
    local rt = one_vhost({
      { match = { prefix = "/host" }, redirect = { host_redirect = "new.test" } },
      { match = { prefix = "/path" }, redirect = { path_redirect = "/moved" } },
      { match = { prefix = "/q" }, redirect = { path_redirect = "/moved?x=1" } },
      { match = { prefix = "/strip" }, redirect = { path_redirect = "/s", strip_query = true } },
      { match = { prefix = "/https" }, redirect = { https_redirect = true, response_code = "PERMANENT_REDIRECT" } },
      { match = { prefix = "/port" }, redirect = { port_redirect = 8443, scheme_redirect = "https" } },
      { match = { prefix = "/old" }, redirect = { prefix_rewrite = "/new" } },
      { match = { prefix = "/re" }, redirect = { regex_rewrite = { pattern = { regex = "^/re/(.*)$" }, substitution = "/v2/\\1" } } },
    })
    local function loc(path, authority, scheme)
      local t = rt:route({ authority = authority or "a.test", path = path, scheme = scheme })
      assert.are.equal("redirect", t.outcome)
      return t.location, t.status
    end
    assert.are.same({ "http://new.test/host", 301 }, { loc("/host") })
    assert.are.equal("http://a.test/moved?y=2", loc("/path?y=2"))
    assert.are.equal("http://a.test/moved?x=1", loc("/q?y=2"))
    assert.are.equal("http://a.test/s", loc("/strip?y=2"))
    assert.are.same({ "https://a.test/https", 308 }, { loc("/https") })
    -- the default port of the old scheme goes with a scheme change; others stay
    assert.are.equal("https://a.test/https", loc("/https", "a.test:80"))
    assert.are.equal("https://a.test:8080/https", loc("/https", "a.test:8080"))
    assert.are.equal("https://a.test:8443/port", loc("/port", "a.test:9000"))
    assert.are.equal("http://a.test/new/x?k=v", loc("/old/x?k=v"))
    assert.are.equal("http://a.test/v2/x?k=v", loc("/re/x?k=v"))
  end)

  it("answers direct responses with the local reply's headers", function()
    local rt = one_vhost({
      { match = { path = "/ping" }, direct_response = { status = 200, body = { inline_string = "pong" } } },
      { match = { path = "/empty" }, direct_response = { status = 503 } },
    })
    local t = rt:route({ path = "/ping" })
    assert.are.equal("direct_response", t.outcome)
    assert.are.equal(200, t.status)
    assert.are.equal("pong", t.body)
    assert.are.equal("4", t:header("content-length", "response"))
    assert.are.equal("text/plain", t:header("content-type", "response"))
    t = rt:route({ path = "/empty" })
    assert.are.equal(503, t.status)
    assert.is_nil(t:header("content-type", "response"))
  end)

  it("rewrites the path (prefix_rewrite keeps the query) and the host", function()
    local rt = one_vhost({
      { match = { prefix = "/api/" }, route = { cluster = "c", prefix_rewrite = "/", host_rewrite_literal = "backend" } },
      { match = { path = "/old" }, route = { cluster = "c", prefix_rewrite = "/new" } },
      { match = { safe_regex = { regex = "/re/.*" } }, route = { cluster = "c", regex_rewrite = { pattern = { regex = "^/re/([^/]+)" }, substitution = "/\\1/x" } } },
      { match = { prefix = "/hdr" }, route = { cluster = "c", host_rewrite_header = "x-host" } },
      { match = { prefix = "/API", case_sensitive = false }, route = { cluster = "c", prefix_rewrite = "/v" } },
    })
    local t = rt:route({ authority = "front", path = "/api/users?id=1" })
    assert.are.equal("/users?id=1", t.path)
    assert.are.equal("backend", t.host)
    assert.are.equal("/api/users?id=1", t:header("x-envoy-original-path"))
    assert.are.equal("/new?x", rt:route({ path = "/old?x" }).path)
    assert.are.equal("/a/x/b?q", rt:route({ path = "/re/a/b?q" }).path)
    assert.are.equal("given", rt:route({ authority = "front", path = "/hdr", headers = { ["x-host"] = "given" } }).host)
    -- prefix_rewrite replaces as many characters as the configured prefix has
    assert.are.equal("/v/x", rt:route({ path = "/Api/x" }).path)
  end)

  it("applies header mutations route, then virtual host, then route configuration", function()
    local rt = routes({ { name = "v", domains = { "*" },
      request_headers_to_add = { { header = { key = "x-who", value = "vhost" }, append_action = "OVERWRITE_IF_EXISTS_OR_ADD" } },
      routes = { { match = { prefix = "/" }, route = { cluster = "c" },
        request_headers_to_add = { { header = { key = "x-who", value = "route" }, append_action = "OVERWRITE_IF_EXISTS_OR_ADD" },
                                   { header = { key = "x-both", value = "1" } } },
        request_headers_to_remove = { "x-drop" } } } } },
      { request_headers_to_add = { { header = { key = "x-both", value = "2" } } } })
    local t = rt:route({ headers = { ["x-drop"] = "bye" } })
    assert.are.equal("vhost", t:header("x-who"))
    assert.are.equal("1,2", t:header("x-both"))
    assert.is_nil(t:header("x-drop"))
  end)

  it("carries the timeout, retry policy and hash policy in the trace", function()
    local rt = one_vhost({ { match = { prefix = "/" }, route = { cluster = "c", timeout = "3s",
      retry_policy = { retry_on = "5xx", num_retries = 2 },
      hash_policy = { { header = { header_name = "x-user" } } } } } },
      { retry_policy = { retry_on = "connect-failure" } })
    local t = rt:route({})
    assert.are.equal("3s", t.timeout)
    assert.are.equal("5xx", t.retry_policy.retry_on)
    assert.are.equal("x-user", t.hash_policy[1].header.header_name)
    local defaults = one_vhost({ { match = { prefix = "/" }, route = { cluster = "c" } } },
      { retry_policy = { retry_on = "connect-failure" } })
    t = defaults:route({})
    assert.are.equal("15s", t.timeout)
    assert.are.equal("connect-failure", t.retry_policy.retry_on)
  end)

  it("redirects to https before routing when require_tls says so", function()
    local rt = routes({
      { name = "all", domains = { "all.test" }, require_tls = "ALL", routes = { { match = { prefix = "/" }, route = { cluster = "c" } } } },
      { name = "ext", domains = { "ext.test" }, require_tls = "EXTERNAL_ONLY", routes = { { match = { prefix = "/" }, route = { cluster = "c" } } } },
    })
    local t = rt:route({ authority = "all.test", path = "/x" })
    assert.are.equal("redirect", t.outcome)
    assert.are.equal(301, t.status)
    assert.are.equal("https://all.test/x", t.location)
    assert.are.equal("forwarded", rt:route({ authority = "all.test", scheme = "https" }).outcome)
    assert.are.equal("redirect", rt:route({ authority = "ext.test" }).outcome)
    assert.are.equal("forwarded", rt:route({ authority = "ext.test", internal = true }).outcome)
  end)

  it("answers 404 NR when no route matches", function()
    local t = one_vhost({ { match = { prefix = "/api" }, route = { cluster = "c" } } }):route({ path = "/" })
    assert.are.equal("404 NR", t.outcome)
    assert.are.equal("NR", t.flags)
  end)
end)

describe("route explanations", function()
  it("names each rejected route and why", function()
    local rt = one_vhost({
      { name = "api", match = { prefix = "/api" }, route = { cluster = "api" } },
      { name = "jason", match = { prefix = "/", headers = { { name = "end-user", exact_match = "jason" } } }, route = { cluster = "v2" } },
      { name = "rest", match = { prefix = "/" }, route = { cluster = "v1" } },
    })
    local t = rt:route({ path = "/" })
    local route_step
    for _, s in ipairs(t.steps) do if s.step == "route" then route_step = s end end
    assert.are.equal("rest", route_step.chosen.candidate)
    assert.are.equal(3, route_step.chosen.index)
    assert.are.equal("prefix /api does not match /", route_step.rejected[1].text)
    assert.are.equal("header end-user missing", route_step.rejected[2].text)
    local text = tostring(t)
    assert.matches("route%s+#3 rest", text)
    assert.matches("✗ #1 api: prefix /api does not match /", text, 1, true)
    assert.matches("✗ #2 jason: header end-user missing", text, 1, true)
  end)

  it("explains the virtual host domains it compared", function()
    local rt = routes({
      { name = "customers", domains = { "customers.default.svc.cluster.local", "customers" }, routes = { { match = { prefix = "/" }, route = { cluster = "c" } } } },
      { name = "web", domains = { "web-frontend.default.svc.cluster.local" }, routes = { { match = { prefix = "/" }, route = { cluster = "w" } } } },
    })
    local t = rt:route({ authority = "customers.default.svc.cluster.local" })
    local vh
    for _, s in ipairs(t.steps) do if s.step == "virtual_host" then vh = s end end
    assert.are.equal("customers", vh.chosen.candidate)
    assert.are.equal("domain customers.default.svc.cluster.local matches customers.default.svc.cluster.local", vh.chosen.text)
    assert.are.equal("domain web-frontend.default.svc.cluster.local ≠ customers.default.svc.cluster.local", vh.rejected[1].text)
  end)
end)
