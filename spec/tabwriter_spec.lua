-- meshlua.tabwriter reproduces Go's text/tabwriter, which istioctl and
-- kubectl print their tables with; checked against istioctl's own goldens.
local tabwriter = require("meshlua.tabwriter")

local FIXTURES = "../shared/fixtures/istioctl/"

local read = require("spec.helpers.process").read_file

describe("meshlua.tabwriter", function()
  it("lays out a routes table exactly as istioctl's golden (padding 5, trailing spaces)", function()
    local text = tabwriter.rows({
      { "NAME", "VHOST NAME", "DOMAINS", "MATCH", "VIRTUAL SERVICE" },
      { "http.8080", "httpbin.example.com:80", "httpbin.example.com", "/get*", "httpbin.default" },
      { "", "backend", "*", "/stats/prometheus*", "" },
      { "", "backend", "*", "/healthz/ready*", "" },
    }, { padding = 5 })
    assert.are.equal(read(FIXTURES .. "writer-configdump/routes/istio-gateway-http-route-prefix/output.txt"), text)
  end)

  it("measures columns per block: a line without tabs ends a block", function()
    local text = tabwriter.format("a\tbb\nccc\td\n\nlonger cell\tx\n", { padding = 1 })
    assert.are.equal("a   bb\nccc d\n\nlonger cell x\n", text)
  end)

  it("counts UTF-8 characters, not bytes", function()
    assert.are.equal("é  x\nab x\n", tabwriter.format("é\tx\nab\tx\n", { padding = 1 }))
  end)

  it("honours minwidth", function()
    assert.are.equal("a     b\n", tabwriter.format("a\tb\n", { minwidth = 6 }))
  end)
end)
