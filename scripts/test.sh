#!/usr/bin/env bash
# The whole test suite: type check (the build), lint and style, unit tests, then end-to-end tests on real OVS,
# etcd and network namespaces. Any finding stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
npm run --silent typecheck
# Lint (type-checked rules, layers and style in one pass, ~80 s of one core) runs beside the unit tests and the
# image build, which mostly wait on processes, sockets and downloads; its findings fail the run before e2e.
npm run --silent lint &
lint=$!
npm run --silent test:unit
# The RPM's end-to-end test builds and installs the package and needs no sandbox network: it runs beside the
# node image's build (for test/e2e/daemonset.test.ts, once per run from this tree), not in the e2e run's time.
rpm_log=$(mktemp)
trap 'rm -f "$rpm_log"' EXIT
RPM_TEST=dist/test/e2e/rpm.test.js
npx mocha --timeout 120000 --exit --reporter ./test/support/reporters/timed-spec.cjs "$RPM_TEST" >"$rpm_log" 2>&1 &
rpm=$!
export K8S_OVS_IMAGE_ARCHIVE=$PWD/build/image/k8s-ovs-e2e.oci.tar
scripts/build-image.sh "$K8S_OVS_IMAGE_ARCHIVE" >/dev/null
rpm_status=0
wait "$rpm" || rpm_status=$?
cat "$rpm_log"
[ "$rpm_status" -eq 0 ] || { echo "scripts/test.sh: the RPM test failed (exit $rpm_status)" >&2; kill "$lint"; exit "$rpm_status"; }
wait "$lint"

# The e2e files run in two lanes at once: most of their time is spent waiting (pings, timeouts, daemons starting).
# The side lane holds the files that measure no packet loss or rate, so CPU they take cannot turn into a loss
# that another file counts; every other file, a new one too, runs in the main lane. Each file has its own
# namespace prefix and underlay subnet; host ports are picked free by the kernel.
SIDE_LANE=(adm badinput controlplane kube migrate netpol ports sandbox security)
side=() main=()
for file in dist/test/e2e/*.test.js; do
  name=$(basename "$file" .test.js)
  if [ "$file" = "$RPM_TEST" ]; then continue
  elif [[ " ${SIDE_LANE[*]} " == *" $name "* ]]; then side+=("$file")
  else main+=("$file"); fi
done
[ "${#side[@]}" -eq "${#SIDE_LANE[@]}" ] || { echo "scripts/test.sh: a side-lane file is missing: ${SIDE_LANE[*]}" >&2; exit 1; }
e2e() { npx mocha --timeout 120000 --exit --reporter ./test/support/reporters/timed-spec.cjs "$@"; }
side_log=$(mktemp)
trap 'rm -f "$rpm_log" "$side_log"' EXIT
e2e "${side[@]}" >"$side_log" 2>&1 &
side_lane=$!
main_status=0
e2e "${main[@]}" || main_status=$?
side_status=0
wait "$side_lane" || side_status=$?
echo; echo "== e2e side lane: ${SIDE_LANE[*]}"
cat "$side_log"
[ "$main_status" -eq 0 ] && [ "$side_status" -eq 0 ] ||
  { echo "scripts/test.sh: e2e failed (main lane exit $main_status, side lane exit $side_status)" >&2; exit 1; }
