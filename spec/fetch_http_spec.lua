-- meshlua.fetch against a real HTTP server this spec starts on loopback
-- (spec/fixtures/xds/admin_server.py): an admin endpoint, a plain dump,
-- and every failure a fetch must name.
describe("meshlua.fetch", function()
  local server, base, pid

  setup(function()
    server = assert(io.popen("exec python3 spec/fixtures/xds/admin_server.py", "r"))
    local line = assert(server:read("l"), "the test server did not start")
    local port
    port, pid = line:match("^(%d+) (%d+)$")
    base = "http://127.0.0.1:" .. port
  end)

  teardown(function()
    if pid then
      os.execute("kill " .. pid)
    end
    if server then
      server:close()
    end
  end)

  it("reads an admin endpoint: the dump with EDS and /clusters?format=json", function()
    local p = meshlua.fetch(base)
    assert.are.equal(base, p.name)
    assert.are.equal(base .. "/config_dump?include_eds", p.source)
    local want = meshlua.load("../shared/fixtures/istioctl/proxyconfig/config_dump.json")
    assert.are.equal(tostring(want:all{}), tostring(p:all{}))
    assert.are.equal("ENDPOINT            STATUS      OUTLIER CHECK     CLUSTER\n"
      .. "127.0.0.1:15000     HEALTHY     OK                prometheus_stats\n",
      tostring(p:endpoints()))
  end)

  it("reads the URL of a dump, following redirects and sending a token", function()
    assert.are.equal(3, #meshlua.fetch(base .. "/dump.json"):clusters())
    assert.are.equal(3, #meshlua.fetch(base .. "/redirect"):clusters())
    assert.are.equal(3, #meshlua.fetch(base .. "/auth/dump.json", { token = "s3cret" }):clusters())
    assert.has_error(function()
      meshlua.fetch(base .. "/auth/dump.json")
    end, "fetch " .. base .. "/auth/dump.json: HTTP 401: missing or wrong token")
    assert.has_error(function()
      meshlua.fetch(base .. "/redirect", { redirects = 0 })
    end, "fetch " .. base .. "/redirect: HTTP 302")
  end)

  it("names the URL and the status of 404 and 500, with the body's first line", function()
    assert.has_error(function()
      meshlua.fetch(base .. "/nothing/here")
    end, "fetch " .. base .. "/nothing/here: HTTP 404: invalid path. admin commands are: ...")
    assert.has_error(function()
      meshlua.fetch(base .. "/status/500")
    end, "fetch " .. base .. "/status/500: HTTP 500: 500 from the test server")
  end)

  it("says connection refused when nothing listens", function()
    -- The port of a socket that was just closed: nothing listens there.
    local p = io.popen("python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0));"
      .. " print(s.getsockname()[1]); s.close()'")
    local port = p:read("l")
    p:close()
    local url = "http://127.0.0.1:" .. port .. "/config_dump"
    assert.has_error(function()
      meshlua.fetch(url)
    end, "fetch " .. url .. ": connection refused")
  end)

  it("gives up on a slow server after the timeout", function()
    local t0 = os.time()
    assert.has_error(function()
      meshlua.fetch(base .. "/slow", { timeout = 0.5 })
    end, "fetch " .. base .. "/slow: timed out after 500 ms")
    assert.is_true(os.time() - t0 < 4)
  end)

  it("reports a truncated body", function()
    assert.has_error(function()
      meshlua.fetch(base .. "/truncated")
    end, "fetch " .. base .. "/truncated: truncated body: got 10 of 1000 bytes")
  end)

  it("fetches 50 URLs concurrently and reports failures per URL", function()
    local urls = {}
    for i = 1, 50 do
      urls[i] = i % 10 == 0 and (base .. "/status/503") or (i % 2 == 0 and base or base .. "/dump.json")
    end
    local t0 = os.time()
    local results = meshlua.fetch(urls, { timeout = 20 })
    assert.are.equal(50, #results)
    for i, r in ipairs(results) do
      assert.are.equal(urls[i], r.url)
      if i % 10 == 0 then
        assert.is_nil(r.proxy)
        assert.are.equal("fetch " .. urls[i] .. ": HTTP 503: 503 from the test server", r.error)
      else
        assert.is_nil(r.error)
        assert.are.equal(3, #r.proxy:clusters())
      end
    end
    assert.is_true(os.time() - t0 < 15)
    -- A slow URL among fast ones delays nothing but itself.
    local mixed = meshlua.fetch({ base .. "/slow", base .. "/dump.json" }, { timeout = 1 })
    assert.matches("timed out", mixed[1].error)
    assert.is_not_nil(mixed[2].proxy)
  end)

  it("refuses bad options", function()
    assert.has_error(function()
      meshlua.fetch(base, { timeout = -1 })
    end, "meshlua.fetch: timeout must be a positive number of seconds")
  end)
end)
