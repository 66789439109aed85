import { expect } from 'chai';
import type { Flow } from '../../../../lib/ovs/flow.js';
import {
  type PodPort, parseVersionNote, pipelineFlows, podFlows, versionNote,
} from '../../../../lib/sdn/pipeline/flows.js';
import { FRAGMENT_HANDLING, PIPELINE_VERSION, TUN_PORT, Table, VXLAN_PORT } from '../../../../lib/sdn/pipeline/tables.js';
import { type FragmentMode, simulate } from '../../../support/flowsim.js';
import { blue, flows, fromPod, globalPod, net, red1, red2, remote } from './fixture.js';

describe('node pipeline', () => {
  it('delivers between pods of one VNID on this node', () => {
    expect(fromPod(red1, red2.ip)).to.deep.equal({ kind: 'output', port: red2.ofport });
  });

  it('drops between pods of different VNIDs, in the local-delivery table', () => {
    expect(fromPod(red1, blue.ip)).to.deep.equal({ kind: 'drop', table: Table.LocalDelivery });
  });

  it('lets VNID 0 reach every pod and be reached by every pod', () => {
    expect(fromPod(globalPod, blue.ip)).to.deep.include({ kind: 'output', port: blue.ofport });
    expect(fromPod(blue, globalPod.ip)).to.deep.include({ kind: 'output', port: globalPod.ofport });
  });

  it('drops a pod that sends with another IP or another MAC', () => {
    expect(simulate(flows, { inPort: red1.ofport, protocol: 'ip', dlSrc: red1.mac, nwSrc: red2.ip, nwDst: red2.ip }))
      .to.deep.equal({ kind: 'drop', table: Table.PodIngress });
    expect(simulate(flows, { inPort: red1.ofport, protocol: 'ip', dlSrc: red2.mac, nwSrc: red1.ip, nwDst: red2.ip }))
      .to.deep.equal({ kind: 'drop', table: Table.PodIngress });
    expect(simulate(flows, { inPort: red1.ofport, protocol: 'arp', dlSrc: red1.mac, arpSha: red2.mac, nwSrc: red1.ip, nwDst: red2.ip }))
      .to.deep.equal({ kind: 'drop', table: Table.PodIngress });
  });

  it('sends traffic for another node over VXLAN with the source VNID as key', () => {
    expect(fromPod(blue, '10.128.2.7')).to.deep.equal({ kind: 'output', port: VXLAN_PORT, tunId: 12, tunDst: remote.ip });
  });

  it('takes the VNID from the tunnel key of a known node and checks it on delivery', () => {
    const vxlan = (tunSrc: string, tunId: number, nwDst: string) =>
      simulate(flows, { inPort: VXLAN_PORT, protocol: 'ip', tunSrc, tunId, nwSrc: '10.128.2.7', nwDst });
    expect(vxlan(remote.ip, 11, red1.ip)).to.deep.equal({ kind: 'output', port: red1.ofport });
    expect(vxlan(remote.ip, 12, red1.ip)).to.deep.equal({ kind: 'drop', table: Table.LocalDelivery });
    expect(vxlan('192.168.50.99', 11, red1.ip)).to.deep.equal({ kind: 'drop', table: Table.TunnelIngress });
  });

  it('never relays VXLAN traffic to a third node or out of the host', () => {
    const relay = (nwDst: string) => simulate(flows,
      { inPort: VXLAN_PORT, protocol: 'ip', tunSrc: remote.ip, tunId: 0, nwSrc: '10.128.2.7', nwDst });
    expect(relay('10.128.4.1')).to.deep.equal({ kind: 'drop', table: Table.Dispatch });
    expect(relay('8.8.8.8')).to.deep.equal({ kind: 'drop', table: Table.Dispatch });
  });

  it('opens a service only to its own VNID and VNID 0', () => {
    const svc = (src: PodPort) => fromPod(src, '172.30.0.10', { protocol: 'tcp', tpDst: 80 });
    expect(svc(red1)).to.deep.equal({ kind: 'output', port: TUN_PORT });
    expect(svc(globalPod)).to.deep.equal({ kind: 'output', port: TUN_PORT });
    expect(svc(blue)).to.deep.equal({ kind: 'drop', table: Table.ServiceAccess });
    expect(fromPod(red1, '172.30.0.10', { protocol: 'tcp', tpDst: 81 })).to.deep.equal({ kind: 'drop', table: Table.ServiceAccess });
  });

  describe('a UDP datagram larger than the pod MTU (IP fragments) to a service', () => {
    // Every piece of one datagram: the first fragment carries the UDP header, later ones only the IP header.
    const pieces = (src: PodPort, serviceIp: string, port: number, mode: FragmentMode = FRAGMENT_HANDLING) =>
      (['first', 'later', 'later'] as const).map((frag) => simulate(flows, {
        inPort: src.ofport, protocol: 'udp', dlSrc: src.mac, nwSrc: src.ip, nwDst: serviceIp,
        frag, ...(frag === 'first' ? { tpDst: port } : {}),
      }, { fragments: mode }));
    const toKubeProxy = { kind: 'output', port: TUN_PORT };
    const dropped = { kind: 'drop', table: Table.ServiceAccess };

    it('reaches kube-proxy whole from the service\'s own VNID and from VNID 0', () => {
      expect(pieces(red1, '172.30.0.53', 53)).to.deep.equal([toKubeProxy, toKubeProxy, toKubeProxy]);
      expect(pieces(globalPod, '172.30.0.53', 53)).to.deep.equal([toKubeProxy, toKubeProxy, toKubeProxy]);
    });

    it('is dropped piece by piece from another tenant', () => {
      expect(pieces(blue, '172.30.0.53', 53)).to.deep.equal([dropped, dropped, dropped]);
    });

    it('reaches a global service from every VNID, as a whole datagram would', () => {
      expect(pieces(blue, '172.30.0.123', 123)).to.deep.equal([toKubeProxy, toKubeProxy, toKubeProxy]);
    });

    it('loses its first fragment to a port the service does not open, so it cannot be reassembled', () => {
      expect(pieces(red1, '172.30.0.53', 54)[0]).to.deep.equal(dropped);
    });

    it('gets later fragments through only for a protocol the service has', () => {
      const later = (nwDst: string, protocol: 'tcp' | 'udp') => simulate(flows,
        { inPort: red1.ofport, protocol, dlSrc: red1.mac, nwSrc: red1.ip, nwDst, frag: 'later' }, { fragments: FRAGMENT_HANDLING });
      expect(later('172.30.0.10', 'udp'), 'UDP to a TCP-only service').to.deep.equal(dropped);
      expect(later('172.30.0.10', 'tcp'), 'TCP to a TCP service').to.deep.equal(toKubeProxy);
    });

    it('would lose its first fragment in OVS\'s default fragment handling, which zeroes its ports', () => {
      expect(pieces(red1, '172.30.0.53', 53, 'normal')[0]).to.deep.equal(dropped);
    });
  });

  it('sends traffic leaving the cluster network and to the gateway to tun0', () => {
    expect(fromPod(blue, '8.8.8.8')).to.deep.equal({ kind: 'output', port: TUN_PORT });
    expect(fromPod(blue, net.gateway)).to.deep.equal({ kind: 'output', port: TUN_PORT });
  });

  it('treats the host (tun0) as VNID 0', () => {
    expect(simulate(flows, { inPort: TUN_PORT, protocol: 'ip', nwSrc: net.gateway, nwDst: blue.ip }))
      .to.deep.equal({ kind: 'output', port: blue.ofport });
  });

  it('answers ARP locally within what the VNIDs allow and sends ARP for remote subnets over VXLAN', () => {
    const arp = (src: PodPort, nwDst: string) =>
      simulate(flows, { inPort: src.ofport, protocol: 'arp', dlSrc: src.mac, arpSha: src.mac, nwSrc: src.ip, nwDst });
    expect(arp(red1, net.gateway)).to.deep.equal({ kind: 'output', port: TUN_PORT });
    expect(arp(red1, red2.ip)).to.deep.equal({ kind: 'output', port: red2.ofport });
    expect(arp(red1, globalPod.ip)).to.deep.equal({ kind: 'output', port: globalPod.ofport });
    expect(arp(globalPod, blue.ip)).to.deep.equal({ kind: 'output', port: blue.ofport });
    expect(arp(red1, blue.ip), 'another tenant\'s pod stays invisible to ARP').to.deep.equal({ kind: 'drop', table: Table.LocalArp });
    expect(arp(red1, '10.128.2.7')).to.deep.equal({ kind: 'output', port: VXLAN_PORT, tunId: 11, tunDst: remote.ip });
  });

  it('meters a pod with an egress limit on the way in', () => {
    const limited = { ...blue, egressMeter: 9 };
    expect(simulate([...pipelineFlows(net), ...podFlows(limited), ...podFlows(red1)],
      { inPort: blue.ofport, protocol: 'ip', dlSrc: blue.mac, nwSrc: blue.ip, nwDst: '8.8.8.8' }))
      .to.deep.equal({ kind: 'output', port: TUN_PORT, meter: 9 });
  });

  it('tags a pod\'s IP with its VNID only after conntrack, where a retag cannot change the tables under it', () => {
    const recirculates = (flow: Flow) => flow.actions.some((action) => action.kind === 'conntrack' && action.table !== undefined);
    const beforeConntrack = [red1, blue, globalPod].flatMap((pod) => podFlows(pod)).filter(recirculates);
    expect(beforeConntrack.length).to.be.greaterThan(0);
    expect(beforeConntrack.flatMap((flow) => flow.actions.filter((action) => action.kind === 'setRegister'))).to.deep.equal([]);
    expect(fromPod(red1, red2.ip)).to.deep.equal({ kind: 'output', port: red2.ofport });
  });

  it('writes a version note that reads back from OVS dump syntax', () => {
    const hex = Buffer.from(versionNote(PIPELINE_VERSION)).toString('hex').match(/../g)!.join('.');
    expect(parseVersionNote(`note:${hex}.00.00`)).to.equal(PIPELINE_VERSION);
    expect(parseVersionNote('note:00.01')).to.equal(undefined);
  });
});
