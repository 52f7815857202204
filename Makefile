# The README's two commands are `make run` and `make test`. Everything installs through
# scripts/install-deps (idempotent; Debian packages only).
SHELL := /bin/bash
DATA ?= var/demo
JOBS ?= $(shell nproc)

.PHONY: deps web build run test bench fuzz tsan format clean

deps:
	@scripts/install-deps

# The terminal and dashboard pages: TypeScript checked, then built by Vite into web/dist.
web: deps
	@cd web && npm run --silent build

# Optimised build of the custodian binary and the benchmarks, and the web pages.
build: deps web
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

# Creates (on first run) and checks a demo site ledger; see README "Run".
run: build
	@scripts/run-demo "$(DATA)"

# Every test, built with ASan + UBSan and warnings as errors.
test: deps web
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)
	@ctest --preset dev

# custodian_bench, then the HTTP figures of `custodian serve` beside nginx (bench/http_bench: wrk,
# HTTP_BENCH_SECONDS per run, default 5, HTTP_BENCH_ROUNDS rounds, default 3).
bench: build
	@build/release/bench/custodian_bench
	@bench/http_bench

# Coverage-guided fuzzing with clang's libFuzzer, FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
FUZZ_SOURCES := $(wildcard tests/fuzz/*_fuzz.cc src/*/*_fuzz.cc src/*/*/*_fuzz.cc)
FUZZ_TARGETS := $(basename $(notdir $(FUZZ_SOURCES)))
fuzz:
	@scripts/install-deps fuzz
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target $(FUZZ_TARGETS)
	@for src in $(FUZZ_SOURCES); do \
	  name=$$(basename $$src .cc); t=$$(find build/fuzz -type f -name $$name -perm -u+x | head -1); \
	  mkdir -p build/fuzz/corpus/$$name; \
	  echo "== $$name"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) build/fuzz/corpus/$$name tests/fuzz/corpus/$$name || exit 1; \
	done

tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan -j $(JOBS)
	@ctest --preset tsan

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	@rm -rf build
