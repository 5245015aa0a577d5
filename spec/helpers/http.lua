-- HTTP helpers for the dashboard specs: requests with Debian's curl (status,
-- headers, body) and raw bytes over a TCP socket (bash's /dev/tcp), for
-- requests no well-behaved client sends.
local process = require("spec.helpers.process")

local M = {}

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local data = f:read("a")
  f:close()
  return data
end

--- GET (or opts.method) url with curl. opts.body (string) is sent as the
-- body, opts.path_as_is keeps "..", opts.headers is a list of "Name: value".
-- Returns { status = number, content_type = string, headers = text, body = text }.
function M.request(url, opts)
  opts = opts or {}
  local body_file, head_file = os.tmpname(), os.tmpname()
  local words = { "curl", "-s", "-S", "--max-time", "20", "-o", body_file, "-D", head_file,
    "-w", "'%{http_code}'" }
  if opts.method then words[#words + 1] = "-X " .. process.quote(opts.method) end
  if opts.path_as_is then words[#words + 1] = "--path-as-is" end
  for _, h in ipairs(opts.headers or {}) do words[#words + 1] = "-H " .. process.quote(h) end
  local data_file
  if opts.body then
    data_file = process.temp_file(opts.body)
    words[#words + 1] = "--data-binary @" .. data_file
  end
  words[#words + 1] = process.quote(url)
  local r = process.sh(table.concat(words, " "))
  local headers = slurp(head_file)
  local res = {
    status = tonumber(r.stdout) or 0,
    headers = headers,
    content_type = headers:match("[Cc]ontent%-[Tt]ype: ([^\r\n]*)") or "",
    body = slurp(body_file),
    stderr = r.stderr,
  }
  os.remove(body_file)
  os.remove(head_file)
  if data_file then os.remove(data_file) end
  return res
end

--- Sends the raw bytes to 127.0.0.1:port and returns what the server answered
-- within `wait` seconds (default 3) before closing. opts.hold keeps the
-- socket open that many seconds after sending without reading first.
function M.raw(port, bytes, wait)
  local file = process.temp_file(bytes)
  local script = ("exec 3<>/dev/tcp/127.0.0.1/%d || exit 9; cat %s >&3; timeout %d cat <&3; exit 0")
    :format(port, file, wait or 3)
  local r = process.sh("bash -c " .. process.quote(script))
  os.remove(file)
  return r.stdout, r.code
end

--- The status code at the start of a raw HTTP answer, or nil when none.
function M.status_of(raw)
  return tonumber((raw or ""):match("^HTTP/1%.%d (%d%d%d)"))
end

return M
