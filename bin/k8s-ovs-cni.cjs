#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// The CNI plugin (/opt/cni/bin/k8s-ovs, through the symlink bin/k8s-ovs-cni); all logic is in lib/cniclient.
// CommonJS (.cjs, which Node.js finds by resolving the symlink), so no ES module loader starts: about 6 ms of every call.
// It speaks only to a unix socket, never TLS: loading an extra CA bundle would only slow every call.
require('../dist/lib/cniclient/main.cjs');
