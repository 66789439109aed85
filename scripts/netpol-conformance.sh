#!/usr/bin/env bash
# Every upstream NetworkPolicy case on real pods in both modes (the suite runs three quarters of them, each in
# one mode). Needs root and a built tree (npm run build); about 7 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
KOVS_NETPOL_FULL=1 exec npx mocha --timeout 600000 --exit --reporter spec dist/test/e2e/netpol.test.js
