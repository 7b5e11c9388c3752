# mashd: the referral queue of a Multi-Agency Safeguarding Hub.
# `make help` lists the targets.

BUILD   ?= build
CC      ?= cc
PKGS     = libevent libevent_openssl hiredis libconfig jansson libsystemd \
	   gmime-3.0
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -I$(BUILD) \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcrypto
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# The pure modules: no I/O, shared by mashd, mashctl and the unit tests.
PURE     = timeutil referral brag calendar deadline
DAEMON   = main config log clock store intake http ctl scheduler alert \
	   $(PURE)
MASHCTL  = mashctl $(PURE)
UNITS    = $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
LUA      = $(wildcard daemon/lua/*.lua)

PURE_OBJ   = $(PURE:%=$(BUILD)/%.o)
DAEMON_OBJ = $(DAEMON:%=$(BUILD)/%.o)
CTL_OBJ    = $(BUILD)/mashctl.o $(BUILD)/config.o $(PURE_OBJ)

.PHONY: all deps run test check unit integration valgrind clean help
all: $(BUILD)/mashd $(BUILD)/mashctl $(BUILD)/webhook-recv

help:
	@echo 'make             build build/mashd and build/mashctl'
	@echo 'make run         install what is missing, build, start a private'
	@echo '                 redis-server and mashd with conf/mashd.conf'
	@echo 'make test        install what is missing, build, run every test:'
	@echo '                 gcc, valgrind, clang, then ASan and UBSan'
	@echo 'make check       build and run every test, installing nothing'
	@echo 'make unit        the cmocka unit tests only'
	@echo 'make integration the integration suite only'
	@echo 'make valgrind    the integration suite with mashd under valgrind'
	@echo 'make deps        install the Debian packages mashd needs (root)'
	@echo 'make clean       remove build output'

deps:
	@sh tools/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@sh tools/run.sh

test: deps
	@$(MAKE) --no-print-directory check

check: all unit integration valgrind
	@$(MAKE) --no-print-directory BUILD=build-clang CC=clang all unit
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 all unit integration

$(BUILD)/mashd: $(DAEMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/mashctl: $(CTL_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: daemon/%.c | $(BUILD)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# A test's HTTP receiver for webhooks, on evhttp.
$(BUILD)/webhook-recv: tests/tools/webhook-recv.c | $(BUILD)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/%.o: tools/%.c | $(BUILD)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# Lua scripts are compiled in as C strings; see tools/lua2c.sh.
$(BUILD)/store.o: $(BUILD)/lua_scripts.h
$(BUILD)/lua_scripts.h: $(LUA) tools/lua2c.sh | $(BUILD)
	sh tools/lua2c.sh $(LUA) > $@.tmp && mv $@.tmp $@

$(BUILD)/test_%: tests/unit/test_%.c $(PURE_OBJ) | $(BUILD)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(PURE_OBJ) $(LDLIBS) -lcmocka

unit: $(UNITS:%=$(BUILD)/%)
	@set -e; for t in $(UNITS); do \
		echo "== unit $$t ($(BUILD))"; \
		MASH_TOP=$(CURDIR) ./$(BUILD)/$$t; \
	done

integration: all
	@MASH_BUILD=$(CURDIR)/$(BUILD) sh tests/integration/run.sh

# mashd under memcheck: any error or definite leak fails its clean exit.
valgrind: all
	@MASH_BUILD=$(CURDIR)/$(BUILD) MASHD_WRAP="valgrind -q --leak-check=full \
		--errors-for-leak-kinds=definite --error-exitcode=99" \
		sh tests/integration/run.sh

$(BUILD):
	mkdir -p $@

clean:
	rm -rf build build-asan build-clang

-include $(wildcard $(BUILD)/*.d)
