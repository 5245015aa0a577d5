-- The dashboards in a real browser: headless Chromium (Debian's, driven
-- through chromedriver's WebDriver protocol) opens the Envoy admin home,
-- clicks through to config_dump, opens ControlZ, goes to the logging scopes,
-- changes a scope's level from the page, and checks the page and the Lua
-- side. Screenshots go to <build dir>/screenshots/.
local webdriver = require("spec.browser.webdriver")

local DUMP = "../shared/fixtures/istioctl/proxyconfig/config_dump.json"

describe("the dashboards in headless Chromium", function()
  local browser, admin, cz, shots

  setup(function()
    local build = os.getenv("MESHLUA_BUILD_DIR") or "/tmp"
    shots = build .. "/screenshots"
    math.randomseed(os.time())
    browser = webdriver.start(build .. "/browser")
    os.execute("mkdir -p '" .. shots .. "'")
    admin = meshlua.serve_admin(meshlua.load(DUMP, { name = "customers-v1-7b5b4b76fc-vtx98.default" }),
      { port = 0 })
    cz = meshlua.serve_controlz { port = 0, instance = "istiod-65878485df-72w4s.istio-system",
      profile = "seed" }
  end)

  teardown(function()
    if browser then browser:quit() end
    if admin then admin:close() end
    if cz then cz:close() end
  end)

  it("opens the Envoy admin home and clicks through to config_dump", function()
    browser:open(admin.url .. "/")
    assert.are.equal("Envoy Admin", browser:script("return document.title"))
    local node = browser:text(browser:find(".node"))
    assert.truthy(node:find("customers-v1-7b5b4b76fc-vtx98.default", 1, true))
    local links = browser:script(
      "return Array.from(document.querySelectorAll('.home-table a')).map(a => a.textContent)")
    for _, want in ipairs({ "clusters", "config_dump", "listeners", "server_info", "stats" }) do
      assert.truthy(table.concat(links, " "):find(want, 1, true), want)
    end
    browser:screenshot(shots .. "/envoy-admin-home.png")
    browser:click(browser:find("a[href='config_dump']"))
    assert.truthy(webdriver.wait(function() return browser:url():find("/config_dump$") end))
    local body = browser:script("return document.body.innerText")
    assert.truthy(body:find('"@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump"', 1, true))
    assert.truthy(body:find('"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump"', 1, true))
    assert.truthy(body:find('"name": "prometheus_stats"', 1, true))
    browser:screenshot(shots .. "/envoy-admin-config_dump.png")
  end)

  it("opens ControlZ, goes to the logging scopes and changes a level", function()
    browser:open(cz.url .. "/")
    assert.are.equal("ControlZ - ControlZ", browser:script("return document.title"))
    local instance = browser:text(browser:find("header .instance"))
    assert.are.equal("istiod-65878485df-72w4s.istio-system", instance)
    browser:screenshot(shots .. "/controlz-home.png")
    browser:click(browser:find("nav a[href='/scopez/']"))
    assert.truthy(webdriver.wait(function() return browser:url():find("/scopez/$") end))
    assert.are.equal("Logging Scopes", browser:text(browser:find("main h2")))
    assert.are.equal("info", browser:text(browser:find("#scope-ads .current")))
    -- pick "debug" in the ads row, as a person would
    browser:click(browser:find("#scope-ads select.output-level"))
    browser:click(browser:find("#scope-ads select.output-level option[value='debug']"))
    -- the page PUTs /scopej/ads; Lua sees it
    assert.are.equal("debug", webdriver.wait(function()
      local s = cz:scope("ads")
      return s.output_level == "debug" and s.output_level
    end))
    -- and the page shows it after its refresh
    assert.truthy(webdriver.wait(function()
      return browser:text(browser:find("#scope-ads .current")) == "debug"
    end))
    local status = webdriver.wait(function()
      local t = browser:text(browser:find("#cz-status"))
      return t ~= "" and t
    end)
    assert.are.equal("scope ads updated", status)
    assert.are.equal("info", cz:scope("model").output_level) -- only that one
    browser:screenshot(shots .. "/controlz-scopes.png")
    -- a change from Lua shows on the page at its next refresh
    cz:set_scope("model", { output_level = "error" })
    assert.truthy(webdriver.wait(function()
      return browser:text(browser:find("#scope-model .current")) == "error"
    end))
  end)

  it("shows the simulated mesh on ControlZ's mesh page, updated after a change", function()
    local mesh = meshlua.mesh { profile = "seed" }
    mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
    mesh:apply("examples/bigbang-cluster.yaml")
    mesh:apply("examples/envoy-demo-apps.yaml")
    local mcz <close> = mesh:serve_controlz { port = 0, instance = "istiod-65878485df-72w4s.istio-system" }
    browser:open(mcz.url .. "/")
    browser:click(browser:find("nav a[href='/meshz/']"))
    assert.truthy(webdriver.wait(function() return browser:url():find("/meshz/$") end))
    local version = tonumber(browser:text(browser:find("#mesh-version")))
    assert.are.equal(mesh.version, version)
    local proxies = browser:text(browser:find("#proxies"))
    assert.truthy(proxies:find("customers%-v1%-%w+%-%w+%.default"))
    local objects = browser:text(browser:find("#objects"))
    assert.truthy(objects:find("Deployment default customers-v1", 1, true))
    browser:screenshot(shots .. "/controlz-mesh.png")
    mesh:scale("deployment/customers-v1", 2)
    browser:open(mcz.url .. "/meshz/")
    assert.is_true(tonumber(browser:text(browser:find("#mesh-version"))) > version)
    -- the mesh's sidecars (the admin server of the first test lists its own too)
    local n = 0
    for line in browser:text(browser:find("#proxies")):gmatch("[^\n]+") do
      if line:find("^customers%-v1%-%S+ sidecar ") then n = n + 1 end
    end
    assert.are.equal(2, n)
  end)
end)
