#!/usr/bin/env bash
# The whole test suite: unit tests, then end-to-end tests on real OVS, etcd and network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
npm run --silent test:unit
npm run --silent test:e2e
