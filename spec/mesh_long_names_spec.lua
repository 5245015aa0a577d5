-- Workloads with long names (a DNS subdomain may have 253 characters): the
-- ReplicaSet is "<deployment>-<pod-template-hash>" in full, and pod names
-- are cut as the API server's generateName cuts them (58 characters of the
-- prefix, then 5 of its own). A 120-character name once overflowed the
-- buffer the ReplicaSet name was made in.
local function workload(kind, name)
  return ([[
apiVersion: apps/v1
kind: %s
metadata: {name: %s}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers: [{name: c, image: i}]
]]):format(kind, name)
end

describe("mesh workloads with long names", function()
  it("names the ReplicaSet in full and cuts pod names at 58 characters", function()
    local name = ("a"):rep(120)
    local m = meshlua.mesh()
    m:apply_string(workload("Deployment", name))
    local pods = m:pods()
    assert.are.equal(1, #pods)
    local pod = pods[1]
    assert.are.equal(name .. "-" .. pod.template_hash, pod.replica_set)
    assert.are.equal(63, #pod.name)
    assert.are.equal(("a"):rep(58), pod.name:sub(1, 58))
  end)

  it("does the same for a DaemonSet with the longest name", function()
    local name = ("b"):rep(253)
    local m = meshlua.mesh()
    m:apply_string(workload("DaemonSet", name))
    local pod = m:pods()[1]
    assert.are.equal(63, #pod.name)
    assert.are.equal(("b"):rep(58), pod.name:sub(1, 58))
    assert.is_nil(pod.replica_set)
  end)
end)
