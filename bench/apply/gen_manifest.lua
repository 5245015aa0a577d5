-- Generates a manifest of about `objects` Kubernetes and Istio objects as a
-- platform team's GitOps repository would hold them: namespaces labelled for
-- injection, and per app a ServiceAccount, a Deployment (labels, a container
-- with a named port), a Service, a VirtualService splitting traffic between
-- two subsets and the DestinationRule defining them. Block-style YAML, `---`
-- separated, labels and small maps in flow style as many real manifests
-- write them: about 210 bytes an object, so 20,000 objects make about 4 MB.
--
--   meshlua bench/apply/gen_manifest.lua [objects] [out.yaml]
local objects = tonumber(arg[1]) or 20000
local path = arg[2] or "apply-bench.yaml"
local apps_per_ns = 100
local apps = (objects - objects // (apps_per_ns * 5 + 1)) // 5
local namespaces = (apps + apps_per_ns - 1) // apps_per_ns

local out = assert(io.open(path, "wb"))
local count = 0

local function emit(text)
  out:write("---\n", text)
  count = count + 1
end

for n = 1, namespaces do
  emit(([[
apiVersion: v1
kind: Namespace
metadata:
  name: team-%02d
  labels:
    istio-injection: enabled
]]):format(n))
end

for a = 1, apps do
  local ns = ("team-%02d"):format((a - 1) // apps_per_ns + 1)
  local name = ("app-%05d"):format(a)
  emit(([[
apiVersion: v1
kind: ServiceAccount
metadata:
  name: %s
  namespace: %s
]]):format(name, ns))
  emit(([[
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
  namespace: %s
spec:
  selector:
    matchLabels: {app: %s}
  template:
    metadata:
      labels: {app: %s, version: v1}
    spec:
      serviceAccountName: %s
      containers:
      - name: app
        image: registry.example.com/%s:1.%d
        ports:
        - {containerPort: 8080, name: http}
]]):format(name, ns, name, name, name, name, a % 7))
  emit(([[
apiVersion: v1
kind: Service
metadata:
  name: %s
  namespace: %s
spec:
  selector: {app: %s}
  ports:
  - {name: http, port: 80, targetPort: http}
]]):format(name, ns, name))
  emit(([[
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: %s
  namespace: %s
spec:
  hosts: [%s]
  http:
  - route:
    - destination: {host: %s, subset: v1}
      weight: 90
    - destination: {host: %s, subset: v2}
      weight: 10
]]):format(name, ns, name, name, name))
  emit(([[
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: %s
  namespace: %s
spec:
  host: %s
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
]]):format(name, ns, name))
end
out:close()
io.stderr:write(("%s: %d objects (%d namespaces, %d apps), %d bytes\n"):format(path, count,
  namespaces, apps, #assert(io.open(path, "rb")):read("a")))
