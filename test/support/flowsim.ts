// Walks a packet through typed flows the way OVS would, for unit tests of pipeline decisions.
import type { ConntrackFlag, Flow, FragmentMatch, Masked, Match } from '../../lib/ovs/flow.js';
import { Cidr } from '../../lib/net/ipv4.js';
import type { FragmentHandling } from '../../lib/ovs/switch.js';

export interface Packet {
  inPort: number;
  protocol: 'ip' | 'arp' | 'tcp' | 'udp' | 'sctp';
  dlSrc?: string;
  nwSrc?: string;
  nwDst?: string;
  tpSrc?: number;
  tpDst?: number;
  /** Which piece of a fragmented IP datagram this is (default: not a fragment). */
  frag?: 'no' | 'first' | 'later';
  arpSha?: string;
  tunSrc?: string;
  tunId?: number;
  /** An 802.1Q VLAN ID: the frame carries a VLAN header. */
  vlan?: number;
}

/** The bridge's set-frags mode: which fragments keep their L4 ports for matching (ovs-ofctl(8)). */
export type FragmentMode = Extract<FragmentHandling, 'normal' | 'nx-match'>;

/** Where the packet went; `notes` are the texts of the note actions it met (a NetworkPolicy rule's name). */
export type Verdict =
  | { kind: 'output'; port: number; tunId?: number; tunDst?: string; meter?: number; notes?: string[] }
  | { kind: 'drop'; table: number; notes?: string[] };

/** Connections committed by ct(commit), by their original-direction tuple, with their ct_mark. */
export class FakeConntrack {
  private readonly committed = new Map<string, number>();

  commit(packet: Packet, mark: number): void {
    const key = tuple(packet);
    this.committed.set(key, ((this.committed.get(key) ?? 0) & ~mark) | mark);
  }

  /** ct_state and ct_mark of a packet sent through conntrack without committing it. */
  lookup(packet: Packet): { state: ConntrackFlag[]; mark: number } {
    const forward = this.committed.get(tuple(packet));
    if (forward !== undefined) return { state: ['+trk', '+est'], mark: forward };
    const reply = this.committed.get(tuple(reverse(packet)));
    if (reply !== undefined) return { state: ['+trk', '+est', '+rpl'], mark: reply };
    return { state: ['+trk', '+new'], mark: 0 };
  }

  get size(): number {
    return this.committed.size;
  }
}

const tuple = (p: Packet) => `${p.protocol} ${p.nwSrc}:${p.tpSrc ?? 0} > ${p.nwDst}:${p.tpDst ?? 0}`;
const reverse = (p: Packet): Packet => ({
  ...p, nwSrc: p.nwDst, nwDst: p.nwSrc, ...(p.tpDst !== undefined ? { tpSrc: p.tpDst } : {}),
  ...(p.tpSrc !== undefined ? { tpDst: p.tpSrc } : {}),
});

const inNet = (value: string | undefined, spec: string) =>
  value !== undefined && (spec.includes('/') ? Cidr.parse(spec).contains(value) : value === spec);

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

const maskedEqual = (actual: number, { value, mask }: Masked) => (actual & mask) === (value & mask);

interface State {
  regs: number[];
  ctState: ConntrackFlag[];
  ctMark: number;
  conjId?: number;
}

function ctStateMatches(want: readonly ConntrackFlag[], have: readonly ConntrackFlag[]): boolean {
  return want.every((flag) => {
    const present = have.includes(`+${flag.slice(1)}` as ConntrackFlag);
    return flag.startsWith('+') ? present : !present;
  });
}

function matches(m: Readonly<Match>, p: Packet, state: State, mode: FragmentMode): boolean {
  if (m.inPort !== undefined && m.inPort !== p.inPort) return false;
  if (m.protocol) {
    const isIp = p.protocol !== 'arp';
    if (m.protocol === 'ip' ? !isIp : m.protocol !== p.protocol) return false;
  }
  for (const [reg, value] of Object.entries(m.reg ?? {})) if (state.regs[Number(reg)] !== value) return false;
  if (m.tunSrc !== undefined && m.tunSrc !== p.tunSrc) return false;
  if (m.dlSrc !== undefined && m.dlSrc !== p.dlSrc) return false;
  if (m.nwSrc !== undefined && !inNet(p.protocol === 'arp' ? undefined : p.nwSrc, m.nwSrc)) return false;
  if (m.nwDst !== undefined && !inNet(p.protocol === 'arp' ? undefined : p.nwDst, m.nwDst)) return false;
  if (m.arpSpa !== undefined && !inNet(p.protocol === 'arp' ? p.nwSrc : undefined, m.arpSpa)) return false;
  if (m.arpTpa !== undefined && !inNet(p.protocol === 'arp' ? p.nwDst : undefined, m.arpTpa)) return false;
  if (m.arpSha !== undefined && m.arpSha !== p.arpSha) return false;
  if (m.nwFrag !== undefined && (p.protocol === 'arp' || !fragMatches(m.nwFrag, p.frag ?? 'no'))) return false;
  if (m.tpDst !== undefined && m.tpDst !== visibleTpDst(p, mode)) return false;
  if (m.vlanTci && !maskedEqual(p.vlan === undefined ? 0 : 0x1000 | p.vlan, m.vlanTci)) return false;
  if (m.ctState && !ctStateMatches(m.ctState, state.ctState)) return false;
  if (m.ctMark && !maskedEqual(state.ctMark, m.ctMark)) return false;
  if (m.tpDstMasked && !maskedEqual(visibleTpDst(p, mode) ?? -1, m.tpDstMasked)) return false;
  if (m.conjId !== undefined && m.conjId !== state.conjId) return false;
  return true;
}

const isClause = (f: Flow) => f.actions.length > 0 && f.actions.every((a) => a.kind === 'conjunction');

/**
 * The flow OVS would pick in `table`: the highest-priority match among ordinary flows and completed conjunctive
 * matches (all clauses of one conjunction matched at one priority); a completed conjunction is resolved by looking
 * the table up again with conj_id set. Several conjunctions completing at one priority is ambiguous in OVS: the
 * lowest id is taken here, and a tie between an ordinary flow and a conjunction throws.
 */
function bestFlow(flows: readonly Flow[], table: number, packet: Packet, state: State, mode: FragmentMode): Flow | undefined {
  const inTable = flows.filter((f) => f.table === table);
  const ordinary = inTable.filter((f) => !isClause(f) && f.match.conjId === undefined && matches(f.match, packet, state, mode))
    .sort((a, b) => b.priority - a.priority);
  const clauses = new Map<string, { priority: number; id: number; needed: number; seen: Set<number> }>();
  for (const f of inTable.filter((f) => isClause(f) && matches(f.match, packet, state, mode))) {
    for (const action of f.actions) {
      if (action.kind !== 'conjunction') continue;
      const key = `${f.priority}/${action.id}`;
      const entry = clauses.get(key) ?? { priority: f.priority, id: action.id, needed: action.clauses, seen: new Set<number>() };
      entry.seen.add(action.clause);
      clauses.set(key, entry);
    }
  }
  const completed = [...clauses.values()].filter((c) => c.seen.size === c.needed)
    .sort((a, b) => b.priority - a.priority || a.id - b.id);
  const [best, second] = ordinary;
  const conjunction = completed[0];
  if (conjunction && (!best || conjunction.priority >= best.priority)) {
    if (best && best.priority === conjunction.priority) throw new Error(`ambiguous: a flow and conjunction ${conjunction.id} in table ${table}`);
    const resolved = inTable.filter((f) => f.match.conjId === conjunction.id
      && matches(f.match, packet, { ...state, conjId: conjunction.id }, mode)).sort((a, b) => b.priority - a.priority)[0];
    if (resolved) return resolved;
  }
  if (best && second && second.priority === best.priority) throw new Error(`ambiguous flows in table ${table}`);
  return best;
}

export interface SimulateOptions {
  /** The bridge's fragment mode, OVS's default `normal` unless given. */
  fragments?: FragmentMode;
  /** Where ct actions look up and commit connections; a fresh one per call unless given. */
  conntrack?: FakeConntrack;
}

export function simulate(flows: readonly Flow[], packet: Packet, options: SimulateOptions = {}): Verdict {
  const mode = options.fragments ?? 'normal';
  const conntrack = options.conntrack ?? new FakeConntrack();
  const state: State = { regs: [0, 0, 0, 0], ctState: [], ctMark: 0 };
  let tunId = packet.tunId ?? 0;
  let tunDst: string | undefined;
  let meter: number | undefined;
  let table = 0;
  const notes: string[] = [];
  const noted = () => (notes.length ? { notes } : {});
  for (let steps = 0; steps < 64; steps++) {
    const best = bestFlow(flows, table, packet, state, mode);
    if (!best) return { kind: 'drop', table, ...noted() };
    let next: number | undefined;
    const out = (port: number): Verdict => ({ kind: 'output', port, ...(tunDst ? { tunId, tunDst } : {}), ...(meter ? { meter } : {}), ...noted() });
    for (const action of best.actions) {
      switch (action.kind) {
        case 'setRegister': state.regs[action.register] = action.value; break;
        case 'copyTunnelIdToRegister': state.regs[action.register] = tunId; break;
        case 'copyRegisterToTunnelId': tunId = state.regs[action.register] ?? 0; break;
        case 'setTunnelDestination': tunDst = action.ip; break;
        case 'meter': meter = action.id; break;
        case 'gotoTable': next = action.table; break;
        case 'note': notes.push(action.text); break;
        case 'setEthernetDestination': case 'conjunction': break;
        case 'conntrack':
          if (action.commit) conntrack.commit(packet, action.setMark?.value ?? 0);
          if (action.table !== undefined) {
            ({ state: state.ctState, mark: state.ctMark } = conntrack.lookup(packet));
            next = action.table;
          }
          break;
        case 'output': return out(action.port);
        case 'outputToRegister': return out(state.regs[action.register] ?? 0);
      }
    }
    if (next === undefined) return { kind: 'drop', table, ...noted() };
    table = next;
  }
  throw new Error('the packet looped through more than 64 tables');
}
