#!/usr/bin/env bash
# make bench: the benchmarks whose results docs/PERFORMANCE.md reports. Today: durable send
# throughput with fsync and with fast durability (load-tests/run-throughput.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
load-tests/run-throughput.sh
