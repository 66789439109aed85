#!/usr/bin/env bash
# The benchmark suite (docs/benchmarks.md): checks what it needs, builds, runs `node dist/bench/main.js "$@"`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "bench: run as root (it creates network namespaces and OVS instances)" >&2
  exit 1
fi
missing=()
for tool in ovsdb-server ovs-vswitchd ovs-ofctl etcd etcdctl ip iptables ethtool nsenter qperf iperf3 gnuplot node; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[ -x /usr/lib/cni/bridge ] || missing+=(/usr/lib/cni/bridge)
[ -d node_modules ] || missing+=(node_modules)
if ((${#missing[@]})); then
  echo "bench: missing ${missing[*]}; scripts/install-deps.sh installs them" >&2
  exit 1
fi

# tsc emits even when it reports errors; errors in bench/ stop the run, others (work in progress elsewhere) only warn.
if ! out=$(npx tsc -b 2>&1); then
  if grep -q '^bench/' <<<"$out"; then
    echo "$out" >&2
    exit 1
  fi
  echo "bench: tsc reported errors outside bench/; running what it emitted:" >&2
  head -5 <<<"$out" >&2
fi
exec node dist/bench/main.js "$@"
