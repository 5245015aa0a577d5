-- A small W3C WebDriver client for the browser spec: starts Debian's
-- chromedriver, opens a headless Chromium session (fresh profile, no
-- network beyond loopback), and speaks the protocol with curl and lua-cjson.
local cjson = require("cjson")
local process = require("spec.helpers.process")

local M = {}
M.__index = M

local ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

local function sleep(seconds)
  os.execute(("sleep %s"):format(seconds))
end

-- One HTTP exchange with chromedriver: method, path, optional body (a Lua
-- table, or JSON text where lua-cjson cannot say [] for an empty table).
function M:call(method, path, body)
  local words = { "curl", "-s", "-S", "--max-time", "60", "-X", method,
    "-H", "'Content-Type: application/json'" }
  local data_file
  if body ~= nil then
    data_file = process.temp_file(type(body) == "string" and body or cjson.encode(body))
    words[#words + 1] = "--data-binary @" .. data_file
  end
  words[#words + 1] = process.quote(self.base .. path)
  local r = process.sh(table.concat(words, " "))
  if data_file then os.remove(data_file) end
  if r.code ~= 0 then
    error(("webdriver %s %s: curl failed: %s"):format(method, path, r.stderr), 2)
  end
  local ok, reply = pcall(cjson.decode, r.stdout)
  if not ok then error(("webdriver %s %s: not JSON: %s"):format(method, path, r.stdout), 2) end
  if type(reply.value) == "table" and reply.value.error then
    error(("webdriver %s %s: %s: %s"):format(method, path, reply.value.error,
      tostring(reply.value.message):match("^[^\n]*")), 2)
  end
  return reply.value
end

--- Starts chromedriver and a headless Chromium session. dir is a directory
-- for the browser profile and logs.
function M.start(dir)
  local self = setmetatable({}, M)
  assert(os.execute("command -v chromedriver >/dev/null && command -v chromium >/dev/null"),
    "chromium and chromedriver are needed (Debian: chromium chromium-driver; scripts/install-deps)")
  -- a fresh profile every run
  os.execute(("rm -rf %s && mkdir -p %s"):format(process.quote(dir .. "/profile"), process.quote(dir)))
  self.dir = dir
  for _ = 1, 5 do
    local port = math.random(20000, 40000)
    local r = process.sh(("chromedriver --port=%d --allowed-ips=127.0.0.1 >%s 2>&1 & echo $!")
      :format(port, process.quote(dir .. "/chromedriver.log")))
    self.pid = tonumber(r.stdout)
    self.base = ("http://127.0.0.1:%d"):format(port)
    for _ = 1, 50 do
      local ok, status = pcall(self.call, self, "GET", "/status")
      if ok and status.ready then
        self.ready = true
        break
      end
      sleep(0.1)
    end
    if self.ready then break end
    os.execute(("kill %d 2>/dev/null"):format(self.pid))
  end
  assert(self.ready, "chromedriver did not start (see " .. dir .. "/chromedriver.log)")
  local session = self:call("POST", "/session", {
    capabilities = { alwaysMatch = {
      browserName = "chrome",
      ["goog:chromeOptions"] = {
        binary = "/usr/bin/chromium",
        args = { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
          "--no-first-run", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,900",
          "--user-data-dir=" .. dir .. "/profile" },
      },
    } },
  })
  self.session = "/session/" .. session.sessionId
  return self
end

function M:open(url)
  self:call("POST", self.session .. "/url", { url = url })
end

function M:url()
  return self:call("GET", self.session .. "/url")
end

function M:source()
  return self:call("GET", self.session .. "/source")
end

--- The element matching a CSS selector (an id), or an error.
function M:find(css)
  return self:call("POST", self.session .. "/element", { using = "css selector", value = css })[ELEMENT]
end

function M:click(element)
  self:call("POST", self.session .. "/element/" .. element .. "/click", {})
end

function M:text(element)
  return self:call("GET", self.session .. "/element/" .. element .. "/text")
end

--- Runs JavaScript in the page and returns its value.
function M:script(js)
  return self:call("POST", self.session .. "/execute/sync",
    ('{"script": %s, "args": []}'):format(cjson.encode(js)))
end

--- Waits until fn() is truthy (polling every 100 ms, up to seconds); returns its value.
function M.wait(fn, seconds)
  for _ = 1, (seconds or 10) * 10 do
    local v = fn()
    if v then return v end
    sleep(0.1)
  end
  return nil
end

--- Saves a PNG screenshot of the page as path.
function M:screenshot(path)
  local b64 = self:call("GET", self.session .. "/screenshot")
  local tmp = process.temp_file(b64)
  local r = process.sh(("base64 -d %s > %s"):format(process.quote(tmp), process.quote(path)))
  os.remove(tmp)
  assert(r.code == 0, "screenshot: base64 failed")
  return path
end

--- Ends the session and stops chromedriver (the process this client started).
function M:quit()
  if self.session then pcall(self.call, self, "DELETE", self.session) end
  self.session = nil
  if self.pid then os.execute(("kill %d 2>/dev/null"):format(self.pid)) end
  self.pid = nil
end

return M
