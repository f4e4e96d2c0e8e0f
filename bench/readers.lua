-- readers.lua: GET PATH for wrk, with each of the session cookies given
-- in turn (one, or one per connection's worth).
--
--	wrk -s readers.lua URL -- PATH COOKIE...

local path, cookies, n = "/", {}, 0

function init(args)
	path = args[1]
	for i = 2, #args do
		cookies[#cookies + 1] = args[i]
	end
end

function request()
	n = n % #cookies + 1
	return wrk.format("GET", path, { ["Cookie"] = "session=" .. cookies[n] })
end

function done(summary, latency)
	local e = summary.errors
	io.write(string.format("%.0f %.1f %.1f %d %d\n",
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
	    summary.requests,
	    e.connect + e.read + e.write + e.timeout + e.status))
end
