-- istioctl proxy-config views against istioctl's own goldens
-- (../shared/fixtures/istioctl/README.md maps each golden to its input and
-- command): every table, -o json and -o yaml byte for byte.
local F = "../shared/fixtures/istioctl/"
local W = F .. "writer-configdump/"

local read = require("spec.helpers.process").read_file

describe("proxy-config goldens", function()
  it("prints `pc all` as istioctl does, with and without headers", function()
    local p = meshlua.load(F .. "proxyconfig/config_dump.json")
    assert.are.equal(read(F .. "proxyconfig/config_dump_summary.txt"), tostring(p:all{}))
    assert.are.equal(read(F .. "proxyconfig/config_dump_summary_withheaders.txt"),
      tostring(p:all{ with_headers = true }))
  end)

  for _, d in ipairs({ "empty-gateway", "istio-gateway-http-route-prefix",
    "k8s-gateway-http-route-path-prefix" }) do
    it("prints the routes table of " .. d, function()
      local p = meshlua.load(W .. "routes/" .. d .. "/configdump.json")
      assert.are.equal(read(W .. "routes/" .. d .. "/output.txt"), tostring(p:routes()))
    end)
  end

  it("prints `pc eds` tables, JSON and YAML with and without a port filter", function()
    local p = meshlua.load(W .. "endpoint/configdump.json")
    local all, port = p:eds(), p:eds{ port = 8080 }
    assert.are.equal(read(W .. "endpoint/emptyfilter_output.txt"), tostring(all))
    assert.are.equal(read(W .. "endpoint/portfilter_output.txt"), tostring(port))
    assert.are.equal(read(W .. "endpoint/emptyfilter_output.json"), all:json())
    assert.are.equal(read(W .. "endpoint/portfilter_output.json"), port:json())
    assert.are.equal(read(W .. "endpoint/emptyfilter_output.yaml"), all:yaml())
    assert.are.equal(read(W .. "endpoint/portfilter_output.yaml"), port:yaml())
  end)

  it("prints the bootstrap as -o json (legacy jsonpb indentation) and -o short", function()
    local p = meshlua.load(W .. "configdump.json")
    assert.are.equal(read(W .. "bootstrapdump.json"), p:bootstrap():json())
    assert.are.equal(read(W .. "versionsummary.txt"), tostring(p:bootstrap()))
    assert.are.equal(read(W .. "bootstrapdump.json"), tostring(p:bootstrap{ output = "json" }))
  end)

  it("prints the secret tables from the certificates (Istio and SPIRE trust domains)", function()
    for _, d in ipairs({ "istio", "spire" }) do
      local p = meshlua.load(W .. "secret/" .. d .. "/config_dump.json")
      assert.are.equal(read(W .. "secret/" .. d .. "/output"), tostring(p:secrets()))
    end
  end)

  it("prints the ECDS table, -o json and -o yaml", function()
    local p = meshlua.load(W .. "ecds/configdump.json")
    local list = p:ecds()
    assert.are.equal(read(W .. "ecds/output.txt"), tostring(list))
    assert.are.equal(read(W .. "ecds/output.json"), list:json())
    assert.are.equal(read(W .. "ecds/output.yaml"), list:yaml())
  end)
end)
