-- The readable side of a resolution trace (the userdata proxy:resolve and
-- routes:route return): its steps, each with the candidate chosen and the
-- ones rejected and why, in sentences, and tostring(trace), an aligned
-- walkthrough of where the request went. The facts come from the C engine
-- (trace:notes()); only the words are made here.

local M = {}

local STEP_ORDER = {
  "listener", "filter_chain", "network_filter", "route_config", "virtual_host",
  "route", "action", "cluster", "endpoint",
}

local STEP_LABEL = {
  listener = "listener", filter_chain = "filter chain", network_filter = "network filter",
  route_config = "route config", virtual_host = "virtual host", route = "route",
  action = "action", cluster = "cluster", endpoint = "endpoint",
}

--- sorted_pairs_list(t) -> { {k, v}, ... } in key order (the C side reads
-- header maps through it, so one table always makes the same request).
function M.sorted_pairs_list(t)
  local out = {}
  for k, v in pairs(t) do out[#out + 1] = { k, v } end
  table.sort(out, function(a, b) return tostring(a[1]) < tostring(b[1]) end)
  return out
end

local function q(s) return s == nil and "(none)" or tostring(s) end

-- Sentences, by step and reason code (see src/resolve for the codes).
local SAY = {}

SAY.listener = {
  exact = function(n) return ("listens on %s"):format(n.expected) end,
  named = function() return "named by the request" end,
  no_such_listener = function(n) return ("no listener is named %s"):format(n.candidate) end,
  wildcard = function(n) return ("listens on %s"):format(n.expected) end,
  use_original_dst = function() return "catches every other connection (use_original_dst)" end,
  no_exact = function(n) return ("no listener on %s"):format(n.expected) end,
  no_wildcard = function(n) return ("no listener on %s"):format(n.expected) end,
}

local FIELD_NAMES = {
  prefix_ranges = "destination prefix_ranges", direct_source_prefix_ranges = "direct source ranges",
  source_prefix_ranges = "source_prefix_ranges",
}

SAY.filter_chain = {
  destination_port = function(n) return ("destination_port %s ≠ %s"):format(n.expected, n.actual) end,
  prefix_ranges = function(n)
    return ("%s %s do not contain %s"):format(FIELD_NAMES[n.field] or n.field, n.expected, n.actual)
  end,
  server_names = function(n) return ("server_names %s do not match %s"):format(n.expected, n.actual) end,
  transport_protocol = function(n)
    return ("transport_protocol %s ≠ %s"):format(n.expected, n.actual)
  end,
  application_protocols = function(n)
    return ("application_protocols %s do not include %s"):format(n.expected, n.actual)
  end,
  source_type = function(n) return ("source_type %s, the connection is %s"):format(n.expected, n.actual) end,
  source_ports = function(n) return ("source_ports do not include %s"):format(n.actual) end,
  less_specific = function(n)
    return ("%s %s: a more specific chain matches %s"):format(FIELD_NAMES[n.field] or n.field,
      q(n.expected), q(n.actual))
  end,
  match = function(n)
    if n.expected and n.expected ~= "" then return "matches: " .. n.expected end
    return "matches any connection"
  end,
  ambiguous = function() return "matches, as do others just as specific (Envoy rejects that); the first is taken" end,
  default_filter_chain = function() return "no chain matches: default_filter_chain" end,
  filter_chain_matcher = function() return "chosen by filter_chain_matcher" end,
  matcher_no_match = function() return "filter_chain_matcher matches nothing" end,
  matcher_unknown_chain = function(n) return ("filter_chain_matcher names %s, which is no chain"):format(n.expected) end,
  no_chain = function() return "no chain matches and there is no default_filter_chain: the connection is closed" end,
}
for _, k in ipairs({ "direct_source_prefix_ranges", "source_prefix_ranges" }) do
  SAY.filter_chain[k] = SAY.filter_chain.prefix_ranges
end

SAY.network_filter = {
  http = function() return "HTTP connection manager" end,
  tcp = function() return "TCP proxy" end,
  unsupported = function() return "not modelled by meshlua" end,
  tls_on_http = function() return "TLS bytes reach an HTTP connection manager that does not terminate TLS" end,
  path_normalized = function(n) return ("path normalized: %s → %s"):format(n.actual, n.expected) end,
}

SAY.route_config = {
  rds = function() return "from RDS" end,
  inline = function() return "inline in the HTTP connection manager" end,
  rds_missing = function(n)
    return ("RDS route configuration %s is not in the snapshot: Envoy routes with an empty one (no virtual host)")
      :format(n.candidate)
  end,
}

SAY.virtual_host = {
  exact = function(n) return ("domain %s matches %s"):format(n.expected, n.actual) end,
  suffix_wildcard = function(n) return ("suffix wildcard %s matches %s"):format(n.expected, n.actual) end,
  prefix_wildcard = function(n) return ("prefix wildcard %s matches %s"):format(n.expected, n.actual) end,
  default = function(n) return ("the default domain * takes %s"):format(q(n.actual)) end,
  domain = function(n) return ("domain %s ≠ %s"):format(n.expected, n.actual) end,
  less_specific = function(n) return ("domain %s matches %s, but a more specific domain wins"):format(n.expected, n.actual) end,
  authority_missing = function() return "the request has no :authority" end,
  vhost_header_missing = function(n) return ("the request has no %s header (vhost_header)"):format(n.field) end,
  port_ignored = function(n) return ("port %s ignored (ignore_port_in_host_matching)"):format(n.actual) end,
  many_vhosts = function(n) return ("%s: looked up in its domain index"):format(n.actual) end,
}

SAY.route = {
  prefix = function(n) return ("prefix %s does not match %s"):format(n.expected, n.actual) end,
  path = function(n) return ("path %s ≠ %s"):format(n.expected, n.actual) end,
  safe_regex = function(n) return ("regex %s does not match %s"):format(n.expected, n.actual) end,
  path_separated_prefix = function(n)
    return ("path_separated_prefix %s does not match %s"):format(n.expected, n.actual)
  end,
  path_template = function(n) return ("path template %s does not match %s"):format(n.expected, n.actual) end,
  connect = function() return "not a CONNECT request" end,
  no_path = function() return "the request has no :path" end,
  header_missing = function(n) return ("header %s missing"):format(n.field) end,
  header_value = function(n)
    return ("header %s: %q does not match %q"):format(n.field, n.actual or "", n.expected or "")
  end,
  header_present = function(n) return ("header %s present, must be absent"):format(n.field) end,
  query_missing = function(n) return ("query parameter %s missing"):format(n.field) end,
  query_value = function(n)
    return ("query parameter %s: %q does not match %q"):format(n.field, n.actual or "", n.expected or "")
  end,
  query_present = function(n) return ("query parameter %s present, must be absent"):format(n.field) end,
  runtime_fraction = function(n) return ("runtime_fraction %s is off for this request"):format(q(n.field)) end,
  grpc = function() return "not a gRPC request (content-type application/grpc)" end,
  tls_context = function() return "needs a client certificate (tls_context)" end,
  metadata = function() return "needs dynamic metadata or filter state" end,
  match = function(n)
    if n.field == "connect_matcher" then return "a CONNECT request" end
    if n.expected and n.expected ~= "" then
      return ("%s %s matches %s"):format(n.field or "", n.expected, n.actual or "")
    end
    return "matches"
  end,
  require_tls = function(n) return ("require_tls %s and the request is %s: redirect to https"):format(n.expected, n.actual) end,
  no_route = function(n) return ("no route matches %s"):format(n.actual or "") end,
  no_scheme = function() return "the request has no x-forwarded-proto" end,
  vhost_matcher = function() return "the virtual host uses a matcher tree (not modelled)" end,
}

SAY.action = {
  cluster = function() return "the route's cluster" end,
  cluster_header = function(n) return ("cluster from header %s: %s"):format(n.field, n.actual) end,
  cluster_header_missing = function(n) return ("header %s missing: no cluster"):format(n.field) end,
  weighted = function(n) return ("weighted cluster %s (by %s)"):format(n.candidate, n.field) end,
  redirect = function() return "redirect" end,
  direct_response = function() return "direct response" end,
  tcp_proxy = function() return "the tcp_proxy's cluster" end,
  cluster_specifier_plugin = function() return "a cluster specifier plugin (not modelled)" end,
  non_forwarding = function() return "a non-forwarding action (not modelled)" end,
}

SAY.cluster = {
  found = function(n) return ("%s, %s"):format(n.expected, n.actual) end,
  cluster_not_found = function(n) return ("cluster %s does not exist"):format(n.expected) end,
}

SAY.endpoint = {
  priority = function(n) return ("priority %s"):format(n.expected) end,
  priority_degraded = function(n) return ("priority %s (degraded hosts)"):format(n.expected) end,
  priority_panic = function(n) return ("priority %s, in panic: every host is eligible"):format(n.expected) end,
  original_dst = function() return "ORIGINAL_DST: the address the connection was made to" end,
  blackhole = function() return "BlackHoleCluster: the connection is dropped" end,
  endpoints_unknown = function() return "the snapshot has no endpoint data for this cluster" end,
  no_endpoints = function() return "the cluster has no endpoints" end,
  no_healthy = function() return "no healthy endpoint" end,
  -- expected: the locality's effective weight, actual: the schedule's
  -- total; field: the host type the schedule is over
  locality_weighted = function(n)
    return ("locality %s by weight (effective weight %s of %s%s, Envoy's EDF schedule)"):format(n.candidate,
      n.expected, n.actual, n.field == "degraded" and " over degraded hosts" or "")
  end,
}

--- describe(note) -> the sentence for one note of trace:notes().
function M.describe(note)
  local by_step = SAY[note.step] or {}
  local say = by_step[note.why]
  if say then return say(note) end
  if note.step == "endpoint" then
    return ("picked by %s"):format(note.why)
  end
  return note.why
end

--- steps(trace) -> { { step =, label =, chosen = note|nil, rejected = {notes},
-- info = {notes} } ... } in the order the request went; every note has .text.
function M.steps(trace)
  local by_name, order = {}, {}
  for _, n in ipairs(trace:notes()) do
    n.text = M.describe(n)
    local s = by_name[n.step]
    if not s then
      s = { step = n.step, label = STEP_LABEL[n.step] or n.step, rejected = {}, info = {} }
      by_name[n.step] = s
      order[#order + 1] = s
    end
    if n.verdict == "chosen" then
      s.chosen = n
    elseif n.verdict == "rejected" then
      s.rejected[#s.rejected + 1] = n
    else
      s.info[#s.info + 1] = n
    end
  end
  local rank = {}
  for i, name in ipairs(STEP_ORDER) do rank[name] = i end
  table.sort(order, function(a, b) return rank[a.step] < rank[b.step] end)
  M.describe_weights(trace, by_name.action)
  return order
end

--- describe_weights(trace, action_step): rewrites the texts of a weighted
-- pick with each cluster's interval: the selection value modulo the total
-- weight falls in exactly one [begin, end) (reference rule 6).
function M.describe_weights(trace, step)
  local w = trace.weighted
  if not step or not w then return end
  local raw = trace.route and trace.route.raw
  local list = raw and raw.route and raw.route.weighted_clusters and raw.route.weighted_clusters.clusters
  if not list then return end
  local bounds, begin = {}, 0
  for i, c in ipairs(list) do
    local weight = type(c.weight) == "table" and c.weight.value or c.weight or 0
    bounds[i] = { begin, begin + weight, weight }
    begin = begin + weight
  end
  local function text(n, chosen)
    local b = bounds[n.index]
    if not b then return n.text end
    if chosen then
      return ("weight %d: %s %d %% %d = %d falls in [%d, %d)"):format(b[3], n.field, w.value, w.total,
        w.value % w.total, b[1], b[2])
    end
    return ("weight %d: [%d, %d)"):format(b[3], b[1], b[2])
  end
  if step.chosen and step.chosen.why == "weighted" then step.chosen.text = text(step.chosen, true) end
  for _, n in ipairs(step.rejected) do
    if n.why == "weighted" then n.text = text(n, false) end
  end
end

local function candidate_name(step, n)
  if not n then return "" end
  if step == "filter_chain" then
    if n.index then
      return n.candidate ~= "" and ("#%d %s"):format(n.index, n.candidate) or ("#%d"):format(n.index)
    end
    return n.candidate ~= "" and n.candidate or "default"
  elseif step == "route" then
    if not n.index then return "" end
    return n.candidate ~= "" and ("#%d %s"):format(n.index, n.candidate) or ("#%d"):format(n.index)
  elseif step == "endpoint" or step == "action" then
    return n.candidate
  elseif step == "route_config" and n.candidate == "" then
    return "(unnamed)"
  end
  return n.candidate
end

-- The request line: "GET http://host/path" or "tcp 10.0.0.1:5432".
local function request_line(trace)
  local r = trace.request
  if r.protocol == "tcp" or r.protocol == "tls" then
    local s = ("%s %s:%s"):format(r.protocol, r.address or "?", r.port or "?")
    if r.sni then s = s .. " (SNI " .. r.sni .. ")" end
    return s
  end
  local where = r.address and (" → %s:%d"):format(r.address, r.port) or ""
  return ("%s %s://%s%s%s"):format(r.method, r.scheme, r.authority or "", r.path or "", where)
end

local function outcome_line(trace)
  local o = trace.outcome
  if o == "forwarded" then
    local ep = trace.endpoint
    if ep then return ("forwarded to %s:%d"):format(ep.address, ep.port) end
    return "forwarded (endpoint not known)"
  elseif o == "redirect" then
    return ("redirect %d to %s"):format(trace.status, q(trace.location))
  elseif o == "direct_response" then
    return ("direct response %d"):format(trace.status)
  elseif o == "passthrough" then
    local ep = trace.endpoint
    return ("passthrough to the original destination %s"):format(ep and (ep.address .. ":" .. ep.port) or "")
  end
  return o
end

local LABEL_WIDTH = 16

local function pad(s, n)
  local len = utf8.len(s) or #s
  if len >= n then return s .. " " end
  return s .. string.rep(" ", n - len)
end

--- format(trace) -> the walkthrough text tostring(trace) prints: the
-- request, then one aligned line per step (what was chosen and why), the
-- candidates it rejected indented below it, and the outcome.
function M.format(trace)
  local lines = { request_line(trace) }
  local function add(label, value, why)
    local line = "  " .. pad(label, LABEL_WIDTH) .. value
    if why and why ~= "" then line = line .. (value ~= "" and "  " or "") .. "(" .. why .. ")" end
    lines[#lines + 1] = line
  end
  local function sub(text)
    lines[#lines + 1] = "  " .. string.rep(" ", LABEL_WIDTH) .. "  " .. text
  end
  local max_rejected = 12
  for _, s in ipairs(trace.steps) do
    local name = candidate_name(s.step, s.chosen)
    if s.step == "virtual_host" and s.chosen then name = s.chosen.candidate end
    local ep = trace.endpoint
    if s.step == "endpoint" and s.chosen and s.chosen.why == "original_dst" and ep and (ep.port or 0) > 0 then
      name = ("%s:%d"):format(ep.address, ep.port)
    end
    local why = s.chosen and s.chosen.text or ""
    if s.chosen or #s.info > 0 then
      local info_text = {}
      for _, n in ipairs(s.info) do info_text[#info_text + 1] = n.text end
      if s.chosen then
        add(s.label, name, why)
        for _, t in ipairs(info_text) do sub(t) end
      else
        add(s.label, "", table.concat(info_text, "; "))
      end
    elseif #s.rejected == 1 then
      add(s.label, candidate_name(s.step, s.rejected[1]), s.rejected[1].text)
      goto continue
    elseif #s.rejected > 0 then
      add(s.label, "", "none")
    end
    -- Rejected candidates, grouped by candidate (a virtual host's domains).
    local shown, groups, group_order = 0, {}, {}
    for i, n in ipairs(s.rejected) do
      local key = candidate_name(s.step, n)
      if key == "" then key = "\0" .. i end
      if not groups[key] then
        groups[key] = {}
        group_order[#group_order + 1] = key
      end
      table.insert(groups[key], n.text)
    end
    for _, key in ipairs(group_order) do
      if shown == max_rejected then
        sub(("... and %d more rejected"):format(#group_order - shown))
        break
      end
      local texts = groups[key]
      local text = texts[1]
      if #texts > 1 then text = text .. ("; and %d more"):format(#texts - 1) end
      sub(("✗ %s%s"):format(key:sub(1, 1) ~= "\0" and key .. ": " or "", text))
      shown = shown + 1
    end
    ::continue::
  end
  add("outcome", outcome_line(trace), nil)
  return table.concat(lines, "\n")
end

return M
