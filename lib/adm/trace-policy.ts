// What the NetworkPolicy tables did with a traced packet, in words: the rule that admitted it (from the note its flow
// carries), why it passed undecided, or which policies isolate the pod that dropped it.
import { parseIsolatedNote, parseRuleNote } from '../sdn/pipeline/policy-flows.js';
import { Table } from '../sdn/pipeline/tables.js';
import { noteTexts } from '../ovs/dump.js';
import { type TraceStep, flowField } from './trace-output.js';

/** The texts of a step's note actions. */
export function notes(step: TraceStep): string[] {
  return step.actions.flatMap(noteTexts);
}

export const isPolicyTable = (table: number) => table === Number(Table.EgressPolicy) || table === Number(Table.IngressPolicy);

const side = (table: number) => (table === Number(Table.IngressPolicy) ? 'ingress' : 'egress');

/** `netpol ingress red/web[0]` as `red/web ingress rule 0`. */
function ruleName(note: string): string {
  const rule = parseRuleNote(note);
  return rule ? `${rule.policy} ${rule.direction} rule ${rule.index}` : note;
}

/** A policy table's decision when the packet went on. */
export function policyMeaning(step: TraceStep): string {
  const match = step.match ?? '';
  const admitted = notes(step);
  if (admitted.length > 0) return `allowed by NetworkPolicy ${admitted.map(ruleName).join(', ')}`;
  const state = flowField(match, 'ct_state');
  if (state?.includes('+est')) return 'part of a connection NetworkPolicy already admitted (or its reply)';
  if (state?.includes('+rel')) return 'related to a connection NetworkPolicy already admitted (an ICMP error)';
  if (flowField(match, 'nw_frag') === 'later') return 'a later fragment: its first fragment was decided';
  if (step.priority === 280) {
    return step.table === Number(Table.EgressPolicy) && (flowField(match, 'nw_dst') ?? '').includes('/')
      ? 'to a service: decided after kube-proxy\'s DNAT, on the way to its endpoint'
      : 'between a pod and its own node: never filtered';
  }
  return `no NetworkPolicy isolates the pod for ${side(step.table)}`;
}

/** Why a policy table dropped the packet: the policies that isolate the pod, none of whose rules admits it. */
export function policyDropReason(step: TraceStep): string {
  const isolated = notes(step).map(parseIsolatedNote).find(Boolean);
  return isolated
    ? `the pod is isolated for ${side(step.table)} by NetworkPolicy ${isolated.policies.join(', ')}, and no rule of theirs admits this packet`
    : `no rule admits it for ${side(step.table)}`;
}
