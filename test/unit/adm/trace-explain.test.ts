// The trace explainer against ofproto/trace output recorded on the sandbox cluster.
import { expect } from 'chai';
import { type ExplainContext, explainTrace } from '../../../lib/adm/trace-explain.js';
import { TraceParseError, flowField, parseOfprotoTrace } from '../../../lib/adm/trace-output.js';
import * as recorded from './trace-recordings.js';

// Recorded by test/tools/record-traces.ts: n1 (10.91.0.1) holds 10.128.0.0/23 with red-a (.2, port 3), blue-a (.3,
// port 4), red-c (.4, port 5); n2 (10.91.0.2) holds 10.128.2.0/23 with red-b (.2, port 3). red is VNID 11, blue 12.
const nodesByIp = new Map([['10.91.0.1', 'n1'], ['10.91.0.2', 'n2']]);
const n1Pods = new Map([[3, 'red/red-a'], [4, 'blue/blue-a'], [5, 'red/red-c']]);

function context(overrides: Partial<ExplainContext> & { destination: ExplainContext['destination'] }): ExplainContext {
  return { node: 'n1 (10.91.0.1)', podsByPort: n1Pods, nodesByIp, ...overrides };
}

function explain(trace: recorded.RecordedTrace, ctx: ExplainContext) {
  return explainTrace(parseOfprotoTrace(trace.output), ctx);
}

describe('ofproto/trace output', () => {
  it('reads the walk of br0 table by table, with actions, notes and the datapath verdict', () => {
    const trace = parseOfprotoTrace(recorded.vxlanArpMiss.output);
    expect(trace.bridge).to.equal('br0');
    expect(trace.steps.map((s) => s.table)).to.deep.equal([0, 20, 22, 25, 27, 30, 90, 110]);
    expect(trace.steps[0]).to.deep.include({ match: '', priority: 50, cookie: '0x1bf0d244a4cb62c', actions: ['goto_table:20'] });
    expect(trace.steps[6]!.actions).to.deep.equal(['move:NXM_NX_REG0[]->NXM_NX_TUN_ID[0..31]', 'set_field:10.91.0.2->tun_dst',
      'set_field:0x1->reg2', 'goto_table:110']);
    expect(trace.steps[6]!.notes[0]).to.equal('NXM_NX_TUN_ID[0..31] is now 0xb');
    // The ARP for n2 is pending: the packet goes no further than conntrack's commit.
    expect(trace.datapathActions).to.equal('ct(commit,zone=19279)');
    expect(flowField(trace.flow, 'nw_dst')).to.equal('10.128.2.2');
  });

  it('stops at the end of br0 when the tunnel continues into br-phy', () => {
    const trace = parseOfprotoTrace(recorded.vxlanWarm.output);
    expect(trace.steps.map((s) => s.table)).to.deep.equal([0, 20, 22, 25, 27, 30, 90, 110]);
    expect(trace.datapathActions).to.match(/^ct\(commit,zone=19279\),tnl_push\(/);
  });

  it('follows a packet through conntrack into the walk that resumes after it', () => {
    const trace = parseOfprotoTrace(recorded.localTcp.output);
    expect(trace.steps.map((s) => s.table)).to.deep.equal([0, 20, 22, 25, 27, 30, 70, 80, 110]);
    expect(trace.steps[1]!.actions).to.deep.equal(['ct(table=22,zone=19279)', 'drop']);
    expect(trace.steps[2]!.actions).to.deep.equal(['set_field:0xb->reg0', 'goto_table:25']);
    expect(trace.steps[8]).to.deep.include({ priority: 150, actions: ['ct(commit,zone=19279)', 'drop', 'output:NXM_NX_REG2[]'] });
    expect(trace.steps[8]!.notes).to.include('output port is 5');
    expect(trace.datapathActions).to.equal('set(eth(dst=0a:58:0a:80:00:04)),ct(commit,zone=19279),8');
  });

  it('reads a table where no flow matched', () => {
    const last = parseOfprotoTrace(recorded.noMatch.output).steps.at(-1)!;
    expect(last).to.deep.equal({ table: 70, match: null, priority: null, cookie: null, actions: ['drop'], notes: [] });
  });

  it('refuses text that is not a trace, such as ovs-appctl\'s error', () => {
    expect(() => parseOfprotoTrace('br9: unknown bridge\n')).to.throw(TraceParseError, /not ofproto\/trace output/);
  });
});

describe('trace explainer', () => {
  it('explains a delivery to a local pod of the same VNID', () => {
    const { verdict, steps, sourceVnid } = explain(recorded.localDelivered, context({ destination: { ip: '10.128.0.4', protocol: 'ip', label: 'red/red-c', vnid: 11, local: true } }));
    expect(verdict.text).to.equal('delivered to port 5 (pod red/red-c)');
    expect(sourceVnid).to.equal(11);
    expect(steps.map((s) => `${s.table} ${s.tableName}: ${s.meaning}`)).to.deep.equal([
      '0 Classifier: from a pod port',
      '20 PodIngress: port 3 (pod red/red-a) sends with its own MAC and IP',
      '22 PodTag: port 3 (pod red/red-a): source VNID 11',
      '25 EgressGuard: not for the control plane or the VXLAN port',
      '27 EgressPolicy: no NetworkPolicy isolates the pod for egress',
      '30 Dispatch: in this node\'s subnet 10.128.0.0/23',
      '70 LocalDelivery: VNIDs allow it (source 11): to port 5 (pod red/red-c)',
      '80 IngressPolicy: no NetworkPolicy isolates the pod for ingress',
      '110 Output: a new connection, committed to conntrack (its later packets and replies pass NetworkPolicy): out of port 5 (pod red/red-c)',
    ]);
  });

  it('explains TCP that conntrack finds new, not the reply of a relayed connection, as an ordinary delivery', () => {
    const { verdict, steps } = explain(recorded.localTcp, context({ destination: { ip: '10.128.0.4', protocol: 'tcp', port: 80, label: 'red/red-c', vnid: 11, local: true } }));
    expect(steps.map((s) => s.meaning).slice(-2)).to.deep.equal([
      'no NetworkPolicy isolates the pod for ingress',
      'a new connection, committed to conntrack (its later packets and replies pass NetworkPolicy): out of port 5 (pod red/red-c)']);
    expect(verdict.text).to.equal('delivered to port 5 (pod red/red-c)');
  });

  it('names a fixed address dispatched to its pod on this node, which is no subnet of it', () => {
    // The recorded walk with a fixed address's Dispatch flow (the same shape, one address) in place of the subnet's.
    const fixed = { ...recorded.localTcp, output: recorded.localTcp.output.replace('30. ip,nw_dst=10.128.0.0/23, priority 200', '30. ip,nw_dst=10.128.0.4, priority 200') };
    const { steps } = explain(fixed, context({ destination: { ip: '10.128.0.4', protocol: 'tcp', port: 80, label: 'red/red-c', vnid: 11, local: true } }));
    expect(steps.find((s) => s.table === 30)?.meaning).to.equal('the fixed address 10.128.0.4, held on this node');
  });

  it('names both VNIDs when LocalDelivery drops a packet between tenants', () => {
    const { verdict } = explain(recorded.localDropped, context({ destination: { ip: '10.128.0.3', protocol: 'ip', label: 'blue/blue-a', vnid: 12, local: true } }));
    expect(verdict).to.deep.include({ kind: 'dropped', table: 70, tableName: 'LocalDelivery' });
    expect(verdict.text).to.equal('dropped in LocalDelivery (table 70): destination VNID 12, source VNID 11');
  });

  it('says the same when the table has no flow at all', () => {
    const { verdict, steps } = explain(recorded.noMatch, context({
      podsByPort: new Map([[3, 'red/red-a'], [4, 'blue/blue-a']]),
      destination: { ip: '10.128.2.3', protocol: 'ip', label: 'blue/blue-a', vnid: 12, local: true },
    }));
    expect(verdict.text).to.equal('dropped in LocalDelivery (table 70): destination VNID 12, source VNID 11');
    expect(steps.at(-1)!.meaning).to.equal('no flow matched: destination VNID 12, source VNID 11');
  });

  it('reports the VXLAN leg with the peer node, the VNID and a missing tunnel neighbour', () => {
    const { verdict } = explain(recorded.vxlanArpMiss, context({ destination: { ip: '10.128.2.2', protocol: 'ip' } }));
    expect(verdict).to.deep.include({ kind: 'vxlan', remoteIp: '10.91.0.2', remoteNode: 'n2', vnid: 11, neighbourPending: true });
    expect(verdict.text).to.match(/^sent over VXLAN to node n2 \(10\.91\.0\.2\) with VNID 11 \(OVS had no ARP entry/);
    const warm = explain(recorded.vxlanWarm, context({ destination: { ip: '10.128.0.2', protocol: 'udp', port: 53 } })).verdict;
    expect(warm.text).to.equal('sent over VXLAN to node n2 (10.91.0.2) with VNID 11');
  });

  it('follows a packet received over VXLAN to the destination pod', () => {
    const n2 = { node: 'n2 (10.91.0.2)', podsByPort: new Map([[3, 'red/red-b']]) };
    const { verdict, steps } = explain(recorded.receivedDelivered, context({ ...n2, destination: { ip: '10.128.2.2', protocol: 'ip', label: 'red/red-b', vnid: 11, local: true } }));
    expect(steps[1]!.meaning).to.equal('VXLAN from known node n1 (10.91.0.1): source VNID 11');
    expect(verdict.text).to.equal('delivered to port 3 (pod red/red-b)');
    const dropped = explain(recorded.receivedDropped, context({ ...n2, destination: { ip: '10.128.2.2', protocol: 'ip', label: 'red/red-b', vnid: 11, local: true } }));
    expect(dropped.verdict.text).to.equal('dropped in LocalDelivery (table 70): destination VNID 11, source VNID 12');
  });

  it('explains the drops of the ingress tables: spoofing, unknown tunnel peers, relaying', () => {
    for (const trace of [recorded.spoofed, recorded.vlanTagged]) {
      expect(explain(trace, context({ destination: { ip: '10.128.0.4', protocol: 'ip' } })).verdict.text, trace.setting).to.equal(
        'dropped in PodIngress (table 20): the packet is not from pod red/red-a\'s own MAC and IP on port 3, untagged (anti-spoofing)');
    }
    const n2 = { node: 'n2 (10.91.0.2)', podsByPort: new Map([[3, 'red/red-b']]) };
    expect(explain(recorded.unknownTunnelPeer, context({ ...n2, destination: { ip: '10.128.0.2', protocol: 'ip' } })).verdict.text)
      .to.equal('dropped in TunnelIngress (table 10): VXLAN from 10.91.0.77 with inner source 10.128.0.2: '
        + 'not a known node, or a source that is not that node\'s');
    expect(explain(recorded.tunnelSourceForged, context({ ...n2, destination: { ip: '10.128.2.2', protocol: 'ip' } })).verdict.text)
      .to.equal('dropped in TunnelIngress (table 10): VXLAN from 10.91.0.1 with inner source 10.128.2.9: '
        + 'not a known node, or a source that is not that node\'s');
    expect(explain(recorded.relayRefused, context({ ...n2, destination: { ip: '8.8.8.8', protocol: 'ip' } })).verdict.text)
      .to.equal('dropped in Dispatch (table 30): it arrived over VXLAN but 8.8.8.8 is not in this node\'s subnet (nodes do not relay)');
  });

  it('explains the way out: gateway, outside the cluster, and services', () => {
    expect(explain(recorded.gateway, context({ destination: { ip: '10.128.0.1', protocol: 'ip' } })).verdict)
      .to.deep.equal({ kind: 'host', via: 'gateway', text: 'sent to tun0 (port 2): for this node itself (gateway 10.128.0.1)' });
    expect(explain(recorded.serviceOpen, context({ destination: { ip: '172.30.0.11', protocol: 'tcp', port: 80 } })).verdict)
      .to.deep.equal({ kind: 'host', via: 'service', text: 'sent to tun0 (port 2) for kube-proxy: service 172.30.0.11 is open to source VNID 11' });
    expect(explain(recorded.external, context({ destination: { ip: '10.91.0.254', protocol: 'ip' } })).verdict.text)
      .to.equal('sent to tun0 (port 2): it leaves the cluster network; the node routes and masquerades it');
    expect(explain(recorded.serviceDropped, context({ destination: { ip: '172.30.0.10', protocol: 'tcp', port: 80 } })).verdict.text)
      .to.equal('dropped in ServiceAccess (table 60): service 172.30.0.10:80/tcp is not open to source VNID 11 '
        + '(only to its namespace\'s VNID and VNID 0)');
    expect(explain(recorded.noNodeSubnet, context({ destination: { ip: '10.130.0.5', protocol: 'ip' } })).verdict.text)
      .to.equal('dropped in RemoteDelivery (table 90): no node\'s subnet contains 10.130.0.5');
  });

  it('starts a packet from the host with VNID 0', () => {
    const { steps, verdict } = explain(recorded.fromHost, context({ destination: { ip: '10.128.0.3', protocol: 'ip' } }));
    expect(steps.slice(0, 2).map((s) => s.meaning)).to.deep.equal(['from the host (tun0)', 'from the host itself (10.128.0.1): source VNID 0']);
    expect(verdict.text).to.equal('delivered to port 4 (pod blue/blue-a)');
  });

  describe('NetworkPolicy', () => {
    const redC = { ip: '10.128.0.4', protocol: 'tcp', label: 'red/red-c', vnid: 11, local: true };
    const hub = { ip: '10.91.0.254', protocol: 'tcp' };

    it('names the ingress rule that admits a packet, and delivers it', () => {
      const { steps, verdict } = explain(recorded.policyAllowed, context({ destination: { ...redC, port: 8080 } }));
      expect(steps.find((s) => s.table === 80)!.meaning).to.equal('allowed by NetworkPolicy red/web ingress rule 0');
      expect(verdict.text).to.equal('delivered to port 5 (pod red/red-c)');
    });

    it('names the policy that isolates the destination when no rule admits the packet', () => {
      expect(explain(recorded.policyIsolated, context({ destination: { ...redC, port: 9090 } })).verdict).to.deep.equal({
        kind: 'dropped', table: 80, tableName: 'IngressPolicy',
        reason: 'the pod is isolated for ingress by NetworkPolicy red/web, and no rule of theirs admits this packet',
        text: 'dropped in IngressPolicy (table 80): the pod is isolated for ingress by NetworkPolicy red/web, and no rule of theirs admits this packet',
      });
    });

    it('does the same for egress, before the packet leaves its pod\'s node', () => {
      const allowed = explain(recorded.policyEgressAllowed, context({ destination: { ...hub, port: 443 } }));
      expect(allowed.steps.find((s) => s.table === 27)!.meaning).to.equal('allowed by NetworkPolicy red/egress-a egress rule 0');
      expect(allowed.verdict.kind).to.equal('host');
      expect(explain(recorded.policyEgressIsolated, context({ destination: { ...hub, port: 80 } })).verdict.text).to.equal(
        'dropped in EgressPolicy (table 27): the pod is isolated for egress by NetworkPolicy red/egress-a, and no rule of theirs admits this packet');
    });

    it('says that a pod no policy selects is not isolated', () => {
      const { steps } = explain(recorded.localDelivered, context({ destination: { ...redC, protocol: 'ip' } }));
      expect(steps.filter((s) => s.table === 27 || s.table === 80).map((s) => s.meaning)).to.deep.equal([
        'no NetworkPolicy isolates the pod for egress', 'no NetworkPolicy isolates the pod for ingress']);
    });
  });

  describe('a hostile tenant\'s paths', () => {
    const toBlue = { ip: '10.128.0.3', protocol: 'tcp', port: 8080, label: 'blue/blue-a', vnid: 12, local: true };

    it('keeps the client pod\'s VNID on what the host relays, and names both VNIDs when it is dropped', () => {
      const { steps, verdict } = explain(recorded.relayedForeign, context({ destination: toBlue }));
      expect(steps.slice(1, 3).map((s) => s.meaning)).to.deep.equal([
        'the host relayed a packet of pod 10.128.0.2 (kube-proxy\'s DNAT)', 'relayed by the host: it keeps pod 10.128.0.2\'s VNID 11']);
      expect(verdict.text).to.equal('dropped in LocalDelivery (table 70): destination VNID 12, source VNID 11');
    });

    it('commits a relayed connection to another node and sends it with the client\'s VNID', () => {
      const { steps, verdict } = explain(recorded.relayedRemote, context({ destination: { ip: '10.128.2.2', protocol: 'tcp', port: 8080 } }));
      expect(steps.at(-1)!.meaning).to.match(/^relayed by the host: committed to conntrack so that its replies go back through the host/);
      expect(verdict).to.deep.include({ kind: 'vxlan', remoteNode: 'n2', vnid: 11 });
    });

    it('drops what the host sends from a cluster address of no local pod', () => {
      expect(explain(recorded.hostUnknownSource, context({ destination: toBlue })).verdict.text).to.equal('dropped in HostIngress (table 15): '
        + 'the host sent a packet from 10.128.0.99, a cluster address of no pod on this node: its tenant is unknown here');
    });

    it('names the VXLAN port and the control plane as closed to pods', () => {
      expect(explain(recorded.vxlanForged, context({ destination: { ip: '10.91.0.2', protocol: 'udp', port: 4789 } })).verdict.text)
        .to.equal('dropped in EgressGuard (table 25): pods never send to UDP port 4789, the VXLAN port (a forged tunnel packet)');
      expect(explain(recorded.etcdClosed, context({ destination: { ip: '10.91.0.254', protocol: 'tcp', port: 2379 } })).verdict.text)
        .to.equal('dropped in EgressGuard (table 25): 10.91.0.254:2379 is part of the control plane (etcd or a k8s-ovs daemon), closed to pods');
    });

    it('answers no ARP for another tenant\'s pod', () => {
      expect(explain(recorded.arpOtherTenant, context({ destination: { ip: '10.128.0.3', protocol: 'arp' } })).verdict.text)
        .to.equal('dropped in LocalArp (table 40): no pod or gateway on this node has 10.128.0.3 that source VNID 11 may reach');
    });
  });

  it('can fail: a drop is never explained as a delivery', () => {
    for (const trace of [recorded.localDropped, recorded.spoofed, recorded.serviceDropped, recorded.relayRefused,
      recorded.relayedForeign, recorded.vxlanForged, recorded.etcdClosed, recorded.vlanTagged, recorded.arpOtherTenant]) {
      expect(explain(trace, context({ destination: { ip: '10.128.0.3', protocol: 'ip' } })).verdict.kind, trace.setting).to.equal('dropped');
    }
  });
});
