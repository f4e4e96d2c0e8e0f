-- counts.lua: what the tests' wrk scripts (flood.lua, load.lua) share:
-- counts kept per thread and added up at the end, and form encoding.
-- A script loads it from its own directory:
--
--	local counts = dofile((debug.getinfo(1, "S").source:match("^@(.*/)")
--	    or "./") .. "counts.lua")
--
-- wrk runs a script in one Lua state per thread and one more for setup()
-- and done(): the counts are globals of each thread's state, which done()
-- reads with thread:get().

local counts = {}
local threads = {}

-- Make each of NAMES a global count of 0, and remember every thread.
function counts.declare(names)
	for _, k in ipairs(names) do
		_G[k] = 0
	end
	counts.names = names
	function setup(thread)
		thread:set("tid", #threads + 1)
		table.insert(threads, thread)
	end
end

-- One "NAME value" line a count, from the table T.
function counts.write(t)
	for _, k in ipairs(counts.names) do
		io.write(string.format("%s %d\n", k, t[k]))
	end
end

-- The counts of every thread, added up, as done() sees them.
function counts.total()
	local t = {}

	for _, thread in ipairs(threads) do
		for _, k in ipairs(counts.names) do
			t[k] = (t[k] or 0) + thread:get(k)
		end
	end
	return t
end

-- WHATWG URL's application/x-www-form-urlencoded byte serializer, for a
-- value of unreserved bytes or not.
function counts.urlencode(s)
	return (s:gsub("[^%w%-%._~]", function(c)
		return string.format("%%%02X", c:byte())
	end))
end

return counts
