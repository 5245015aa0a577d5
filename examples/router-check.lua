-- Envoy's router check tool, run by meshlua: checks a route configuration
-- against the tool's test file without building Envoy.
--
--   meshlua examples/router-check.lua -c routes.yaml -t tests.json [--details]
--       [--only-show-failures] [-f PCT] [--covall] [--detailed-coverage]
--
-- It prints what router_check_tool prints (test names with --details,
-- failures on stderr, "Current route coverage: X%") and exits with its
-- status: 1 when a test fails or coverage is under -f.
local router_check = require("meshlua.router_check")
os.exit(router_check.main({ ... }))
