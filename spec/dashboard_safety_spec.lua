-- The dashboard servers against malformed and hostile requests: oversized
-- headers, a 10 MB body, a half-sent request, ".." and NUL in the path, more
-- connections than allowed. Each is answered (4xx) or closed, and the server
-- keeps serving afterwards.
local http = require("spec.helpers.http")
local process = require("spec.helpers.process")

describe("the dashboard servers under malformed requests", function()
  local proxy, server, port

  setup(function()
    proxy = meshlua.load("../shared/fixtures/istioctl/compare/configdump.json")
    server = meshlua.serve_admin(proxy, { port = 0, timeout = 2, max_connections = 8 })
    port = server.port
  end)

  teardown(function()
    server:close()
  end)

  local function still_serving()
    local r = http.request(server.url .. "/ready")
    assert.are.equal(200, r.status)
    assert.are.equal("LIVE\n", r.body)
  end

  it("refuses oversized headers with 431 or closes, and goes on", function()
    local big = ("x"):rep(100 * 1024)
    local raw = http.raw(port, "GET /ready HTTP/1.1\r\nHost: a\r\nX-Big: " .. big .. "\r\n\r\n")
    local status = http.status_of(raw)
    assert.is_true(status == nil or status == 431 or status == 400, tostring(status))
    local r = http.request(server.url .. "/ready", { headers = { "X-Big: " .. big } })
    assert.are_not.equal(200, r.status)
    still_serving()
  end)

  it("refuses a 10 MB body with 413 before reading it", function()
    local body = ("b"):rep(10 * 1024 * 1024)
    local r = http.request(server.url .. "/reset_counters", { method = "POST", body = body })
    assert.are.equal(413, r.status)
    -- chunked, so the size is not announced: read, dropped, refused
    r = http.request(server.url .. "/reset_counters", { method = "POST", body = body,
      headers = { "Transfer-Encoding: chunked" } })
    assert.are.equal(413, r.status)
    still_serving()
  end)

  it("closes a half-sent request after the timeout and goes on", function()
    local t0 = os.time()
    local raw = http.raw(port, "GET /ready HTTP/1.1\r\nHost: a\r\nX-Partial: ", 6)
    assert.is_nil(http.status_of(raw) == 200 and 200 or nil)
    assert.is_true(os.time() - t0 <= 6)
    still_serving()
  end)

  it("never resolves .. in a path: exact paths only", function()
    for _, path in ipairs({ "/../ready", "/stats/../ready", "/./ready", "/ready/..", "/%2e%2e/ready" }) do
      local r = http.request(server.url .. path, { path_as_is = true })
      assert.are.equal(404, r.status, path)
      assert.truthy(r.body:find("^invalid path%. admin commands are:"), path)
    end
    still_serving()
  end)

  it("never lets a NUL cut a path short", function()
    local r = http.request(server.url .. "/ready%00/x")
    assert.are.equal(404, r.status)
    r = http.request(server.url .. "/ready%00")
    assert.are.equal(404, r.status)
    -- A raw NUL inside the request line: libmicrohttpd hands the path over
    -- as a C string, so this is either refused or answered as "/ready" (the
    -- part before the NUL: no handler ever sees more, nothing is read from
    -- disk); it never crashes.
    local raw = http.raw(port, "GET /ready\0/x HTTP/1.1\r\nHost: a\r\n\r\n")
    local status = http.status_of(raw)
    assert.is_true(status == nil or status == 200 or status == 400, tostring(status))
    if status == 200 then assert.truthy(raw:find("\r\n\r\nLIVE\n$")) end
    raw = http.raw(port, "GET /ready HTTP/1.1\r\nHost: a\0b\r\n\r\n")
    assert.truthy(http.status_of(raw) == nil or http.status_of(raw) >= 200)
    still_serving()
  end)

  it("answers garbage with 400 or closes", function()
    for _, bytes in ipairs({
      "NOT HTTP AT ALL\r\n\r\n",
      "GET\r\n\r\n",
      "GET / HTTP/9.9\r\nHost: a\r\n\r\n",
      "\0\0\0\0\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: -5\r\nHost: a\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    }) do
      local status = http.status_of(http.raw(port, bytes, 2))
      assert.is_true(status == nil or (status >= 400 and status < 600) or status == 200,
        ("%q -> %s"):format(bytes, tostring(status)))
    end
    still_serving()
  end)

  it("holds to its connection limit and recovers", function()
    -- open more idle connections than allowed; they are refused or time out
    local r = process.sh(("bash -c 'for i in $(seq 1 20); do (exec 3<>/dev/tcp/127.0.0.1/%d; sleep 3) & done; wait' 2>/dev/null")
      :format(port))
    assert.is_not_nil(r)
    still_serving()
  end)

  it("binds to loopback unless told otherwise", function()
    assert.are.equal("127.0.0.1", server.address)
    local any = meshlua.serve_admin(proxy, { port = 0, address = "0.0.0.0" })
    assert.are.equal("0.0.0.0", any.address)
    any:close()
    local six = meshlua.serve_admin(proxy, { port = 0, address = "::1" })
    assert.are.equal("http://[::1]:" .. six.port, six.url)
    assert.are.equal(200, http.request(six.url .. "/ready").status)
    six:close()
  end)

  it("keeps ControlZ safe too", function()
    local cz <close> = meshlua.serve_controlz { port = 0 }
    local r = http.request(cz.url .. "/scopej/ads", { method = "PUT", body = ("{"):rep(200000) })
    assert.are.equal(413, r.status)
    r = http.request(cz.url .. "/scopej/ads", { method = "PUT", body = ("["):rep(5000) })
    assert.are.equal(400, r.status)
    r = http.request(cz.url .. "/scopej/../scopej/ads", { path_as_is = true })
    assert.are.equal(404, r.status)
    r = http.request(cz.url .. "/scopej/ads%00", { method = "PUT", body = '{"output_level":"debug"}' })
    assert.are.equal(400, r.status)
    assert.are.equal("info", cz:scope("ads").output_level)
    assert.are.equal(200, http.request(cz.url .. "/scopej/").status)
  end)
end)
