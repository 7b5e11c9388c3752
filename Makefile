# mashd: the referral queue of a Multi-Agency Safeguarding Hub.
# `make help` lists the targets.

BUILD   ?= build
CC      ?= cc
PKGS     = libevent libevent_openssl hiredis libconfig jansson libsystemd \
	   gmime-3.0
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -I$(BUILD) \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lssl -lcrypto -lm
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
# make fuzz's build (build-fuzz, clang): every object instrumented for
# libFuzzer's coverage and checked by ASan and UBSan; see FUZZING.md.
ifeq ($(FUZZ),1)
CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined \
	   -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# The pure modules: no I/O, shared by mashd, mashctl and the unit tests.
PURE     = timeutil words referral brag calendar calendar_new holidays deadline \
	   jfield \
	   report explain
# The reader of mashd.conf (include/mash/config.h), shared the same way.
CONF     = config config_schema config_time config_redis config_tls
DAEMON   = main log clock crypto_reuse lifecycle store store_conn store_check store_call store_read store_json \
	   sentinel intake http http_conns ctl ctl_admit roles ctl_args ctl_cmd ctl_queue ctl_queue_page \
	   ctl_watch ctl_stop ctl_alerts ctl_screen ctl_audit ctl_report ctl_find ctl_list \
	   ctl_explain \
	   alert_batch alert_audience alert_plan alert_log alert_settle alert_mailq \
	   ctl_queue_stream ctl_queue_read queue_item queue_json \
	   digest_pages \
	   deliver_text deliver_session deliver_pipes \
	   backfill scheduler recompute ladder ladder_gap digest digest_text alert alert_text deliver_mail webhook tls dns redis_open redis_auth \
	   metrics service spool maildir mail mail_mime $(CONF) $(PURE)
# mashctl links none of mashd's own modules: only those two groups.
MASHCTL  = mashctl mashctl_lib mashctl_case mashctl_cal mashctl_referral \
	   mashctl_screen mashctl_help mashctl_audit mashctl_report mashctl_queue mashctl_watch mashctl_show mashctl_ref mashctl_list \
	   mashctl_explain \
	   mashctl_stream \
	   ask ask_date ask_suggest phone $(CONF) $(PURE)
UNITS    = $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
# The scripts, and the library put in front of each (lib.lua first: the
# others use its helpers).
LUA_LIB  = daemon/lua/lib.lua daemon/lua/lib_batch.lua daemon/lua/lib_alert.lua
LUA      = $(filter-out $(LUA_LIB),$(wildcard daemon/lua/*.lua))

PURE_OBJ   = $(PURE:%=$(BUILD)/%.o)
DAEMON_OBJ = $(DAEMON:%=$(BUILD)/%.o)
CTL_OBJ    = $(MASHCTL:%=$(BUILD)/%.o)

.PHONY: all deps run test check programs unit integration faults faults-short valgrind valgrind-short \
	clean help fuzz fuzz-run fuzz-replay shape
all: $(BUILD)/mashd $(BUILD)/mashctl $(BUILD)/webhook-recv $(BUILD)/smtp-stub \
	$(BUILD)/redis-cutter $(BUILD)/redis-clock.so $(BUILD)/time-format

help:
	@echo 'make             build build/mashd and build/mashctl'
	@echo 'make run         install what is missing, build, start a private'
	@echo '                 redis-server and mashd with conf/mashd.conf'
	@echo 'make test        install what is missing, build, run every test:'
	@echo '                 gcc, valgrind, clang, then ASan and UBSan'
	@echo 'make check       build and run every test, installing nothing'
	@echo 'make unit        the cmocka unit tests only'
	@echo 'make integration the integration suite only'
	@echo 'make shape       no file of daemon/ over 700 lines, no function over 80'
	@echo 'make faults      the fault scenarios: kill -9 of mashd and Redis,'
	@echo '                 a hung Redis and MTA, two daemons, a reload'
	@echo '                 (FAULT_CYCLES=50; figures in FAULTS.md)'
	@echo 'make faults-short  the same, 5 cycles each (part of make check)'
	@echo 'make valgrind    the integration suite with mashd under valgrind'
	@echo 'make fuzz        fuzz each parser with libFuzzer (clang), $(FUZZ_SECONDS) s'
	@echo '                 each (FUZZ_SECONDS=N, FUZZERS="config ..."); crashes'
	@echo '                 are saved in tests/fuzz/crashes/ (FUZZING.md)'
	@echo 'make fuzz-replay every fuzz corpus file and kept crash, once'
	@echo 'make bench       run the benchmarks, each beside a reference (BENCHMARKS.md)'
	@echo 'make deps        install the Debian packages mashd needs (root)'
	@echo 'make install     install mashd, mashctl, units, man pages, config'
	@echo '                 (PREFIX=/usr/local, DESTDIR=; config never overwritten)'
	@echo 'make uninstall   remove what make install put there, but the config'
	@echo 'make clean       remove build output'

deps:
	@sh tools/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@sh tools/run.sh

test: deps
	@$(MAKE) --no-print-directory check

# Each build's programs are compiled on every processor first; the tests
# then run in order (the integration suite runs its tests side by side on
# its own: tests/integration/run.sh). The suite runs twice: with the
# plain build's mashd under valgrind, and with the ASan/UBSan build. A
# third, plain run (make integration) would test the same binaries as the
# valgrind run, only faster: it is left out to keep make test short.
NPROC   := $(shell nproc 2>/dev/null || echo 1)
check: shape
	@$(MAKE) --no-print-directory -j$(NPROC) programs
	@$(MAKE) --no-print-directory unit faults-short valgrind-short fuzz-replay
	@$(MAKE) --no-print-directory -j$(NPROC) BUILD=build-clang CC=clang \
		programs
	@$(MAKE) --no-print-directory BUILD=build-clang CC=clang unit \
		fuzz-replay
	@$(MAKE) --no-print-directory -j$(NPROC) BUILD=build-asan SAN=1 \
		programs
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 unit \
		integration fuzz-replay

$(BUILD)/mashd: $(DAEMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/mashctl: $(CTL_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: daemon/%.c | $(BUILD)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# A test's HTTP receiver for webhooks, on evhttp.
$(BUILD)/webhook-recv: tests/tools/webhook-recv.c | $(BUILD)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

# A test's `sendmail -bs`, speaking SMTP on its input and output.
$(BUILD)/smtp-stub: tests/tools/smtp-stub.c | $(BUILD)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

# The C formatter of instants, for a test of the Lua one (t_queue_time).
$(BUILD)/time-format: tests/tools/time-format.c $(BUILD)/timeutil.o | $(BUILD)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

# A test's proxy to Redis that loses a reply after Redis ran the command.
$(BUILD)/redis-cutter: tests/tools/redis-cutter.c | $(BUILD)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

# The tests' clock for redis-server (see the file); never sanitized, as
# it is preloaded into a program that is not.
$(BUILD)/redis-clock.so: tests/tools/redis-clock.c | $(BUILD)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -fPIC -shared \
		-o $@ $<

$(BUILD)/%.o: tools/%.c | $(BUILD)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# Lua scripts are compiled in as C strings; see tools/lua2c.sh. In front
# of each go the hub's words, written by tools/words-lua from the same
# tables the C uses (include/mash/words.h), then the library's helpers
# that the script uses: $(BUILD)/lib.lua, the files of LUA_LIB in order
# (the benches and tests put it in front of their own scripts too).
$(BUILD)/store_call.o: $(BUILD)/lua_scripts.h
$(BUILD)/lua_scripts.h: $(BUILD)/words.lua $(BUILD)/lib.lua $(LUA) \
		       tools/lua2c.sh tools/lua-prelude.awk | $(BUILD)
	sh tools/lua2c.sh $(BUILD)/words.lua $(BUILD)/lib.lua $(LUA) \
		> $@.tmp && mv $@.tmp $@
$(BUILD)/lib.lua: $(LUA_LIB) | $(BUILD)
	cat $(LUA_LIB) > $@.tmp && mv $@.tmp $@
$(BUILD)/words.lua: $(BUILD)/words-lua
	$(BUILD)/words-lua > $@.tmp && mv $@.tmp $@
$(BUILD)/words-lua: $(BUILD)/words-lua.o $(PURE_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/test_%: tests/unit/test_%.c $(PURE_OBJ) | $(BUILD)
	$(CC) $(CFLAGS) -MMD -MP $(LDFLAGS) -o $@ $< $(PURE_OBJ) $(LDLIBS) -lcmocka

# test_queue_item: mashd's queue_item.o too (no I/O in it).
$(BUILD)/test_queue_item: tests/unit/test_queue_item.c $(BUILD)/queue_item.o \
		$(PURE_OBJ) | $(BUILD)
	$(CC) $(CFLAGS) -Idaemon -MMD -MP $(LDFLAGS) -o $@ $< \
		$(BUILD)/queue_item.o $(PURE_OBJ) $(LDLIBS) -lcmocka

# test_queue_json: mashd's queue_json.o and queue_item.o (no I/O in them).
$(BUILD)/test_queue_json: tests/unit/test_queue_json.c $(BUILD)/queue_json.o \
		$(BUILD)/queue_item.o $(PURE_OBJ) | $(BUILD)
	$(CC) $(CFLAGS) -Idaemon -MMD -MP $(LDFLAGS) -o $@ $< \
		$(BUILD)/queue_json.o $(BUILD)/queue_item.o $(PURE_OBJ) \
		$(LDLIBS) -lcmocka

unit: $(UNITS:%=$(BUILD)/%)
	@set -e; for t in $(UNITS); do \
		echo "== unit $$t ($(BUILD))"; \
		MASH_TOP=$(CURDIR) ./$(BUILD)/$$t; \
	done

integration: all
	@MASH_BUILD=$(CURDIR)/$(BUILD) sh tests/integration/run.sh

# The size of daemon/'s files and functions (tools/shape.sh).
shape:
	@sh tools/shape.sh

# The fault harness (tests/faults, FAULTS.md): the scenarios drive mashd
# with mash-load and assert issue 9's invariants with fault-check. `make
# faults` deals FAULT_CYCLES faults a scenario; the short pass, 5.
FAULT_CYCLES ?= 50
FAULT_TOOLS = $(BUILD)/mash-load $(BUILD)/fault-check
faults: all $(FAULT_TOOLS)
	@MASH_BUILD=$(CURDIR)/$(BUILD) FAULT_CYCLES=$(FAULT_CYCLES) \
		sh tests/faults/run.sh

faults-short: all $(FAULT_TOOLS)
	@MASH_BUILD=$(CURDIR)/$(BUILD) FAULT_CYCLES=5 FAULT_JOBS=$(NPROC) \
		sh tests/faults/run.sh

$(BUILD)/mash-load: tools/bench/mash-load.c tools/bench/body.h | $(BUILD)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS) -lm

$(BUILD)/fault-check: tests/faults/fault-check.c tools/bench/body.h | $(BUILD)
	$(CC) $(CFLAGS) -Itools/bench $(LDFLAGS) -o $@ $< $(LDLIBS)

# mashd under memcheck: any error or definite leak fails its clean exit.
VALGRIND_WRAP = valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=99
valgrind: all
	@MASH_BUILD=$(CURDIR)/$(BUILD) MASHD_WRAP="$(VALGRIND_WRAP)" \
		sh tests/integration/run.sh

# make check's valgrind pass: every test but those tests/integration/
# valgrind-long names (each runs in the ASan pass; make valgrind runs all).
VG_LONG  = $(shell sed -n 's/^\(t_[a-z0-9_]*\) .*/\1/p' \
	     tests/integration/valgrind-long)
VG_SHORT = $(filter-out $(VG_LONG:%=tests/integration/%.sh), \
	     $(sort $(wildcard tests/integration/t_*.sh)))
valgrind-short: all
	@echo "valgrind pass: all integration tests but $(VG_LONG) (make valgrind runs those too)"
	@MASH_BUILD=$(CURDIR)/$(BUILD) MASHD_WRAP="$(VALGRIND_WRAP)" \
		sh tests/integration/run.sh $(VG_SHORT)

# The benchmarks: tools/mash-bench, figures in BENCHMARKS.md.
.PHONY: bench
bench: all
	@MASH_BUILD=$(CURDIR)/$(BUILD) CC="$(CC)" sh tools/mash-bench

# Fuzzing: tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput for one
# parser; corpus/NAME/ holds its seeds and every crash it ever found,
# NAME.dict its dictionary. Each harness is built twice: with libFuzzer
# (make fuzz, clang only) and with replay.c as a plain program that runs
# each file it is given once (make fuzz-replay, any compiler, part of
# make check).
FUZZERS      ?= referral holidays config mail ctl answer
FUZZ_SECONDS ?= 60
FUZZ_DEPS     = tests/fuzz/fuzz.h tests/fuzz/fuzz_handlers.h
FUZZ_ENV      = LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp:print_suppressions=0
FUZZ_OBJ_referral = $(PURE_OBJ)
FUZZ_OBJ_holidays = $(PURE_OBJ)
FUZZ_OBJ_config   = $(CONF:%=$(BUILD)/%.o) $(PURE_OBJ)
FUZZ_OBJ_mail     = $(BUILD)/mail.o $(BUILD)/mail_mime.o $(PURE_OBJ)
FUZZ_OBJ_ctl      = $(BUILD)/ctl_cmd.o $(BUILD)/ctl_args.o $(BUILD)/ctl_alerts.o \
		    $(BUILD)/ctl_screen.o $(BUILD)/ctl_find.o $(BUILD)/ctl_list.o \
		    $(BUILD)/ctl_queue.o $(BUILD)/ctl_audit.o $(BUILD)/ctl_report.o \
		    $(BUILD)/intake.o $(BUILD)/crypto_reuse.o $(BUILD)/ctl_explain.o \
		    $(BUILD)/ctl_queue_stream.o $(BUILD)/ctl_queue_page.o $(BUILD)/queue_item.o \
		    $(BUILD)/ctl_queue_read.o $(BUILD)/queue_json.o \
		    $(CONF:%=$(BUILD)/%.o) $(PURE_OBJ)
FUZZ_OBJ_answer   = $(FUZZ_OBJ_ctl) $(BUILD)/store_json.o \
		    $(BUILD)/digest_pages.o $(BUILD)/digest_text.o

.SECONDEXPANSION:
$(BUILD)/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $$(FUZZ_OBJ_$$*) \
		$(FUZZ_DEPS) | $(BUILD)
	$(CC) $(CFLAGS) -Idaemon $(LDFLAGS) -o $@ tests/fuzz/fuzz_$*.c \
		tests/fuzz/replay.c $(FUZZ_OBJ_$*) $(LDLIBS)
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_OBJ_$$*) $(FUZZ_DEPS) | $(BUILD)
	$(CC) $(CFLAGS) -Idaemon $(LDFLAGS) -fsanitize=fuzzer -o $@ \
		tests/fuzz/fuzz_$*.c $(FUZZ_OBJ_$*) $(LDLIBS)

# Every seed and every kept crash, once per harness: seconds.
# Everything make check runs, built.
programs: all $(UNITS:%=$(BUILD)/%) $(FAULT_TOOLS) \
	$(FUZZERS:%=$(BUILD)/replay_%)

fuzz-replay: $(FUZZERS:%=$(BUILD)/replay_%)
	@set -e; for f in $(FUZZERS); do \
		printf '== fuzz-replay %s (%s): ' $$f $(BUILD); \
		$(FUZZ_ENV) ./$(BUILD)/replay_$$f tests/fuzz/corpus/$$f \
			$$(find tests/fuzz/crashes/$$f -type f 2>/dev/null); \
	done

# New inputs go to build-fuzz/corpus/NAME, never into the tree; a crash,
# leak or timeout is written to tests/fuzz/crashes/NAME/ and ends that
# harness's run, then the next one runs. The log of each run is
# build-fuzz/fuzz-NAME.log.
fuzz:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang FUZZ=1 \
		fuzz-run
fuzz-run: $(FUZZERS:%=$(BUILD)/fuzz_%)
	@failed=; for f in $(FUZZERS); do \
		mkdir -p $(BUILD)/corpus/$$f tests/fuzz/crashes/$$f; \
		dict=; [ -f tests/fuzz/$$f.dict ] && \
			dict=-dict=tests/fuzz/$$f.dict; \
		echo "== fuzz $$f: $(FUZZ_SECONDS) s"; \
		if ( $(FUZZ_ENV) ./$(BUILD)/fuzz_$$f $$dict \
			-max_total_time=$(FUZZ_SECONDS) -timeout=20 \
			-max_len=65536 -print_final_stats=1 \
			-artifact_prefix=tests/fuzz/crashes/$$f/ \
			$(BUILD)/corpus/$$f tests/fuzz/corpus/$$f \
			> $(BUILD)/fuzz-$$f.log 2>&1; rc=$$?; \
			times > $(BUILD)/fuzz-$$f.cpu; exit $$rc ); \
		then \
			grep -E '^#[0-9]+[[:space:]]+DONE' $(BUILD)/fuzz-$$f.log; \
			grep -E '^stat::(number_of_executed_units|peak_rss_mb)' \
				$(BUILD)/fuzz-$$f.log; \
		else \
			tail -n 40 $(BUILD)/fuzz-$$f.log; failed="$$failed $$f"; \
		fi; \
		echo "cpu time (user, system): $$(sed -n 2p $(BUILD)/fuzz-$$f.cpu)"; \
		rmdir tests/fuzz/crashes/$$f 2>/dev/null; \
	done; \
	rmdir tests/fuzz/crashes 2>/dev/null; \
	[ -z "$$failed" ] || { echo "fuzz: a fault in:$$failed;" \
		"its input is in tests/fuzz/crashes/" >&2; exit 1; }

$(BUILD):
	mkdir -p $@

clean:
	rm -rf build build-asan build-clang build-fuzz

# Installation: `make install [PREFIX=/usr/local] [DESTDIR=...]`. The
# configuration lives in $(SYSCONFDIR)/mashd whatever PREFIX is, and a file
# there is never overwritten: a new install leaves the hub's own alone.
# The shipped mashd.conf gets fresh random client tokens and a random
# repeat.secret (repeat detection on) on its first install. With no DESTDIR, the mashd user and the directories are made
# at once (systemd-sysusers, systemd-tmpfiles) and systemd is told.
PREFIX        ?= /usr/local
SYSCONFDIR    ?= /etc
SBINDIR       ?= $(PREFIX)/sbin
BINDIR        ?= $(PREFIX)/bin
DATADIR       ?= $(PREFIX)/share
MANDIR        ?= $(DATADIR)/man
UNITDIR       ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR   ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR   ?= $(PREFIX)/lib/tmpfiles.d
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
INSTALL       ?= install
HOLIDAYS_FILE  = $(DATADIR)/mashd/bank-holidays.json

# mashd and mashctl look for the shipped bank holidays where install puts
# them; the stamp rebuilds config_time.o when PREFIX (so that place) changes.
$(BUILD)/config_time.o: CFLAGS += -DMASH_HOLIDAYS_FILE='"$(HOLIDAYS_FILE)"'
$(BUILD)/config_time.o: $(BUILD)/holidays-path.stamp
$(BUILD)/holidays-path.stamp: FORCE | $(BUILD)
	@echo '$(HOLIDAYS_FILE)' > $@.tmp; \
	cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
# mashctl's questions for a telephone referral, tested on their own.
ASK_OBJ = $(BUILD)/ask.o $(BUILD)/ask_date.o $(BUILD)/ask_suggest.o
$(BUILD)/test_ask: tests/unit/test_ask.c $(ASK_OBJ) $(PURE_OBJ) | $(BUILD)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(ASK_OBJ) $(PURE_OBJ) \
		$(LDLIBS) -lcmocka
$(BUILD)/test_ask_date: tests/unit/test_ask_date.c $(BUILD)/ask_date.o \
		$(PURE_OBJ) | $(BUILD)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/ask_date.o $(PURE_OBJ) \
		$(LDLIBS) -lcmocka
# The mail parser, on messages of the test's own and the fixtures.
$(BUILD)/test_mail: tests/unit/test_mail.c $(BUILD)/mail.o $(BUILD)/mail_mime.o \
		$(PURE_OBJ) | $(BUILD)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/mail.o $(BUILD)/mail_mime.o \
		$(PURE_OBJ) \
		$(LDLIBS) -lcmocka
# The stop's counts, on an event loop of the test's own.
$(BUILD)/test_deliver_text: tests/unit/test_deliver_text.c \
		$(BUILD)/deliver_text.o $(PURE_OBJ) | $(BUILD)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/deliver_text.o \
		$(PURE_OBJ) $(LDLIBS) -lcmocka

$(BUILD)/test_lifecycle: tests/unit/test_lifecycle.c $(BUILD)/lifecycle.o \
		$(BUILD)/log.o | $(BUILD)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/lifecycle.o $(BUILD)/log.o \
		$(LDLIBS) -lcmocka
# What each alert says, tested on its own.
$(BUILD)/test_alert_text: tests/unit/test_alert_text.c $(BUILD)/alert_text.o \
		$(PURE_OBJ) | $(BUILD)
	$(CC) $(CFLAGS) -Idaemon $(LDFLAGS) -o $@ $< $(BUILD)/alert_text.o \
		$(PURE_OBJ) $(LDLIBS) -lcmocka
# What the daily digest says, tested on its own.
$(BUILD)/test_digest_text: tests/unit/test_digest_text.c \
		$(BUILD)/digest_text.o $(PURE_OBJ) | $(BUILD)
	$(CC) $(CFLAGS) -Idaemon $(LDFLAGS) -o $@ $< $(BUILD)/digest_text.o \
		$(PURE_OBJ) $(LDLIBS) -lcmocka
# The unit test compiles daemon/log.c in.
$(BUILD)/test_log: daemon/log.c daemon/log.h

# Paths in the installed files follow PREFIX and SYSCONFDIR.
FIXPATHS = sed -e 's|/usr/sbin/mashd|$(SBINDIR)/mashd|g' \
	-e 's|/usr/bin/mashctl|$(BINDIR)/mashctl|g' \
	-e 's|/usr/share/mashd|$(DATADIR)/mashd|g' \
	-e 's|/etc/mashd|$(SYSCONFDIR)/mashd|g' \
	-e 's|/usr/lib/systemd/system|$(UNITDIR)|g' \
	-e 's|/usr/lib/sysusers.d|$(SYSUSERSDIR)|g' \
	-e 's|/usr/lib/tmpfiles.d|$(TMPFILESDIR)|g'
MANPAGES = man/mashd.8 man/mashctl.1 man/mashd.conf.5

.PHONY: install uninstall FORCE
FORCE:

install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(DATADIR)/mashd $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSCONFDIR)/syslog-ng/conf.d \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d
	$(INSTALL) -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/mashd
	$(INSTALL) -m 0755 $(BUILD)/mashd $(DESTDIR)$(SBINDIR)/mashd
	$(INSTALL) -m 0755 $(BUILD)/mashctl $(DESTDIR)$(BINDIR)/mashctl
	$(INSTALL) -m 0644 conf/bank-holidays.json $(DESTDIR)$(HOLIDAYS_FILE)
	$(INSTALL) -m 0644 conf/redis.conf $(DESTDIR)$(DATADIR)/mashd/redis.conf
	$(INSTALL) -d $(DESTDIR)$(DATADIR)/mashd/ha
	$(INSTALL) -m 0644 conf/ha/redis.conf conf/ha/sentinel.conf \
		$(DESTDIR)$(DATADIR)/mashd/ha/
	$(FIXPATHS) systemd/mashd.service > $(DESTDIR)$(UNITDIR)/mashd.service
	$(FIXPATHS) systemd/mashd.tmpfiles > $(DESTDIR)$(TMPFILESDIR)/mashd.conf
	$(INSTALL) -m 0644 systemd/mashd.sysusers $(DESTDIR)$(SYSUSERSDIR)/mashd.conf
	chmod 0644 $(DESTDIR)$(UNITDIR)/mashd.service \
		$(DESTDIR)$(TMPFILESDIR)/mashd.conf
	$(INSTALL) -m 0644 tools/mashctl.bash-completion \
		$(DESTDIR)$(COMPLETIONDIR)/mashctl
	for m in $(MANPAGES); do \
		s=$${m##*.}; \
		$(FIXPATHS) $$m > $(DESTDIR)$(MANDIR)/man$$s/$${m##*/} && \
		chmod 0644 $(DESTDIR)$(MANDIR)/man$$s/$${m##*/} || exit 1; \
	done
	@set -e; c=$(DESTDIR)$(SYSCONFDIR)/mashd/mashd.conf; \
	if [ -e $$c ]; then echo "install: $$c is there: left as it is"; \
	else \
		t1=$$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n'); \
		t2=$$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n'); \
		rs=$$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n'); \
		$(FIXPATHS) -e "s|sample-web-form-token-change-me|$$t1|" \
			-e "s|sample-police-token-change-me|$$t2|" \
			-e "s|^  secret = \"\";|  secret = \"$$rs\";|" \
			-e 's|The tokens below are samples: change them before going live.|The tokens below were made at random by make install.|' \
			conf/mashd.conf > $$c.tmp; \
		chmod 0640 $$c.tmp; mv $$c.tmp $$c; \
		echo "install: $$c written, with random client tokens" \
			"and repeat.secret"; \
	fi
	@set -e; for f in syslog-ng/conf.d/mashd.conf:conf/syslog-ng/mashd.conf \
		logrotate.d/mashd:conf/syslog-ng/mashd.logrotate; do \
		dst=$(DESTDIR)$(SYSCONFDIR)/$${f%%:*}; \
		if [ -e $$dst ]; then echo "install: $$dst is there: left as it is"; \
		else $(INSTALL) -m 0644 $${f#*:} $$dst; fi; \
	done
	@if [ -z "$(DESTDIR)" ]; then \
		command -v systemd-sysusers >/dev/null && \
			systemd-sysusers $(SYSUSERSDIR)/mashd.conf; \
		command -v systemd-tmpfiles >/dev/null && \
			systemd-tmpfiles --create $(TMPFILESDIR)/mashd.conf; \
		[ -d /run/systemd/system ] && systemctl daemon-reload; \
		echo "install: done; then: systemctl enable --now mashd"; \
	fi; true

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/mashd $(DESTDIR)$(BINDIR)/mashctl \
		$(DESTDIR)$(HOLIDAYS_FILE) $(DESTDIR)$(DATADIR)/mashd/redis.conf \
		$(DESTDIR)$(DATADIR)/mashd/ha/redis.conf \
		$(DESTDIR)$(DATADIR)/mashd/ha/sentinel.conf \
		$(DESTDIR)$(UNITDIR)/mashd.service \
		$(DESTDIR)$(SYSUSERSDIR)/mashd.conf \
		$(DESTDIR)$(TMPFILESDIR)/mashd.conf \
		$(DESTDIR)$(COMPLETIONDIR)/mashctl \
		$(DESTDIR)$(MANDIR)/man8/mashd.8 \
		$(DESTDIR)$(MANDIR)/man1/mashctl.1 \
		$(DESTDIR)$(MANDIR)/man5/mashd.conf.5
	-rmdir $(DESTDIR)$(DATADIR)/mashd/ha $(DESTDIR)$(DATADIR)/mashd 2>/dev/null
	@echo "uninstall: $(DESTDIR)$(SYSCONFDIR)/mashd, the syslog-ng and" \
		"logrotate snippets and the mashd user are kept; remove them" \
		"by hand to purge"

-include $(wildcard $(BUILD)/*.d)
