-- meshlua.x509 and meshlua.base64_decode: the C certificate reader seen
-- from Lua, checked against the certificates of istioctl's secret fixture
-- and the serials and dates its golden output prints for them.
local cjson = require("cjson")

local DIR = "../shared/fixtures/istioctl/writer-configdump/secret/istio/"

local function secrets()
  local f = assert(io.open(DIR .. "config_dump.json"))
  local dump = cjson.decode(f:read("a"))
  f:close()
  local out = {}
  for _, c in ipairs(dump.configs) do
    for _, s in ipairs(c.dynamic_active_secrets or {}) do
      out[s.name] = s.secret
    end
  end
  return out
end

describe("meshlua.x509", function()
  local s = secrets()
  local chain = assert(meshlua.base64_decode(s.default.tls_certificate.certificate_chain.inline_bytes))
  local root = assert(meshlua.base64_decode(s.ROOTCA.validation_context.trusted_ca.inline_bytes))

  it("reads the serial and validity istioctl prints for the fixture's certificates", function()
    local leaf, ca = assert(meshlua.x509(chain)), assert(meshlua.x509(root))
    -- the golden (output) prints serials as %032x and dates as RFC 3339
    assert.are.equal("6fbee254c22900615cb1f74e3d2f1713", ("%32s"):format(leaf.serial):gsub(" ", "0"))
    assert.are.equal("2023-05-16T01:32:52Z", leaf.not_after_text)
    assert.are.equal("2023-05-15T01:30:52Z", leaf.not_before_text)
    assert.are.equal("193a543fe2b0d9cd4847675394dfc54", ca.serial:gsub("^0+", ""))
    assert.are.equal("2033-05-02T03:41:33Z", ca.not_after_text)
    assert.are.equal(os.time({ year = 2023, month = 5, day = 5, hour = 3, min = 41, sec = 33, isdst = false })
      - os.time({ year = 1970, month = 1, day = 1, hour = 0, isdst = false }), ca.not_before)
    assert.is_false(leaf.is_ca)
    assert.is_true(ca.is_ca)
  end)

  it("lists a workload certificate's SPIFFE identity as a URI SAN", function()
    local leaf = assert(meshlua.x509(chain))
    assert.are.equal(1, #leaf.sans)
    assert.are.equal("uri", leaf.sans[1].type)
    assert.truthy(leaf.sans[1].value:match("^spiffe://cluster%.local/ns/[%w-]+/sa/[%w-]+$"), leaf.sans[1].value)
  end)

  it("answers bad input with nil and the byte at fault, and goes on working", function()
    local v, err = meshlua.x509(chain:sub(1, 200))
    assert.is_nil(v)
    assert.truthy(err:match("^certificate: byte %d+: "), err)
    v, err = meshlua.x509("")
    assert.is_nil(v)
    assert.truthy(err:match("^certificate"), err)
    v, err = meshlua.base64_decode("aGVs$bG8=")
    assert.is_nil(v)
    assert.are.equal("base64: byte 4: invalid character in base64 text", err)
    assert.are.equal("hello", meshlua.base64_decode("aGVs\nbG8="))
    assert.has_error(function() meshlua.x509({}) end, "bad argument #1 to 'x509' (string expected, got table)")
    assert.truthy(meshlua.x509(root))
  end)
end)
