// Walks a packet through typed flows the way OVS would, for unit tests of pipeline decisions.
import type { Flow, FragmentMatch, Match } from '../../lib/ovs/flow.js';
import { Cidr, type Ipv4 } from '../../lib/net/ipv4.js';
import type { FragmentHandling } from '../../lib/ovs/switch.js';

export interface Packet {
  inPort: number;
  protocol: 'ip' | 'arp' | 'tcp' | 'udp';
  dlSrc?: string;
  nwSrc?: string;
  nwDst?: string;
  tpDst?: number;
  /** Which piece of a fragmented IP datagram this is (default: not a fragment). */
  frag?: 'no' | 'first' | 'later';
  arpSha?: string;
  tunSrc?: string;
  tunId?: number;
}

/** The bridge's set-frags mode: which fragments keep their L4 ports for matching (ovs-ofctl(8)). */
export type FragmentMode = Extract<FragmentHandling, 'normal' | 'nx-match'>;

export type Verdict =
  | { kind: 'output'; port: number; tunId?: number; tunDst?: string; meter?: number }
  | { kind: 'drop'; table: number };

const inNet = (value: string | undefined, spec: Ipv4 | Cidr) =>
  value !== undefined && (spec instanceof Cidr ? spec.contains(value) : value === spec);

function fragMatches(want: FragmentMatch, frag: NonNullable<Packet['frag']>): boolean {
  switch (want) {
    case 'no': return frag === 'no';
    case 'yes': return frag !== 'no';
    case 'first': return frag === 'first';
    case 'later': return frag === 'later';
    case 'not_later': return frag !== 'later';
  }
}

/** The ports OVS matches on: a later fragment has none; `normal` mode zeroes the first fragment's too. */
function visibleTpDst(p: Packet, mode: FragmentMode): number | undefined {
  const frag = p.frag ?? 'no';
  if (frag === 'later' || (frag === 'first' && mode === 'normal')) return 0;
  return p.tpDst;
}

function matches(m: Readonly<Match>, p: Packet, regs: number[], mode: FragmentMode): boolean {
  if (m.inPort !== undefined && m.inPort !== p.inPort) return false;
  if (m.protocol) {
    const isIp = p.protocol !== 'arp';
    if (m.protocol === 'ip' ? !isIp : m.protocol !== p.protocol) return false;
  }
  for (const [reg, value] of Object.entries(m.reg ?? {})) if (regs[Number(reg)] !== value) return false;
  if (m.tunSrc !== undefined && m.tunSrc !== p.tunSrc) return false;
  if (m.dlSrc !== undefined && m.dlSrc !== p.dlSrc) return false;
  if (m.nwSrc !== undefined && !inNet(p.protocol === 'arp' ? undefined : p.nwSrc, m.nwSrc)) return false;
  if (m.nwDst !== undefined && !inNet(p.protocol === 'arp' ? undefined : p.nwDst, m.nwDst)) return false;
  if (m.arpSpa !== undefined && !inNet(p.protocol === 'arp' ? p.nwSrc : undefined, m.arpSpa)) return false;
  if (m.arpTpa !== undefined && !inNet(p.protocol === 'arp' ? p.nwDst : undefined, m.arpTpa)) return false;
  if (m.arpSha !== undefined && m.arpSha !== p.arpSha) return false;
  if (m.nwFrag !== undefined && (p.protocol === 'arp' || !fragMatches(m.nwFrag, p.frag ?? 'no'))) return false;
  if (m.tpDst !== undefined && m.tpDst !== visibleTpDst(p, mode)) return false;
  return true;
}

/** `fragments` is the bridge's mode, OVS's default `normal` unless given. */
export function simulate(flows: readonly Flow[], packet: Packet, options: { fragments?: FragmentMode } = {}): Verdict {
  const mode = options.fragments ?? 'normal';
  const regs = [0, 0, 0, 0];
  let tunId = packet.tunId ?? 0;
  let tunDst: string | undefined;
  let meter: number | undefined;
  let table = 0;
  for (;;) {
    const candidates = flows.filter((f) => f.table === table && matches(f.match, packet, regs, mode))
      .sort((a, b) => b.priority - a.priority);
    const [best, second] = candidates;
    if (!best) return { kind: 'drop', table };
    if (second && second.priority === best.priority) throw new Error(`ambiguous flows in table ${table}`);
    let next: number | undefined;
    for (const action of best.actions) {
      switch (action.kind) {
        case 'setRegister': regs[action.register] = action.value; break;
        case 'copyTunnelIdToRegister': regs[action.register] = tunId; break;
        case 'copyRegisterToTunnelId': tunId = regs[action.register] ?? 0; break;
        case 'setTunnelDestination': tunDst = action.ip; break;
        case 'meter': meter = action.id; break;
        case 'gotoTable': next = action.table; break;
        case 'note': case 'setEthernetDestination': break;
        case 'output': return { kind: 'output', port: action.port, ...(tunDst ? { tunId, tunDst } : {}), ...(meter ? { meter } : {}) };
      }
    }
    if (next === undefined) return { kind: 'drop', table };
    table = next;
  }
}
