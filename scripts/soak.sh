#!/usr/bin/env bash
# The churn soak (docs/reliability.md): pods churn on two sandbox nodes under chaos for N minutes (default 20).
# Usage: scripts/soak.sh [--minutes N] [--member-down-minutes M] [--chaos-every S]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
exec node dist/test/soak/main.js "$@"
