# The unit tests of the build, and tools/layers: what debian/rules runs.
unit-tests:
	@echo $(unit_tests) tools/layers
