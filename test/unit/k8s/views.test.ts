// Parsing API objects into the views k8s-ovs uses: what is kept, what is ignored, what is rejected.
import { expect } from 'chai';
import { ViewError, parseNamespace, parseNode, parsePod, parseService, parseStatefulSet } from '../../../lib/k8s/index.js';

describe('k8s views', function () {
  it('reads a namespace name, its labels and annotations', function () {
    expect(parseNamespace({ metadata: { name: 'tenant-a', labels: { team: 'a' }, annotations: { 'k8s.ovs.com/ip-pool': 'db' } } }))
      .to.deep.equal({ name: 'tenant-a', labels: { team: 'a' }, annotations: { 'k8s.ovs.com/ip-pool': 'db' } });
    expect(parseNamespace({ metadata: { name: 'bare' } })).to.deep.equal({ name: 'bare', labels: {}, annotations: {} });
  });

  it('takes the IPv4 InternalIP of a node, skipping other addresses', function () {
    const node = parseNode({
      metadata: { name: 'node-1' },
      status: {
        addresses: [
          { type: 'Hostname', address: 'node-1' },
          { type: 'InternalIP', address: 'fd00::1' },
          { type: 'ExternalIP', address: '203.0.113.9' },
          { type: 'InternalIP', address: '192.168.1.11' },
        ],
      },
    });
    expect(node).to.deep.equal({ name: 'node-1', internalIp: '192.168.1.11' });
  });

  it('gives a node without an InternalIP none', function () {
    expect(parseNode({ metadata: { name: 'new-node' } })).to.deep.equal({ name: 'new-node', internalIp: null });
  });

  it('reads a service ClusterIP and lowercases port protocols, defaulting to TCP', function () {
    const service = parseService({
      metadata: { name: 'dns', namespace: 'kube-system' },
      spec: { clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }, { port: 9153 }, { port: 36412, protocol: 'SCTP' }] },
    });
    expect(service).to.deep.equal({
      namespace: 'kube-system', name: 'dns', clusterIp: '10.96.0.10',
      ports: [{ protocol: 'udp', port: 53 }, { protocol: 'tcp', port: 53 }, { protocol: 'tcp', port: 9153 }, { protocol: 'sctp', port: 36412 }],
    });
  });

  it('has no view of headless or ExternalName services', function () {
    expect(parseService({ metadata: { name: 'h', namespace: 'a' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } })).to.equal(null);
    expect(parseService({ metadata: { name: 'x', namespace: 'a' }, spec: { type: 'ExternalName', externalName: 'example.com' } })).to.equal(null);
  });

  it('rejects a bad service field, naming it and its value', function () {
    const base = { metadata: { name: 's', namespace: 'a' } };
    expect(() => parseService({ ...base, spec: { clusterIP: '10.96.0.300' } })).to.throw(ViewError, 'spec.clusterIP: "10.96.0.300"');
    expect(() => parseService({ ...base, spec: { clusterIP: '10.96.0.3', ports: [{ port: 80, protocol: 'ICMP' }] } }))
      .to.throw(ViewError, 'spec.ports[0].protocol: "ICMP" is not TCP, UDP or SCTP');
    expect(() => parseService({ ...base, spec: { clusterIP: '10.96.0.3', ports: [{ port: 0 }] } }))
      .to.throw(ViewError, 'spec.ports[0].port: 0 is not a port number');
  });

  it('reads a pod identity, node, annotations and IPv4 address', function () {
    const pod = parsePod({
      metadata: { name: 'web', namespace: 'a', uid: 'u-1', annotations: { 'k8s-ovs/bandwidth': '10M' } },
      spec: { nodeName: 'node-1' },
    });
    expect(pod).to.deep.equal({ namespace: 'a', name: 'web', uid: 'u-1', nodeName: 'node-1', annotations: { 'k8s-ovs/bandwidth': '10M' },
      labels: {}, ip: null, hostNetwork: false, namedPorts: [], controller: null });
    expect(parsePod({ metadata: { name: 'pending', namespace: 'a', uid: 'u-2' }, spec: {} }).nodeName).to.equal(null);
    const running = (podIP: string) => parsePod({ metadata: { name: 'r', namespace: 'a', uid: 'u-3' }, spec: {}, status: { podIP } }).ip;
    expect(running('10.128.0.5')).to.equal('10.128.0.5');
    expect(running('fd00::5')).to.equal(null);
    expect(() => parsePod({ metadata: { name: 'p', namespace: 'a' } })).to.throw(ViewError, 'metadata.uid');
  });

  it('reads the controller of a pod from its ownerReferences', function () {
    const owned = parsePod({
      metadata: { name: 'db-0', namespace: 'a', uid: 'u-3', ownerReferences: [
        { apiVersion: 'v1', kind: 'Secret', name: 'x', uid: 's-1' },
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'set-1', controller: true },
      ] },
      spec: {},
    });
    expect(owned.controller).to.deep.equal({ kind: 'StatefulSet', name: 'db', uid: 'set-1' });
    expect(() => parsePod({ metadata: { name: 'p', namespace: 'a', uid: 'u', ownerReferences: [{ controller: true, kind: 'X' }] } }))
      .to.throw(ViewError, 'metadata.ownerReferences[0].name');
  });

  it('reads a StatefulSet and its replicas, 1 when unset', function () {
    expect(parseStatefulSet({ metadata: { name: 'db', namespace: 'a', uid: 'set-1' }, spec: { replicas: 3 } }))
      .to.deep.equal({ namespace: 'a', name: 'db', uid: 'set-1', replicas: 3 });
    expect(parseStatefulSet({ metadata: { name: 'db', namespace: 'a', uid: 'set-1' }, spec: {} }).replicas).to.equal(1);
    expect(() => parseStatefulSet({ metadata: { name: 'db', namespace: 'a', uid: 's' }, spec: { replicas: -1 } })).to.throw(ViewError, 'spec.replicas');
  });

  it('reads what NetworkPolicy needs of a pod: labels, address, host network and named ports', function () {
    const pod = parsePod({
      metadata: { name: 'web', namespace: 'a', uid: 'u-1', labels: { app: 'web' } },
      spec: { hostNetwork: false, containers: [
        { name: 'c', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9000 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] },
        { name: 'd', ports: [{ name: 'bad', containerPort: 'x' }] },
      ] },
      status: { podIP: '10.128.0.7' },
    });
    expect(pod).to.deep.include({ labels: { app: 'web' }, ip: '10.128.0.7', hostNetwork: false });
    expect(pod.namedPorts).to.deep.equal([{ name: 'http', protocol: 'tcp', port: 8080 }, { name: 'dns', protocol: 'udp', port: 53 }]);
    expect(parsePod({ metadata: { name: 'v6', namespace: 'a', uid: 'u' }, status: { podIP: 'fd00::7' } }).ip, 'an IPv6-only pod').to.equal(null);
  });
});
