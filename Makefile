# specgate — the two commands a newcomer needs:  make run  and  make test
# Everything else (setup, build, bench) is done by them or available alone.

BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
HOST       ?= 127.0.0.1
PORT       ?= 5601

# Debian 12 packages the build and the tests need.
PACKAGES := g++ cmake ninja-build pkg-config ccache \
            libboost-dev libssl-dev libvalijson-dev nlohmann-json3-dev \
            libyaml-dev libcli11-dev libre2-dev rapidjson-dev zlib1g-dev libbrotli-dev libjemalloc-dev openssl \
            libgtest-dev libgmock-dev libbenchmark-dev python3-jsonschema \
            libxml2-utils chromium
# libjemalloc-dev: the specgate executable's allocator (CMakeLists.txt, SPECGATE_JEMALLOC).
# python3-jsonschema: the independent validator the example cross-check test compares with.
# libxml2-utils: xmllint checks the JUnit reports against tests/validator/data/junit.xsd;
# chromium: the HTML report is opened headless by a test (docs/reports.md).
# Extra packages for `make bench`: the load generator, the nginx ceiling, Node.js for Prism.
BENCH_PACKAGES := wrk nginx curl
# Node.js and npm from Debian, unless some npm is already on PATH (a nodesource nodejs conflicts with Debian's npm).
NODE_PACKAGES  := nodejs npm
PRISM_VERSION  ?= 5.14.2
PORTMAN_VERSION ?= 1.33.0
NEWMAN_VERSION ?= 6.2.2
SPECTRAL_VERSION ?= 6.16.3
REDOCLY_VERSION ?= 2.77.0

.PHONY: all setup build run test bench bench-setup clean help

all: build

help:
	@echo "make run    install what is missing, build, start the Kibana mock on http://$(HOST):$(PORT)"
	@echo "make test   install what is missing, build, run every test"
	@echo "make build  build only (into $(BUILD_DIR)/)"
	@echo "make bench  build and run the benchmarks (see bench/RESULTS.md)"
	@echo "make setup  install missing Debian packages"

setup:
	@tools/install-packages.sh $(PACKAGES)

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: setup $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/specgate mock --host $(HOST) --port $(PORT)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

bench-setup: setup
	@tools/install-packages.sh $(BENCH_PACKAGES)
	@command -v npm >/dev/null || tools/install-packages.sh $(NODE_PACKAGES)
	@test -x $(BUILD_DIR)/bench-tools/node_modules/.bin/prism || \
	  npm install --prefix $(BUILD_DIR)/bench-tools --no-audit --no-fund @stoplight/prism-cli@$(PRISM_VERSION)
	@test -x $(BUILD_DIR)/bench-tools/node_modules/.bin/portman -a -x $(BUILD_DIR)/bench-tools/node_modules/.bin/newman || \
	  npm install --prefix $(BUILD_DIR)/bench-tools --no-audit --no-fund @apideck/portman@$(PORTMAN_VERSION) newman@$(NEWMAN_VERSION)
	@test -x $(BUILD_DIR)/bench-tools/node_modules/.bin/spectral -a -x $(BUILD_DIR)/bench-tools/node_modules/.bin/redocly || \
	  npm install --prefix $(BUILD_DIR)/bench-tools --no-audit --no-fund @stoplight/spectral-cli@$(SPECTRAL_VERSION) @redocly/cli@$(REDOCLY_VERSION)

bench: bench-setup build
	bench/run.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
