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
# The node image for test/e2e/daemonset.test.ts, built once per run from this tree.
export K8S_OVS_IMAGE_ARCHIVE=$PWD/build/image/k8s-ovs-e2e.oci.tar
scripts/build-image.sh "$K8S_OVS_IMAGE_ARCHIVE" >/dev/null
wait "$lint"
npm run --silent test:e2e
