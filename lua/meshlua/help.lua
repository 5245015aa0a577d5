-- The REPL's help texts, kept in one place so `help()` and the README agree.
local M = {}

local topics = {}

topics[""] = [[
meshlua: where will Envoy send this request, and why?

This is a Lua 5.4 REPL with the meshlua library loaded.
  1+1                      an expression prints its value
  for i = 1, 2 do          an unfinished statement continues on the next line
  kubectl <args>           a kubectl command line, as typed in a shell
  istioctl <args>          an istioctl command line, as typed in a shell
  meshlua.version          the global `meshlua` holds the library
  help("walkthrough")      replay the Envoy demo's commands here
  help("resolve")          follow a request through a proxy, step by step
  help("commands")         the kubectl and istioctl commands meshlua knows
  help("keys")             the keys of the REPL
  help("modules")          the bundled Lua modules

Tab completes globals, fields (string.fo<Tab>) and methods (obj:<Tab>).
Ctrl-C interrupts a running statement or discards the line; Ctrl-D exits.
]]

topics.commands = [[
kubectl (on the current cluster; a fresh one until a script chooses one):
  apply -f FILE                    delete -f FILE | TYPE NAME | TYPE/NAME
  label TYPE NAME k=v k2- [--overwrite]
  get TYPE[,TYPE] [NAME] [-n NS | -A] [-o wide|json|yaml|name] [-L key] [-l sel]
  describe pods|services [NAME]    scale TYPE/NAME --replicas=N
  rollout restart TYPE/NAME
istioctl:
  proxy-config (pc) listener|route|cluster|endpoint|bootstrap|secret|all
      [<type>/]<name>[.<namespace>] | --file DUMP   [-o short|json|yaml] [filters]
  x describe pod POD               dashboard envoy|controlz POD
  version                          analyze (not simulated yet)
Both print what the real tools print. From Lua, kubectl("...") and
istioctl("...") also return the objects (lists, changes); a failing
command raises an error whose tostring is the tool's message.
require("meshlua.kubectl").use(mesh) makes `mesh` the current cluster.
]]

topics.walkthrough = [[
Replay Big Bang's "Envoy Demo" by hand, on the cluster the demo starts from:
  meshlua -i examples/envoy-demo.lua --setup-only
then type the walkthrough's commands, for example:
  kubectl label namespace default istio-injection=enabled
  kubectl apply -f examples/envoy-demo-apps.yaml
  istioctl proxy-config listeners deployment/web-frontend
  istioctl proxy-config route deployment/web-frontend --name 80 -o json
Or run it all, with checks:  meshlua examples/envoy-demo.lua [--pause] [--step N] [--list]
]]

topics.resolve = [[
Where does a request go, and why (Envoy's own rules, step by step):
  mesh = require("meshlua.kubectl").mesh()         -- the cluster kubectl acts on
  p = mesh:proxy("deployment/web-frontend")        -- or meshlua.load("dump.json")
  t = p:resolve("http://customers.default.svc.cluster.local/")
  t                     the walkthrough: listener, filter chain, route, cluster, endpoint
  t.outcome             forwarded, 404 NR, 503 NC, 503 UH, redirect, direct_response ...
  t.cluster.name  t.endpoint.address  t.route.match  t.steps
  p:resolve{url = "http://reviews:9080/", headers = {["end-user"] = "jason"}}
  p:resolve{url = "http://httpbin:8000/", address = "10.96.5.5"}   -- a dump has no DNS
Route configurations alone, and Envoy's router check tool:
  meshlua.routes("routes.yaml"):route{authority = "a.test", path = "/api"}
  meshlua.check_routes("routes.yaml", "tests.json", {details = true})
  meshlua examples/router-check.lua -c routes.yaml -t tests.json --details
]]

topics.keys = [[
Tab       complete a global, a field after '.', a method after ':'
Ctrl-C    interrupt the running statement, or discard the current line
Ctrl-D    exit (on an empty line)
Up/Down   history (kept in ~/.meshlua_history, or $MESHLUA_HISTORY)
]]

--- Returns the help text for topic (nil or "" for the overview). An unknown
-- topic returns a line saying so and listing the known ones.
function M.text(topic)
  topic = topic or ""
  if topic == "modules" then
    return "Bundled modules: " .. table.concat(meshlua.bundled_modules(), ", ") .. "\n"
  end
  local text = topics[topic]
  if text then
    return text
  end
  local names = { "modules" }
  for name in pairs(topics) do
    if name ~= "" then
      names[#names + 1] = name
    end
  end
  table.sort(names)
  return ("No help on %q. Topics: %s.\n"):format(tostring(topic), table.concat(names, ", "))
end

return M
