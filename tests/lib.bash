# lib.bash: the test library.  Every suite loads it, and only it:
#
#	load lib
#
# It loads its parts once each, and each name is defined in one of them
# only, with one meaning:
#	port.bash	free_port: a port for a server under test
#	helpers.bash	assertions; the programs run as CGI and FastCGI
#	http.bash	real servers on loopback, driven by curl
#	faults.bash	worker faults under load, programs killed mid-write
#	redis.bash	a real redis-server for the Redis store
# A suite's own helpers take names none of these use.

load port
load helpers
load http
load faults
load redis
