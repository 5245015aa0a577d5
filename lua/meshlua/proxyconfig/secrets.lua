-- `istioctl proxy-config secret`: RESOURCE NAME, TYPE, STATUS, VALID CERT,
-- SERIAL NUMBER, NOT AFTER, NOT BEFORE [, TRUST DOMAIN], read from the
-- certificates inside the SecretsConfigDump (istioctl/pkg/writer/compare/
-- sds/{util,writer}.go). Certificates are parsed here (base64, PEM, the few
-- DER fields istioctl shows).
local pc = require("meshlua.proxyconfig")

local M = {}

local f, path = pc.field, pc.path

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local b64_value = {}
for i = 1, #B64 do
  b64_value[B64:byte(i)] = i - 1
end
b64_value[("-"):byte()] = 62
b64_value[("_"):byte()] = 63

--- Decodes base64 (standard or URL alphabet; blanks and padding ignored).
function M.base64_decode(s)
  local out, bits, nbits = {}, 0, 0
  for i = 1, #s do
    local v = b64_value[s:byte(i)]
    if v then
      bits = (bits << 6) | v
      nbits = nbits + 6
      if nbits >= 8 then
        nbits = nbits - 8
        out[#out + 1] = string.char((bits >> nbits) & 0xff)
      end
    end
  end
  return table.concat(out)
end

-- One DER element at pos: tag, first content byte, end (exclusive).
local function tlv(s, pos)
  local tag, len = s:byte(pos), s:byte(pos + 1)
  if not tag or not len then
    error("truncated DER")
  end
  local p = pos + 2
  if len >= 0x80 then
    local n = len - 0x80
    if n == 0 or n > 4 then
      error("bad DER length")
    end
    len = 0
    for _ = 1, n do
      len = len * 256 + (s:byte(p) or error("truncated DER"))
      p = p + 1
    end
  end
  if p + len - 1 > #s then
    error("truncated DER")
  end
  return tag, p, p + len
end

local function children(s, from, to)
  local list, pos = {}, from
  while pos < to do
    local tag, start, stop = tlv(s, pos)
    list[#list + 1] = { tag = tag, start = start, stop = stop }
    pos = stop
  end
  return list
end

local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

-- A UTCTime or GeneralizedTime: its RFC 3339 text and Unix time.
local function der_time(s, el)
  local text = s:sub(el.start, el.stop - 1)
  local y, mo, d, h, mi, sec
  if el.tag == 0x17 then
    y, mo, d, h, mi, sec = text:match("^(%d%d)(%d%d)(%d%d)(%d%d)(%d%d)(%d%d)Z$")
    if y then
      y = tonumber(y)
      y = y >= 50 and 1900 + y or 2000 + y
    end
  else
    y, mo, d, h, mi, sec = text:match("^(%d%d%d%d)(%d%d)(%d%d)(%d%d)(%d%d)(%d%d)Z$")
    y = tonumber(y)
  end
  if not y then
    error("bad certificate time")
  end
  mo, d, h, mi, sec = tonumber(mo), tonumber(d), tonumber(h), tonumber(mi), tonumber(sec)
  local unix = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec
  return ("%04d-%02d-%02dT%02d:%02d:%02dZ"):format(y, mo, d, h, mi, sec), unix
end

local OID_BASIC_CONSTRAINTS = "\x55\x1d\x13"
local OID_SAN = "\x55\x1d\x11"

--- The fields istioctl shows of the first certificate in PEM text: type,
-- serial (%032x), not_after, not_before, valid (at time now), trust_domain
-- (from a spiffe:// URI). Raises on text that is not a certificate.
function M.parse_certificate(pem, now)
  local body = pem:match("%-%-%-%-%-BEGIN [^\n]-%-%-%-%-%-\r?\n(.-)%-%-%-%-%-END")
  if not body then
    error("failed to parse certificate PEM")
  end
  local der = M.base64_decode(body)
  local _, cs, ce = tlv(der, 1)
  local tbs = children(der, cs, ce)[1]
  local fields = children(der, tbs.start, tbs.stop)
  local i = 1
  if fields[1].tag == 0xa0 then
    i = 2
  end
  local serial_el = fields[i]
  local validity = children(der, fields[i + 3].start, fields[i + 3].stop)
  local not_before, nb = der_time(der, validity[1])
  local not_after, na = der_time(der, validity[2])
  local serial = der:sub(serial_el.start, serial_el.stop - 1):gsub("^%z+", "")
  local hex = serial:gsub(".", function(c) return ("%02x"):format(c:byte()) end):gsub("^0+", "")
  hex = ("0"):rep(32 - #hex) .. hex
  local is_ca, trust_domain = false, ""
  for k = i + 6, #fields do
    if fields[k].tag == 0xa3 then
      local exts = children(der, fields[k].start, fields[k].stop)[1]
      for _, ext in ipairs(children(der, exts.start, exts.stop)) do
        local parts = children(der, ext.start, ext.stop)
        local oid = der:sub(parts[1].start, parts[1].stop - 1)
        local value = parts[#parts]
        local inner = children(der, value.start, value.stop)[1]
        if oid == OID_BASIC_CONSTRAINTS then
          local bc = children(der, inner.start, inner.stop)
          if bc[1] and bc[1].tag == 0x01 and der:byte(bc[1].start) ~= 0 then
            is_ca = true
          end
        elseif oid == OID_SAN then
          for _, name in ipairs(children(der, inner.start, inner.stop)) do
            if name.tag == 0x86 then
              local uri = der:sub(name.start, name.stop - 1)
              local host = uri:match("^spiffe://([^/]*)")
              if host then
                trust_domain = host
              end
            end
          end
        end
      end
    end
  end
  return {
    type = is_ca and "CA" or "Cert Chain", serial = hex,
    not_after = not_after, not_before = not_before,
    valid = now > nb and now < na, trust_domain = trust_domain,
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
    out[#out + 1] = item(name, state, M.base64_decode(chain), nil, now)
  elseif ca and ca ~= "" then
    out[#out + 1] = item(name, state, M.base64_decode(ca), nil, now)
  else
    local tc = path(secret, "validation_context", "custom_validator_config", "typed_config")
    if tc and tc["@type"] == SPIFFE then
      for _, td in ipairs(pc.seq(f(tc, "trust_domains"))) do
        local bundle = path(td, "trust_bundle", "inline_bytes") or ""
        out[#out + 1] = item(name, state, M.base64_decode(bundle), f(td, "name"), now)
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
