#!/usr/bin/env bash
# Builds the k8s-ovs RPM from this working tree: compiles and stages everything first (npm may use the
# network here), then rpmbuild only packages the staged tree. Needs npm ci done in the tree (for tsc).
# Usage: rpm/build.sh [OUTDIR]   (default OUTDIR: rpm/out); prints the path of the RPM it wrote.
set -euo pipefail
umask 022
repo=$(cd "$(dirname "$0")/.." && pwd)
outdir=$(mkdir -p "${1:-$repo/rpm/out}" && cd "${1:-$repo/rpm/out}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/k8s-ovs-rpm.XXXXXX")
trap 'rm -rf "$work"' EXIT

for launcher in k8s-ovs k8s-ovs-cni k8s-ovs-adm; do
  [ -f "$repo/bin/$launcher" ] || { echo "rpm/build.sh: bin/$launcher is missing; the package links it" >&2; exit 1; }
done
# The tree the spec installs: the program as scripts/stage-program.sh lays it out (dist without source
# maps, launchers, package.json for "type": "module", production node_modules), the rootfs files and the docs.
tree=$work/tree
"$repo/scripts/stage-program.sh" "$tree"
mkdir -p "$tree/doc"
cp -a "$repo/rootfs" "$tree/"
cp -a "$repo/README.md" "$repo"/docs/*.md "$tree/doc/"

# Without the Bare addons (stage-program.sh drops them) the tree holds no Linux machine code and the
# package is noarch: a native addon added later stops the build here.
native=$(node "$repo/rpm/bundled.mjs" native "$tree/node_modules")
if [ -n "$native" ]; then
  echo "rpm/build.sh: native code in node_modules; the package cannot be noarch:" >&2
  echo "$native" >&2
  exit 1
fi

version=$(node -p 'require(process.argv[1]).version' "$tree/package.json")
# Our licence first, then every licence of the bundled modules (SPDX ids from their package.json).
license=$(node "$repo/rpm/bundled.mjs" license "$(node -p 'require(process.argv[1]).license' "$tree/package.json")" \
  "$tree/node_modules")

# --nodeps: the build host need not have the runtime's packages (BuildRequires are not used).
rpmbuild -bb --nodeps --quiet \
  --define "_topdir $work/rpmbuild" \
  --define "_rpmdir $outdir" \
  --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
  --define "k8s_ovs_tree $tree" \
  --define "k8s_ovs_version $version" \
  --define "k8s_ovs_license $license" \
  "$repo/rpm/k8s-ovs.spec" >&2
rpm_file=$outdir/k8s-ovs-$version-1.noarch.rpm
[ -f "$rpm_file" ] || { echo "rpm/build.sh: rpmbuild did not write $rpm_file" >&2; exit 1; }
echo "$rpm_file"
