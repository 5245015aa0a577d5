-- Runs busted inside the meshlua binary (ctest: meshlua spec/busted.lua FILE),
-- so the specs exercise the real host, its bindings and its bundled modules.
package.path = "./spec/helpers/?.lua;" .. package.path
require("busted.runner")({ standalone = false })
