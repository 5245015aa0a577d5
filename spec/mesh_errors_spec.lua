-- Bad input to the simulated cluster: every error names the input and the
-- place (file:line:col: Kind "name": field: problem), and the mesh is left
-- exactly as it was (all or nothing), whatever the input.
local process = require("process")

-- A fingerprint of everything observable: version, objects, addresses.
local function state(m)
  local parts = { tostring(m.version) }
  for _, kind in ipairs({ "ns", "pods", "svc", "deploy", "vs", "dr", "gw", "se", "sa" }) do
    parts[#parts + 1] = tostring(m:get(kind, { all_namespaces = true, wide = kind ~= "deploy" }))
  end
  return table.concat(parts, "\n")
end

-- Applies text to a mesh holding the demo; returns the error and checks the
-- mesh did not change.
local function apply_error(text, name)
  local m = meshlua.mesh()
  m:apply("examples/envoy-demo-apps.yaml")
  local before = state(m)
  local ok, err = pcall(m.apply_string, m, text, name or "bad.yaml")
  assert.is_false(ok, "the apply should have failed")
  assert.are.equal(before, state(m))
  return err
end

local SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n"

describe("mesh errors", function()
  it("points at invalid YAML", function()
    assert.are.equal("bad.yaml:3:11: mapping values are not allowed in this context",
      apply_error("apiVersion: v1\nkind: Service\n  metadata: x\n"))
  end)

  it("explains a tab in indentation", function()
    assert.are.equal("bad.yaml:4:1: a tab character where YAML allows only spaces (indent with spaces)",
      apply_error("apiVersion: v1\nkind: Service\nmetadata:\n\tname: s\n"))
  end)

  it("refuses a port that is not an integer", function()
    assert.are.equal('bad.yaml:7:11: Service "s": spec.ports[0].port: must be an integer, got string "eighty"',
      apply_error(SERVICE .. "  ports:\n  - port: eighty\n"))
    assert.are.equal('bad.yaml:7:11: Service "s": spec.ports[0].port: must be an integer, got string "80"',
      apply_error(SERVICE .. '  ports:\n  - port: "80"\n'))
    assert.are.equal('bad.yaml:7:11: Service "s": spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      apply_error(SERVICE .. "  ports:\n  - port: 70000\n"))
  end)

  it("refuses duplicate ports and port names", function()
    assert.are.equal('bad.yaml:8:5: Service "s": spec.ports[1]: Duplicate value: port 80/TCP (also spec.ports[0])',
      apply_error(SERVICE .. "  ports:\n  - {port: 80, name: a}\n  - {port: 80, name: b}\n"))
    assert.are.equal('bad.yaml:8:22: Service "s": spec.ports[1].name: Duplicate value: "a" (also spec.ports[0])',
      apply_error(SERVICE .. "  ports:\n  - {port: 80, name: a}\n  - {port: 81, name: a}\n"))
    assert.are.equal('bad.yaml:7:5: Service "s": spec.ports[0].name: Required value (every port of a multi-port Service needs a name)',
      apply_error(SERVICE .. "  ports:\n  - {port: 80}\n  - {port: 81, name: b}\n"))
  end)

  it("refuses an unknown kind, and a known kind at an API version the server does not serve", function()
    assert.are.equal('bad.yaml:2:7: no matches for kind "Frobnicator" in version "v1"',
      apply_error("apiVersion: v1\nkind: Frobnicator\nmetadata: {name: f}\n"))
    assert.are.equal('bad.yaml:2:7: no matches for kind "Deployment" in version "extensions/v1beta1"',
      apply_error("apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: d}\n"))
    assert.are.equal("bad.yaml:1:1: error validating data: [apiVersion not set, kind not set]",
      apply_error("metadata: {name: x}\n"))
  end)

  it("refuses a Service without ports", function()
    assert.are.equal('bad.yaml:6:3: Service "s": spec.ports: Required value',
      apply_error(SERVICE .. "  selector: {app: s}\n"))
  end)

  it("refuses a VirtualService whose weights sum to 90", function()
    assert.are.equal('bad.yaml:8:5: VirtualService "reviews": spec.http[0].route: total destination weight 90 != 100',
      apply_error([[
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 50
    - destination: {host: reviews, subset: v2}
      weight: 40
]]))
  end)

  it("makes the checks istioctl validate makes on the other Istio kinds", function()
    assert.are.equal('bad.yaml:8:12: DestinationRule "r": spec.subsets[1].name: duplicate subset names: v1',
      apply_error("apiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\nmetadata: {name: r}\n"
        .. "spec:\n  host: reviews\n  subsets:\n  - {name: v1}\n  - {name: v1}\n"))
    assert.are.equal('bad.yaml:4:7: Gateway "g": spec.servers: gateway must have at least one server',
      apply_error("apiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata: {name: g}\n"
        .. "spec: {selector: {istio: ingressgateway}}\n"))
    assert.are.equal('bad.yaml:5:11: VirtualService "v": spec.hosts[0]: wildcard host * is not allowed for virtual services bound to the mesh gateway',
      apply_error("apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {name: v}\n"
        .. "spec:\n  hosts: ['*']\n  http: [{route: [{destination: {host: a}}]}]\n"))
    assert.are.equal('bad.yaml:5:16: PeerAuthentication "p": spec.mtls.mode: Unsupported value: "STRICTEST": supported values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"',
      apply_error("apiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata: {name: p}\n"
        .. "spec:\n  mtls: {mode: STRICTEST}\n"))
    assert.are.equal('bad.yaml:4:7: ServiceEntry "e": spec.hosts: service entry must have at least one host',
      apply_error("apiVersion: networking.istio.io/v1beta1\nkind: ServiceEntry\nmetadata: {name: e}\n"
        .. "spec: {resolution: DNS}\n"))
  end)

  it("checks workloads: selector against template labels, containers, replicas", function()
    local deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n"
      .. "  selector: {matchLabels: {app: d}}\n"
    assert.are.equal('bad.yaml:8:15: Deployment "d": spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`',
      apply_error(deploy .. "  template:\n    metadata:\n      labels: {app: e}\n"
        .. "    spec: {containers: [{name: c, image: i}]}\n"))
    assert.are.equal('bad.yaml:8:11: Deployment "d": spec.template.spec.containers: Required value',
      apply_error(deploy .. "  template:\n    metadata: {labels: {app: d}}\n    spec: {}\n"))
    assert.are.equal('bad.yaml:6:13: Deployment "d": spec.replicas: Invalid value: -1: must be between 0 and 100000, inclusive',
      apply_error(deploy .. "  replicas: -1\n"))
  end)

  it("checks names, labels and namespaces", function()
    assert.truthy(apply_error("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: Bad_Name}\n")
      :find('^bad.yaml:3:18: ServiceAccount "Bad_Name": metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain'))
    assert.truthy(apply_error("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  labels: {app: 'no spaces'}\n")
      :find('^bad.yaml:5:17: ServiceAccount "a": metadata.labels.app: Invalid value: "no spaces": a valid label must be'))
    assert.are.equal('bad.yaml:4:18: ServiceAccount "a": metadata.labels.port: must be a string (quote it), got integer 80',
      apply_error("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  labels: {port: 80}\n  name: a\n"))
  end)

  it("checks cluster IPs: in the service range, free, and immutable", function()
    assert.are.equal('bad.yaml:6:14: Service "s": spec.clusterIP: Invalid value: "10.0.0.5": provided IP is not in the valid range. The range of valid IPs is 10.43.0.0/16',
      apply_error(SERVICE .. "  clusterIP: 10.0.0.5\n  ports: [{port: 80}]\n"))
    assert.are.equal('bad.yaml:6:14: Service "s": spec.clusterIP: Invalid value: "10.43.0.10": provided IP is already allocated',
      apply_error(SERVICE .. "  clusterIP: 10.43.0.10\n  ports: [{port: 80}]\n"))
    assert.are.equal('bad.yaml:5:14: Service "customers": spec.clusterIP: Invalid value: "10.43.0.99": field is immutable',
      apply_error("apiVersion: v1\nkind: Service\nmetadata: {name: customers}\nspec:\n  clusterIP: 10.43.0.99\n"
        .. "  selector: {app: customers}\n  ports: [{port: 80, name: http, targetPort: 3000}]\n"))
  end)

  it("keeps nothing of a multi-document apply when a later document fails", function()
    local err = apply_error(table.concat({
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: fresh}",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ok, namespace: fresh}\nspec:\n"
        .. "  selector: {matchLabels: {app: ok}}\n  template:\n    metadata: {labels: {app: ok}}\n"
        .. "    spec: {containers: [{name: c, image: i}]}",
      "apiVersion: v1\nkind: Service\nmetadata: {name: broken, namespace: fresh}\nspec: {}",
    }, "\n---\n"))
    assert.are.equal('bad.yaml:17:7: Service "broken": spec.ports: Required value', err)
  end)

  it("keeps nothing when the pod network runs out of addresses", function()
    local m = meshlua.mesh({ pod_cidr = "10.1.0.0/29" })
    local before = state(m)
    local ok, err = pcall(m.apply_string, m, [[
apiVersion: apps/v1
kind: Deployment
metadata: {name: big}
spec:
  replicas: 6
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec: {containers: [{name: c, image: i}]}
]], "big.yaml")
    assert.is_false(ok)
    assert.truthy(err:find('^big.yaml:1:1: Deployment "big": cannot start pod big%-'))
    assert.truthy(err:find("no pod IP addresses available: the range is exhausted (pod CIDR 10.1.0.0/29)", 1, true))
    assert.are.equal(before, state(m))
    -- The addresses are all there for a smaller one.
    m:apply_string(([[
apiVersion: apps/v1
kind: Deployment
metadata: {name: small}
spec:
  replicas: 5
  selector: {matchLabels: {app: small}}
  template:
    metadata: {labels: {app: small}}
    spec: {containers: [{name: c, image: i}]}
]]))
    local ips = {}
    for pod in m:pods() do ips[#ips + 1] = pod.ip end
    table.sort(ips)
    assert.are.same({ "10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6" }, ips)
  end)

  it("survives 50 MB of garbage, binary and text", function()
    local bytes = {}
    local x = 12345
    for i = 1, 4096 do
      x = (x * 1103515245 + 12345) % 2147483648
      bytes[i] = string.char(x % 256)
    end
    local chunk = table.concat(bytes)
    local binary = process.temp_file(chunk:rep(50 * 1024 * 1024 // #chunk))
    local text = process.temp_file(("key: value\n- [a, b: {c\n"):rep(50 * 1024 * 1024 // 24))
    local m = meshlua.mesh()
    local before = state(m)
    local ok, err = pcall(m.apply, m, binary)
    assert.is_false(ok)
    assert.truthy(err:find(binary .. ": byte %d+: invalid"))
    ok, err = pcall(m.apply, m, text)
    assert.is_false(ok)
    assert.are.equal(text .. ":2:1: did not find expected key (while parsing a block mapping)", err)
    assert.are.equal(before, state(m))
    os.remove(binary)
    os.remove(text)
  end)

  it("names a missing file", function()
    local m = meshlua.mesh()
    local ok, err = pcall(m.apply, m, "no/such/file.yaml")
    assert.is_false(ok)
    assert.are.equal("no/such/file.yaml: cannot open: No such file or directory", err)
  end)

  it("refuses what is not a manifest and an empty input", function()
    assert.are.equal("bad.yaml:1:1: expected a manifest (a map with apiVersion and kind), got list",
      apply_error("- a\n- b\n"))
    assert.are.equal("bad.yaml: no objects passed to apply", apply_error("# nothing\n"))
    assert.are.equal("bad.yaml:1:1: List: items: must be a list of manifests",
      apply_error("apiVersion: v1\nkind: List\nitems: {a: b}\n"))
  end)

  it("refuses nesting deeper than 200 levels", function()
    assert.truthy(apply_error(("["):rep(300) .. ("]"):rep(300)):find("nesting deeper than 200 levels", 1, true))
  end)
end)
