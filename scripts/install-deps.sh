#!/usr/bin/env bash
# Installs what k8s-ovs needs to build, test and run its sandbox on Debian 12 (as root), then builds.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(openvswitch-switch etcd-server etcd-client iproute2 iptables iputils-ping ethtool
  iperf3 qperf gnuplot-nox containerd runc containernetworking-plugins busybox-static rpm rpm2cpio util-linux
  procps kmod systemd openssl)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "install-deps: apt-get install ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
