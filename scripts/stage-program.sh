#!/usr/bin/env bash
# Stages the program as a node runs it into DEST: dist/ (lib/ compiled from the tree as it is now, no tests,
# no source maps), bin/ (the launchers), package.json and the production node_modules. rpm/build.sh and
# scripts/build-image.sh install this tree as /usr/lib/k8s-ovs. npm may use the network (or its cache).
# Usage: scripts/stage-program.sh DEST   (DEST must not exist or be empty)
set -euo pipefail
umask 022
repo=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:?usage: scripts/stage-program.sh DEST}
[ -z "$(ls -A "$dest" 2>/dev/null)" ] || { echo "stage-program: $dest is not empty" >&2; exit 1; }
[ -x "$repo/node_modules/.bin/tsc" ] || { echo "stage-program: run npm ci first (tsc is missing)" >&2; exit 1; }
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# Only lib/ (tsconfig.lib.json), into DEST directly: a stale file in the repo's dist/ cannot slip in.
"$repo/node_modules/.bin/tsc" -p "$repo/tsconfig.lib.json" --outDir "$dest/dist"
cp -a "$repo/bin" "$repo/package.json" "$repo/package-lock.json" "$dest/"
(cd "$dest" && npm ci --omit=dev --no-audit --no-fund --ignore-scripts --prefer-offline --loglevel=error >&2)
rm "$dest/package-lock.json" "$dest/node_modules/.package-lock.json"
# *.bare files are addons for the Bare runtime that tar-fs's optional bare-* modules ship for every
# platform; Node never loads them.
find "$dest/node_modules" -name '*.bare' -delete
find "$dest/node_modules" -depth -type d -path '*/prebuilds*' -empty -delete
