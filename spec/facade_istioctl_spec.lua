-- The istioctl facade: istioctl's command lines, printing what istioctl
-- prints. With --file the expected bytes are istio's own goldens
-- (../shared/fixtures/istioctl, README there: golden -> command); errors,
-- flags and exit codes follow istioctl/cmd (sysexits.go: usage errors 64)
-- and istioctl/pkg/{proxyconfig,dashboard,version}.
local istioctl = require("meshlua.istioctl")
local kubectl = require("meshlua.kubectl")
local process = require("process")

local FIX = "../shared/fixtures/istioctl/"

local read = require("spec.helpers.process").read_file

local function i(line)
  return istioctl.exec(line)
end

describe("istioctl proxy-config --file (istio's goldens)", function()
  before_each(function()
    kubectl.use(meshlua.mesh())
  end)

  local goldens = {
    { "proxy-config all -f " .. FIX .. "proxyconfig/config_dump.json", "proxyconfig/config_dump_summary.txt" },
    { "pc all --file " .. FIX .. "proxyconfig/config_dump.json --with-headers",
      "proxyconfig/config_dump_summary_withheaders.txt" },
    { "pc routes -f " .. FIX .. "writer-configdump/routes/empty-gateway/configdump.json",
      "writer-configdump/routes/empty-gateway/output.txt" },
    { "pc route -f " .. FIX .. "writer-configdump/routes/istio-gateway-http-route-prefix/configdump.json",
      "writer-configdump/routes/istio-gateway-http-route-prefix/output.txt" },
    { "pc r -f " .. FIX .. "writer-configdump/routes/k8s-gateway-http-route-path-prefix/configdump.json",
      "writer-configdump/routes/k8s-gateway-http-route-path-prefix/output.txt" },
    { "pc eds -f " .. FIX .. "writer-configdump/endpoint/configdump.json",
      "writer-configdump/endpoint/emptyfilter_output.txt" },
    { "pc eds -f " .. FIX .. "writer-configdump/endpoint/configdump.json --port 8080",
      "writer-configdump/endpoint/portfilter_output.txt" },
    { "pc eds -f " .. FIX .. "writer-configdump/endpoint/configdump.json -o json",
      "writer-configdump/endpoint/emptyfilter_output.json" },
    { "pc eds -f " .. FIX .. "writer-configdump/endpoint/configdump.json --port=8080 -o yaml",
      "writer-configdump/endpoint/portfilter_output.yaml" },
    { "pc bootstrap -f " .. FIX .. "writer-configdump/configdump.json", "writer-configdump/bootstrapdump.json" },
    { "pc b -f " .. FIX .. "writer-configdump/configdump.json -o short", "writer-configdump/versionsummary.txt" },
    -- The certificates' validity is judged against today (the CA runs to 2033).
    { "pc secret -f " .. FIX .. "writer-configdump/secret/istio/config_dump.json", "writer-configdump/secret/istio/output" },
    { "pc s -f " .. FIX .. "writer-configdump/secret/spire/config_dump.json", "writer-configdump/secret/spire/output" },
  }
  for _, g in ipairs(goldens) do
    it(("prints %s byte for byte for `istioctl %s`"):format(g[2], g[1]:gsub(FIX, "")), function()
      local r = i(g[1])
      assert.are.equal(0, r.code, r.err)
      assert.are.equal(read(FIX .. g[2]), r.out)
      assert.are.equal("", r.err)
    end)
  end

  it("returns the view's list to Lua", function()
    local r = i("pc routes -f " .. FIX .. "writer-configdump/routes/empty-gateway/configdump.json")
    local list = r.values[1]
    assert.are.equal(tostring(list), r.out)
  end)

  it("filters listeners with --address, --port and shows -o json (a real sidecar dump)", function()
    local dump = FIX .. "authz/configdump.yaml"
    local r = i("pc listeners -f " .. dump .. " --port 80")
    assert.are.equal(table.concat({
      "ADDRESSES PORT MATCH                                DESTINATION",
      "0.0.0.0   80   Trans: raw_buffer; App: http/1.1,h2c Route: 80",
      "0.0.0.0   80   ALL                                  PassthroughCluster",
    }, "\n") .. "\n", r.out)
    local json = require("cjson").decode(i("pc listeners -f " .. dump .. " --address 0.0.0.0 --port 80 -o json").out)
    assert.are.equal(1, #json)
    assert.are.equal("0.0.0.0_80", json[1].name)
    local hcm = json[1].filterChains[1].filters[1].typedConfig
    assert.are.equal("80", hcm.rds.routeConfigName)
  end)

  it("fails on a format it does not know", function()
    local r = i("pc clusters -f " .. FIX .. "proxyconfig/config_dump.json -o frob")
    assert.are.equal(1, r.code)
    assert.are.equal('Error: output format "frob" not supported\n', r.err)
  end)

  it("fails on a missing file as os.ReadFile words it", function()
    local r = i("pc listeners --file nope.json")
    assert.are.equal(1, r.code)
    assert.are.equal("Error: open nope.json: no such file or directory\n", r.err)
  end)

  it("names the place of a malformed dump", function()
    local path = process.temp_file('{"configs": [ {"@type": 1 ]}')
    local r = i("pc clusters -f " .. path)
    os.remove(path)
    assert.are.equal(1, r.code)
    assert.truthy(r.err:find("^Error: " .. path:gsub("%p", "%%%0") .. ":1:"), r.err)
  end)

  it("wants a pod or --file, and prints the usage on stderr first", function()
    for _, cmd in ipairs({ "listener", "route", "cluster", "endpoints", "bootstrap", "secret", "all" }) do
      local r = i("pc " .. cmd)
      assert.are.equal(1, r.code, cmd)
      local name = ({ endpoints = "endpoints" })[cmd] or cmd
      assert.truthy(r.err:find("^Usage:\n  istioctl proxy%-config "), r.err)
      assert.truthy(r.err:find("\n\nError: " .. name .. " requires pod name or %-%-file parameter\n$"), r.err)
    end
  end)
end)

describe("istioctl command lines", function()
  before_each(function()
    kubectl.use(meshlua.mesh({ profile = "seed" }))
  end)

  it("fails on an unknown flag with cobra's text and exit status 64", function()
    local r = i("pc listeners x --frob")
    assert.are.equal(64, r.code)
    assert.are.equal("Error: unknown flag: --frob\n", r.err)
  end)

  it("fails on an unknown command with the usage hint and a suggestion", function()
    local r = i("frob")
    assert.are.equal(64, r.code)
    assert.are.equal('Error: unknown command "frob" for "istioctl"\nRun \'istioctl --help\' for usage.\n', r.err)
    r = i("proxy-confg")
    assert.are.equal('Error: unknown command "proxy-confg" for "istioctl"\n\nDid you mean this?\n\tproxy-config\n\n'
      .. "Run 'istioctl --help' for usage.\n", r.err)
  end)

  it("prints a group's help for a word that is not a subcommand of it (cobra)", function()
    local r = i("pc frob")
    assert.are.equal(0, r.code)
    assert.truthy(r.out:find("Available Commands:\n  all ", 1, true))
    assert.falsy(r.out:find("\n  eds ", 1, true)) -- hidden, as in istioctl
  end)

  it("fails on a pod that does not exist as the port-forward reports it", function()
    local r = i("pc clusters nope")
    assert.are.equal(1, r.code)
    assert.are.equal('Error: failed to execute command on nope.default sidecar: failure running port forward process: '
      .. 'failure running port forward process: building port forwarded: failed retrieving: pods "nope" not found '
      .. 'in the "default" namespace\n', r.err)
  end)

  it("fails on a deployment that does not exist with the API's text", function()
    local r = i("proxy-config endpoints deployment/nope")
    assert.are.equal('Error: deployments.apps "nope" not found\n', r.err)
    r = i("pc ep deployment/nope.istio-system")
    assert.are.equal('Error: deployments.apps "nope" not found\n', r.err)
  end)

  it("reads [<type>/]<name>[.<namespace>] as istioctl's inferNsInfo does", function()
    local target = require("meshlua.istioctl.target")
    assert.are.same({ "deployment/web", "default" }, { target.split_namespace("deployment/web", "default") })
    assert.are.same({ "deployment/web", "prod" }, { target.split_namespace("deployment/web.prod", "default") })
    assert.are.same({ "web-abc", "prod" }, { target.split_namespace("web-abc.prod", "default") })
    assert.are.same({ "deployments.apps/web", "x" }, { target.split_namespace("deployments.apps/web", "x") })
  end)

  it("prints the client version, and says when no istiod runs", function()
    local r = i("version")
    assert.are.equal(0, r.code)
    assert.are.equal("client version: 1.10.3\n", r.out)
    assert.are.equal("Istio is not present in the cluster: unable to find any Istio pod in namespace istio-system\n", r.err)
    assert.are.equal("client version: 1.10.3\n", i("version --remote=false").out)
    assert.are.equal("Error: --output must be 'yaml' or 'json'\n", i("version -o frob").err)
  end)

  it("says plainly that analyze is not simulated yet", function()
    local r = i("analyze")
    assert.are.equal(1, r.code)
    assert.truthy(r.err:find("^Error: istioctl analyze is not simulated"))
  end)

  it("refuses an unknown dashboard and a dashboard without a pod", function()
    assert.are.equal('Error: unknown dashboard "frob"\n', i("dashboard frob").err)
    local r = i("dash envoy")
    assert.are.equal(1, r.code)
    assert.truthy(r.err:find("\n\nError: specify a pod or %-%-selector\n$"))
    r = i("d controlz")
    assert.truthy(r.err:find("\n\nError: specify a pod, %-%-selector, or %-%-revision\n$"))
    r = i("d controlz istiod-x -l app=istiod")
    assert.truthy(r.err:find("\n\nError: only one of name, %-%-selector, or %-%-revision can be specified\n$"))
  end)

  it("fails to port-forward to a pod that does not exist, for a dashboard", function()
    local r = i("dashboard controlz istiod-nope.istio-system")
    assert.are.equal('Error: failure running port forward process: failure running port forward process: building '
      .. 'port forwarded: failed retrieving: pods "istiod-nope" not found in the "istio-system" namespace\n', r.err)
  end)
end)

describe("the istioctl global", function()
  it("prints like istioctl and raises istioctl's error, with its exit code", function()
    local r = process.meshlua({ "-e", [[
local ok, err = pcall(istioctl, "pc l x --frob")
print(ok, tostring(err), err.code)
istioctl("version --remote=false")
]] })
    assert.are.equal(0, r.code, r.stderr)
    assert.are.equal("false\tError: unknown flag: --frob\t64\nclient version: 1.28.0\n", r.stdout)
  end)
end)

describe("istioctl on the simulated cluster", function()
  local mesh

  before_each(function()
    mesh = kubectl.use(meshlua.mesh({ profile = "seed" }))
    mesh:apply("examples/bigbang-cluster.yaml")
    mesh:label("namespace/default", "istio-injection=enabled")
    mesh:apply("examples/bookinfo.yaml")
    mesh:apply("examples/bookinfo-routing.yaml")
    mesh:apply("examples/envoy-demo-apps.yaml")
  end)

  local function pod(selector)
    return mesh:pods({ namespace = "default", selector = selector })[1]
  end

  it("reads a deployment's first pod and a pod by name.namespace", function()
    local by_deploy = i("pc clusters deployment/reviews-v1 --fqdn ratings")
    local p = pod("app=reviews,version=v1")
    local by_name = i("pc clusters " .. p.name .. ".default --fqdn ratings")
    assert.are.equal(0, by_deploy.code, by_deploy.err)
    assert.are.equal(by_deploy.out, by_name.out)
    assert.are.equal(by_deploy.out, i("pc clusters " .. p.name .. " -n default --fqdn ratings").out)
    assert.truthy(by_deploy.out:find("\nratings.default.svc.cluster.local     9080     -          outbound      EDS      \n", 1, true))
  end)

  it("explains why a pod without a sidecar has no Envoy to read", function()
    local grafana = mesh:pods({ namespace = "monitoring" })[1]
    local r = i("pc listeners " .. grafana.name .. ".monitoring")
    assert.are.equal(1, r.code)
    assert.truthy(r.err:find("^Error: failed to execute command on " .. grafana.name:gsub("%-", "%%-")
      .. "%.monitoring sidecar: .*istio%-injection=enabled"), r.err)
  end)

  it("describes a pod: its service, DestinationRule subsets and VirtualService routes", function()
    local p = pod("app=reviews,version=v1")
    local r = i("x describe pod " .. p.name)
    assert.are.equal(0, r.code, r.err)
    assert.are.equal(table.concat({
      "Pod: " .. p.name,
      "   Pod Revision: default",
      "   Pod Ports: 9080 (reviews), 15090 (istio-proxy)",
      "--------------------",
      "Service: reviews",
      "   Port: http 9080/HTTP targets pod port 9080",
      'DestinationRule: reviews for "reviews"',
      "   Matching subsets: v1",
      "      (Non-matching subsets v2,v3)",
      "   No Traffic Policy",
      "VirtualService: reviews",
      '   Route to host "reviews" subset "v1" with weight 80%',
      "   1 additional destination(s) that will not reach this pod",
      "--------------------",
      "Effective PeerAuthentication:",
      "   Workload mTLS mode: PERMISSIVE",
    }, "\n") .. "\n", r.out)
  end)

  it("describes the header match that reaches reviews-v2", function()
    local r = i("experimental describe pods " .. pod("app=reviews,version=v2").name)
    assert.truthy(r.out:find("\nVirtualService: reviews\n   Match:  when headers are end-user=jason\n", 1, true), r.out)
  end)

  it("shows the ingress gateway that exposes web-frontend", function()
    local r = i("x des po " .. pod("app=web-frontend").name)
    local tail = "\n--------------------\nExposed on Ingress Gateway http://" .. mesh.node_ip
      .. "\nVirtualService: web-frontend\n   1 HTTP route(s)\n"
    assert.are.equal(tail, r.out:sub(-#tail), r.out)
  end)

  it("says the pod is not in the mesh and fails, as istioctl does", function()
    local grafana = mesh:pods({ namespace = "monitoring" })[1]
    local r = i("x describe pod " .. grafana.name .. ".monitoring")
    assert.are.equal(1, r.code)
    assert.truthy(r.out:find("\nWARNING: " .. grafana.name .. " is not part of mesh; no Istio sidecar\n", 1, true))
    assert.truthy(r.err:find("^Error: failed to execute command on sidecar: "))
  end)

  it("reports the control plane and the data plane's proxies", function()
    local proxies = 0
    for _, p in ipairs(mesh:pods()) do
      if p.proxy then
        proxies = proxies + 1
      end
    end
    assert.are.equal(("client version: 1.10.3\ncontrol plane version: 1.10.3\ndata plane version: 1.10.3 (%d proxies)\n")
      :format(proxies), i("version").out)
  end)

  it("serves a pod's Envoy admin interface and ControlZ, printing their URLs", function()
    local r = i("dashboard envoy deployment/customers-v1 --port 0 --browser=false")
    assert.are.equal(0, r.code, r.err)
    local server = r.values[2]
    assert.are.equal(("http://localhost:%d\nskipping opening a browser"):format(server.port), r.out)
    local fetched = meshlua.fetch(r.values[1] .. "/config_dump?include_eds", { profile = "seed" })
    assert.are.equal(tostring(mesh:proxy("deployment/customers-v1"):listeners({})), tostring(fetched:listeners({})))
    server:close()
    local istiod = mesh:pods({ namespace = "istio-system", selector = "app=istiod" })[1]
    r = i("d controlz " .. istiod.name .. ".istio-system -p 0")
    assert.are.equal(0, r.code, r.err)
    assert.are.equal("controlz", r.values[2].kind)
    r.values[2]:close()
    r = i("dashboard controlz -l app=istiod -p 0")
    assert.are.equal(0, r.code, r.err)
    r.values[2]:close()
  end)
end)
