// The pipeline against a hostile tenant, in the simulator: relays through the host, forged tunnels, the control plane.
import { expect } from 'chai';
import { Cidr, parseIpv4 } from '../../../../lib/net/ipv4.js';
import { AddressConflictError, FixedRequestError } from '../../../../lib/sdn/fixed/errors.js';
import { fixedAddressFlows, guardFlows, podFlows, remoteNodeFlows } from '../../../../lib/sdn/pipeline/flows.js';
import { nodeOwner, podOwner } from '../../../../lib/sdn/pipeline/owners.js';
import { TUN_PORT, Table, VXLAN_PORT, VXLAN_UDP_PORT } from '../../../../lib/sdn/pipeline/tables.js';
import { FixedWorld, KEYS, wantAddress, wantPool } from '../../../support/fixed-world.js';
import { FakeConntrack, type Packet, simulate } from '../../../support/flowsim.js';
import { blue, flows, fromPod, globalPod, net, pod, red1, red2, remote } from './fixture.js';

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

  describe('fixed addresses (outside every HostSubnet)', () => {
    // blue holds 10.130.0.5 on this node; red holds 10.130.0.6 on the remote node; a third node exists but holds neither.
    const blueFixed = { ...pod(8, '10.130.0.5', 12), mac: '02:00:00:00:00:08' };
    const third = { ip: parseIpv4('192.168.50.3'), subnet: Cidr.parse('10.128.4.0/23') };
    const withFixed = [...flows, ...podFlows(blueFixed), ...fixedAddressFlows({ ip: blueFixed.ip, holder: 'local' }),
      ...fixedAddressFlows({ ip: parseIpv4('10.130.0.6'), holder: remote.ip }),
      ...remoteNodeFlows(third)];
    const tunnelled = (tunSrc: string, tunId: number, nwSrc: string, nwDst: string) =>
      simulate(withFixed, { inPort: VXLAN_PORT, protocol: 'ip', tunSrc, tunId, nwSrc, nwDst });

    it('keeps red out of blue\'s fixed-address pod, from this node and over the tunnel, and lets blue in', () => {
      expect(simulate(withFixed, { inPort: red1.ofport, protocol: 'ip', dlSrc: red1.mac, nwSrc: red1.ip, nwDst: blueFixed.ip }))
        .to.deep.equal(dropped(Table.LocalDelivery));
      expect(tunnelled(remote.ip, red1.vnid, '10.128.2.7', blueFixed.ip)).to.deep.equal(dropped(Table.LocalDelivery));
      expect(tunnelled(remote.ip, blue.vnid, '10.128.2.7', blueFixed.ip)).to.deep.equal({ kind: 'output', port: blueFixed.ofport });
      expect(simulate(withFixed, { inPort: red1.ofport, protocol: 'arp', dlSrc: red1.mac, arpSha: red1.mac, nwSrc: red1.ip, nwDst: blueFixed.ip }))
        .to.deep.equal(dropped(Table.LocalArp));
    });

    it('drops red sending as blue\'s fixed address, from its pod or through the host', () => {
      expect(simulate(withFixed, { inPort: red1.ofport, protocol: 'ip', dlSrc: red1.mac, nwSrc: blueFixed.ip, nwDst: red2.ip }))
        .to.deep.equal(dropped(Table.PodIngress));
      expect(simulate(withFixed, relayed(blueFixed.ip, red2.ip)), 'a relay keeps blue\'s VNID, so red is out of reach')
        .to.deep.equal(dropped(Table.LocalDelivery));
    });

    it('accepts a fixed address as an inner source only from the node that holds it', () => {
      expect(tunnelled(remote.ip, red1.vnid, '10.130.0.6', red1.ip), 'from its holder').to.deep.equal({ kind: 'output', port: red1.ofport });
      expect(tunnelled(third.ip, red1.vnid, '10.130.0.6', red1.ip), 'a node that does not hold it').to.deep.equal(dropped(Table.TunnelIngress));
      expect(tunnelled(remote.ip, blue.vnid, blueFixed.ip, blue.ip), 'this node\'s own fixed address, from elsewhere')
        .to.deep.equal(dropped(Table.TunnelIngress));
    });

    describe('claims', () => {
      let world: FixedWorld;
      beforeEach(async () => {
        world = await FixedWorld.create(2);
        await world.pool('shared', { CIDR: '10.130.0.0/24', Namespaces: ['*'] });
        await world.pool('blue-only', { CIDR: '10.130.1.0/24', Namespaces: ['blue'] });
      });
      afterEach(() => world.stop());

      it('refuses red an address blue holds, by annotation, without naming blue\'s pod, and leaves blue\'s claim alone', async () => {
        await world.add(world.node('n1'), { namespace: 'blue', name: 'db-0', containerId: 'cb', vnid: 12 }, wantAddress('10.130.0.5'));
        for (const name of ['thief', 'db-0']) {
          const attempt = world.node('n2').fixed.acquire({ namespace: 'red', pod: name, podUid: 'r', containerId: `cr-${name}`, request: wantAddress('10.130.0.5') });
          const error = await attempt.then(() => undefined, (e: unknown) => e as Error);
          expect(error, name).to.be.instanceOf(AddressConflictError);
          expect(error!.message).to.equal('10.130.0.5 is claimed by a pod of another namespace');
        }
        const stored = await world.etcd.get(KEYS.ipClaim('10.130.0.5'));
        expect(JSON.parse(stored!.value)).to.include({ Namespace: 'blue', Pod: 'db-0', ContainerID: 'cb', Node: world.node('n1').ip });
      });

      it('refuses red a pool that only blue may use, by name and by address', async () => {
        const n1 = world.node('n1');
        const byName = await n1.fixed.acquire({ namespace: 'red', pod: 'p', podUid: 'r', containerId: 'c', request: wantPool('blue-only') })
          .then(() => undefined, (e: unknown) => e as Error);
        expect(byName).to.be.instanceOf(FixedRequestError);
        expect(byName!.message).to.equal('IP pool blue-only does not allow namespace red');
        const byAddress = await n1.fixed.acquire({ namespace: 'red', pod: 'p', podUid: 'r', containerId: 'c', request: wantAddress('10.130.1.9') })
          .then(() => undefined, (e: unknown) => e as Error);
        expect(byAddress!.message).to.equal('IP pool blue-only (10.130.1.9) does not allow namespace red');
      });
    });
  });
});
