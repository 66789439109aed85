#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// The CNI plugin binary (/opt/cni/bin/k8s-ovs); all logic is in lib/cniclient.
// It speaks only to a unix socket, never TLS: loading an extra CA bundle would only slow every call.
import '../dist/lib/cniclient/main.js';
