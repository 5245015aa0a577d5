-- bench/cli/gen_lines.lua N: N command lines shaped like the ones people type
-- or paste (kubectl and istioctl with flags, double- and single-quoted
-- cluster names, backslash escapes), deterministic (a fixed LCG), one per
-- line on stdout. No '#', '$' or '`', so POSIX shells and Python's shlex
-- agree on every word.
local n = tonumber(arg[1]) or 100000
local state = 12345
local function rand(k)
  state = (state * 1103515245 + 12345) % 2147483648
  return state % k + 1
end
local services = { "customers", "web-frontend", "reviews", "ratings", "details", "productpage", "kube-dns" }
local namespaces = { "default", "istio-system", "kube-system", "monitoring", "bookinfo" }
local shapes = {
  function(s, ns) return ("kubectl get pods -n %s -o wide"):format(ns) end,
  function(s, ns) return ("kubectl label namespace %s istio-injection=enabled --overwrite"):format(ns) end,
  function(s, ns) return ("istioctl proxy-config endpoints deployment/%s.%s --cluster \"outbound|80||%s.%s.svc.cluster.local\""):format(s, ns, s, ns) end,
  function(s, ns) return ("istioctl pc routes deployment/%s --name 80 -o json"):format(s) end,
  function(s, ns) return ("istioctl pc clusters deployment/%s --fqdn '%s.%s.svc.cluster.local' --port=80"):format(s, s, ns) end,
  function(s, ns) return ("kubectl scale deployment/%s-v1 --replicas=%d -n%s"):format(s, rand(9), ns) end,
  function(s, ns) return ("kubectl get namespace -L istio-injection -L \"app.kubernetes.io/name\""):format() end,
  function(s, ns) return ("kubectl apply -f ./manifests/%s\\ copy.yaml"):format(s) end,
  function(s, ns) return ("istioctl x describe pod %s-v1-7b5b4b76fc-vtx98.%s"):format(s, ns) end,
  function(s, ns) return ("kubectl describe svc %s -n \"%s\" --show-events=false"):format(s, ns) end,
}
local out = {}
for i = 1, n do
  out[#out + 1] = shapes[rand(#shapes)](services[rand(#services)], namespaces[rand(#namespaces)])
  if #out == 1000 then
    io.write(table.concat(out, "\n"), "\n")
    out = {}
  end
end
if #out > 0 then
  io.write(table.concat(out, "\n"), "\n")
end
