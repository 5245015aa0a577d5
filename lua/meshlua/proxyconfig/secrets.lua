-- `istioctl proxy-config secret`: RESOURCE NAME, TYPE, STATUS, VALID CERT,
-- SERIAL NUMBER, NOT AFTER, NOT BEFORE [, TRUST DOMAIN], read from the
-- certificates inside the SecretsConfigDump (istioctl/pkg/writer/compare/
-- sds/{util,writer}.go). Certificates are read by meshlua.x509 (src/xds/x509.c).
local pc = require("meshlua.proxyconfig")

local M = {}

local f, path = pc.field, pc.path

--- Decodes base64 (standard or URL alphabet; blanks skipped); raises on
-- text that is not base64.
function M.base64_decode(s)
  return assert(meshlua.base64_decode(s))
end

-- Decoded inline bytes, or nil when they are not base64 (the secret then
-- shows no certificate, as istioctl shows one it cannot parse).
local function inline_bytes(s)
  return (meshlua.base64_decode(s))
end

--- The fields istioctl shows of the first certificate in PEM text: type,
-- serial (%032x), not_after, not_before, valid (at time now), trust_domain
-- (from a spiffe:// URI). Raises on text that is not a certificate. The
-- certificate is read by the C reader that also serves the admin /certs
-- page (meshlua.x509).
function M.parse_certificate(pem, now)
  if not pem:find("-----BEGIN ", 1, true) then
    error("failed to parse certificate PEM")
  end
  local cert = assert(meshlua.x509(pem))
  local hex = cert.serial:gsub("^0+", "")
  local trust_domain = ""
  for _, san in ipairs(cert.sans) do
    local host = san.type == "uri" and san.value:match("^spiffe://([^/]*)")
    if host then
      trust_domain = host
    end
  end
  return {
    type = cert.is_ca and "CA" or "Cert Chain", serial = ("0"):rep(32 - #hex) .. hex,
    not_after = cert.not_after_text, not_before = cert.not_before_text,
    valid = now > cert.not_before and now < cert.not_after, trust_domain = trust_domain,
  }
end

local function item(name, state, data, trust_domain, now)
  local it = { name = name, state = state, valid = false, type = "", serial = "",
    not_after = "", not_before = "", trust_domain = trust_domain or "" }
  if data and data ~= "" then
    local ok, meta = pcall(M.parse_certificate, data, now)
    if ok then
      it.type, it.serial, it.valid = meta.type, meta.serial, meta.valid
      it.not_after, it.not_before = meta.not_after, meta.not_before
      if it.trust_domain == "" then
        it.trust_domain = meta.trust_domain
      end
    end
  end
  return it
end

local SPIFFE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig"

-- parseDynamicSecret: one item, or one per SPIFFE trust domain.
local function secret_items(res, state, now, out)
  local secret = res.raw
  local chain = path(secret, "tls_certificate", "certificate_chain", "inline_bytes")
  local ca = path(secret, "validation_context", "trusted_ca", "inline_bytes")
  local name = res.name
  if chain and chain ~= "" then
    out[#out + 1] = item(name, state, inline_bytes(chain), nil, now)
  elseif ca and ca ~= "" then
    out[#out + 1] = item(name, state, inline_bytes(ca), nil, now)
  else
    local tc = path(secret, "validation_context", "custom_validator_config", "typed_config")
    if tc and tc["@type"] == SPIFFE then
      for _, td in ipairs(pc.seq(f(tc, "trust_domains"))) do
        local bundle = path(td, "trust_bundle", "inline_bytes") or ""
        out[#out + 1] = item(name, state, inline_bytes(bundle), f(td, "name"), now)
      end
    else
      out[#out + 1] = item(name, state, nil, nil, now)
    end
  end
  for _, it in ipairs(out) do
    it.resource = it.resource or res
  end
end

function M.format(items, q)
  if q.none then
    return "No active or warming secrets found.\n"
  end
  if #items == 0 then
    return "No secret items to show.\n"
  end
  local all_have_domain = true
  for _, s in ipairs(items) do
    all_have_domain = all_have_domain and s.trust_domain ~= ""
  end
  local header = { "RESOURCE NAME", "TYPE", "STATUS", "VALID CERT", "SERIAL NUMBER", "NOT AFTER",
    "NOT BEFORE" }
  if all_have_domain then
    header[#header + 1] = "TRUST DOMAIN"
  end
  local rows = { header }
  for _, s in ipairs(items) do
    local row = { q.with_name and ("secret/" .. s.name) or s.name, s.type, s.state,
      tostring(s.valid), s.serial, s.not_after, s.not_before }
    if all_have_domain then
      row[#row + 1] = s.trust_domain
    end
    rows[#rows + 1] = row
  end
  return pc.table(rows, 5)
end

-- PrintSecretDump: the SecretsConfigDump through legacy jsonpb.
local function json(list)
  local dump = pc.query(list).dump
  if not dump then
    error("sidecar doesn't support secrets: config dump has no configuration type "
      .. "type.googleapis.com/envoy.admin.v3.SecretsConfigDump", 2)
  end
  return dump:json("jsonpb", true) .. "\n"
end

M.presenter = {
  name = "secrets",
  tostring = function(items, list)
    return M.format(items, pc.query(list))
  end,
  methods = {
    json = json,
    yaml = function(list)
      return pc.yaml_of((json(list):gsub("\n$", "")))
    end,
  },
}

--- proxy:secrets{now=} (now: the Unix time VALID CERT is judged at).
function M.view(proxy, opts)
  local now = opts.now or os.time()
  local warming, active = {}, {}
  local dump = pc.xds().part(proxy, "secrets_dump")
  for _, r in ipairs(pc.xds().resources(proxy, "secret")) do
    if r.state == "warming" then
      warming[#warming + 1] = r
    elseif r.state == "active" then
      active[#active + 1] = r
    end
  end
  local items = {}
  for _, r in ipairs(warming) do
    local out = {}
    secret_items(r, "WARMING", now, out)
    for _, it in ipairs(out) do
      items[#items + 1] = it
    end
  end
  for _, r in ipairs(active) do
    local out = {}
    secret_items(r, "ACTIVE", now, out)
    for _, it in ipairs(out) do
      items[#items + 1] = it
    end
  end
  local none = #warming == 0 and #active == 0
  return pc.list(pc.items(items), M.presenter, {
    none = none, with_name = opts.with_name, dump = dump,
  })
end

return M
