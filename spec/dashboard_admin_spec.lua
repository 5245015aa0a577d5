-- The Envoy admin interface served for a proxy (meshlua.serve_admin), checked
-- with real HTTP clients (Debian's curl, and meshlua.fetch) against what the
-- served dump says and Envoy's formats (../shared/reference/envoy.md §1).
local cjson = require("cjson")
local http = require("spec.helpers.http")

local DUMP = "../shared/fixtures/istioctl/proxyconfig/config_dump.json"
local SIDECAR = "../shared/fixtures/istioctl/compare/configdump.json"

local read = require("spec.helpers.process").read_file

local function short_type(t)
  return (t:gsub("^type%.googleapis%.com/envoy%.admin%.v3%.", ""))
end

describe("the Envoy admin interface", function()
  local proxy, server, base, dump

  setup(function()
    dump = cjson.decode(read(DUMP))
    proxy = meshlua.load(DUMP)
    server = meshlua.serve_admin(proxy, { port = 0 })
    base = server.url
  end)

  teardown(function()
    server:close()
  end)

  local function get(path, opts)
    return http.request(base .. path, opts)
  end

  it("listens on 127.0.0.1 by default, on the port it picked", function()
    assert.are.equal("127.0.0.1", server.address)
    assert.is_true(server.port > 0)
    assert.are.equal("http://127.0.0.1:" .. server.port, server.url)
    assert.are.equal("admin", server.kind)
    assert.are.equal(proxy, server.proxy)
  end)

  it("answers each endpoint with Envoy's status and content type", function()
    local cases = {
      { "/", 200, "text/html" },
      { "/help", 200, "text/plain" },
      { "/ready", 200, "text/plain" },
      { "/server_info", 200, "application/json" },
      { "/config_dump", 200, "application/json" },
      { "/config_dump?include_eds", 200, "application/json" },
      { "/clusters", 200, "text/plain" },
      { "/clusters?format=json", 200, "application/json" },
      { "/listeners", 200, "text/plain" },
      { "/listeners?format=json", 200, "application/json" },
      { "/stats", 200, "text/plain" },
      { "/stats?format=json", 200, "application/json" },
      { "/stats/prometheus", 200, "text/plain; version=0.0.4" },
      { "/certs", 200, "application/json" },
      { "/runtime", 200, "application/json" },
      { "/memory", 200, "application/json" },
      { "/no_such_page", 404, "text/plain" },
    }
    for _, c in ipairs(cases) do
      local r = get(c[1])
      assert.are.equal(c[2], r.status, c[1])
      assert.are.equal(c[3], r.content_type:sub(1, #c[3]), c[1])
      assert.truthy(r.headers:lower():find("x-content-type-options: nosniff", 1, true), c[1])
    end
  end)

  it("lists the handlers on the home page and /help, sorted, and 404s as Envoy", function()
    local home = get("/").body
    for _, h in ipairs({ "config_dump", "clusters", "listeners", "stats", "server_info" }) do
      assert.truthy(home:find('<a href="' .. h .. '">' .. h .. "</a>", 1, true), h)
    end
    assert.truthy(home:find('<form action="reset_counters" method="post">', 1, true))
    local help = get("/help").body
    assert.are.equal("admin commands are:", help:match("^[^\n]*"))
    local prefixes = {}
    for p in help:gmatch("\n  (/[%w_/]*)") do prefixes[#prefixes + 1] = p end
    local sorted = { table.unpack(prefixes) }
    table.sort(sorted)
    assert.are.same(sorted, prefixes)
    assert.truthy(help:find("\n  /reset_counters (POST): reset all counters to zero\n", 1, true))
    local missing = get("/nope")
    assert.are.equal("invalid path. " .. help, missing.body)
  end)

  it("escapes the dump's name for HTML on the home page", function()
    local path = os.tmpname() .. [[-<b>&'x".json]]
    local f = assert(io.open(path, "wb"))
    f:write(read(DUMP))
    f:close()
    local s = meshlua.serve_admin(meshlua.load(path), { port = 0 })
    local home = http.request(s.url .. "/").body
    s:close()
    os.remove(path)
    local escaped = path:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub("'", "&#39;")
      :gsub('"', "&quot;")
    assert.truthy(home:find(" &middot; " .. escaped .. "</div>", 1, true))
    assert.falsy(home:find("<b>", 1, true))
  end)

  it("says LIVE on /ready", function()
    assert.are.equal("LIVE\n", get("/ready").body)
  end)

  it("requires POST for /reset_counters", function()
    local r = get("/reset_counters")
    assert.are.equal(405, r.status)
    assert.are.equal(200, get("/reset_counters", { method = "POST" }).status)
  end)

  it("reports the bootstrap node in /server_info", function()
    local info = cjson.decode(get("/server_info").body)
    assert.are.equal("LIVE", info.state)
    assert.are.equal(dump.configs[1].bootstrap.node.id, info.node.id)
    assert.truthy(info.version:match("^%x+/%d+%.%d+%.%d+/Clean/RELEASE/BoringSSL$"))
    assert.truthy(info.uptime_current_epoch:match("^%d+s$"))
  end)

  -- /certs: a sidecar's TLS contexts (compare/configdump.json's listeners and
  -- clusters, which name the SDS secrets "default" and "ROOTCA") with the
  -- secrets of writer-configdump/secret/istio, whose istioctl golden gives
  -- each certificate's serial and dates.
  local SECRETS = "../shared/fixtures/istioctl/writer-configdump/secret/istio/"
  local CONTEXTS = "../shared/fixtures/istioctl/compare/configdump.json"

  local function certs_dump(edit)
    local d = cjson.decode(read(CONTEXTS))
    local secrets = cjson.decode(read(SECRETS .. "config_dump.json")).configs[1]
    if edit then edit(d, secrets) end
    d.configs[#d.configs + 1] = secrets
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    f:write(cjson.encode(d))
    f:close()
    return path
  end

  local function serve_certs(path)
    local s = meshlua.serve_admin(meshlua.load(path), { port = 0 })
    local r = http.request(s.url .. "/certs")
    s:close()
    os.remove(path)
    return r
  end

  -- The golden's row of a secret: serial, NOT AFTER, NOT BEFORE.
  local function golden(name)
    for line in io.lines(SECRETS .. "output") do
      local cells = {}
      for cell in (line .. "  "):gmatch("(.-)  +") do cells[#cells + 1] = cell end
      if cells[1] == name and #cells >= 7 then
        return { serial = cells[5], not_after = cells[6], not_before = cells[7] }
      end
    end
  end

  local function unix_utc(rfc3339)
    local y, mo, d, h, mi, s = rfc3339:match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)Z$")
    y, mo = tonumber(y), tonumber(mo)
    if mo <= 2 then y = y - 1 end
    local era = y // 400
    local yoe = y - era * 400
    local doy = (153 * (mo + (mo > 2 and -3 or 9)) + 2) // 5 + tonumber(d) - 1
    local days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    return days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s)
  end

  -- Envoy's days_until_expiration: whole days left, 0 once expired; the
  -- range covers a day boundary passed during the request.
  local function assert_days(details, t0, t1)
    local left = function(t) return math.max(0, (unix_utc(details.expiration_time) - t) // 86400) end
    local got = tonumber(details.days_until_expiration)
    assert.is_true(got <= left(t0) and got >= left(t1), details.days_until_expiration)
  end

  local function count_tls_sockets(node, n)
    n = n or 0
    if type(node) == "table" then
      local t = node["@type"]
      if type(t) == "string" and (t:find("%.UpstreamTlsContext$") or t:find("%.DownstreamTlsContext$")) then
        n = n + 1
      end
      for _, v in pairs(node) do n = count_tls_sockets(v, n) end
    end
    return n
  end

  it("reports each TLS context's certificates in /certs, as Envoy's handlerCerts", function()
    local t0 = os.time()
    local r = serve_certs(certs_dump())
    local t1 = os.time()
    assert.are.equal(200, r.status)
    assert.are.equal("application/json", r.content_type)
    -- protobuf's printer: one space a level, < and > escaped, fields in
    -- admin.v3's order, int64 as a JSON string
    assert.truthy(r.body:find('^{\n "certificates": %[\n  {\n   "ca_cert": %[\n    {\n     "path": "\\u003cinline\\u003e",\n     "serial_number": '), r.body)
    local order = { '"path"', '"serial_number"', '"subject_alt_names"', '"days_until_expiration": "',
      '"valid_from"', '"expiration_time"', '"cert_chain"' }
    local at = 0
    for _, key in ipairs(order) do
      local next_at = r.body:find(key, at + 1, true)
      assert.truthy(next_at and next_at > at, key)
      at = next_at
    end
    local certs = cjson.decode(r.body).certificates
    assert.are.equal(count_tls_sockets(cjson.decode(read(CONTEXTS))), #certs)
    local root, leaf = golden("ROOTCA"), golden("default")
    for _, c in ipairs(certs) do
      assert.are.equal(1, #c.ca_cert)
      assert.are.equal(1, #c.cert_chain) -- the leaf only, not the chain's root
      local ca, cert = c.ca_cert[1], c.cert_chain[1]
      assert.are.equal("<inline>", ca.path)
      assert.are.equal(root.serial, ca.serial_number)
      assert.are.equal(root.not_before, ca.valid_from)
      assert.are.equal(root.not_after, ca.expiration_time)
      assert.are.same({}, ca.subject_alt_names) -- the root has none (openssl x509 -ext)
      assert_days(ca, t0, t1)
      assert.is_true(tonumber(ca.days_until_expiration) > 0)
      assert.are.equal("<inline>", cert.path)
      assert.are.equal(leaf.serial, cert.serial_number)
      assert.are.equal(leaf.not_before, cert.valid_from)
      assert.are.equal(leaf.not_after, cert.expiration_time)
      assert.are.equal("0", cert.days_until_expiration) -- expired in 2023
      assert.are.same({ { uri = "spiffe://cluster.local/ns/ambient/sa/namespace-istio-waypoint" } },
        cert.subject_alt_names)
      assert.is_nil(cert.ocsp_details)
    end
  end)

  it("leaves out /certs contexts whose SDS secrets have not arrived, as Envoy has none yet", function()
    local r = serve_certs(certs_dump(function(_, secrets)
      table.remove(secrets.dynamic_active_secrets, 2) -- ROOTCA
    end))
    assert.are.equal(200, r.status)
    assert.are.same({}, cjson.decode(r.body).certificates)
    assert.truthy(r.body:find('"certificates": []', 1, true))
  end)

  it("names a certificate file in /certs, with details when the file reads here", function()
    local pem_path = os.tmpname()
    local b64 = cjson.decode(read(SECRETS .. "config_dump.json")).configs[1]
      .dynamic_active_secrets[1].secret.tls_certificate.certificate_chain.inline_bytes
    local f = assert(io.open(pem_path, "wb"))
    f:write((require("meshlua.proxyconfig.secrets").base64_decode(b64)))
    f:close()
    local r = serve_certs(certs_dump(function(d)
      local clusters = d.configs[1]
      clusters.static_clusters = clusters.static_clusters or {}
      table.insert(clusters.static_clusters, {
        cluster = {
          ["@type"] = "type.googleapis.com/envoy.config.cluster.v3.Cluster",
          name = "tls-files", type = "STATIC", connect_timeout = "1s",
          transport_socket = { name = "envoy.transport_sockets.tls", typed_config = {
            ["@type"] = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
            common_tls_context = {
              tls_certificates = { { certificate_chain = { filename = pem_path } } },
              validation_context = { trusted_ca = { filename = "/no/such/root-cert.pem" } },
            } } },
        },
      })
    end))
    os.remove(pem_path)
    local files
    for _, c in ipairs(cjson.decode(r.body).certificates) do
      if c.cert_chain[1] and c.cert_chain[1].path == pem_path then files = c end
    end
    assert.truthy(files, r.body)
    assert.are.equal(golden("default").serial, files.cert_chain[1].serial_number)
    -- handlerCerts prints with always_print_primitive_fields
    assert.are.same({ { path = "/no/such/root-cert.pem", serial_number = "", subject_alt_names = {},
      days_until_expiration = "0" } }, files.ca_cert)
  end)

  it("serves a synthesized proxy's certificates in /certs, as proxy-config secret reads them", function()
    local mesh = meshlua.mesh { profile = "seed" }
    mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
    mesh:apply("examples/bigbang-cluster.yaml")
    mesh:apply("examples/envoy-demo-apps.yaml")
    local p = mesh:proxy("deployment/customers-v1")
    local s <close> = mesh:serve_admin(p, { port = 0 })
    local certs = cjson.decode(http.request(s.url .. "/certs").body).certificates
    local want = {}
    for _, item in ipairs(p:secrets()) do want[item.name] = item end
    -- istioctl's %032x against Envoy's serial without leading zero bytes
    local function pad32(hex) return ("0"):rep(32 - #hex) .. hex end
    assert.is_true(#certs > 0)
    for _, c in ipairs(certs) do
      local leaf, ca = c.cert_chain[1], c.ca_cert[1]
      assert.are.equal(want.default.serial, pad32(leaf.serial_number))
      assert.are.equal(want.default.not_after, leaf.expiration_time)
      assert.are.equal(want.ROOTCA.serial, pad32(ca.serial_number))
      assert.are.equal(want.ROOTCA.not_before, ca.valid_from)
      assert.truthy(leaf.subject_alt_names[1].uri:find("^spiffe://cluster%.local/ns/default/sa/"))
    end
  end)

  it("dumps the configs in Envoy's order, endpoints only with include_eds", function()
    local want, want_eds = {}, {}
    for _, c in ipairs(dump.configs) do
      local t = short_type(c["@type"])
      want_eds[#want_eds + 1] = t
      if t ~= "EndpointsConfigDump" then want[#want + 1] = t end
    end
    local got = {}
    for _, c in ipairs(cjson.decode(get("/config_dump").body).configs) do
      got[#got + 1] = short_type(c["@type"])
    end
    assert.are.same(want, got)
    local with_eds = cjson.decode(get("/config_dump?include_eds").body)
    got = {}
    for _, c in ipairs(with_eds.configs) do got[#got + 1] = short_type(c["@type"]) end
    assert.are.same(want_eds, got)
    -- the resources themselves are the dump's
    assert.are.same(dump.configs[2], cjson.decode(get("/config_dump").body).configs[2])
  end)

  it("returns each element of a repeated field with ?resource=", function()
    local r = cjson.decode(get("/config_dump?resource=static_clusters").body)
    assert.are.equal(#dump.configs[2].static_clusters, #r.configs)
    for i, el in ipairs(r.configs) do
      assert.are.equal("type.googleapis.com/envoy.admin.v3.ClustersConfigDump.StaticCluster",
        el["@type"])
      assert.are.same(dump.configs[2].static_clusters[i].cluster, el.cluster)
    end
    -- a field the dump leaves out (empty) is still a field: no configs
    local warming = get("/config_dump?resource=dynamic_warming_clusters")
    assert.are.equal(200, warming.status)
    assert.are.equal("{}\n", warming.body) -- no configs: the empty repeated field left out
  end)

  it("trims with ?mask=, inside the Any with ?resource=", function()
    local r = cjson.decode(get("/config_dump?resource=static_clusters&mask=cluster.name").body)
    for i, el in ipairs(r.configs) do
      assert.are.same({ ["@type"] = "type.googleapis.com/envoy.config.cluster.v3.Cluster",
        name = dump.configs[2].static_clusters[i].cluster.name }, el.cluster)
      assert.is_nil(el.last_updated)
    end
    -- without resource the mask applies to each dump; dumps it does not fit are left out
    local m = cjson.decode(get("/config_dump?mask=static_clusters").body)
    assert.are.equal(1, #m.configs)
    assert.are.equal("ClustersConfigDump", short_type(m.configs[1]["@type"]))
    assert.is_nil(m.configs[1].dynamic_active_clusters)
    assert.are.same(dump.configs[2].static_clusters, m.configs[1].static_clusters)
    local bad = get("/config_dump?mask=no_such_field")
    assert.are.equal(400, bad.status)
    assert.are.equal("FieldMask no_such_field could not be successfully applied to any configs.",
      bad.body)
    local bad_inner = get("/config_dump?resource=static_clusters&mask=nope")
    assert.are.equal(400, bad_inner.status)
    assert.are.equal('FieldMask paths: "nope"\n could not be successfully used.', bad_inner.body)
    -- masks that cannot be used are refused, never a server error
    for _, m in ipairs({ "a..b", "cluster.", ("x,"):rep(40) .. "x" }) do
      assert.are.equal(400, get("/config_dump?mask=" .. m).status, m)
      assert.are.equal(400, get("/config_dump?resource=static_clusters&mask=" .. m).status, m)
    end
  end)

  it("answers a non-repeated or unknown resource as Envoy does", function()
    local r = get("/config_dump?resource=bootstrap")
    assert.are.equal(400, r.status)
    assert.are.equal("bootstrap is not a repeated field. Use ?mask=bootstrap to get only this field",
      r.body)
    r = get("/config_dump?resource=nope")
    assert.are.equal(404, r.status)
    assert.are.equal("nope not found in config dump", r.body)
  end)

  it("filters by a full match of ?name_regex=", function()
    local r = cjson.decode(get("/config_dump?name_regex=agent").body)
    local clusters = r.configs[2]
    assert.are.equal(1, #clusters.static_clusters)
    assert.are.equal("agent", clusters.static_clusters[1].cluster.name)
    -- emptied repeated fields are left out, as protobuf's printer does
    assert.is_nil(clusters.dynamic_active_clusters)
    -- a full match: "gent" alone matches nothing
    r = cjson.decode(get("/config_dump?name_regex=gent").body)
    assert.is_nil(r.configs[2].static_clusters)
    r = cjson.decode(get("/config_dump?name_regex=.*httpbin.*").body)
    assert.are.equal(1, #r.configs[2].dynamic_active_clusters)
    local bad = get("/config_dump?name_regex=(")
    assert.are.equal(400, bad.status)
    assert.truthy(bad.body:find("Error while parsing name_regex from (", 1, true))
  end)

  it("lists clusters and their hosts in /clusters text, as Envoy's clusters_handler", function()
    local text = get("/clusters").body
    local lines = {}
    for l in text:gmatch("[^\n]+") do lines[l] = true end
    for _, c in ipairs(dump.configs[2].static_clusters) do
      local n = c.cluster.name
      assert.is_true(lines[n .. "::observability_name::" .. n], n)
      assert.is_true(lines[n .. "::added_via_api::false"], n)
      assert.is_true(lines[n .. "::default_priority::max_connections::1024"], n)
      assert.is_true(lines[n .. "::high_priority::max_retries::3"], n)
      local sa = c.cluster.load_assignment.endpoints[1].lb_endpoints[1].endpoint.address.socket_address
      local host = ("%s::%s:%d"):format(n, sa.address, math.tointeger(sa.port_value))
      assert.is_true(lines[host .. "::health_flags::healthy"], host)
      assert.is_true(lines[host .. "::rq_total::0"], host)
      assert.is_true(lines[host .. "::weight::1"], host)
    end
    local dyn = dump.configs[2].dynamic_active_clusters[1].cluster.name
    assert.is_true(lines[dyn .. "::added_via_api::true"])
    assert.is_true(lines[dyn .. "::eds_service_name::" .. dyn])
  end)

  it("reports admin.v3.Clusters with ?format=json", function()
    local j = cjson.decode(get("/clusters?format=json").body)
    local byname = {}
    for _, cs in ipairs(j.cluster_statuses) do byname[cs.name] = cs end
    local agent = byname.agent
    assert.is_nil(agent.added_via_api)
    assert.are.equal("agent", agent.observability_name)
    assert.are.same({ socket_address = { address = "127.0.0.1", port_value = 15020 } },
      agent.host_statuses[1].address)
    assert.are.equal("HEALTHY", agent.host_statuses[1].health_status.eds_health_status)
    assert.are.equal(2, #agent.circuit_breakers.thresholds)
    assert.are.equal("HIGH", agent.circuit_breakers.thresholds[2].priority)
    assert.is_true(byname[dump.configs[2].dynamic_active_clusters[1].cluster.name].added_via_api)
  end)

  it("lists listeners with their socket address", function()
    local sidecar = meshlua.load(SIDECAR)
    local s <close> = meshlua.serve_admin(sidecar, { port = 0 })
    local want, want_json = {}, {}
    for _, dl in ipairs(cjson.decode(read(SIDECAR)).configs[2].dynamic_listeners) do
      local sa = (dl.active_state.listener.address or {}).socket_address
      if sa then
        want[#want + 1] = ("%s::%s:%d\n"):format(dl.name, sa.address, math.tointeger(sa.port_value))
        want_json[#want_json + 1] = { name = dl.name, local_address = { socket_address = sa } }
      end
    end
    assert.is_true(#want > 0)
    assert.are.equal(table.concat(want), http.request(s.url .. "/listeners").body)
    local j = cjson.decode(http.request(s.url .. "/listeners?format=json").body)
    assert.are.same(want_json, j.listener_statuses)
  end)

  it("counts requests resolved through the proxy in /stats, /stats/prometheus and /clusters", function()
    local cluster = "agent"
    local before = get("/stats?filter=^cluster%5C.agent%5C.").body
    assert.truthy(before:find("cluster.agent.upstream_rq_total: 0\n", 1, true))
    for _ = 1, 3 do
      proxy:count_request { listener = "0.0.0.0_15021", stat_prefix = "agent",
        cluster = cluster, host = "127.0.0.1:15020", status = 200, flags = "" }
    end
    proxy:count_request { listener = "0.0.0.0_15021", stat_prefix = "agent", status = 404,
      flags = "NR" }
    local stats = get("/stats").body
    assert.truthy(stats:find("cluster.agent.upstream_rq_total: 3\n", 1, true))
    assert.truthy(stats:find("cluster.agent.upstream_rq_200: 3\n", 1, true))
    assert.truthy(stats:find("cluster.agent.upstream_rq_2xx: 3\n", 1, true))
    assert.truthy(stats:find("http.agent.downstream_rq_total: 4\n", 1, true))
    assert.truthy(stats:find("http.agent.downstream_rq_2xx: 3\n", 1, true))
    assert.truthy(stats:find("http.agent.downstream_rq_4xx: 1\n", 1, true))
    assert.truthy(stats:find("http.agent.no_route: 1\n", 1, true))
    assert.truthy(stats:find("listener.0.0.0.0_15021.downstream_cx_total: 4\n", 1, true))
    assert.are.equal(3, server:stat("cluster.agent.upstream_rq_total"))
    assert.are.equal(3, proxy:stat("cluster.agent.upstream_rq_total"))
    -- text is sorted by name
    local names = {}
    for n in stats:gmatch("([^\n:]+): %d+\n") do names[#names + 1] = n end
    local sorted = { table.unpack(names) }
    table.sort(sorted)
    assert.are.same(sorted, names)
    local prom = get("/stats/prometheus").body
    assert.truthy(prom:find("# TYPE envoy_cluster_upstream_rq_total counter\n", 1, true))
    assert.truthy(prom:find('envoy_cluster_upstream_rq_total{envoy_cluster_name="agent"} 3\n', 1, true))
    assert.truthy(prom:find('envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="agent"} 3\n', 1, true))
    assert.truthy(prom:find('envoy_http_no_route{envoy_http_conn_manager_prefix="agent"} 1\n', 1, true))
    assert.truthy(prom:find("# TYPE envoy_server_live gauge\nenvoy_server_live 1\n", 1, true))
    local clusters = get("/clusters").body
    assert.truthy(clusters:find("agent::127.0.0.1:15020::rq_total::3\n", 1, true))
    assert.truthy(clusters:find("agent::127.0.0.1:15020::rq_success::3\n", 1, true))
    local js = cjson.decode(get("/stats?format=json").body)
    local found
    for _, s in ipairs(js.stats) do
      if s.name == "cluster.agent.upstream_rq_total" then found = s.value end
    end
    assert.are.equal(3, found)
    -- usedonly keeps what was counted
    local used = get("/stats?usedonly").body
    assert.falsy(used:find(": 0\n", 1, true))
    -- POST /reset_counters zeroes them
    get("/reset_counters", { method = "POST" })
    assert.are.equal(0, server:stat("cluster.agent.upstream_rq_total"))
  end)

  it("counts each proxy:resolve through the proxy", function()
    -- a real sidecar's listeners: 0.0.0.0_80 hands HTTP to its connection manager
    local sidecar = meshlua.load("../shared/fixtures/istioctl/authz/configdump.yaml")
    local s <close> = meshlua.serve_admin(sidecar, { port = 0 })
    local function stat(name)
      local body = http.request(s.url .. "/stats?filter=" .. name:gsub("%.", "%%5C.")).body
      return tonumber(body:match(name:gsub("%p", "%%%0") .. ": (%d+)\n"))
    end
    assert.are.equal(0, stat("listener.0.0.0.0_80.downstream_cx_total"))
    for i = 1, 3 do
      sidecar:resolve { address = "10.96.0.10", port = 80, url = "http://httpbin.default/" }
      assert.are.equal(i, stat("listener.0.0.0.0_80.downstream_cx_total"))
      assert.are.equal(i, stat("http.outbound_0.0.0.0_80.downstream_rq_total"))
    end
  end)

  -- A sidecar dump whose clusters and endpoints agree, as a live Envoy's do:
  -- the listeners and routes of a real sidecar dump, and one EDS cluster per
  -- ClusterLoadAssignment of the real EDS dump of istioctl's tests.
  local function consistent_dump()
    local sidecar = cjson.decode(read(SIDECAR))
    local eds = cjson.decode(read("../shared/fixtures/istioctl/writer-configdump/endpoint/configdump.json"))
    local clusters = { ["@type"] = "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
      dynamic_active_clusters = {} }
    clusters.static_clusters = {}
    for _, e in ipairs(eds.configs[1].static_endpoint_configs or {}) do
      local cla = e.endpoint_config
      -- pipe hosts (xds-grpc, sds-grpc) are left out: the endpoints view
      -- prints them differently from EDS and from /clusters (a views matter)
      local ep = cla.endpoints and cla.endpoints[1] and cla.endpoints[1].lb_endpoints[1]
      local first = ep and ep.endpoint.address or {}
      if first.socket_address then
      clusters.static_clusters[#clusters.static_clusters + 1] = {
        cluster = { ["@type"] = "type.googleapis.com/envoy.config.cluster.v3.Cluster",
          name = cla.cluster_name, type = "STATIC", load_assignment = cla },
      }
      else
        e.skip = true
      end
    end
    local kept = {}
    for _, e in ipairs(eds.configs[1].static_endpoint_configs or {}) do
      if not e.skip then kept[#kept + 1] = e end
    end
    eds.configs[1].static_endpoint_configs = kept
    for _, e in ipairs(eds.configs[1].dynamic_endpoint_configs) do
      local name = e.endpoint_config.cluster_name
      clusters.dynamic_active_clusters[#clusters.dynamic_active_clusters + 1] = {
        cluster = { ["@type"] = "type.googleapis.com/envoy.config.cluster.v3.Cluster",
          name = name, type = "EDS",
          eds_cluster_config = { service_name = name, eds_config = { ads = {} } } },
      }
    end
    return cjson.encode({ configs = { clusters, eds.configs[1], sidecar.configs[2], sidecar.configs[3] } })
  end

  it("gives meshlua.fetch a proxy whose four tables equal the served proxy's", function()
    for _, served in ipairs({ meshlua.load(SIDECAR), meshlua.load(consistent_dump()) }) do
      local s <close> = meshlua.serve_admin(served, { port = 0 })
      local fetched = meshlua.fetch(s.url)
      for _, view in ipairs({ "listeners", "routes", "clusters", "endpoints" }) do
        assert.are.equal(tostring(served[view](served)), tostring(fetched[view](fetched)), view)
      end
    end
    -- and the endpoints table is not empty: it came through /clusters?format=json
    local served = meshlua.load(consistent_dump())
    assert.is_true(#served:endpoints() > 10)
  end)

  it("serves a fetched proxy's /clusters from the live Envoy's own host list", function()
    local served = meshlua.load(consistent_dump())
    local s <close> = meshlua.serve_admin(served, { port = 0 })
    local fetched = meshlua.fetch(s.url)
    local again <close> = meshlua.serve_admin(fetched, { port = 0 })
    for _, path in ipairs({ "/clusters", "/clusters?format=json" }) do
      local want, got = http.request(s.url .. path).body, http.request(again.url .. path).body
      assert.is_true(#want > 1000, path)
      assert.are.equal(want, got, path)
    end
  end)

  it("takes each cluster's hosts from the /clusters data a dump came with", function()
    local served = meshlua.load(consistent_dump())
    local s <close> = meshlua.serve_admin(served, { port = 0 })
    local status = cjson.decode(http.request(s.url .. "/clusters?format=json").body)
    -- the live Envoy says otherwise than EDS: the last cluster's first host
    -- failed outlier detection (and comes last, where a scan is slowest)
    local last = status.cluster_statuses[#status.cluster_statuses]
    local host = last.host_statuses[1]
    host.health_status.failed_outlier_check = true
    local a = host.address.socket_address
    local line = ("%s::%s:%d::health_flags::/failed_outlier_check\n"):format(last.name, a.address, a.port_value)
    assert.is_nil(http.request(s.url .. "/clusters").body:find(line, 1, true))
    local live <close> = meshlua.serve_admin(meshlua.load(consistent_dump(), { clusters = cjson.encode(status) }), { port = 0 })
    assert.truthy(http.request(live.url .. "/clusters").body:find(line, 1, true))
  end)

  it("serves the walkthrough's synthesized proxy, pushed as the mesh changes", function()
    local mesh = meshlua.mesh { profile = "seed" }
    mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
    mesh:apply("examples/bigbang-cluster.yaml")
    mesh:apply("examples/envoy-demo-apps.yaml")
    local customers = mesh:proxy("deployment/customers-v1")
    local s <close> = mesh:serve_admin(customers, { port = 0 })
    local cluster = "outbound|80||customers.default.svc.cluster.local"
    local function hosts()
      local n = 0
      for _ in http.request(s.url .. "/clusters").body:gmatch(cluster:gsub("%p", "%%%0") .. "::[%d.]+:3000::health_flags::healthy\n") do
        n = n + 1
      end
      return n
    end
    assert.are.equal(1, hosts())
    assert.are.equal(0, s.pushes)
    -- a workload reference works too, through mesh:proxy
    local by_ref <close> = mesh:serve_admin("deployment/customers-v1", { port = 0 })
    assert.are.equal(customers.name, by_ref.proxy.name)
    mesh:scale("deployment/customers-v1", 2) -- an xDS push: the next request sees it
    assert.are.equal(1, s.pushes)
    assert.are.equal(2, hosts())
    -- meshlua.fetch of the served synthesized proxy gives the same four tables
    local fetched = meshlua.fetch(s.url, { profile = "seed" })
    for _, view in ipairs({ "listeners", "routes", "clusters" }) do
      assert.are.equal(tostring(customers[view](customers)), tostring(fetched[view](fetched)), view)
    end
    -- The endpoints table: the same rows. The views print a pipe host as
    -- istioctl does from /clusters ("unix://<path>"), but without the
    -- scheme when they fall back to EDS: compared without it.
    local function rows(list)
      local out = {}
      for line in tostring(list):gmatch("[^\n]+") do
        out[#out + 1] = line:gsub("^unix://", ""):gsub("%s+", " ")
      end
      table.sort(out)
      return out
    end
    assert.are.same(rows(customers:endpoints()), rows(fetched:endpoints()))
    -- requests resolved through web-frontend's proxy show in its /stats and /clusters
    local web = mesh:proxy("deployment/web-frontend")
    local ws <close> = mesh:serve_admin(web, { port = 0 })
    local wf = meshlua.fetch(ws.url, { profile = "seed" })
    for _, view in ipairs({ "listeners", "routes", "clusters" }) do
      assert.are.equal(tostring(web[view](web)), tostring(wf[view](wf)), view)
    end
    assert.are.same(rows(web:endpoints()), rows(wf:endpoints()))
    assert.is_true(#web:endpoints() > 20)
    local t = web:resolve("http://customers.default.svc.cluster.local/")
    local stats = http.request(ws.url .. "/stats").body
    assert.truthy(stats:find(cluster .. ".upstream_rq_total: 1\n", 1, true))
    assert.truthy(stats:find(cluster .. ".upstream_rq_2xx: 1\n", 1, true))
    assert.truthy(stats:find("http.outbound_0.0.0.0_80.downstream_rq_2xx: 1\n", 1, true))
    local chosen = tostring(t.endpoint.address) .. ":" .. tostring(t.endpoint.port)
    assert.truthy(http.request(ws.url .. "/clusters").body:find(cluster .. "::" .. chosen .. "::rq_total::1\n", 1, true))
  end)

  it("refuses a port in use and bad options with a clear error", function()
    local ok, err = pcall(meshlua.serve_admin, proxy, { port = server.port })
    assert.is_false(ok)
    assert.truthy(err:find("serve_admin: cannot listen on 127.0.0.1:" .. server.port, 1, true))
    ok, err = pcall(meshlua.serve_admin, proxy, { port = 70000 })
    assert.is_false(ok)
    assert.truthy(err:find("opts.port must be an integer from 0 to 65535", 1, true))
    ok, err = pcall(meshlua.serve_admin, proxy, { port = 0, address = "nowhere" })
    assert.is_false(ok)
    assert.truthy(err:find('address "nowhere" is not a numeric IPv4 or IPv6 address', 1, true))
    ok, err = pcall(meshlua.serve_admin, "not a proxy")
    assert.is_false(ok)
    assert.truthy(err:find("proxy expected", 1, true))
  end)

  it("waits while serving, as istioctl dashboard does, until Ctrl-C or a timeout", function()
    local s = meshlua.serve_admin(proxy, { port = 0 })
    assert.are.equal("timeout", s:wait(0.2))
    assert.is_false(s.closed)
    s:close()
    assert.are.equal("closed", s:wait())
    -- a separate meshlua that serves, then gets SIGINT (Ctrl-C)
    local process = require("spec.helpers.process")
    local script = process.temp_file(([[
      local s = meshlua.serve_admin(meshlua.load(%q), { port = 0 })
      io.stdout:write(s.url, "\n"); io.stdout:flush()
      print(s:wait(), s.closed)
    ]]):format(DUMP))
    local r = process.sh(("%s %s > %s.out & pid=$!; for i in $(seq 50); do [ -s %s.out ] && break; sleep 0.1; done; "
      .. "url=$(head -1 %s.out); curl -s $url/ready; kill -INT $pid; wait $pid; cat %s.out")
      :format(process.quote(process.bin), script, script, script, script, script))
    os.remove(script)
    os.remove(script .. ".out")
    assert.truthy(r.stdout:find("^LIVE\n"), r.stdout)
    assert.truthy(r.stdout:find("\ninterrupted\ttrue\n"), r.stdout)
  end)

  it("stops on close and frees the port", function()
    local s = meshlua.serve_admin(proxy, { port = 0 })
    local port = s.port
    assert.are.equal(200, http.request(s.url .. "/ready").status)
    s:close()
    assert.is_true(s.closed)
    assert.are.equal(0, http.request("http://127.0.0.1:" .. port .. "/ready").status)
    s:close() -- twice is fine
    local again = meshlua.serve_admin(proxy, { port = port })
    assert.are.equal(port, again.port)
    again:close()
  end)
end)
