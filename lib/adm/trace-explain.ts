// Puts an ofproto/trace walk into words, table by table, with the pipeline's own table names (pure).
import { TUN_PORT, Table, VXLAN_PORT, VXLAN_UDP_PORT, isTable } from '../sdn/pipeline/tables.js';
import { type OfprotoTrace, type TraceStep, flowField } from './trace-output.js';
import { isPolicyTable, policyDropReason, policyMeaning } from './trace-policy.js';

export interface ExplainContext {
  /** The node whose switch was traced, as it should be named in sentences: "n1 (10.91.0.1)". */
  node: string;
  /** Pods on that switch by OpenFlow port, as "namespace/name". */
  podsByPort: ReadonlyMap<number, string>;
  destination: {
    ip: string;
    /** "namespace/name" when the destination is a known pod. */
    label?: string;
    /** The destination pod's VNID, when known. */
    vnid?: number;
    /** Whether the destination pod runs on the traced node (a drop in LocalDelivery means something else if not). */
    local?: boolean;
    /** Transport port and protocol, for service checks. */
    port?: number;
    protocol: string;
  };
  /** Node names by underlay IP, to name VXLAN peers. */
  nodesByIp: ReadonlyMap<string, string>;
}

export interface ExplainedStep {
  table: number;
  tableName: string;
  /** The matched flow ('' matches everything; null: no flow matched). */
  match: string | null;
  priority: number | null;
  actions: string[];
  /** What this table decided, in words. */
  meaning: string;
}

export type Verdict =
  | { kind: 'delivered'; port: number; pod: string | null; text: string }
  | { kind: 'host'; via: 'service' | 'relayed-reply' | 'gateway' | 'outside'; text: string }
  | { kind: 'vxlan'; remoteIp: string; remoteNode: string | null; vnid: number; neighbourPending: boolean; text: string }
  | { kind: 'dropped'; table: number; tableName: string; reason: string; text: string }
  | { kind: 'unknown'; text: string };

export interface Explanation {
  steps: ExplainedStep[];
  verdict: Verdict;
  /** The source VNID as the pipeline tagged it (reg0); null if the packet was dropped before. */
  sourceVnid: number | null;
}

export function tableName(table: number): string {
  return Table[table] ?? `table ${table}`;
}

/** `0xb` or `11` as a number. */
function numeric(text: string): number {
  return text.startsWith('0x') ? parseInt(text.slice(2), 16) : Number(text);
}

interface Walk {
  vnid: number | null;
  tunnelId: number | null;
  tunnelDst: string | null;
  /** The port LocalDelivery chose (reg2), for Output. */
  outputPort: number | null;
}

function follow(step: TraceStep, walk: Walk): void {
  for (const action of step.actions) {
    const reg = /^set_field:(0x[0-9a-f]+|\d+)->reg0$/.exec(action);
    if (reg) walk.vnid = numeric(reg[1]!);
    const dst = /^set_field:([\d.]+)->tun_dst$/.exec(action);
    if (dst) walk.tunnelDst = dst[1]!;
    const port = /^set_field:(0x[0-9a-f]+|\d+)->reg2$/.exec(action);
    if (port) walk.outputPort = numeric(port[1]!);
  }
  for (const note of step.notes) {
    const reg = /^NXM_NX_REG0\[\] is now (0x[0-9a-f]+|\d+)$/.exec(note);
    if (reg) walk.vnid = numeric(reg[1]!);
    const tun = /^NXM_NX_TUN_ID\[0\.\.31\] is now (0x[0-9a-f]+|\d+)$/.exec(note);
    if (tun) walk.tunnelId = numeric(tun[1]!);
  }
}

/** The port a step sent the packet out of: `output:5`, or `output:NXM_NX_REG2[]` with OVS's note naming it. */
function outputPort(step: TraceStep): number | undefined {
  for (const action of step.actions) {
    const out = /^output:(\d+)$/.exec(action);
    if (out) return Number(out[1]);
  }
  for (const note of step.notes) {
    const out = /^output port is (\d+)$/.exec(note);
    if (out) return Number(out[1]);
  }
  return undefined;
}

/** A flow whose actions neither output nor go on (only notes: a NetworkPolicy drop) ends the packet. */
function endsHere(step: TraceStep): boolean {
  return step.actions.length > 0 && step.actions.every((action) => action.startsWith('note:'));
}

/**
 * Whether the flow drops the packet. OVS prints a ct() action's empty nested action list as `drop` (and a
 * `ct(table=N)` forks the packet, to resume at table N): that `drop` is not the flow's.
 */
function drops(step: TraceStep): boolean {
  return step.actions.some((action, index) => action === 'drop' && !step.actions[index - 1]?.startsWith('ct('));
}

/** Whether the packet ends at this step: no flow matched, the flow drops it, or it only notes (a NetworkPolicy drop). */
function endsPacket(step: TraceStep): boolean {
  return step.match === null || drops(step) || endsHere(step);
}

/** Output's flow for replies of connections the host relayed (they go back to tun0, where the host undoes its DNAT). */
function relayedReply(step: TraceStep): boolean {
  return step.table === Number(Table.Output) && flowField(step.match ?? '', 'ct_mark') !== undefined;
}

function gotoTable(step: TraceStep): number | undefined {
  const target = step.actions.map((a) => /^goto_table:(\d+)$/.exec(a)).find(Boolean);
  return target ? Number(target[1]) : undefined;
}

function nodeName(context: ExplainContext, ip: string): string {
  const name = context.nodesByIp.get(ip);
  return name ? `${name} (${ip})` : ip;
}

function portName(context: ExplainContext, port: number): string {
  if (port === VXLAN_PORT) return 'port 1 (vxlan0)';
  if (port === TUN_PORT) return 'port 2 (tun0)';
  const pod = context.podsByPort.get(port);
  return pod ? `port ${port} (pod ${pod})` : `port ${port}`;
}

function meaning(step: TraceStep, trace: OfprotoTrace, context: ExplainContext, walk: Walk): string {
  const match = step.match ?? '';
  const next = gotoTable(step);
  const out = outputPort(step);
  if (isPolicyTable(step.table) && step.match !== null && next !== undefined) return policyMeaning(step);
  if (endsPacket(step)) {
    return `${step.match === null ? 'no flow matched' : 'drop'}: ${dropReason(step, trace, context, walk.vnid)}`;
  }
  switch (isTable(step.table) ? step.table : undefined) {
    case Table.Classifier:
      if (flowField(match, 'in_port') === String(VXLAN_PORT)) return 'arrived over VXLAN';
      if (flowField(match, 'in_port') === String(TUN_PORT)) return 'from the host (tun0)';
      return 'from a pod port';
    case Table.TunnelIngress:
      return `VXLAN from known node ${nodeName(context, flowField(match, 'tun_src') ?? '?')}: source VNID ${walk.vnid}`;
    case Table.HostIngress: {
      const source = flowField(match, 'nw_src');
      if (step.priority === 200 && source) return `the host relayed a packet of pod ${source} (kube-proxy's DNAT)`;
      return `from the host itself${source ? ` (${source})` : ''}: source VNID 0`;
    }
    case Table.PodIngress: {
      const sender = `${portName(context, Number(flowField(match, 'in_port')))} sends with its own MAC and IP`;
      // ARP is tagged here; IP only after conntrack, in PodTag.
      return next === Number(Table.Dispatch) ? `${sender}: source VNID ${walk.vnid}` : sender;
    }
    case Table.PodTag: {
      const port = Number(flowField(match, 'in_port'));
      return port === Number(TUN_PORT)
        ? `relayed by the host: it keeps pod ${flowField(match, 'nw_src') ?? '?'}'s VNID ${walk.vnid}`
        : `${portName(context, port)}: source VNID ${walk.vnid}`;
    }
    case Table.EgressGuard:
      return flowField(match, 'nw_src') ? 'its namespace may reach the control plane' : 'not for the control plane or the VXLAN port';
    case Table.Dispatch: {
      const dst = flowField(match, 'nw_dst') ?? flowField(match, 'arp_tpa') ?? '';
      switch (isTable(next) ? next : undefined) {
        case Table.HostEgress: return dst && !dst.includes('/') ? `for this node's gateway ${dst}` : 'outside the cluster network';
        // A single address rather than the subnet: a fixed address's own dispatch flow.
        case Table.LocalDelivery: return dst.includes('/') ? `in this node's subnet ${dst}` : `the fixed address ${dst}, held on this node`;
        case Table.RemoteDelivery: return `in the cluster network ${dst}, not this node's subnet`;
        case Table.ServiceAccess: return `in the service network ${dst}`;
        case Table.LocalArp: return dst.includes('/') ? `ARP for this node's subnet ${dst}` : `ARP for the fixed address ${dst}, held on this node`;
        case Table.RemoteArp: return `ARP for another node's subnet (cluster network ${dst})`;
        default: return `on to table ${next}`;
      }
    }
    case Table.ServiceAccess:
      return `service open to source VNID ${walk.vnid}: to kube-proxy through ${portName(context, out ?? TUN_PORT)}`;
    case Table.LocalArp:
      return `VNIDs allow it (source ${walk.vnid}): out of ${portName(context, out ?? 0)}`;
    case Table.LocalDelivery:
      return `VNIDs allow it (source ${walk.vnid}): to ${portName(context, walk.outputPort ?? 0)}`;
    case Table.RemoteDelivery:
    case Table.RemoteArp:
      return `${flowField(match, 'nw_dst') ?? flowField(match, 'arp_tpa')} is on node ${nodeName(context, walk.tunnelDst ?? '?')}: `
        + `over VXLAN with VNID ${walk.tunnelId ?? walk.vnid}`;
    case Table.HostEgress:
      return 'to tun0: the host routes it (and masquerades what leaves the node)';
    case Table.Output:
      if (relayedReply(step)) return 'a reply of a connection the host relayed: back to tun0, where the host undoes its DNAT';
      if (step.actions.some((action) => action.startsWith('ct(commit') && action.includes('exec('))) {
        return `relayed by the host: committed to conntrack so that its replies go back through the host; out of ${portName(context, out ?? 0)}`;
      }
      if (step.actions.some((action) => action.startsWith('ct(commit'))) {
        return `a new connection, committed to conntrack (its later packets and replies pass NetworkPolicy): out of ${portName(context, out ?? 0)}`;
      }
      return `out of ${portName(context, out ?? 0)}`;
    default:
      return out !== undefined ? `out of ${portName(context, out)}` : next !== undefined ? `on to table ${next}` : step.actions.join(', ');
  }
}

function dropReason(step: TraceStep, trace: OfprotoTrace, context: ExplainContext, vnid: number | null): string {
  const { destination } = context;
  const inPort = flowField(trace.flow, 'in_port') ?? '?';
  const match = step.match ?? '';
  const service = `${destination.ip}${destination.port ? `:${destination.port}/${destination.protocol}` : ''}`;
  if (isPolicyTable(step.table) && step.match !== null) return policyDropReason(step);
  switch (isTable(step.table) ? step.table : undefined) {
    case Table.Classifier: return `no flow for input port ${inPort}`;
    case Table.TunnelIngress:
      return `VXLAN from ${flowField(trace.flow, 'tun_src') ?? '?'} with inner source ${flowField(trace.flow, 'nw_src') ?? flowField(trace.flow, 'arp_spa') ?? '?'}: `
        + 'not a known node, or a source that is not that node\'s';
    case Table.HostIngress:
      return `the host sent a packet from ${flowField(trace.flow, 'nw_src') ?? '?'}, a cluster address of no pod on this node: `
        + 'its tenant is unknown here';
    case Table.PodIngress: {
      const pod = context.podsByPort.get(Number(inPort));
      return pod ? `the packet is not from pod ${pod}'s own MAC and IP on port ${inPort}, untagged (anti-spoofing)` : `port ${inPort} has no pod`;
    }
    case Table.PodTag: return `the pod that sent it left while the packet was in conntrack`;
    case Table.EgressGuard:
      if (flowField(match, 'tp_dst') === String(VXLAN_UDP_PORT) || flowField(match, 'udp_dst') === String(VXLAN_UDP_PORT)) {
        return `pods never send to UDP port ${VXLAN_UDP_PORT}, the VXLAN port (a forged tunnel packet)`;
      }
      return `${flowField(match, 'nw_dst') ?? destination.ip}:${flowField(match, 'tp_dst') ?? flowField(match, 'tcp_dst') ?? '?'} `
        + 'is part of the control plane (etcd or a k8s-ovs daemon), closed to pods';
    case Table.Dispatch:
      return flowField(match, 'in_port') === String(VXLAN_PORT)
        ? `it arrived over VXLAN but ${destination.ip} is not in this node's subnet (nodes do not relay)`
        : 'it is neither IP nor ARP';
    case Table.LocalArp:
      return `no pod or gateway on this node has ${destination.ip} that source VNID ${vnid} may reach`;
    case Table.RemoteArp:
    case Table.RemoteDelivery: return `no node's subnet contains ${destination.ip}`;
    case Table.ServiceAccess: return `service ${service} is not open to source VNID ${vnid} (only to its namespace's VNID and VNID 0)`;
    case Table.LocalDelivery:
      if (destination.vnid !== undefined && destination.local !== false) {
        return `destination VNID ${destination.vnid}, source VNID ${vnid}`;
      }
      return `no pod on this node has ${destination.ip} that source VNID ${vnid} may reach`;
    default: return step.match === null ? 'no flow matched' : 'a drop flow matched';
  }
}

export function explainTrace(trace: OfprotoTrace, context: ExplainContext): Explanation {
  const walk: Walk = { vnid: null, tunnelId: null, tunnelDst: null, outputPort: null };
  const steps: ExplainedStep[] = trace.steps.map((step) => {
    follow(step, walk);
    return {
      table: step.table, tableName: tableName(step.table), match: step.match, priority: step.priority,
      actions: step.actions, meaning: meaning(step, trace, context, walk),
    };
  });
  return { steps, verdict: verdictOf(trace, context, walk), sourceVnid: walk.vnid };
}

function verdictOf(trace: OfprotoTrace, context: ExplainContext, walk: Walk): Verdict {
  const last = trace.steps[trace.steps.length - 1];
  if (!last) return { kind: 'unknown', text: 'the trace visited no table' };
  const port = outputPort(last);
  if (port === VXLAN_PORT && walk.tunnelDst !== null) {
    const vnid = walk.tunnelId ?? walk.vnid ?? 0;
    const neighbourPending = last.notes.some((note) => note.startsWith('neighbor cache miss'));
    return {
      kind: 'vxlan', remoteIp: walk.tunnelDst, remoteNode: context.nodesByIp.get(walk.tunnelDst) ?? null, vnid, neighbourPending,
      text: `sent over VXLAN to node ${nodeName(context, walk.tunnelDst)} with VNID ${vnid}`
        + (neighbourPending ? ' (OVS had no ARP entry for that node yet: it sent an ARP request and forwards once answered)' : ''),
    };
  }
  if (port === TUN_PORT) {
    const gateway = trace.steps.find((s) => s.table === Number(Table.Dispatch) && gotoTable(s) === Number(Table.HostEgress)
      && !(flowField(s.match ?? '', 'nw_dst') ?? '/').includes('/'));
    if (trace.steps.some((s) => s.table === Number(Table.ServiceAccess) && s.match !== null && !drops(s))) {
      return { kind: 'host', via: 'service',
        text: `sent to tun0 (port 2) for kube-proxy: service ${context.destination.ip} is open to source VNID ${walk.vnid}` };
    }
    if (relayedReply(last)) {
      return { kind: 'host', via: 'relayed-reply',
        text: 'sent to tun0 (port 2): a reply of a connection the host relayed (DNAT); the host undoes its DNAT and sends it on' };
    }
    return gateway
      ? { kind: 'host', via: 'gateway', text: `sent to tun0 (port 2): for this node itself (gateway ${context.destination.ip})` }
      : { kind: 'host', via: 'outside', text: 'sent to tun0 (port 2): it leaves the cluster network; the node routes and masquerades it' };
  }
  if (port !== undefined) {
    const pod = context.podsByPort.get(port) ?? null;
    return { kind: 'delivered', port, pod, text: `delivered to port ${port}${pod ? ` (pod ${pod})` : ''}` };
  }
  if (endsPacket(last)) {
    const reason = dropReason(last, trace, context, walk.vnid);
    const name = tableName(last.table);
    return { kind: 'dropped', table: last.table, tableName: name, reason,
      text: `dropped in ${name} (table ${last.table}): ${reason}` };
  }
  return { kind: 'unknown', text: `the trace ended in table ${last.table} without output or drop: ${last.actions.join(', ')}` };
}
