-- Documents as Lua values: a mesh object's manifest, a resource's .raw, and
-- meshlua.read_document all read scalars by one rule, YAML 1.1 as kubectl's
-- reader (go-yaml v2) resolves them: yes/on/y in any of their spellings are
-- true, 0777 is octal, 1_000.5 a float; JSON's true/false as they are.

local TRUE_WORDS = { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON" }
local FALSE_WORDS = { "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE" }

local function words_document()
  local lines = {}
  for i, w in ipairs(TRUE_WORDS) do
    lines[#lines + 1] = ("t%d: %s"):format(i, w)
  end
  for i, w in ipairs(FALSE_WORDS) do
    lines[#lines + 1] = ("f%d: %s"):format(i, w)
  end
  return table.concat(lines, "\n") .. "\n"
end

local function assert_words(t)
  for i, w in ipairs(TRUE_WORDS) do
    assert.are.equal(true, t["t" .. i], w)
  end
  for i, w in ipairs(FALSE_WORDS) do
    assert.are.equal(false, t["f" .. i], w)
  end
end

-- A YAML config dump (as `istioctl proxy-config all -o yaml` or a person
-- writes one) with one cluster whose boolean fields use YAML 1.1 words.
local YAML_DUMP = [[
configs:
- '@type': type.googleapis.com/envoy.admin.v3.ClustersConfigDump
  dynamic_active_clusters:
  - cluster:
      '@type': type.googleapis.com/envoy.config.cluster.v3.Cluster
      name: outbound|80||web.default.svc.cluster.local
      type: EDS
      respect_dns_ttl: Y
      use_tcp_for_dns_lookups: On
      close_connections_on_host_health_failure: off
      per_connection_buffer_limit_bytes: 32768
      health_checks: []
]]

describe("documents as Lua values", function()
  it("reads every boolean word of YAML 1.1 in meshlua.read_document", function()
    -- "On" and "ON" were false here before the readers shared one table
    assert_words(meshlua.read_document(words_document()))
  end)

  it("reads YAML 1.1 numbers in meshlua.read_document", function()
    local d = meshlua.read_document("a: 0777\nb: 0x1F\nc: 1_000\nd: 1_000.5\ne: '80'\nf: 80\n")
    assert.are.equal(511, d.a)
    assert.are.equal(31, d.b)
    assert.are.equal(1000, d.c)
    assert.are.equal("integer", math.type(d.c))
    assert.are.equal(1000.5, d.d) -- was 1.0: the float was read up to its '_'
    assert.are.equal("80", d.e)
    assert.are.equal("integer", math.type(d.f))
  end)

  it("gives a resource's .raw and :json() the booleans of a YAML dump", function()
    -- Y and On were false in .raw, and in :json(), before
    local c = meshlua.load(YAML_DUMP):clusters()[1]
    assert.are.equal(true, c.raw.respect_dns_ttl)
    assert.are.equal(true, c.raw.use_tcp_for_dns_lookups)
    assert.are.equal(false, c.raw.close_connections_on_host_health_failure)
    assert.are.equal(32768, c.raw.per_connection_buffer_limit_bytes)
    assert.are.equal("integer", math.type(c.raw.per_connection_buffer_limit_bytes))
    local json = c:json()
    assert.matches('"respectDnsTtl": true,', json, 1, true)
    assert.matches('"useTcpForDnsLookups": true,', json, 1, true)
    assert.matches('"closeConnectionsOnHostHealthFailure": false,', json, 1, true)
  end)

  it("gives .raw plain tables, and a mesh object's manifest lists that stay lists when empty", function()
    local c = meshlua.load(YAML_DUMP):clusters()[1]
    assert.are.same({}, c.raw.health_checks)
    assert.is_nil(getmetatable(c.raw.health_checks))
    local m = meshlua.mesh()
    m:apply_string([[
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: web
spec:
  hosts: [web]
  gateways: []
  http:
  - mirrorPercentage:
      value: 12_5.5
    route:
    - destination: {host: web}
]])
    local vs = m:get("vs")[1]
    assert.are.same({}, vs.manifest.spec.gateways)
    assert.matches('"gateways": [],', vs:json(), 1, true)
    -- kubectl reads 12_5.5 as 125.5 (it was 12.0 here before)
    assert.are.equal(125.5, vs.manifest.spec.http[1].mirrorPercentage.value)
    assert.matches('"value": 125.5\n', vs:json(), 1, true)
  end)

  it("reads every boolean word of YAML 1.1 in a mesh object's manifest", function()
    local m = meshlua.mesh()
    local body = words_document():gsub("([^\n]+)\n", "    %1\n")
    m:apply_string("apiVersion: networking.istio.io/v1beta1\nkind: ServiceEntry\nmetadata:\n"
      .. "  name: words\nspec:\n  hosts: [words.example.com]\n  ports:\n  - number: 80\n"
      .. "    name: http\n    protocol: HTTP\n  x:\n" .. body)
    assert_words(m:get("se")[1].manifest.spec.x)
  end)
end)
