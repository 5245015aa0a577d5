-- The kubectl facade: kubectl's command lines against a simulated cluster,
-- printing what kubectl prints. Texts are kubectl's own
-- (kubernetes/kubectl pkg/cmd/{apply,delete,get,label,scale,rollout,
-- describe}, pkg/cmd/util/helpers.go, k8s.io/cli-runtime's builder).
local kubectl = require("meshlua.kubectl")
local process = require("process")

local APPS = "examples/envoy-demo-apps.yaml"

-- A fresh seed-profile cluster as the facades' current cluster.
local function fresh()
  return kubectl.use(meshlua.mesh({ profile = "seed" }))
end

local function k(line)
  return kubectl.exec(line)
end

-- Lines of a table, each split on runs of blanks.
local function rows(text)
  local out = {}
  for line in text:gmatch("[^\n]+") do
    local cells = {}
    for cell in line:gmatch("%S+") do
      cells[#cells + 1] = cell
    end
    out[#out + 1] = cells
  end
  return out
end

describe("kubectl label", function()
  before_each(fresh)

  it("labels a namespace as the walkthrough does and says so", function()
    local r = k("label namespace default istio-injection=enabled")
    assert.are.equal(0, r.code, r.err)
    assert.are.equal("namespace/default labeled\n", r.out)
    assert.are.equal("enabled", kubectl.mesh():find("namespace", "default").labels["istio-injection"])
  end)

  it("accepts the ns alias and TYPE/NAME", function()
    assert.are.equal(0, k("label ns/default a=b").code)
    assert.are.equal("b", kubectl.mesh():find("namespace", "default").labels.a)
  end)

  it("refuses to change a label without --overwrite, and changes it with", function()
    k("label namespace default istio-injection=enabled")
    local r = k("label namespace default istio-injection=disabled")
    assert.are.equal(1, r.code)
    assert.are.equal("error: 'istio-injection' already has a value (enabled), and --overwrite is false\n", r.err)
    r = k("label namespace default istio-injection=disabled --overwrite")
    assert.are.equal(0, r.code, r.err)
    assert.are.equal("disabled", kubectl.mesh():find("namespace", "default").labels["istio-injection"])
  end)

  it("says not labeled when nothing changes, modified when labels come and go", function()
    k("label namespace default a=1")
    assert.are.equal("namespace/default not labeled\n", k("label namespace default a=1").out)
    assert.are.equal("namespace/default modified\n", k("label namespace default a- b=2").out)
  end)

  it("removes a label with key-", function()
    k("label namespace default istio-injection=enabled")
    local r = k("label namespace default istio-injection-")
    assert.are.equal(0, r.code, r.err)
    assert.are.equal("namespace/default unlabeled\n", r.out)
    assert.is_nil(kubectl.mesh():find("namespace", "default").labels["istio-injection"])
  end)

  it("lists labels with --list", function()
    k("label namespace default b=2 a=1")
    -- The API server labels every namespace with its name (Kubernetes 1.21+).
    assert.are.equal("a=1\nb=2\nkubernetes.io/metadata.name=default\n", k("label namespace default --list").out)
  end)

  it("fails as kubectl does on missing parts", function()
    assert.are.equal("error: at least one label update is required\n", k("label namespace default").err)
    assert.are.equal("error: one or more resources must be specified as <resource> <name> or <resource>/<name>\n",
      k("label a=b").err)
    assert.are.equal("error: all resources must be specified before label changes: default\n",
      k("label namespace a=b default").err)
    assert.are.equal('Error from server (NotFound): namespaces "nope" not found\n',
      k("label namespace nope a=b").err)
    assert.are.equal('error: the server doesn\'t have a resource type "frob"\n', k("label frob x a=b").err)
  end)
end)

describe("kubectl apply and delete", function()
  before_each(fresh)

  it("applies the walkthrough's manifest with kubectl's lines", function()
    local r = k("apply -f " .. APPS)
    assert.are.equal(0, r.code, r.err)
    assert.are.equal(table.concat({
      "deployment.apps/web-frontend created",
      "service/web-frontend created",
      "virtualservice.networking.istio.io/web-frontend created",
      "deployment.apps/customers-v1 created",
      "service/customers created",
    }, "\n") .. "\n", r.out)
    assert.are.equal(5, #r.values[1])
  end)

  it("says unchanged when the same manifest is applied again", function()
    k("apply -f " .. APPS)
    local r = k("apply --filename=" .. APPS)
    assert.truthy(r.out:find("deployment.apps/web-frontend unchanged\n", 1, true), r.out)
  end)

  it("fails on a missing file or no -f, as the resource builder words it", function()
    assert.are.equal('error: the path "nope.yaml" does not exist\n', k("apply -f nope.yaml").err)
    assert.are.equal("error: must specify one of -f and -k\n", k("apply").err)
  end)

  it("reports a bad manifest with its place and applies nothing", function()
    local path = process.temp_file("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports:\n    - port: eighty\n")
    local r = k("apply -f " .. path)
    os.remove(path)
    assert.are.equal(1, r.code)
    assert.truthy(r.err:find("^error: " .. path:gsub("%p", "%%%0") .. ":7:"), r.err)
    assert.is_nil(kubectl.mesh():find("service", "x"))
  end)

  it("deletes what a file names, and reports each missing object on stderr", function()
    k("apply -f " .. APPS)
    local r = k("delete -f " .. APPS)
    assert.are.equal(0, r.code, r.err)
    assert.are.equal(table.concat({
      'deployment.apps "web-frontend" deleted',
      'service "web-frontend" deleted',
      'virtualservice.networking.istio.io "web-frontend" deleted',
      'deployment.apps "customers-v1" deleted',
      'service "customers" deleted',
    }, "\n") .. "\n", r.out)
    r = k("delete -f " .. APPS)
    assert.are.equal(1, r.code)
    assert.are.equal("", r.out)
    assert.truthy(r.err:find('^Error from server %(NotFound%): error when deleting "' .. APPS:gsub("%p", "%%%0")
      .. '": deployments.apps "web%-frontend" not found\n'), r.err)
    local _, lines = r.err:gsub("\n", "")
    assert.are.equal(5, lines)
    r = k("delete -f " .. APPS .. " --ignore-not-found")
    assert.are.equal(0, r.code)
    assert.are.equal("", r.err)
  end)

  it("deletes by TYPE NAME and TYPE/NAME, with NotFound for a missing one", function()
    k("apply -f " .. APPS)
    assert.are.equal('service "customers" deleted\n', k("delete svc customers").out)
    assert.are.equal('deployment.apps "customers-v1" deleted\n', k("delete deployment/customers-v1").out)
    local r = k("delete deployment nope")
    assert.are.equal(1, r.code)
    assert.are.equal('Error from server (NotFound): deployments.apps "nope" not found\n', r.err)
  end)

  it("asks for resources when given none", function()
    local r = k("delete")
    assert.truthy(r.err:find("^error: You must provide one or more resources by argument or filename%.\n"))
    assert.are.equal("error: resource(s) were provided, but no name was specified\n", k("delete pods").err)
    assert.truthy(k("scale --replicas=2").err:find("^error: You must provide one or more resources"))
    for _, cmd in ipairs({ "scale --replicas=2 deployment", "label pods a=b" }) do
      assert.are.equal("error: resource(s) were provided, but no name was specified\n", k(cmd).err, cmd)
    end
  end)

  it("refuses arguments beside -f as cmdutil.UsageErrorf words it", function()
    for _, cmd in ipairs({ "apply", "delete" }) do
      local r = k(cmd .. " -f " .. APPS .. " extra words")
      assert.are.equal(1, r.code)
      assert.are.equal(("error: Unexpected args: [extra words]\nSee 'kubectl %s -h' for help and examples\n")
        :format(cmd), r.err)
    end
  end)
end)

describe("kubectl get", function()
  before_each(function()
    fresh()
    k("apply -f " .. APPS)
  end)

  it("prints the pods table with kubectl's columns and padding", function()
    local r = k("get pods")
    assert.are.equal(0, r.code, r.err)
    local t = rows(r.out)
    assert.are.same({ "NAME", "READY", "STATUS", "RESTARTS", "AGE" }, t[1])
    assert.are.equal(3, #t)
    assert.truthy(t[2][1]:find("^customers%-v1%-%x+%-%w%w%w%w%w$"), t[2][1])
    -- tabwriter padding 3: the second column starts three blanks after the longest name.
    local width = math.max(#t[2][1], #t[3][1])
    assert.truthy(r.out:find("^NAME" .. string.rep(" ", width + 3 - 4) .. "READY   STATUS"), r.out)
  end)

  it("adds -L label columns and shows the walkthrough's namespace listing", function()
    k("label namespace default istio-injection=enabled")
    local r = k("get namespace -L istio-injection")
    local t = rows(r.out)
    assert.are.same({ "NAME", "STATUS", "AGE", "ISTIO-INJECTION" }, t[1])
    assert.are.same({ "default", "Active", "0s", "enabled" }, t[2])
  end)

  it("prints -o wide, -o name, -o json and -o yaml", function()
    assert.truthy(k("get pods -o wide").out:find("IP%s+NODE%s+NOMINATED NODE%s+READINESS GATES\n"))
    assert.are.equal("service/customers\n", k("get svc customers -o name").out)
    local json = require("cjson").decode(k("get svc customers -o json").out)
    assert.are.equal("Service", json.kind)
    assert.are.equal("customers", json.metadata.name)
    assert.truthy(k("get deploy -o yaml").out:find("^apiVersion: v1\nitems:\n"))
  end)

  it("lists several types with kind/name names", function()
    local r = k("get deploy,svc")
    assert.truthy(r.out:find("\ndeployment.apps/customers%-v1 "), r.out)
    assert.truthy(r.out:find("\n\nNAME%s+TYPE"), r.out)
    assert.truthy(r.out:find("\nservice/customers "), r.out)
  end)

  it("prints Endpoints with their own columns and names (ep, endpoints)", function()
    local pod = kubectl.mesh():pod("deployment/customers-v1")
    for _, word in ipairs({ "ep", "endpoints" }) do
      local t = rows(k("get " .. word).out)
      assert.are.same({ "NAME", "ENDPOINTS", "AGE" }, t[1])
      assert.are.same({ "customers", pod.ip .. ":3000", "0s" }, t[2])
    end
    assert.are.equal("endpoints/customers\n", k("get ep customers -o name").out)
    local r = k("get svc,ep")
    assert.truthy(r.out:find("\n\nNAME%s+ENDPOINTS%s+AGE\nendpoints/customers "), r.out)
  end)

  -- What the endpoints controller writes (pkg/controller/endpoint
  -- syncService, RepackSubsets): the Service's name, namespace and labels,
  -- the last-change-trigger-time (a pod's Ready lastTransitionTime), one
  -- subset of the pods serving the same ports, each address with nodeName
  -- and a Pod targetRef (kind, name, namespace, uid), ports named as the
  -- Service port with the target port resolved on the pod.
  it("prints -o json|yaml of Endpoints as the endpoints controller writes them", function()
    local cjson = require("cjson")
    assert.are.equal(0, k("scale deployment customers-v1 --replicas 2").code)
    local pods = {}
    for _, p in ipairs(kubectl.mesh():get("pods", { selector = "app=customers" })) do
      pods[#pods + 1] = p
    end
    table.sort(pods, function(a, b) return a.ip < b.ip end)
    assert.are.equal(2, #pods)
    local ready_at = cjson.decode(pods[2]:json()).status.conditions[2]
    assert.are.equal("Ready", ready_at.type)
    local ep = cjson.decode(k("get ep customers -o json").out)
    assert.are.equal("v1", ep.apiVersion)
    assert.are.equal("Endpoints", ep.kind)
    assert.are.equal("customers", ep.metadata.name)
    assert.are.equal("default", ep.metadata.namespace)
    assert.are.same({ app = "customers" }, ep.metadata.labels)
    assert.are.same({ ["endpoints.kubernetes.io/last-change-trigger-time"] = ready_at.lastTransitionTime },
      ep.metadata.annotations)
    assert.truthy(ep.metadata.uid:find("^%x+%-%x+%-%x+%-%x+%-%x+$"))
    assert.are_not.equal(kubectl.mesh():find("svc", "customers").uuid, ep.metadata.uid)
    local function address(p)
      return { ip = p.ip, nodeName = p.node,
        targetRef = { kind = "Pod", name = p.name, namespace = "default", uid = p.uuid } }
    end
    assert.are.same({ {
      addresses = { address(pods[1]), address(pods[2]) },
      ports = { { name = "http", port = 3000, protocol = "TCP" } },
    } }, ep.subsets)
    -- -o yaml: the same object through sigs.k8s.io/yaml (keys sorted, lists flush).
    local yaml = k("get ep customers -o yaml").out
    local function has(text)
      assert.truthy(yaml:find(text, 1, true), yaml)
    end
    assert.are.equal("apiVersion: v1\nkind: Endpoints\nmetadata:\n  annotations:\n"
      .. "    endpoints.kubernetes.io/last-change-trigger-time: \"" .. ready_at.lastTransitionTime .. "\"\n",
      yaml:sub(1, #"apiVersion: v1\nkind: Endpoints\nmetadata:\n  annotations:\n"
        + #"    endpoints.kubernetes.io/last-change-trigger-time: \"\"\n" + #ready_at.lastTransitionTime))
    has("\nsubsets:\n- addresses:\n  - ip: " .. pods[1].ip .. "\n    nodeName: " .. pods[1].node
      .. "\n    targetRef:\n      kind: Pod\n      name: " .. pods[1].name .. "\n      namespace: default\n"
      .. "      uid: " .. pods[1].uuid .. "\n  - ip: " .. pods[2].ip .. "\n")
    assert.are.equal("\n  ports:\n  - name: http\n    port: 3000\n    protocol: TCP\n",
      yaml:sub(-#"\n  ports:\n  - name: http\n    port: 3000\n    protocol: TCP\n"))
    -- Several: a List, as for every kind; the mesh's list prints the same.
    local list = cjson.decode(k("get ep -o json").out)
    assert.are.equal("List", list.kind)
    assert.are.same({ "customers", "kubernetes", "web-frontend" },
      { list.items[1].metadata.name, list.items[2].metadata.name, list.items[3].metadata.name })
    assert.are.equal("Endpoints", list.items[2].kind)
    assert.are.same(ep, cjson.decode(kubectl.mesh():get("ep", { name = "customers" }):json()))
    assert.are.equal(k("get ep customers -o yaml").out, kubectl.mesh():get("ep", { name = "customers" }):yaml())
    -- svc,ep: each type as itself.
    list = cjson.decode(k("get svc,ep customers -o json").out)
    assert.are.same({ "Service", "Endpoints" }, { list.items[1].kind, list.items[2].kind })
  end)

  it("lists an unready pod under notReadyAddresses", function()
    k("scale deployment customers-v1 --replicas 2")
    local m = kubectl.mesh()
    local pod = m:pod("deployment/customers-v1")
    m:set_ready(pod, false)
    local ep = require("cjson").decode(k("get ep customers -o json").out)
    assert.are.equal(1, #ep.subsets)
    assert.are.equal(1, #ep.subsets[1].addresses)
    assert.are_not.equal(pod.ip, ep.subsets[1].addresses[1].ip)
    assert.are.same({ { ip = pod.ip, nodeName = pod.node,
      targetRef = { kind = "Pod", name = pod.name, namespace = "default", uid = pod.uuid } } },
      ep.subsets[1].notReadyAddresses)
    assert.are.same({ { name = "http", port = 3000, protocol = "TCP" } }, ep.subsets[1].ports)
    -- formatEndpoints lists ready addresses only: with none ready the cell is
    -- empty, and "<none>" is for an Endpoints with no subsets at all
    for _, p in ipairs(m:pods({ namespace = "default", selector = "app=customers" })) do m:set_ready(p, false) end
    assert.matches("^NAME +ENDPOINTS +AGE\ncustomers +%d+s\n$", k("get ep customers").out)
  end)

  it("gives a headless Service Endpoints, selector-less and ExternalName ones none", function()
    kubectl.mesh():apply_string([[
apiVersion: v1
kind: Service
metadata:
  name: customers-headless
spec:
  clusterIP: None
  selector:
    app: customers
---
apiVersion: v1
kind: Service
metadata:
  name: external-db
spec:
  ports:
  - port: 5432
---
apiVersion: v1
kind: Service
metadata:
  name: docs
spec:
  type: ExternalName
  externalName: docs.example.com
]], "extra.yaml")
    local pod = kubectl.mesh():pod("deployment/customers-v1")
    local ep = require("cjson").decode(k("get ep customers-headless -o json").out)
    -- The controller labels a headless Service's Endpoints, and keeps the
    -- addresses of one without ports in a subset without ports.
    assert.are.same({ ["service.kubernetes.io/headless"] = "" }, ep.metadata.labels)
    assert.are.same({ { addresses = { { ip = pod.ip, nodeName = pod.node,
      targetRef = { kind = "Pod", name = pod.name, namespace = "default", uid = pod.uuid } } } } }, ep.subsets)
    for _, name in ipairs({ "external-db", "docs" } ) do
      local r = k("get ep " .. name .. " -o json")
      assert.are.equal(1, r.code)
      assert.are.equal(('Error from server (NotFound): endpoints "%s" not found\n'):format(name), r.err)
    end
    assert.are.equal("endpoints/customers\nendpoints/customers-headless\nendpoints/kubernetes\n"
      .. "endpoints/web-frontend\n", k("get ep -o name").out)
  end)

  it("lists across namespaces with -A and by label with -l", function()
    local r = k("get svc -A")
    assert.truthy(r.out:find("^NAMESPACE%s+NAME"))
    assert.truthy(r.out:find("\nkube%-system%s+kube%-dns%s"))
    r = k("get pods -l app=customers")
    assert.are.equal(2, #rows(r.out))
  end)

  it("shows labels and drops headers on request", function()
    assert.truthy(k("get svc customers --show-labels").out:find("LABELS\n.*app=customers\n$"))
    assert.falsy(k("get svc --no-headers").out:find("NAME", 1, true))
  end)

  it("says no resources found on stderr", function()
    local r = k("get pods -n istio-system")
    assert.are.equal(0, r.code)
    assert.are.equal("", r.out)
    assert.are.equal("No resources found in istio-system namespace.\n", r.err)
  end)

  it("fails with the API's NotFound text", function()
    local r = k("get deployments nope")
    assert.are.equal(1, r.code)
    assert.are.equal('Error from server (NotFound): deployments.apps "nope" not found\n', r.err)
  end)

  it("fails as kubectl does without a type, with an unknown type, flag or command", function()
    local r = k("get")
    assert.are.equal('You must specify the type of resource to get. Use "kubectl api-resources" for a complete '
      .. "list of supported resources.\n\nerror: Required resource not specified.\n"
      .. 'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\n'
      .. "See 'kubectl get -h' for help and examples\n", r.err)
    assert.are.equal('error: the server doesn\'t have a resource type "frob"\n', k("get frob").err)
    r = k("get pods --frob")
    assert.are.equal(1, r.code)
    assert.are.equal("error: unknown flag: --frob\nSee 'kubectl get --help' for usage.\n", r.err)
    assert.are.equal("error: unknown shorthand flag: 'z' in -z\nSee 'kubectl get --help' for usage.\n",
      k("get pods -z").err)
    assert.are.equal('error: unknown command "frob" for "kubectl"\n', k("frob").err)
    assert.truthy(k("gt pods").err:find('error: unknown command "gt" for "kubectl"\n\nDid you mean this?\n\tget\n', 1, true))
  end)

  it("returns the objects to Lua", function()
    local r = k("get pods")
    local pods = r.values[1]
    assert.are.equal(2, #pods)
    assert.are.equal("Pod", pods[1].kind)
  end)
end)

describe("kubectl scale and rollout restart", function()
  before_each(function()
    fresh()
    k("apply -f " .. APPS)
  end)

  it("scales a deployment and the pods follow", function()
    local r = k("scale deployment customers-v1 --replicas=2")
    assert.are.equal(0, r.code, r.err)
    assert.are.equal("deployment.apps/customers-v1 scaled\n", r.out)
    assert.are.equal(2, #kubectl.mesh():pods({ selector = "app=customers" }))
    assert.are.equal(0, k("scale deploy/customers-v1 --replicas 1").code)
    assert.are.equal(1, #kubectl.mesh():pods({ selector = "app=customers" }))
  end)

  it("requires --replicas and checks --current-replicas", function()
    assert.are.equal("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n",
      k("scale deployment customers-v1").err)
    assert.are.equal("error: Expected replicas to be 3, was 1\n",
      k("scale deployment customers-v1 --replicas=2 --current-replicas=3").err)
    assert.are.equal('Error from server (NotFound): deployments.apps "nope" not found\n',
      k("scale deployment nope --replicas=2").err)
  end)

  it("restarts a deployment: new pods with new names", function()
    local before = kubectl.mesh():pods({ selector = "app=web-frontend" })[1].name
    local r = k("rollout restart deployment/web-frontend")
    assert.are.equal(0, r.code, r.err)
    assert.are.equal("deployment.apps/web-frontend restarted\n", r.out)
    assert.are_not.equal(before, kubectl.mesh():pods({ selector = "app=web-frontend" })[1].name)
  end)

  it("prints rollout's help, and refuses an unknown subcommand as kubectl does", function()
    assert.truthy(k("rollout").out:find("Available Commands:\n  restart     Restart a resource\n", 1, true))
    assert.are.equal("error: unknown command \"frob\"\nSee 'kubectl rollout -h' for help and examples\n",
      k("rollout frob").err)
  end)
end)

describe("kubectl describe", function()
  before_each(function()
    fresh()
    k("label namespace default istio-injection=enabled")
    k("apply -f " .. APPS)
  end)

  it("describes a service with its endpoints", function()
    local r = k("describe svc customers")
    assert.are.equal(0, r.code, r.err)
    local pod = kubectl.mesh():pods({ selector = "app=customers" })[1]
    local svc = kubectl.mesh():find("service", "customers")
    assert.are.equal(table.concat({
      "Name:                     customers",
      "Namespace:                default",
      "Labels:                   app=customers",
      "Annotations:              <none>",
      "Selector:                 app=customers",
      "Type:                     ClusterIP",
      "IP Family Policy:         SingleStack",
      "IP Families:              IPv4",
      "IP:                       " .. svc.cluster_ip,
      "IPs:                      " .. svc.cluster_ip,
      "Port:                     http  80/TCP",
      "TargetPort:               3000/TCP",
      "Endpoints:                " .. pod.ip .. ":3000",
      "Session Affinity:         None",
      "Internal Traffic Policy:  Cluster",
      "Events:                   <none>",
    }, "\n") .. "\n", r.out)
  end)

  it("describes a pod by name prefix, with its containers and the sidecar", function()
    local r = k("describe pods customers")
    assert.are.equal(0, r.code, r.err)
    local pod = kubectl.mesh():pods({ selector = "app=customers" })[1]
    assert.truthy(r.out:find("^Name:             " .. pod.name:gsub("%-", "%%-") .. "\n"))
    assert.truthy(r.out:find("\nLabels:           app=customers\n                  pod%-template%-hash="))
    assert.truthy(r.out:find("\nIPs:\n  IP:           " .. pod.ip:gsub("%.", "%%.") .. "\nControlled By:  ReplicaSet/customers%-v1%-"))
    assert.truthy(r.out:find("\n  svc:\n    Image:          gcr.io/tetratelabs/customers:1.0.0\n    Port:           3000/TCP\n", 1, true))
    assert.truthy(r.out:find("\n  istio-proxy:\n    Image:          docker.io/istio/proxyv2:1.10.3\n", 1, true))
    assert.truthy(r.out:find("\nConditions:\n  Type              Status\n  Initialized       True \n", 1, true))
    assert.truthy(r.out:find("\nEvents:             <none>\n$"))
  end)

  it("shows a container's environment", function()
    local r = k("describe pod -l app=web-frontend")
    assert.truthy(r.out:find("\n    Environment:\n      CUSTOMER_SERVICE_URL:  http://customers.default.svc.cluster.local\n", 1, true), r.out)
  end)

  it("fails with NotFound or without a type", function()
    assert.are.equal('Error from server (NotFound): services "nope" not found\n', k("describe svc nope").err)
    assert.are.equal('error: You must specify the type of resource to describe. Use "kubectl api-resources" for a '
      .. "complete list of supported resources.\n", k("describe").err)
  end)
end)

describe("the kubectl global", function()
  before_each(fresh)

  it("prints like kubectl and returns the objects", function()
    local path = process.temp_file([[
require("meshlua.kubectl").use(meshlua.mesh({ profile = "seed" }))
local changes = kubectl("label namespace default istio-injection=enabled")
print(#changes, changes[1].action)
local ok, err = pcall(kubectl, "get deploy nope")
print(ok, tostring(err), err.code)
]])
    local r = process.meshlua({ path })
    os.remove(path)
    assert.are.equal(0, r.code, r.stderr)
    assert.are.equal("namespace/default labeled\n1\tlabeled\n"
      .. 'false\tError from server (NotFound): deployments.apps "nope" not found\t1\n', r.stdout)
  end)

  it("stops a script that does not catch a failing command, with kubectl's text", function()
    local r = process.meshlua({ "-e", "kubectl 'get pods --frob'" })
    assert.are.equal(1, r.code)
    assert.truthy(r.stderr:find("error: unknown flag: --frob\nSee 'kubectl get --help' for usage.", 1, true), r.stderr)
  end)

  it("checks its argument's type", function()
    local ok, err = pcall(kubectl.exec, 42)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("bad argument #1 to 'exec' (string or list of words expected, got number)", 1, true))
    ok, err = pcall(_G.kubectl, 42)
    assert.truthy(tostring(err):find("bad argument #1 to 'kubectl' (string expected, got number)", 1, true))
  end)

  it("reports an unterminated quote as a shell would", function()
    local r = k([[get pods "x]])
    assert.are.equal(2, r.code)
    assert.are.equal("kubectl: unexpected EOF while looking for matching `\"'\n", r.err)
  end)
end)

describe("kubectl lines in the REPL", function()
  it("print exactly what kubectl prints, errors included, and nothing twice", function()
    local r = process.meshlua({}, { stdin = table.concat({
      "kubectl label namespace default istio-injection=enabled",
      "kubectl get deploy nope",
      "kubectl get ns default",
      "print('after')",
    }, "\n") .. "\n" })
    assert.are.equal("namespace/default labeled\n"
      .. "NAME      STATUS   AGE\ndefault   Active   0s\n"
      .. "after\n", r.stdout)
    assert.are.equal('Error from server (NotFound): deployments.apps "nope" not found\n', r.stderr)
  end)

  it("stay Lua when written as a call, returning the objects", function()
    local r = process.meshlua({}, { stdin = 'x = kubectl "get ns default"\nprint(#x, x[1].name)\n' })
    assert.are.equal("NAME      STATUS   AGE\ndefault   Active   0s\n1\tdefault\n", r.stdout)
  end)
end)
