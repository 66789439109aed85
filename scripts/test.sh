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
npm run --silent test:e2e -- --ignore "$RPM_TEST"
