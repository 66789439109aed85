// NetworkPolicy as flows (pure): each compiled rule a conjunctive match of its pods, its peers and its ports (flows
// grow with their sum, not their product), a note naming the rule, and a drop for every pod a policy isolates.
import { type DumpedFlow, noteTexts } from '../../ovs/dump.js';
import { type Action, type Flow, type FlowBuilder, type Match, flow, flowKey, renderActions } from '../../ovs/flow.js';
import type { Cidr, Ipv4 } from '../../net/ipv4.js';
import type { CompiledPolicies, CompiledRule, Direction, PortMatch } from '../policy/compile.js';
import { policyOwner } from './owners.js';
import { Table } from './tables.js';

/** Priorities inside EgressPolicy and IngressPolicy, below the pipeline's own (300 and up). */
export const POLICY_PRIORITY = { allow: 200, conjunction: 100, isolated: 50 } as const;

/** The note on a rule's flows, which `k8s-ovs-adm trace` reads back: `netpol ingress red/web[0]`. */
export function ruleNote(rule: Pick<CompiledRule, 'direction' | 'policy' | 'index'>): string {
  return `netpol ${rule.direction} ${rule.policy}[${rule.index}]`;
}

/** The rule a note from `ruleNote` names, or undefined for any other note. */
export function parseRuleNote(note: string): { direction: Direction; policy: string; index: number } | undefined {
  const match = /^netpol (ingress|egress) ([^[]+)\[(\d+)\]$/.exec(note);
  return match ? { direction: match[1] as Direction, policy: match[2]!, index: Number(match[3]) } : undefined;
}

/** The note on an isolated pod's drop flow, naming the policies that isolate it. */
export function isolatedNote(direction: Direction, policies: readonly string[]): string {
  return `netpol ${direction} isolated by ${policies.join(',')}`;
}

export function parseIsolatedNote(note: string): { direction: Direction; policies: string[] } | undefined {
  const match = /^netpol (ingress|egress) isolated by (.+)$/.exec(note);
  return match ? { direction: match[1] as Direction, policies: match[2]!.split(',') } : undefined;
}

/**
 * Packets dropped per policy and direction, from the statistics of the isolated pods' drop flows: a packet dropped for a
 * pod that several policies isolate counts for each of them (none of their rules admitted it).
 */
export function policyDrops(flows: readonly DumpedFlow[]): Map<string, { direction: Direction; policy: string; packets: number }> {
  const drops = new Map<string, { direction: Direction; policy: string; packets: number }>();
  for (const dumped of flows) {
    const policyTable = dumped.table === Number(Table.IngressPolicy) || dumped.table === Number(Table.EgressPolicy);
    if (dumped.priority !== POLICY_PRIORITY.isolated || !policyTable) continue;
    const isolated = noteTexts(dumped.actions).map(parseIsolatedNote).find(Boolean);
    if (!isolated) continue;
    for (const policy of isolated.policies) {
      const key = `${isolated.direction} ${policy}`;
      const entry = drops.get(key) ?? { direction: isolated.direction, policy, packets: 0 };
      entry.packets += dumped.packets ?? 0;
      drops.set(key, entry);
    }
  }
  return drops;
}

interface Sides {
  table: Table;
  next: Table;
  /** The local pod's side of the packet, and the peer's. */
  target: (ip: Ipv4) => Match;
  peer: (cidr: Cidr) => Match;
}

const sides: Record<Direction, Sides> = {
  ingress: { table: Table.IngressPolicy, next: Table.Output, target: (ip) => ({ nwDst: ip }), peer: (cidr) => ({ nwSrc: cidr }) },
  egress: { table: Table.EgressPolicy, next: Table.Dispatch, target: (ip) => ({ nwSrc: ip }), peer: (cidr) => ({ nwDst: cidr }) },
};

function portMatch({ protocol, port }: PortMatch): Match {
  if (!port) return { protocol };
  return port.mask === 0xffff ? { protocol, tpDst: port.value } : { protocol, tpDstMasked: port };
}

/**
 * Every policy flow of this node. `conjunctionId` gives each rule's conjunction its 32-bit ID, kept for as long as
 * the rule lives, so that a change re-sends only the flows it touches.
 */
export function policyFlows(compiled: CompiledPolicies, conjunctionId: (ruleKey: string) => number): Flow[] {
  // Rules that share a match share its flow: conjunction clauses add up, allows keep every rule's note. The extra
  // actions are collected and appended once: appending one by one re-rendered a flow's actions per rule (quadratic).
  const flows = new Map<string, { builder: FlowBuilder; extra: Action[]; rendered: Set<string> }>();
  const add = (builder: FlowBuilder) => {
    const key = flowKey(builder);
    const existing = flows.get(key);
    if (!existing) {
      flows.set(key, { builder, extra: [], rendered: new Set(builder.actions.map((a) => renderActions([a]))) });
      return;
    }
    for (const action of builder.actions.filter((a) => a.kind === 'conjunction' || a.kind === 'note')) {
      const text = renderActions([action]);
      if (existing.rendered.has(text)) continue;
      existing.rendered.add(text);
      existing.extra.push(action);
    }
  };
  for (const rule of compiled.rules) {
    const side = sides[rule.direction];
    const owned = (priority: number) => flow(side.table, priority).owner(policyOwner);
    if (rule.targets.length === 0 || rule.peers.length === 0 || rule.ports.length === 0) continue;
    const dimensions: Match[][] = [rule.targets.map(side.target)];
    if (rule.peers !== 'all') dimensions.push(rule.peers.map((cidr) => side.peer(cidr)));
    if (rule.ports !== 'all') dimensions.push(rule.ports.map(portMatch));
    if (dimensions.length === 1) {
      for (const match of dimensions[0]!) add(owned(POLICY_PRIORITY.allow).matching({ protocol: 'ip', ...match }).note(ruleNote(rule)).gotoTable(side.next));
      continue;
    }
    const id = conjunctionId(rule.key);
    dimensions.forEach((matches, i) => {
      for (const match of matches) {
        add(owned(POLICY_PRIORITY.conjunction).matching({ protocol: 'ip', ...match }).conjunction(id, i + 1, dimensions.length));
      }
    });
    add(owned(POLICY_PRIORITY.conjunction).matching({ protocol: 'ip', conjId: id }).note(ruleNote(rule)).gotoTable(side.next));
  }
  for (const direction of ['ingress', 'egress'] as const) {
    for (const [ip, policies] of compiled.isolated[direction]) {
      add(flow(sides[direction].table, POLICY_PRIORITY.isolated).owner(policyOwner)
        .matching({ protocol: 'ip', ...sides[direction].target(ip) }).note(isolatedNote(direction, policies)));
    }
  }
  return [...flows.values()].map(({ builder, extra }) => (extra.length ? builder.appending(extra) : builder));
}
