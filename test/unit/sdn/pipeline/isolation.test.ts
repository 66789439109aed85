// The pipeline against a hostile tenant, in the simulator: relays through the host, forged tunnels, the control plane.
import { expect } from 'chai';
import { parseIpv4 } from '../../../../lib/net/ipv4.js';
import { guardFlows, podFlows, remoteNodeFlows } from '../../../../lib/sdn/pipeline/flows.js';
import { nodeOwner, podOwner } from '../../../../lib/sdn/pipeline/owners.js';
import { TUN_PORT, Table, VXLAN_PORT, VXLAN_UDP_PORT } from '../../../../lib/sdn/pipeline/tables.js';
import { FakeConntrack, type Packet, simulate } from '../../../support/flowsim.js';
import { blue, flows, fromPod, globalPod, net, red1, red2, remote } from './fixture.js';

/** What the host sends back into br0 after kube-proxy DNATed a pod's packet to a backend: the pod's own source. */
const relayed = (src: string, nwDst: string, extra: Partial<Packet> = {}): Packet =>
  ({ inPort: TUN_PORT, protocol: 'tcp', nwSrc: src, tpSrc: 40000, nwDst, tpDst: 8080, ...extra });
const dropped = (table: Table) => ({ kind: 'drop', table });

describe('node pipeline against a hostile tenant', () => {
  describe('a service whose endpoints name another tenant\'s pod (kube-proxy relays through the host)', () => {
    it('keeps the client pod\'s VNID on the relayed packet, so a foreign backend on this node is dropped', () => {
      expect(simulate(flows, relayed(red1.ip, blue.ip))).to.deep.equal(dropped(Table.LocalDelivery));
    });

    it('carries the client\'s VNID, not 0, to a backend on another node', () => {
      expect(simulate(flows, relayed(red1.ip, '10.128.2.7')))
        .to.deep.equal({ kind: 'output', port: VXLAN_PORT, tunId: red1.vnid, tunDst: remote.ip });
    });

    it('still relays to backends the client may reach: its own tenant and global pods, and from a global client', () => {
      expect(simulate(flows, relayed(red1.ip, red2.ip))).to.deep.equal({ kind: 'output', port: red2.ofport });
      expect(simulate(flows, relayed(red1.ip, globalPod.ip))).to.deep.equal({ kind: 'output', port: globalPod.ofport });
      expect(simulate(flows, relayed(globalPod.ip, blue.ip))).to.deep.equal({ kind: 'output', port: blue.ofport });
    });

    it('drops what the host sends from a cluster address that is none of this node\'s pods (its tenant is unknown)', () => {
      expect(simulate(flows, relayed('10.128.0.99', blue.ip))).to.deep.equal(dropped(Table.HostIngress));
      expect(simulate(flows, relayed('10.128.2.7', blue.ip))).to.deep.equal(dropped(Table.HostIngress));
    });

    it('treats the host itself (the gateway, service addresses, the world) as VNID 0', () => {
      for (const source of [net.gateway, '172.30.0.10', '192.168.50.9']) {
        expect(simulate(flows, relayed(source, blue.ip)), source).to.deep.equal({ kind: 'output', port: blue.ofport });
      }
    });

    it('sends the replies of a relayed connection back to the host, which undoes its DNAT', () => {
      const conntrack = new FakeConntrack();
      expect(simulate(flows, relayed(red1.ip, red2.ip), { conntrack })).to.deep.equal({ kind: 'output', port: red2.ofport });
      expect(simulate(flows, relayed(red1.ip, '10.128.2.7'), { conntrack })).to.deep.include({ port: VXLAN_PORT });
      const reply = { protocol: 'tcp', tpSrc: 8080, tpDst: 40000 } as const;
      expect(fromPod(red2, red1.ip, reply, { conntrack }), 'from a backend on this node')
        .to.deep.equal({ kind: 'output', port: TUN_PORT });
      expect(simulate(flows, { inPort: VXLAN_PORT, tunSrc: remote.ip, tunId: red1.vnid, nwSrc: '10.128.2.7', nwDst: red1.ip, ...reply },
        { conntrack }), 'from a backend on another node').to.deep.equal({ kind: 'output', port: TUN_PORT });
      expect(fromPod(red2, red1.ip, { ...reply, tpDst: 40001 }, { conntrack }), 'another connection of the same pods')
        .to.deep.equal({ kind: 'output', port: red1.ofport });
    });

    it('commits nothing for a relayed packet it drops, so no forged reply can follow it back', () => {
      const conntrack = new FakeConntrack();
      simulate(flows, relayed(red1.ip, blue.ip), { conntrack });
      expect(conntrack.size).to.equal(0);
      expect(fromPod(blue, red1.ip, { protocol: 'tcp', tpSrc: 8080, tpDst: 40000 }, { conntrack }))
        .to.deep.equal(dropped(Table.LocalDelivery));
    });
  });

  describe('forged VXLAN', () => {
    it('drops a pod\'s packets to the VXLAN port, sent directly or relayed by the host', () => {
      const vxlan = { protocol: 'udp', tpDst: VXLAN_UDP_PORT } as const;
      expect(fromPod(red1, remote.ip, vxlan)).to.deep.equal(dropped(Table.EgressGuard));
      expect(fromPod(red1, '198.51.100.7', vxlan)).to.deep.equal(dropped(Table.EgressGuard));
      expect(simulate(flows, relayed(red1.ip, '10.128.2.7', vxlan))).to.deep.equal(dropped(Table.EgressGuard));
      expect(fromPod(red1, remote.ip, { protocol: 'udp', tpDst: VXLAN_UDP_PORT + 1 }), 'another UDP port')
        .to.deep.equal({ kind: 'output', port: TUN_PORT });
    });

    it('accepts tunnel traffic from a node only with an inner source of that node', () => {
      const tunnel = (nwSrc: string) => simulate(flows,
        { inPort: VXLAN_PORT, protocol: 'ip', tunSrc: remote.ip, tunId: blue.vnid, nwSrc, nwDst: blue.ip });
      expect(tunnel('10.128.2.7')).to.deep.equal({ kind: 'output', port: blue.ofport });
      expect(tunnel(remote.ip)).to.deep.equal({ kind: 'output', port: blue.ofport });
      expect(tunnel('10.128.0.3'), 'a source of this node').to.deep.equal(dropped(Table.TunnelIngress));
      expect(tunnel('10.128.4.9'), 'a source of a third node').to.deep.equal(dropped(Table.TunnelIngress));
    });
  });

  describe('the control plane', () => {
    const etcd = { ip: parseIpv4('192.168.50.100'), port: 2379 };
    const allowed = { ...red2, controlPlaneAccess: true };
    const guarded = [...flows.filter((f) => f.cookie !== podOwner(red2.portName) && f.cookie !== nodeOwner(remote.ip)),
      ...podFlows(allowed), ...guardFlows([etcd]), ...remoteNodeFlows(remote, [9101])];
    const to = (src: typeof red1, nwDst: string, tpDst: number) =>
      simulate(guarded, { inPort: src.ofport, protocol: 'tcp', dlSrc: src.mac, nwSrc: src.ip, nwDst, tpDst });

    it('drops a pod\'s connection to etcd, directly or relayed by the host, and not other ports of that host', () => {
      expect(to(red1, etcd.ip, etcd.port)).to.deep.equal(dropped(Table.EgressGuard));
      expect(simulate(guarded, relayed(red1.ip, etcd.ip, { tpDst: etcd.port }))).to.deep.equal(dropped(Table.EgressGuard));
      expect(to(red1, etcd.ip, 443)).to.deep.equal({ kind: 'output', port: TUN_PORT });
    });

    it('lets pods of an allowed namespace in, and global pods are not allowed by being global', () => {
      expect(to(allowed, etcd.ip, etcd.port)).to.deep.equal({ kind: 'output', port: TUN_PORT });
      expect(to(globalPod, etcd.ip, etcd.port)).to.deep.equal(dropped(Table.EgressGuard));
    });

    it('drops a pod\'s connection to a daemon\'s exposed port on another node', () => {
      expect(to(red1, remote.ip, 9101)).to.deep.equal(dropped(Table.EgressGuard));
    });
  });

  describe('layer 2', () => {
    it('drops a frame with a VLAN header even with the pod\'s own MAC and IP', () => {
      expect(fromPod(red1, red2.ip, { vlan: 7 })).to.deep.equal(dropped(Table.PodIngress));
      expect(simulate(flows, { inPort: red1.ofport, protocol: 'arp', dlSrc: red1.mac, arpSha: red1.mac, nwSrc: red1.ip,
        nwDst: red2.ip, vlan: 7 })).to.deep.equal(dropped(Table.PodIngress));
    });
  });
});
