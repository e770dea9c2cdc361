# Parley: the two commands of the README's quick start, plus a few for developers.
#   make run    install missing packages, build Release and the web files, start the
#               server on :8080
#   make test   install what tests need, build, run every test (ctest)
#   make web    only the web files: the widget and console bundles (esbuild) and Chart.js
#   make deb    the Debian package, build/deb/parley_<version>_amd64.deb
# Node steps (web files, browser tests, load-test peers) run the project's pinned Node.js 20
# under build/tools/node (scripts/node-setup.sh), whatever node the system has.

# Debian packages the build needs (exactly these; scripts/install-deps.sh skips present ones).
BUILD_PACKAGES := g++ cmake ninja-build ccache mold pkg-config \
  libboost1.81-dev libboost-json1.81-dev librocksdb-dev libsimdjson-dev libssl-dev \
  libspdlog-dev libfmt-dev libtomlplusplus-dev libcli11-dev \
  libgtest-dev libgmock-dev libbenchmark-dev libxapian-dev zlib1g-dev libcurl4-openssl-dev \
  libvalijson-dev libnats-dev
# Extra packages the tests need: Chromium for the browser tests (driven by playwright-core
# from npm, which never downloads a browser of its own), the openssl tool for the TLS tests'
# throwaway certificates and client handshakes, a colour emoji font for the screenshots, and
# the knowledge pages' checkers: a real feed parser (python3-feedparser) and xmllint, and a
# real SMTP server on loopback for the email tests (python3-aiosmtpd), and clang-format for the
# formatting check (format_check), and nats-server (JetStream) for the cluster tests.
TEST_PACKAGES := curl chromium openssl fonts-noto-color-emoji python3 python3-feedparser libxml2-utils \
  python3-aiosmtpd clang-format nats-server
# What building and checking the Debian package needs (`make deb`, and its test in `make
# test`): dpkg-shlibdeps (dpkg-dev) for the Depends line, lintian, systemd-analyze (systemd).
DEB_PACKAGES := dpkg-dev lintian systemd
TEST_PACKAGES += $(DEB_PACKAGES)
# Extra packages `make fuzz` needs: clang and its libFuzzer/sanitizer runtime.
FUZZ_PACKAGES := clang libclang-rt-14-dev
# `make tidy`: clang-tidy and its parallel driver run-clang-tidy.
TIDY_PACKAGES := clang-tidy

LISTEN ?= 127.0.0.1:8080
DATA_DIR ?= var/data

# Debian's npm, only to bootstrap the project's pinned Node.js 20 and npm
# (scripts/node/package-lock.json, installed under build/tools/node by scripts/node-setup.sh)
# when they are not installed yet and no npm is on PATH. Every Node step then runs the pinned
# ones: Debian 12's Node 18 is too old for the browser tests.
NODE_BOOTSTRAP = $(shell scripts/node-setup.sh --needs-npm)

.PHONY: deps node web-deps test-deps web configure build build-server run test asan tsan bench soak deb tidy clean

# Every install happens up front, in one apt-get call, before anything is built: a password
# prompt never appears after a long build.
deps:
	@scripts/install-deps.sh $(BUILD_PACKAGES) $(NODE_BOOTSTRAP)
	@scripts/node-setup.sh

test-deps:
	@scripts/install-deps.sh $(BUILD_PACKAGES) $(TEST_PACKAGES) $(NODE_BOOTSTRAP)
	@scripts/node-setup.sh

# The pinned Node.js 20 and npm alone (after deps).
node web-deps:
	@scripts/install-deps.sh $(NODE_BOOTSTRAP)
	@scripts/node-setup.sh

# The web files parleyd serves, from npm (clients/web/package-lock.json): /widget.js and
# /console.js bundled by esbuild from clients/web/src/ (with source maps), and Chart.js copied
# into clients/web/vendor/ for the console's Community charts. Quick when up to date.
web: node
	@scripts/build-web.sh

configure: deps
	@cmake --preset release >/dev/null

# Everything: the server, the clients, the tests and the benchmarks.
build: configure
	@cmake --build --preset release

# Only what `make run` and the README's tour run: parleyd and parley-cli.
build-server: configure
	@cmake --build --preset release --target parleyd parley-cli

run: build-server web
	@mkdir -p $(DATA_DIR)
	build/bin/parleyd serve --listen $(LISTEN) --data-dir $(DATA_DIR)

test: test-deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release
	@scripts/build-web.sh
	ctest --preset release

# The Debian package build/deb/parley_<version>_amd64.deb (scripts/deb/package.cmake): parleyd,
# the web root, /etc/parley/parley.toml, a hardened parleyd.service.
deb: deps web
	@scripts/install-deps.sh $(DEB_PACKAGES)
	@cmake --preset release >/dev/null
	@cmake --build --preset release --target parleyd deb-files
	@cd build && cpack -G DEB

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: test-deps
	@scripts/build-web.sh
	cmake --preset asan >/dev/null
	cmake --build --preset asan
	ctest --preset asan

# ThreadSanitizer over the storage, fan-out and integration tests (the servers they start are
# built with it too). A report stops the process that made it (halt_on_error), so a race in
# parleyd fails the test that drove it. Suppressions: tests/tsan.supp (each with its reason);
# history_size=7 keeps the other thread's stack of a report, which the RocksDB suppression needs.
# Not part of make test or CI (see docs/RELIABILITY.md for its time).
tsan: test-deps
	@scripts/build-web.sh
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan
	TSAN_OPTIONS="halt_on_error=1 abort_on_error=1 second_deadlock_stack=1 history_size=7 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest --preset tsan

# Every load scenario against parleyd, the Node peers (load-tests/peers, npm) and the loopback
# limit, side by side, in at most 10 minutes; rewrites docs/PERFORMANCE.md's generated section.
# The side-by-side load table, then the knowledge numbers (search, indexing cost and lag, /kb
# pages); each rewrites its own generated section of docs/PERFORMANCE.md.
bench: build node
	@status=0; scripts/bench.sh || status=1; load-tests/run-knowledge.sh || status=1; \
	  FEATURE=webhooks SCENARIO=fanout load-tests/run-scoring-overhead.sh || status=1; exit $$status

# The bug-finding checks of .clang-tidy over every translation unit of the Release build (its
# compile_commands.json); fails on any finding. Slow (Beast-heavy files take most of a minute
# each), so not part of make test.
tidy: build
	@scripts/install-deps.sh $(TIDY_PACKAGES)
	run-clang-tidy -p build -quiet -j $$(nproc) -extra-arg=-Wno-unknown-warning-option \
	  '$(CURDIR)/(protocol|storage|server|clients|load-tests|tests)/'

# libFuzzer targets (tests/fuzz/README.md), built with clang in build-fuzz/, FUZZ_SECONDS each.
# Fails if any target crashes. `make test` replays the committed inputs without clang.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: deps
	@scripts/install-deps.sh $(FUZZ_PACKAGES)
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

# The crash-safety test with many more kill -9 cycles than make test runs (SOAK_KILLS).
SOAK_KILLS ?= 200
soak: build
	PARLEY_SOAK_KILLS=$(SOAK_KILLS) build/bin/integration_test --gtest_filter="CrashSafety.*"

clean:
	rm -rf build build-debug build-asan
