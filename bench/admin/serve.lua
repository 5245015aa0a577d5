-- Serves the admin interface of a dump until stdin closes (for the
-- benchmark). Usage: meshlua bench/admin/serve.lua dump.json port
local p = meshlua.load(arg[1])
local s = meshlua.serve_admin(p, { port = tonumber(arg[2]), max_connections = 256 })
io.stdout:write(s.url, "\n")
io.stdout:flush()
io.read("a")
s:close()
