#!/usr/bin/env bash
# Every upstream NetworkPolicy case on real pods in both modes (the suite runs every case in k8s-ovs-networkpolicy
# mode and a sample in k8s-ovs-multitenant mode). Needs root and a built tree (npm run build); about 7 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
KOVS_NETPOL_FULL=1 exec npx mocha --timeout 600000 --exit --reporter spec dist/test/e2e/netpol.test.js
