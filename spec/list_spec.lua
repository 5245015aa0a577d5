-- Lists: the userdata every view and query returns (#, [i], for-in,
-- ipairs, pairs, tostring through a presenter, presenter methods).
describe("meshlua.list", function()
  local presenter = {
    name = "things",
    tostring = function(items) return ("%d things"):format(#items) end,
    methods = {
      total = function(list)
        local sum = 0
        for x in list do sum = sum + x.n end
        return sum
      end,
    },
  }

  it("indexes, counts and iterates its items in order", function()
    local list = meshlua.list({ { n = 1 }, { n = 2 }, { n = 3 } }, presenter)
    assert.are.equal(3, #list)
    assert.are.equal(2, list[2].n)
    assert.is_nil(list[4])
    local seen = {}
    for x in list do seen[#seen + 1] = x.n end
    for i, x in ipairs(list) do seen[#seen + 1] = i * 10 + x.n end
    for i, x in pairs(list) do seen[#seen + 1] = i * 100 + x.n end
    assert.are.same({ 1, 2, 3, 11, 22, 33, 101, 202, 303 }, seen)
  end)

  it("prints and calls methods through its presenter", function()
    local list = meshlua.list({ { n = 4 }, { n = 5 } }, presenter)
    assert.are.equal("2 things", tostring(list))
    assert.are.equal(9, list:total())
    assert.are.same({ { n = 4 }, { n = 5 } }, list:items())
  end)

  it("has a plain form without a presenter", function()
    assert.are.equal("list of 2 items", tostring(meshlua.list({ "a", "b" })))
  end)

  it("refuses for-in over repeated values instead of looping forever", function()
    local list = meshlua.list({ 1, 2, 2 })
    assert.has_error(function() for _ in list do end end,
      "this list repeats a value: iterate it with ipairs(list)")
  end)
end)
