-- Generates the benchmark mesh of bench/synth: `services` Services spread
-- over `namespaces` namespaces labelled for injection, each Service backed by
-- a Deployment of 3 replicas (so 3 pods with sidecars, named container port
-- "http" 8080). Every Service has an HTTP port 80 -> http; every fourth also
-- a gRPC port 9090 (HTTP/2), every fifth a TCP port 5432 (its own listener
-- on the VIP). Every tenth Service has a DestinationRule with two subsets
-- and a connection pool, every twentieth a VirtualService (a header match to
-- subset v2, retries, a timeout). A client Deployment in the first
-- namespace is the sidecar the benchmark synthesizes.
--
--   meshlua bench/synth/gen_mesh.lua [services] [namespaces] [out.yaml]
local services = tonumber(arg[1]) or 10000
local namespaces = tonumber(arg[2]) or 50
local path = arg[3] or "synth-bench.yaml"
local out = assert(io.open(path, "wb"))
local count = 0

local function emit(text)
  out:write("---\n", text)
  count = count + 1
end

for n = 0, namespaces - 1 do
  emit(("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-%02d\n  labels: {istio-injection: enabled}\n")
    :format(n))
end

for i = 0, services - 1 do
  local ns = ("ns-%02d"):format(i % namespaces)
  local name = ("svc-%05d"):format(i)
  local ports = "  - {name: http, port: 80, targetPort: http}\n"
  if i % 4 == 0 then
    ports = ports .. "  - {name: grpc-api, port: 9090, targetPort: 9090}\n"
  end
  if i % 5 == 0 then
    ports = ports .. "  - {name: tcp-db, port: 5432, targetPort: 5432}\n"
  end
  emit(([[
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
  namespace: %s
spec:
  replicas: 3
  selector:
    matchLabels: {app: %s}
  template:
    metadata:
      labels: {app: %s, version: v%d}
    spec:
      containers:
      - name: app
        image: registry.example.com/%s:1.0
        ports:
        - {name: http, containerPort: 8080}
        - {containerPort: 9090}
        - {containerPort: 5432}
]]):format(name, ns, name, name, i % 2 + 1, name))
  emit(([[
apiVersion: v1
kind: Service
metadata:
  name: %s
  namespace: %s
spec:
  selector: {app: %s}
  ports:
%s]]):format(name, ns, name, ports))
  if i % 10 == 0 then
    emit(([[
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: %s
  namespace: %s
spec:
  host: %s
  trafficPolicy:
    connectionPool: {tcp: {maxConnections: 100}, http: {http2MaxRequests: 1000}}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
]]):format(name, ns, name))
  end
  if i % 20 == 0 then
    emit(([[
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: %s
  namespace: %s
spec:
  hosts: [%s]
  http:
  - match: [{headers: {x-canary: {exact: "true"}}}]
    route: [{destination: {host: %s, subset: v2}}]
  - route: [{destination: {host: %s, subset: v1}}]
    timeout: 3s
    retries: {attempts: 3, perTryTimeout: 1s}
]]):format(name, ns, name, name, name))
  end
end

emit([[
apiVersion: apps/v1
kind: Deployment
metadata:
  name: client
  namespace: ns-00
spec:
  replicas: 1
  selector:
    matchLabels: {app: client}
  template:
    metadata:
      labels: {app: client}
    spec:
      containers:
      - name: client
        image: curlimages/curl
]])
out:close()
io.stderr:write(("%d objects, %d services in %d namespaces\n"):format(count, services, namespaces))
