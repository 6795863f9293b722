# Comity — one entry point for people and CI. `make run` and `make test` work
# as root on a fresh Debian 12 machine: each installs what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := build

BUILD        ?= build
ASAN_BUILD   ?= build-asan
FUZZ_BUILD   ?= build-fuzz
TSAN_BUILD   ?= build-tsan
FUZZ_SECONDS ?= 45
FUZZ_HTTP_SECONDS ?= 90
EVAL_DATE    ?= 2026-09-15
PORT         ?= 8080
DEMO_DB      ?= $(BUILD)/demo.db
JOBS         ?= $(shell nproc)

# Debian 12 packages the project needs (build, tests, benchmarks, fuzzing).
APT_PACKAGES := build-essential cmake ninja-build ccache clang libclang-rt-14-dev \
                libssl-dev libsqlite3-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev \
                libgtest-dev libgmock-dev libbenchmark-dev libcpp-httplib-dev libjemalloc-dev pkg-config curl \
                libargon2-dev age time openssl jq chromium poppler-utils clang-format libpq-dev postgresql-15
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

CMAKE_COMMON := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
# Paths under the checkout are hashed relative to it, and the build
# directory is not hashed, so a fresh clone reuses the compiler cache of an
# earlier one.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: deps build build-asan build-fuzz build-tsan screenshots run run-postgres federation-demo test test-unit test-asan test-tsan fuzz bench rules-check format check-format clean

deps:
	@# Node.js and npm for the test oracle and the web app's browser tests; an
	@# existing installation (e.g. from NodeSource) is kept.
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || \
	  ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing packages:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOMITY_TESTS=ON -DCOMITY_BENCH=ON \
	  -DCOMITY_SANITIZE=OFF -DCOMITY_FUZZ=OFF
	cmake --build $(BUILD) -j $(JOBS)

# Unit tests only, under AddressSanitizer and UndefinedBehaviorSanitizer.
build-asan: deps
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Debug -DCOMITY_SANITIZE=ON -DCOMITY_BENCH=OFF \
	  -DCOMITY_TESTS=ON -DCOMITY_FUZZ=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# The store, service and server tests under ThreadSanitizer (the server's
# connection threads, the group committer, the expiry sweeper, the readers).
build-tsan: deps
	cmake -S . -B $(TSAN_BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOMITY_TSAN=ON -DCOMITY_SANITIZE=OFF \
	  -DCOMITY_BENCH=OFF -DCOMITY_TESTS=ON -DCOMITY_FUZZ=OFF
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target comity comity_tests comity_server_tests

TSAN_ENV := TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp"
test-tsan: build-tsan
	$(TSAN_ENV) ./$(TSAN_BUILD)/tests/comity_tests --gtest_brief=1 \
	  --gtest_filter='StoreTest.*:ServiceTest.*:LogStatistics.*:Permissions.*'
	@# The server tests in two shards side by side, each its own process.
	@pids=(); for i in 0 1; do \
	  $(TSAN_ENV) GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=$$i ./$(TSAN_BUILD)/tests/comity_server_tests --gtest_brief=1 \
	    > $(TSAN_BUILD)/server-tests-$$i.log 2>&1 & pids+=($$!); done; \
	rc=0; for i in 0 1; do wait $${pids[$$i]} || { rc=1; cat $(TSAN_BUILD)/server-tests-$$i.log; }; done; \
	tail -n 3 $(TSAN_BUILD)/server-tests-*.log; exit $$rc

# libFuzzer needs clang; the core library is instrumented for coverage.
build-fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DCOMITY_FUZZ=ON -DCOMITY_TESTS=OFF -DCOMITY_BENCH=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

# `run` checks the pack, prints the decisions for the sample requests, seeds a
# fresh demo world and serves it on 127.0.0.1:$(PORT) until Ctrl-C.
run: build
	./$(BUILD)/comity rules check
	@echo
	@echo "Decisions for the sample requests in examples/ (law as of $(EVAL_DATE)):"
	@for f in examples/*.json; do echo; echo "── $$f"; ./$(BUILD)/comity evaluate "$$f" --at $(EVAL_DATE) --format summary || exit 1; done
	@echo
	@echo "Full decision memo:  ./$(BUILD)/comity evaluate examples/s02-eu-content-prosecutor-no-judge.json --at $(EVAL_DATE)"
	@echo
	@rm -rf $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_DB).log-key.pem $(DEMO_DB).keys $(DEMO_DB).evidence  # fresh log, keys
	@./$(BUILD)/comity demo seed --db $(DEMO_DB)
	@echo
	@echo "Comity:       http://127.0.0.1:$(PORT)/  — the web app: log in as a demo user above with its password"
	@echo "              (officer files requests; validator, central-authority, provider, enforcing-authority, oversight: their desks)"
	@echo "              Signing keys for the browser: $(DEMO_DB).keys/<user>/signing.pem (docs/web-app.md)"
	@echo "API:          http://127.0.0.1:$(PORT)/api/v1/openapi.json"
	@echo "Try:          curl -s -H 'Authorization: Bearer <officer token above>' -H 'Content-Type: application/json' \\"
	@echo "                --data-binary @examples/s01-eu-subscriber-prosecutor.json 'http://127.0.0.1:$(PORT)/api/v1/evaluate?at=$(EVAL_DATE)'"
	@echo "Open a case:  ./$(BUILD)/comity order sign --keys $(DEMO_DB).keys/officer examples/s01-eu-subscriber-prosecutor.json /tmp/order.json"
	@echo "              then POST {\"signed_order\": <order.json>, \"pathway\": \"P_EU_EPOC\"} to /api/v1/cases (docs/trust.md)"
	@echo "Public log:   http://127.0.0.1:$(PORT)/transparency  (report) and /log/checkpoint  (docs/transparency-log.md)"
	@echo "Stop with Ctrl-C."
	@exec ./$(BUILD)/comity serve --db $(DEMO_DB) --listen 127.0.0.1:$(PORT)

# Two server processes over one PostgreSQL database (docs/scale-out.md).
PORT2 ?= 8081
run-postgres: build
	@bash scripts/run_postgres.sh ./$(BUILD)/comity $(BUILD)/pg $(PORT) $(PORT2)

# Three federated nodes (DE, NL, US) on loopback ports, an EPOC with its
# notification DE → NL and an MLA request DE → US carried end to end with
# evidence, every receipt and the cosigned checkpoints verified
# (docs/federation.md, "See it run"). Also a ctest test (federation_demo).
federation-demo: build
	bash scripts/federation_demo.sh ./$(BUILD)/comity $(CURDIR)

rules-check: build
	./$(BUILD)/comity rules check

# The npm packages the tests need, exactly as locked: tests/oracle (an
# independent verifier of the transparency log) and tests/browser
# (playwright-core driving Debian's chromium, and axe-core).
ORACLE_DEPS := tests/oracle/node_modules/.package-lock.json
$(ORACLE_DEPS): tests/oracle/package-lock.json | deps
	cd tests/oracle && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
BROWSER_DEPS := tests/browser/node_modules/.package-lock.json
$(BROWSER_DEPS): tests/browser/package-lock.json | deps
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test-unit: build $(ORACLE_DEPS) $(BROWSER_DEPS)
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan: build-asan $(ORACLE_DEPS) $(BROWSER_DEPS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# Under libFuzzer: parse + evaluate, seeded with the sample requests; then the
# HTTP surface (the real router on a seeded node), seeded with
# tests/fuzz/http_corpus/ and every input that once found a bug.
fuzz: build-fuzz
	mkdir -p $(FUZZ_BUILD)/corpus $(FUZZ_BUILD)/http_corpus
	COMITY_PACK=$(CURDIR)/rules ./$(FUZZ_BUILD)/fuzz_request $(FUZZ_BUILD)/corpus examples examples/statements tests/fuzz/regressions \
	  -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	  -dict=tests/fuzz/request.dict -artifact_prefix=$(FUZZ_BUILD)/
	COMITY_PACK=$(CURDIR)/rules ./$(FUZZ_BUILD)/fuzz_http $(FUZZ_BUILD)/http_corpus tests/fuzz/http_corpus \
	  tests/fuzz/http_regressions -max_total_time=$(FUZZ_HTTP_SECONDS) -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
	  -print_final_stats=1 -dict=tests/fuzz/http.dict -artifact_prefix=$(FUZZ_BUILD)/http-

test: check-format test-unit test-asan fuzz test-tsan
	@echo "make test: format, unit, golden, CLI, browser, ASan/UBSan, fuzz and ThreadSanitizer runs passed"

# The server benchmark compares itself with nginx serving a static file; the
# server's request log goes to $(BUILD)/bench-server.log.
bench: build
	@dpkg -s nginx-light >/dev/null 2>&1 || dpkg -s nginx >/dev/null 2>&1 || \
	  ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx-light)
	./$(BUILD)/bench/bench_engine --benchmark_min_time=1
	./$(BUILD)/bench/bench_ledger
	./$(BUILD)/bench/bench_trust
	./$(BUILD)/bench/bench_documents
	bash bench/evidence.sh ./$(BUILD)/comity 1024
	./$(BUILD)/bench/bench_server --seconds 5 2>$(BUILD)/bench-server.log
	./$(BUILD)/bench/bench_scale_out --seconds 5
	./$(BUILD)/bench/bench_federation --seconds 5

# Refreshes the screenshots in docs/ from the browser test (a normal test run
# writes them into the build tree only).
screenshots: build $(BROWSER_DEPS)
	COMITY_SCREENSHOTS=$(CURDIR)/docs/screenshots node tests/browser/web_app_test.mjs ./$(BUILD)/comity $(CURDIR)

CXX_SOURCES = find src tests bench \( -name '*.cpp' -o -name '*.hpp' \) -not -path '*/node_modules/*'
format: deps
	$(CXX_SOURCES) | xargs clang-format -i

# Part of `make test`: the tree stays as clang-format (.clang-format) writes it.
check-format: deps
	$(CXX_SOURCES) | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(TSAN_BUILD)
