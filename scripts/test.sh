#!/usr/bin/env bash
# The whole test suite: lint, style and type checks, unit tests, then end-to-end tests on real OVS, etcd and
# network namespaces. Any finding stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
npm run --silent lint
npm run --silent format:check
npm run --silent typecheck
npm run --silent test:unit
npm run --silent test:e2e
