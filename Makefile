# The two commands of the README: `make run` and `make test`. Both set up what they need first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
ENVOY := $(VENV)/bin/envoy
DEBUG_BIN := .build/debug/mcp-gateway
RELEASE_BIN := .build/release/mcp-gateway

.PHONY: setup build build-release test unit-test integration-test run golden golden-check validate-envoy bench soak clean fuzz sanitize

setup:
	@./scripts/setup.sh

build: setup
	swift build --build-tests

build-release: setup
	swift build -c release --product mcp-gateway

## Everything: codec goldens re-derived from the independent encoder, Swift unit tests, then the
## integration tests that drive the stock Envoy, grpcio and the MCP SDK against the real binary.
test: build golden-check
	swift test --skip-build
	$(PY) -m pytest -q tests
	@echo "make test: all suites passed"

unit-test: build
	swift test --skip-build

integration-test: build
	$(PY) -m pytest -q tests

## Regenerates the protobuf golden vectors with Python protobuf + xds-protos and fails if the
## committed copy differs: the goldens must come from the independent encoder, not from us.
golden-check: setup
	@$(PY) Tests/golden/make_golden.py --check

golden: setup
	$(PY) Tests/golden/make_golden.py

validate-envoy: setup
	@for f in envoy/*.yaml; do $(ENVOY) --mode validate -c $$f --log-level error >/dev/null && echo "$$f OK" || exit 1; done

## The gateway in front of the example servers, with Envoy, in the foreground until Ctrl-C.
run: build-release
	@AUTH=$(AUTH) ./scripts/run-demo.sh $(RELEASE_BIN)

clean:
	rm -rf .build

## Side-by-side benchmarks (release build). BENCH_ARGS="--duration 10" to change.
bench: build-release
	swift build -c release --product mcp-bench-backend
	MCP_GATEWAY_BIN=$(RELEASE_BIN) $(PY) bench/run_bench.py $(BENCH_ARGS) --out bench/results/bench-$$(date -u +%Y-%m-%d).md

## Ten minutes of mixed load through Envoy + gateway (auth on); figures to bench/results/.
soak: build-release
	MCP_GATEWAY_BIN=$(RELEASE_BIN) $(PY) bench/soak.py --minutes $${SOAK_MINUTES:-10} --out bench/results/soak-$$(date -u +%Y-%m-%d).md

## libFuzzer targets (Fuzz/README.md): each runs FUZZ_SECONDS (default 20) from the seeds in
## Fuzz/corpus/; FUZZ_TARGETS="json jwt" for some. Fails if any target crashes.
FUZZ_SECONDS ?= 20
fuzz: setup
	@Fuzz/build.sh $(FUZZ_TARGETS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh $(FUZZ_TARGETS)

## The Swift unit tests under AddressSanitizer, then ThreadSanitizer (.build-asan, .build-tsan).
## Run before each release; about 4 minutes from cold.
sanitize: setup
	@Fuzz/sanitize.sh
