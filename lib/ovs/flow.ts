// The typed OpenFlow model and builder; the only place that knows ovs-ofctl flow syntax.
import type { Cidr, Ipv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';
import type { Cookie } from './cookie.js';
import { renderCookie } from './cookie.js';

/** An OpenFlow port number, as OVS assigned it (or as requested with ofport_request). */
export type OfPort = number & { readonly __brand: 'OfPort' };

export class OfPortError extends Error {
  override name = 'OfPortError';
}

/** OpenFlow 1.3 port numbers 1 to 0xffffff00 (OFPP_MAX); OVS reports -1 or [] for a port without one. */
export function ofPort(n: number, what = 'ofport'): OfPort {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffff00) throw new OfPortError(`${what}: ${n} is not an OpenFlow port number`);
  return n as OfPort;
}

export type Protocol = 'ip' | 'arp' | 'tcp' | 'udp' | 'sctp' | 'icmp';
export type Register = 0 | 1 | 2 | 3;
/** ovs-fields(7) nw_frag: `later` is a fragment with a non-zero offset, which carries no L4 header. */
export type FragmentMatch = 'no' | 'yes' | 'first' | 'later' | 'not_later';
/** ovs-fields(7) ct_state flags, each required set (+) or unset (-). */
export type ConntrackFlag = `${'+' | '-'}${'new' | 'est' | 'rel' | 'rpl' | 'inv' | 'trk'}`;

/** A value compared under a mask: only the mask's bits must equal. */
export interface Masked {
  value: number;
  mask: number;
}

/** Match fields in ovs-ofctl's vocabulary; IP fields take an address or a network. */
export interface Match {
  inPort?: OfPort;
  protocol?: Protocol;
  dlSrc?: Mac;
  dlDst?: Mac;
  nwSrc?: Ipv4 | Cidr;
  nwDst?: Ipv4 | Cidr;
  arpSpa?: Ipv4 | Cidr;
  arpTpa?: Ipv4 | Cidr;
  arpSha?: Mac;
  tunSrc?: Ipv4;
  tunId?: number;
  reg?: Partial<Record<Register, number>>;
  nwFrag?: FragmentMatch;
  tpDst?: number;
  /** The 802.1Q TCI; `{ value: 0, mask: 0x1fff }` matches only frames without a VLAN header. */
  vlanTci?: Masked;
  ctState?: readonly ConntrackFlag[];
  ctMark?: Masked;
  /** The conjunction a conjunctive match completed (ovs-fields(7) conj_id). */
  conjId?: number;
  /** A destination port under a mask (a port range); for a single port use tpDst. */
  tpDstMasked?: Masked;
}

/** ovs-actions(7) ct: send the packet to a conntrack zone; `table` recirculates it there with ct_state filled in. */
export interface ConntrackAction {
  kind: 'conntrack';
  zone: number;
  commit?: boolean;
  /** Without a table the packet goes on with the flow's next actions, its ct_state untracked. */
  table?: number;
  /** Bits set on the connection's ct_mark when committing. */
  setMark?: Masked;
}

export type Action =
  | { kind: 'output'; port: OfPort }
  | { kind: 'outputToRegister'; register: Register }
  /** Clause `clause` of `clauses` of conjunctive match `id` (ovs-actions(7) conjunction). */
  | { kind: 'conjunction'; id: number; clause: number; clauses: number }
  | ConntrackAction
  | { kind: 'gotoTable'; table: number }
  | { kind: 'setRegister'; register: Register; value: number }
  | { kind: 'copyTunnelIdToRegister'; register: Register }
  | { kind: 'copyRegisterToTunnelId'; register: Register }
  | { kind: 'setTunnelDestination'; ip: Ipv4 }
  | { kind: 'setEthernetDestination'; mac: Mac }
  | { kind: 'meter'; id: number }
  | { kind: 'note'; text: string };

export interface Flow {
  readonly table: number;
  readonly priority: number;
  readonly cookie: Cookie;
  readonly match: Readonly<Match>;
  /** Empty means drop. */
  readonly actions: readonly Action[];
}

/** Fluent builder: flow(Table.X, 100).owner(cookie).match({...}).setRegister(0, vnid).gotoTable(Y). */
export class FlowBuilder implements Flow {
  constructor(
    readonly table: number,
    readonly priority: number,
    readonly cookie: Cookie = 0n,
    readonly match: Readonly<Match> = {},
    readonly actions: readonly Action[] = [],
  ) {}

  owner(cookie: Cookie): FlowBuilder {
    return new FlowBuilder(this.table, this.priority, cookie, this.match, this.actions);
  }
  matching(match: Match): FlowBuilder {
    return new FlowBuilder(this.table, this.priority, this.cookie, { ...this.match, ...match }, this.actions);
  }
  /** The same flow with more actions; an action it already has is not repeated (flows merged by match). */
  appending(actions: readonly Action[]): FlowBuilder {
    const rendered = new Set(this.actions.map(renderAction));
    const added = actions.filter((action) => !rendered.has(renderAction(action)));
    return new FlowBuilder(this.table, this.priority, this.cookie, this.match, [...this.actions, ...added]);
  }
  private then(action: Action): FlowBuilder {
    return new FlowBuilder(this.table, this.priority, this.cookie, this.match, [...this.actions, action]);
  }
  output(port: OfPort): FlowBuilder {
    return this.then({ kind: 'output', port });
  }
  /** Out of the port whose number the register holds (set by an earlier table). */
  outputToRegister(register: Register): FlowBuilder {
    return this.then({ kind: 'outputToRegister', register });
  }
  /** A clause of a conjunctive match: a flow with conjunction actions may have no other action. */
  conjunction(id: number, clause: number, clauses: number): FlowBuilder {
    if (this.actions.some((a) => a.kind !== 'conjunction')) throw new Error('conjunction actions cannot be mixed with others');
    if (!(clauses >= 2 && clauses <= 64 && clause >= 1 && clause <= clauses)) throw new RangeError(`conjunction clause ${clause}/${clauses}`);
    return this.then({ kind: 'conjunction', id, clause, clauses });
  }
  conntrack(action: Omit<ConntrackAction, 'kind'>): FlowBuilder {
    if (action.table !== undefined && action.table < this.table) {
      throw new Error(`ct(table=) must not move backwards: ${this.table} -> ${action.table}`);
    }
    return this.then({ kind: 'conntrack', ...action });
  }
  gotoTable(table: number): FlowBuilder {
    if (table <= this.table) throw new Error(`goto_table must move forward: ${this.table} -> ${table}`);
    return this.then({ kind: 'gotoTable', table });
  }
  setRegister(register: Register, value: number): FlowBuilder {
    return this.then({ kind: 'setRegister', register, value });
  }
  copyTunnelIdToRegister(register: Register): FlowBuilder {
    return this.then({ kind: 'copyTunnelIdToRegister', register });
  }
  copyRegisterToTunnelId(register: Register): FlowBuilder {
    return this.then({ kind: 'copyRegisterToTunnelId', register });
  }
  setTunnelDestination(ip: Ipv4): FlowBuilder {
    return this.then({ kind: 'setTunnelDestination', ip });
  }
  setEthernetDestination(mac: Mac): FlowBuilder {
    return this.then({ kind: 'setEthernetDestination', mac });
  }
  meter(id: number): FlowBuilder {
    return this.then({ kind: 'meter', id });
  }
  note(text: string): FlowBuilder {
    return this.then({ kind: 'note', text });
  }
  drop(): FlowBuilder {
    return new FlowBuilder(this.table, this.priority, this.cookie, this.match, []);
  }
}

export function flow(table: number, priority: number): FlowBuilder {
  return new FlowBuilder(table, priority);
}

/** Match fields in a fixed order; the protocol keyword first so prerequisites read naturally. */
export function renderMatch(match: Readonly<Match>): string {
  const parts: string[] = [];
  if (match.inPort !== undefined) parts.push(`in_port=${match.inPort}`);
  if (match.protocol) parts.push(match.protocol);
  for (const [register, value] of Object.entries(match.reg ?? {})) {
    if (value !== undefined) parts.push(`reg${register}=${value}`);
  }
  const fields: Array<[Exclude<keyof Match, 'inPort' | 'protocol' | 'reg' | 'vlanTci' | 'ctState' | 'ctMark' | 'tpDstMasked' | 'conjId'>, string]> = [
    ['tunSrc', 'tun_src'], ['tunId', 'tun_id'], ['dlSrc', 'dl_src'], ['dlDst', 'dl_dst'],
    ['nwSrc', 'nw_src'], ['nwDst', 'nw_dst'], ['arpSpa', 'arp_spa'], ['arpTpa', 'arp_tpa'],
    ['arpSha', 'arp_sha'], ['nwFrag', 'nw_frag'], ['tpDst', 'tp_dst'],
  ];
  for (const [key, name] of fields) {
    const value = match[key];
    if (value !== undefined) parts.push(`${name}=${String(value)}`);
  }
  if (match.vlanTci) parts.push(`vlan_tci=${renderMasked(match.vlanTci, 4)}`);
  if (match.ctState?.length) parts.push(`ct_state=${match.ctState.join('')}`);
  if (match.ctMark) parts.push(`ct_mark=${renderMasked(match.ctMark, 1)}`);
  if (match.tpDstMasked) parts.push(`tp_dst=${renderMasked(match.tpDstMasked, 4)}`);
  if (match.conjId !== undefined) parts.push(`conj_id=${match.conjId}`);
  return parts.join(',');
}

function renderMasked({ value, mask }: Masked, digits: number): string {
  const hex = (n: number) => `0x${n.toString(16).padStart(digits, '0')}`;
  return `${hex(value)}/${hex(mask)}`;
}

function renderConntrack(action: ConntrackAction): string {
  const parts = [
    ...(action.commit ? ['commit'] : []), `zone=${action.zone}`,
    ...(action.table !== undefined ? [`table=${action.table}`] : []),
    ...(action.setMark ? [`exec(set_field:${renderMasked(action.setMark, 1)}->ct_mark)`] : []),
  ];
  return `ct(${parts.join(',')})`;
}

function renderAction(action: Action): string {
  switch (action.kind) {
    case 'output': return `output:${action.port}`;
    case 'outputToRegister': return `output:NXM_NX_REG${action.register}[]`;
    case 'conjunction': return `conjunction(${action.id},${action.clause}/${action.clauses})`;
    case 'conntrack': return renderConntrack(action);
    case 'gotoTable': return `goto_table:${action.table}`;
    case 'setRegister': return `set_field:${action.value}->reg${action.register}`;
    case 'copyTunnelIdToRegister': return `move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG${action.register}[]`;
    case 'copyRegisterToTunnelId': return `move:NXM_NX_REG${action.register}[]->NXM_NX_TUN_ID[0..31]`;
    case 'setTunnelDestination': return `set_field:${action.ip}->tun_dst`;
    case 'setEthernetDestination': return `set_field:${action.mac}->eth_dst`;
    case 'meter': return `meter:${action.id}`;
    case 'note': return `note:${Buffer.from(action.text).toString('hex')}`;
  }
}

export function renderActions(actions: readonly Action[]): string {
  if (actions.length === 0) return 'drop';
  // OpenFlow 1.3 instruction order: meter, then apply-actions, then goto_table.
  const rank = (a: Action) => (a.kind === 'meter' ? 0 : a.kind === 'gotoTable' ? 2 : 1);
  return [...actions].sort((a, b) => rank(a) - rank(b)).map(renderAction).join(',');
}

/** The identity of a flow on the switch: table, priority and match (what delete_strict uses). */
export function flowKey(f: Flow): string {
  const match = renderMatch(f.match);
  return `table=${f.table},priority=${f.priority}${match ? ',' + match : ''}`;
}

export function renderFlow(f: Flow): string {
  return renderKeyedFlow(flowKey(f), f);
}

/** renderFlow when the flow's key is already known: rendering the match is most of a flow's cost. */
export function renderKeyedFlow(key: string, f: Flow): string {
  return `${key},cookie=${renderCookie(f.cookie)},actions=${renderActions(f.actions)}`;
}

/** Flows by their flowKey: one owner's flows as FlowSync holds them. */
export type FlowsByKey = ReadonlyMap<string, Flow>;

export function sameFlow(a: Flow, b: Flow): boolean {
  return flowKey(a) === flowKey(b) && a.cookie === b.cookie &&
    renderActions(a.actions) === renderActions(b.actions);
}
