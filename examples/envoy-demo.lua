#!/usr/bin/env meshlua
-- examples/envoy-demo.lua: the Envoy walkthrough, replayed with no cluster.
--
-- PLACEHOLDER. The walkthrough needs the simulated cluster, the synthesizer,
-- the proxy-config views and the resolution engine, which arrive with their
-- own issues. Until then this script only shows that the host works: it runs
-- from any directory, sees its arguments, loads the bundled library and
-- lua-cjson, and says what the real demo will show.

local cjson = require("cjson")

print(("meshlua %s on %s"):format(meshlua.version, meshlua.lua_version))
print("This is a placeholder for the Envoy walkthrough; the real demo is not built yet.")
print()
print("The walkthrough will follow one request, web-frontend -> customers:")
local steps = {
  "kubectl label namespace default istio-injection=enabled",
  "kubectl apply -f envoy-demo-apps.yaml",
  "istioctl proxy-config listeners deployment/web-frontend",
  "istioctl proxy-config route deployment/web-frontend --name 80 -o json",
  "istioctl proxy-config cluster deployment/web-frontend --fqdn customers.default.svc.cluster.local",
  "istioctl proxy-config endpoints deployment/web-frontend --cluster \"outbound|80||customers.default.svc.cluster.local\"",
  "kubectl delete -f envoy-demo-apps.yaml",
}
for i, step in ipairs(steps) do
  print(("  %d. %s"):format(i, step))
end
print()
print("Arguments: " .. cjson.encode(arg and { table.unpack(arg) } or {}))
