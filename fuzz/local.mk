# Fuzzing, included by Makefile.am.
#
# make fuzz builds one libFuzzer harness per parser with clang (the main
# build may use another compiler, so the library's sources are compiled
# here again, with the fuzzer's instrumentation, not through libtool);
# fuzz/run runs them.  make check replays every harness over its seed
# corpus and its past findings with the project's own compiler.

fuzz_names = form cookie store template request
fuzz_bins = fuzz/fuzz-form fuzz/fuzz-cookie fuzz/fuzz-store \
	fuzz/fuzz-template fuzz/fuzz-request
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer
FUZZ_SANITIZE = address,undefined
fuzz_lib_c = $(filter %.c,$(lib_libsessile_core_la_SOURCES))
fuzz_lib_o = $(fuzz_lib_c:lib/%.c=fuzz/lib/%.o) fuzz/lib/html.o
fuzz_cppflags = $(DEFS) $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) $(CPPFLAGS) \
	$(HIREDIS_CFLAGS) -DFUZZ_HTML_DIR='"$(abs_top_srcdir)/html"'
# Warnings, but not as errors: clang warns where the main build's
# compiler does not, and the main build is the one that must be clean.
fuzz_cflags = $(filter-out -Werror,$(WARN_CFLAGS)) $(GCRYPT_CFLAGS) \
	$(FUZZ_CFLAGS) -fno-sanitize-recover=all
# Refuse clearly, rather than with "clang: command not found".
fuzz_cc = command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
	echo "make fuzz needs clang with libFuzzer (FUZZ_CC=$(FUZZ_CC)):" \
	    "install the Debian package clang" >&2; exit 1; }; $(FUZZ_CC)

fuzz: $(fuzz_bins)
.PHONY: fuzz
# Built by a pattern rule, but not intermediate: keep them.
.SECONDARY: $(fuzz_lib_o)

fuzz/lib/%.o: $(srcdir)/lib/%.c $(srcdir)/lib/extern.h \
    $(srcdir)/lib/sessile.h $(srcdir)/lib/store.h $(srcdir)/lib/store-file.h \
    $(srcdir)/lib/store-redis.h config.h
	@$(MKDIR_P) fuzz/lib
	$(AM_V_CC)$(fuzz_cc) $(fuzz_cppflags) $(fuzz_cflags) \
	    -fsanitize=fuzzer-no-link,$(FUZZ_SANITIZE) -c -o $@ $<

# The built-in templates, made in the build tree (Makefile.am).
fuzz/lib/html.o: lib/html.c $(srcdir)/lib/extern.h $(srcdir)/lib/sessile.h \
    config.h
	@$(MKDIR_P) fuzz/lib
	$(AM_V_CC)$(fuzz_cc) $(fuzz_cppflags) $(fuzz_cflags) \
	    -fsanitize=fuzzer-no-link,$(FUZZ_SANITIZE) -c -o $@ lib/html.c

fuzz/fuzz-%: $(srcdir)/fuzz/%.c $(srcdir)/fuzz/fuzz.h $(fuzz_lib_o)
	$(AM_V_CCLD)$(fuzz_cc) $(fuzz_cppflags) $(fuzz_cflags) \
	    -fsanitize=fuzzer,$(FUZZ_SANITIZE) -o $@ $< $(fuzz_lib_o) \
	    $(GCRYPT_LIBS) $(FCGI_LIBS) $(UNISTRING_LIBS) $(HIREDIS_LIBS)

# The request harness runs the programs' own views, linked as they are,
# through the tests' in-memory I/O.
fuzz_request_c = cgi-bin/index.c cgi-bin/login.c cgi-bin/logout.c \
	tests/memio.c
fuzz/fuzz-request: $(srcdir)/fuzz/request.c $(srcdir)/fuzz/fuzz.h \
    $(srcdir)/cgi-bin/views.h $(srcdir)/tests/memio.h \
    $(fuzz_request_c:%=$(srcdir)/%) $(fuzz_lib_o)
	$(AM_V_CCLD)$(fuzz_cc) $(fuzz_cppflags) $(fuzz_cflags) \
	    -fsanitize=fuzzer,$(FUZZ_SANITIZE) -o $@ $(srcdir)/fuzz/request.c \
	    $(fuzz_request_c:%=$(srcdir)/%) $(fuzz_lib_o) \
	    $(GCRYPT_LIBS) $(FCGI_LIBS) $(UNISTRING_LIBS) $(HIREDIS_LIBS)

CLEANFILES += $(fuzz_bins) $(fuzz_lib_o)

# make check fuzzes each harness for FUZZ_SECONDS (default 60), when
# configure found clang with libFuzzer; fuzz/run says it skipped
# otherwise.
if FUZZER
check_DATA = $(fuzz_bins)
endif
TESTS += fuzz/run

# The replay: each harness over fuzz/corpus/NAME and fuzz/regress/NAME.
fuzz_replays = fuzz/replay-form fuzz/replay-cookie fuzz/replay-store \
	fuzz/replay-template fuzz/replay-request
check_PROGRAMS += $(fuzz_replays)
TESTS += $(fuzz_replays)
fuzz_replay_form_SOURCES = fuzz/replay.c fuzz/form.c fuzz/fuzz.h
fuzz_replay_form_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"form"'
fuzz_replay_cookie_SOURCES = fuzz/replay.c fuzz/cookie.c fuzz/fuzz.h
fuzz_replay_cookie_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"cookie"'
fuzz_replay_store_SOURCES = fuzz/replay.c fuzz/store.c fuzz/fuzz.h
fuzz_replay_store_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"store"'
fuzz_replay_template_SOURCES = fuzz/replay.c fuzz/template.c fuzz/fuzz.h
fuzz_replay_template_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"template"'
fuzz_replay_request_SOURCES = fuzz/replay.c fuzz/request.c fuzz/fuzz.h \
	cgi-bin/index.c cgi-bin/login.c cgi-bin/logout.c cgi-bin/views.h \
	tests/memio.c tests/memio.h
fuzz_replay_request_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"request"' \
	-DFUZZ_HTML_DIR='"$(abs_top_srcdir)/html"'

EXTRA_DIST += fuzz/README.md fuzz/run fuzz/corpus fuzz/regress \
	fuzz/form.dict fuzz/cookie.dict fuzz/store.dict fuzz/template.dict \
	fuzz/request.dict
