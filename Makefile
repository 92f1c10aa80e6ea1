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
# Extra packages for `make soak`: the schema check reads the spec's YAML; curl reads the metrics.
SOAK_PACKAGES := python3-yaml curl
# Extra packages for `make bench`: the load generator, the nginx ceiling, Node.js for Prism.
BENCH_PACKAGES := wrk nginx curl
# Extra packages for `make fuzz`: clang and its libFuzzer/sanitizer runtimes.
FUZZ_PACKAGES  := clang libclang-rt-14-dev
FUZZ_DIR       ?= build-fuzz
FUZZ_SECONDS   ?= 60
# Node.js and npm from Debian, unless some npm is already on PATH (a nodesource nodejs conflicts with Debian's npm).
NODE_PACKAGES  := nodejs npm
PRISM_VERSION  ?= 5.14.2
PORTMAN_VERSION ?= 1.33.0
NEWMAN_VERSION ?= 6.2.2
SPECTRAL_VERSION ?= 6.16.3
REDOCLY_VERSION ?= 2.77.0
# Extra packages for packaging: help2man writes the man page, mmdebstrap builds the fresh Debian 12 roots the
# package and the image are checked in, podman builds the image (docs/install.md).
PACKAGING_PACKAGES := help2man dpkg-dev mmdebstrap python3-yaml
IMAGE_PACKAGES     := podman
PREFIX     ?= /usr/local
CHECK_DIR  ?= $(BUILD_DIR)/check

.PHONY: all setup build run test bench bench-setup soak fuzz clean help packaging-setup package package-check install image-check ci-examples-check

all: build

help:
	@echo "make run    install what is missing, build, start the Kibana mock on http://$(HOST):$(PORT)"
	@echo "make test   install what is missing, build, run every test"
	@echo "make build  build only (into $(BUILD_DIR)/)"
	@echo "make bench  build and run the benchmarks (see bench/RESULTS.md)"
	@echo "make fuzz   build the libFuzzer targets (clang, ASan+UBSan) in $(FUZZ_DIR)/, run each FUZZ_SECONDS=$(FUZZ_SECONDS) s"
	@echo "make setup  install missing Debian packages"
	@echo "make soak   10 minutes of mixed traffic against the mock and the proxy (SOAK_SECONDS=N to shorten)"
	@echo "make package        the Debian package in $(BUILD_DIR)/package/ (docs/install.md)"
	@echo "make package-check  the package installed and run in a fresh Debian 12 root"
	@echo "make install PREFIX=/usr/local   install specgate and its man page from source"
	@echo "make ci-examples-check      the docs/ci/ examples parse"
	@echo "make image-check    build the Dockerfile with podman, run specgate in a chroot of the image"

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

# Not part of CI: crashes, wrong answers (checked with python3-jsonschema) and memory slope; figures in bench/RESULTS.md.
soak: build
	@tools/install-packages.sh $(SOAK_PACKAGES)
	SPECGATE=$(BUILD_DIR)/specgate bench/soak.sh

packaging-setup: setup
	@tools/install-packages.sh $(PACKAGING_PACKAGES)

# Re-configured so that a help2man installed after the first configure is found, and the commit is current.
package: packaging-setup
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j $(JOBS) --target specgate specgate_man
	cd $(BUILD_DIR) && cpack
	dpkg-deb -I $(BUILD_DIR)/package/specgate_*.deb

package-check: package
	tools/packaging/package-check.sh $$(ls $(BUILD_DIR)/package/specgate_*.deb) $(CHECK_DIR)

install: packaging-setup
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j $(JOBS) --target specgate specgate_man
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# The docs/ci/ examples parse and show what docs/install.md says (python3-yaml).
ci-examples-check:
	tools/packaging/check-ci-examples.py

image-check: packaging-setup
	@tools/install-packages.sh $(IMAGE_PACKAGES)
	tools/packaging/image-check.sh $(CHECK_DIR)

# libFuzzer targets (tests/fuzz/libfuzzer/): built with clang + ASan + UBSan in their own directory,
# each run FUZZ_SECONDS from the seeds in tests/fuzz/corpus/; findings land in $(FUZZ_DIR)/fuzz-artifacts/.
fuzz: setup
	@tools/install-packages.sh $(FUZZ_PACKAGES)
	cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
	  "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DSPECGATE_LIBFUZZER=ON -DBUILD_TESTING=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_targets
	BUILD_DIR=$(FUZZ_DIR) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/libfuzzer/run.sh

clean:
	rm -rf $(BUILD_DIR)
