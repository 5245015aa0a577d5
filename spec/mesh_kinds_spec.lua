-- Every kind the simulated cluster knows, applied from one manifest
-- (spec/fixtures/mesh/all-kinds.yaml) and read back with kubectl's columns
-- (pkg/printers/internalversion/printers.go; the Istio CRDs' printer
-- columns), five hours and two minutes later on the mesh clock.
local FIXTURE = "spec/fixtures/mesh/all-kinds.yaml"

local function table_of(m, kind, opts)
  opts = opts or {}
  opts.namespace = opts.namespace or "shop"
  return tostring(m:get(kind, opts))
end

describe("mesh kinds", function()
  local m

  setup(function()
    m = meshlua.mesh()
    m:apply(FIXTURE)
    m:advance(5 * 3600 + 125)
  end)

  it("reports one created line per object, in file order, as kubectl apply does", function()
    local fresh = meshlua.mesh()
    assert.are.equal(table.concat({
      "namespace/shop created",
      "serviceaccount/reviews created",
      "service/reviews created",
      "deployment.apps/reviews-v1 created",
      "statefulset.apps/db created",
      "service/db created",
      "daemonset.apps/log-agent created",
      "pod/toolbox created",
      "service/shop-edge created",
      "service/payments created",
      "virtualservice.networking.istio.io/reviews created",
      "destinationrule.networking.istio.io/reviews created",
      "gateway.networking.istio.io/shop-gateway created",
      "serviceentry.networking.istio.io/payments-api created",
      "sidecar.networking.istio.io/default created",
      "peerauthentication.security.istio.io/default created",
    }, "\n") .. "\n", tostring(fresh:apply(FIXTURE)))
  end)

  it("prints Services of every type: headless, LoadBalancer with node ports, ExternalName", function()
    assert.are.equal([[
NAME        TYPE           CLUSTER-IP   EXTERNAL-IP            PORT(S)                      AGE    SELECTOR
db          ClusterIP      None         <none>                 5432/TCP                     5h2m   app=db
payments    ExternalName   <none>       payments.example.com   <none>                       5h2m   <none>
reviews     ClusterIP      10.43.0.2    <none>                 9080/TCP                     5h2m   app=reviews
shop-edge   LoadBalancer   10.43.0.3    <pending>              80:30080/TCP,443:30000/TCP   5h2m   app=reviews
]], table_of(m, "svc", { wide = true }))
  end)

  it("runs a Deployment's replicas, a StatefulSet's ordinals, a DaemonSet's one pod and a bare Pod", function()
    assert.are.equal([[
NAME                          READY   STATUS    RESTARTS   AGE
db-0                          2/2     Running   0          5h2m
db-1                          2/2     Running   0          5h2m
log-agent-qds5c               1/1     Running   0          5h2m
reviews-v1-57d65c8b79-8nqgh   2/2     Running   0          5h2m
reviews-v1-57d65c8b79-b69jv   2/2     Running   0          5h2m
toolbox                       2/2     Running   0          5h2m
]], table_of(m, "pods"))
    assert.are.equal([[
NAME         READY   UP-TO-DATE   AVAILABLE   AGE
reviews-v1   2/2     2            2           5h2m
]], table_of(m, "deployments"))
    assert.are.equal([[
NAME   READY   AGE    CONTAINERS   IMAGES
db     2/2     5h2m   postgres     postgres:13
]], table_of(m, "statefulsets", { wide = true }))
    assert.are.equal([[
NAME        DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE
log-agent   1         1         1       1            1           <none>          5h2m
]], table_of(m, "daemonsets"))
  end)

  it("lists endpoints per port, named target ports resolved, at most three then + N more", function()
    assert.are.equal([[
NAME        ENDPOINTS                                                  AGE
db          10.42.0.5:5432,10.42.0.6:5432                              5h2m
reviews     10.42.0.3:9080,10.42.0.4:9080                              5h2m
shop-edge   10.42.0.3:9080,10.42.0.4:9080,10.42.0.3:9080 + 1 more...   5h2m
]], table_of(m, "endpoints"))
  end)

  it("prints the Istio kinds with their CRDs' printer columns", function()
    assert.are.equal([[
NAME      GATEWAYS   HOSTS         AGE
reviews              ["reviews"]   5h2m
]], table_of(m, "virtualservices"))
    assert.are.equal([[
NAME      HOST                             AGE
reviews   reviews.shop.svc.cluster.local   5h2m
]], table_of(m, "dr"))
    assert.are.equal("NAME           AGE\nshop-gateway   5h2m\n", table_of(m, "gw"))
    assert.are.equal([[
NAME           HOSTS                          LOCATION        RESOLUTION   AGE
payments-api   ["api.payments.example.com"]   MESH_EXTERNAL   DNS          5h2m
]], table_of(m, "serviceentries"))
    assert.are.equal("NAME      AGE\ndefault   5h2m\n", table_of(m, "sidecars"))
    assert.are.equal("NAME      MODE     AGE\ndefault   STRICT   5h2m\n", table_of(m, "pa"))
    assert.are.equal("NAME      SECRETS   AGE\nreviews   0         5h2m\n", table_of(m, "sa"))
  end)

  it("keeps each Istio object's manifest with the API version it was applied at", function()
    local vs = m:find("vs", "reviews", "shop")
    local dr = m:find("destinationrule", "reviews", "shop")
    local gw = m:find("gateway", "shop-gateway", "shop")
    assert.are.equal("networking.istio.io/v1alpha3", vs.api_version)
    assert.are.equal("networking.istio.io/v1beta1", dr.api_version)
    assert.are.equal("networking.istio.io/v1", gw.api_version)
    assert.are.equal(90, vs.spec.http[1].route[1].weight)
    assert.are.equal("v2", dr.spec.subsets[2].name)
    assert.are.equal("spec/fixtures/mesh/all-kinds.yaml", vs.source)
    assert.are.equal(132, vs.line) -- its apiVersion line
  end)

  it("gives pods their workload's labels, containers, service account and owner", function()
    local pod = m:pod("deployment/reviews-v1", "shop")
    assert.are.equal("v1", pod.labels.version)
    assert.are.equal(pod.template_hash, pod.labels["pod-template-hash"])
    assert.are.equal("reviews", pod.service_account)
    assert.are.equal("Deployment", pod.owner_kind)
    assert.are.equal("reviews-v1", pod.owner_name)
    assert.are.equal("reviews-v1-" .. pod.template_hash, pod.replica_set)
    assert.are.equal("http-web", pod.containers[1].ports[1].name)
    local db0 = m:find("pod", "db-0", "shop")
    assert.are.equal("db-0", db0.labels["statefulset.kubernetes.io/pod-name"])
    assert.is_not_nil(db0.labels["controller-revision-hash"])
  end)
end)
