#!/usr/bin/env bash
# The sandbox demo: a real two-node k8s-ovs cluster on this machine walking through the admin guide's story.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
node dist/demo/main.js
