# Quick start: `make demo` and `make check` (README). Both install what they need first.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
SHARED ?= $(abspath ../shared/data/mqttset)
BUILD := build
ASAN_BUILD := build-asan

.PHONY: all deps build build-asan demo check test test-asan bench clean

all: build

deps:
	bash scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DMQTTIDS_WERROR=ON -DMQTTIDS_SHARED_DATA=$(SHARED) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMQTTIDS_SANITIZE=ON -DMQTTIDS_WERROR=ON -DMQTTIDS_SHARED_DATA=$(SHARED) >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS)

# Release build + tests, then the AddressSanitizer + UndefinedBehaviorSanitizer build + tests.
check: test test-asan

demo: build
	bash scripts/demo.sh $(BUILD)/cli/mqttids "$(SHARED)"

bench: build
	bash scripts/deps.sh --bench
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
