#!/usr/bin/env bash
# The fixed-address e2e file with a hundred races for one address between two nodes (the suite runs two).
# Needs root and a built tree (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
KOVS_FIXED_RACE_ROUNDS=${KOVS_FIXED_RACE_ROUNDS:-100} exec npx mocha --timeout 900000 --exit --reporter spec dist/test/e2e/fixed-addresses.test.js "$@"
