#!/usr/bin/env bash
# Builds the CNI plugin as one self-contained executable, for hosts without Node.js: lib/cniclient bundled
# into one CommonJS script (esbuild) and injected into a copy of this machine's node binary as a Node.js
# single-executable application (node --experimental-sea-config, then postject).
# Usage: scripts/build-cni-plugin.sh [OUTFILE]   (default build/cni/k8s-ovs); NODE_BIN picks another node.
set -euo pipefail
umask 022
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/build/cni/k8s-ovs}
node_bin=$(readlink -f "${NODE_BIN:-$(command -v node)}")
# The fuse Node.js looks for to know it carries a blob (fixed for every Node.js release with SEA support).
fuse=NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2
grep -q "$fuse" "$node_bin" || { echo "build-cni-plugin: $node_bin cannot make single-executable applications" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/k8s-ovs-cni.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The plugin imports only Node built-ins, so the bundle is lib/cniclient alone; CommonJS is what SEA runs.
"$repo/node_modules/.bin/esbuild" "$repo/lib/cniclient/main.cts" --bundle --platform=node --format=cjs \
  --target=node20 --legal-comments=none --log-level=warning --outfile="$work/plugin.cjs"
cat >"$work/sea.json" <<JSON
{ "main": "plugin.cjs", "output": "plugin.blob", "disableExperimentalSEAWarning": true }
JSON
# Both tools chat on success (postject's ELF library warns about every note section it reads): their
# output is shown only when they fail.
quiet() { "$@" >"$work/tool.log" 2>&1 || { cat "$work/tool.log" >&2; return 1; }; }
(cd "$work" && quiet "$node_bin" --experimental-sea-config sea.json)
cp "$node_bin" "$work/k8s-ovs"
quiet "$repo/node_modules/.bin/postject" "$work/k8s-ovs" NODE_SEA_BLOB "$work/plugin.blob" --sentinel-fuse "$fuse"
mkdir -p "$(dirname "$out")"
install -m 0755 "$work/k8s-ovs" "$out"
echo "$out"
