#!/usr/bin/env bash
# The whole test suite: unit tests, then end-to-end tests on real OVS, etcd and network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
npm run --silent test:unit
# The node image for test/e2e/daemonset.test.ts, built once per run from this tree.
export K8S_OVS_IMAGE_ARCHIVE=$PWD/build/image/k8s-ovs-e2e.oci.tar
scripts/build-image.sh "$K8S_OVS_IMAGE_ARCHIVE" >/dev/null
npm run --silent test:e2e
