// The trace explainer against ofproto/trace output recorded on the sandbox cluster.
import { expect } from 'chai';
import { type ExplainContext, explainTrace } from '../../../lib/adm/trace-explain.js';
import { TraceParseError, flowField, parseOfprotoTrace } from '../../../lib/adm/trace-output.js';
import * as recorded from './trace-recordings.js';

// Recording run 1: n1 (10.91.0.1) holds 10.128.0.0/23 with red-a (.2, port 3), blue-a (.3, port 4), red-c (.4, port 5);
// n2 (10.91.0.2) holds 10.128.2.0/23 with red-b (.2, port 3). Run 2 swapped the subnets (see each recording's setting).
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
    expect(trace.steps.map((s) => s.table)).to.deep.equal([0, 20, 30, 90]);
    expect(trace.steps[0]).to.deep.include({ match: '', priority: 50, cookie: '0x1bf0d244a4cb62c', actions: ['goto_table:20'] });
    expect(trace.steps[3]!.actions).to.deep.equal(['move:NXM_NX_REG0[]->NXM_NX_TUN_ID[0..31]', 'set_field:10.91.0.2->tun_dst', 'output:1']);
    expect(trace.steps[3]!.notes[0]).to.equal('NXM_NX_TUN_ID[0..31] is now 0xb');
    expect(trace.datapathActions).to.equal('drop');
    expect(flowField(trace.flow, 'nw_dst')).to.equal('10.128.2.2');
  });

  it('stops at the end of br0 when the tunnel continues into br-phy', () => {
    const trace = parseOfprotoTrace(recorded.vxlanWarm.output);
    expect(trace.steps.map((s) => s.table)).to.deep.equal([0, 20, 30, 90]);
    expect(trace.datapathActions).to.match(/^tnl_push/);
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
      '20 PodIngress: port 3 (pod red/red-a) sends with its own MAC and IP: source VNID 11',
      '30 Dispatch: in this node\'s subnet 10.128.0.0/23',
      '70 LocalDelivery: VNIDs allow it (source 11): out of port 5 (pod red/red-c)',
    ]);
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
    expect(explain(recorded.spoofed, context({ destination: { ip: '10.128.0.4', protocol: 'ip' } })).verdict.text)
      .to.equal('dropped in PodIngress (table 20): the packet is not from pod red/red-a\'s own MAC and IP on port 3 (anti-spoofing)');
    const n2 = { node: 'n2 (10.91.0.2)', podsByPort: new Map([[3, 'red/red-b']]) };
    expect(explain(recorded.unknownTunnelPeer, context({ ...n2, destination: { ip: '10.128.0.2', protocol: 'ip' } })).verdict.text)
      .to.equal('dropped in TunnelIngress (table 10): VXLAN from 10.91.0.77, which is not a known node');
    expect(explain(recorded.relayRefused, context({ ...n2, destination: { ip: '8.8.8.8', protocol: 'ip' } })).verdict.text)
      .to.equal('dropped in Dispatch (table 30): it arrived over VXLAN but 8.8.8.8 is not in this node\'s subnet (nodes do not relay)');
  });

  it('explains the way out: gateway, outside the cluster, and services', () => {
    expect(explain(recorded.gateway, context({ destination: { ip: '10.128.0.1', protocol: 'ip' } })).verdict)
      .to.deep.equal({ kind: 'host', text: 'sent to tun0 (port 2): for this node itself (gateway 10.128.0.1)' });
    expect(explain(recorded.external, context({ destination: { ip: '10.91.0.254', protocol: 'ip' } })).verdict.text)
      .to.equal('sent to tun0 (port 2): it leaves the cluster network; the node routes and masquerades it');
    expect(explain(recorded.serviceDropped, context({ destination: { ip: '172.30.0.10', protocol: 'tcp', port: 80 } })).verdict.text)
      .to.equal('dropped in ServiceAccess (table 60): service 172.30.0.10:80/tcp is not open to source VNID 11 '
        + '(only to its namespace\'s VNID and VNID 0)');
    expect(explain(recorded.noNodeSubnet, context({ destination: { ip: '10.130.0.5', protocol: 'ip' } })).verdict.text)
      .to.equal('dropped in RemoteDelivery (table 90): no node\'s subnet contains 10.130.0.5');
  });

  it('starts a packet from the host with VNID 0', () => {
    const { steps, verdict } = explain(recorded.fromHost, context({ podsByPort: new Map([[4, 'blue/blue-a']]), destination: { ip: '10.128.2.3', protocol: 'ip' } }));
    expect(steps[0]!.meaning).to.equal('from the host (tun0): source VNID 0');
    expect(verdict.text).to.equal('delivered to port 4 (pod blue/blue-a)');
  });

  it('can fail: a drop is never explained as a delivery', () => {
    for (const trace of [recorded.localDropped, recorded.spoofed, recorded.serviceDropped, recorded.relayRefused]) {
      expect(explain(trace, context({ destination: { ip: '10.128.0.3', protocol: 'ip' } })).verdict.kind, trace.setting).to.equal('dropped');
    }
  });
});
