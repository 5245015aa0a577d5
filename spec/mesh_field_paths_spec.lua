-- Errors deep inside a manifest name the whole field path, with every list
-- index, as kubectl and istioctl validate print them
-- (spec.template.spec.containers[0].ports[1].name), at the offending node.
local function apply_error(text)
  local m = meshlua.mesh()
  local ok, err = pcall(m.apply_string, m, text, "bad.yaml")
  assert.is_false(ok, "the apply should have failed")
  return err
end

local VS = "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\n"
  .. "metadata: {name: vs}\nspec:\n  hosts: [a]\n"
local DEPLOY = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n"
  .. "  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n"
  .. "    spec:\n"

describe("mesh field paths in errors", function()
  it("names a route's weight by its indexes", function()
    assert.are.equal('bad.yaml:11:15: VirtualService "vs": spec.http[0].route[1].weight: '
      .. "weight must be an integer, got string",
      apply_error(VS .. "  http:\n  - route:\n    - destination: {host: a, subset: v1}\n"
        .. "      weight: 90\n    - destination: {host: b}\n      weight: ten\n"))
  end)

  it("names a destination's nested fields", function()
    assert.are.equal('bad.yaml:8:20: VirtualService "vs": spec.http[0].route[0].destination.host: '
      .. "destination.host is required",
      apply_error(VS .. "  http:\n  - route:\n    - destination: {subset: v1}\n"))
    assert.are.equal('bad.yaml:8:45: VirtualService "vs": '
      .. "spec.http[0].route[0].destination.port.number: port number 0 must be in the range 1..65535",
      apply_error(VS .. "  http:\n  - route:\n    - destination: {host: a, port: {number: 0}}\n"))
    assert.are.equal('bad.yaml:9:25: VirtualService "vs": spec.http[0].retries.attempts: '
      .. 'must be an integer, got string "x"',
      apply_error(VS .. "  http:\n  - route:\n    - destination: {host: a}\n"
        .. "    retries: {attempts: x}\n"))
    assert.are.equal('bad.yaml:9:15: VirtualService "vs": spec.tcp[0].route[0].weight: '
      .. "percentage 101 is not in range 0..100",
      apply_error(VS .. "  tcp:\n  - route:\n    - destination: {host: a}\n      weight: 101\n"))
  end)

  it("names a subset's traffic policy and labels", function()
    local DR = "apiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\n"
      .. "metadata: {name: dr}\nspec:\n  host: a\n  subsets:\n  - name: v1\n"
    assert.are.equal('bad.yaml:8:33: DestinationRule "dr": spec.subsets[0].trafficPolicy.tls.mode: '
      .. 'Unsupported value: "WRONG": supported values: "DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"',
      apply_error(DR .. "    trafficPolicy: {tls: {mode: WRONG}}\n"))
    assert.are.equal('bad.yaml:8:23: DestinationRule "dr": spec.subsets[0].labels.version: '
      .. "must be a string (quote it), got integer 3",
      apply_error(DR .. "    labels: {version: 3}\n"))
  end)

  it("names a container port in a pod template", function()
    assert.are.equal('bad.yaml:14:37: Deployment "d": spec.template.spec.containers[0].ports[1].name: '
      .. 'Invalid value: "Bad_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      apply_error(DEPLOY .. "      containers:\n      - name: a\n        image: x\n        ports:\n"
        .. "        - {containerPort: 80, name: http}\n"
        .. "        - {containerPort: 81, name: Bad_Name}\n"))
    assert.are.equal('bad.yaml:12:9: Deployment "d": spec.template.spec.containers[1].image: Required value',
      apply_error(DEPLOY .. "      containers:\n      - name: a\n        image: x\n      - name: b\n"
        .. "        ports:\n        - {containerPort: 80, protocol: XTP}\n"))
    assert.are.equal('bad.yaml:9:20: Deployment "d": spec.template.spec.hostNetwork: '
      .. 'must be a boolean, got string "maybe"',
      apply_error(DEPLOY .. "      hostNetwork: maybe\n      containers:\n      - {name: a, image: x}\n"))
  end)

  it("names a Service port's fields and a Gateway server's", function()
    local SVC = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n"
    assert.are.equal('bad.yaml:6:37: Service "s": spec.ports[0].targetPort: '
      .. "Invalid value: -3: must be between 1 and 65535, inclusive",
      apply_error(SVC .. "  - {name: a, port: 80, targetPort: -3}\n"))
    assert.are.equal('bad.yaml:6:35: Service "s": spec.ports[0].nodePort: '
      .. "Forbidden: may not be used when `type` is 'ClusterIP'",
      apply_error(SVC .. "  - {name: a, port: 80, nodePort: 30001}\n"))
    assert.are.equal('bad.yaml:7:13: Gateway "g": spec.servers[0].hosts[0]: '
      .. 'domain name "bad_host!" invalid (label "bad_host!" invalid)',
      apply_error("apiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata: {name: g}\n"
        .. "spec:\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n"
        .. '    hosts: ["ns/bad_host!"]\n'))
  end)
end)
