# Quick start: `make demo` and `make check` (README). Both install what they need first.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
SHARED ?= $(abspath ../shared/data/mqttset)
BUILD := build
ASAN_BUILD := build-asan
FUZZ_BUILD := build-fuzz
FUZZ_SECONDS ?= 45

.PHONY: all deps build build-asan build-fuzz demo check test test-asan fuzz bench clean

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

# Bounded libFuzzer runs (clang, ASan + UBSan) of the CSV reader, the packet decoder and the
# Kafka record decoder, plus every fuzz corpus replay.
build-fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMQTTIDS_SANITIZE=ON -DMQTTIDS_FUZZ=ON \
	  -DMQTTIDS_FUZZ_SECONDS=$(FUZZ_SECONDS) -DMQTTIDS_SHARED_DATA=$(SHARED) >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_csv fuzz_mqtt fuzz_model fuzz_codec \
	  replay_fuzz_csv replay_fuzz_mqtt replay_fuzz_model replay_fuzz_codec

fuzz: build-fuzz
	cd $(FUZZ_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest -L fuzz --output-on-failure -j$(JOBS)

# Release build + tests, the AddressSanitizer + UndefinedBehaviorSanitizer build + tests,
# then bounded fuzzing.
check: test test-asan fuzz

demo: build
	bash scripts/demo.sh $(BUILD)/cli/mqttids "$(SHARED)"

bench: build
	bash scripts/deps.sh --bench
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
