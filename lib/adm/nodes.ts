// Nodes as the admin sees them: HostSubnets joined with daemon heartbeats (pure; used by get and status).
import { HEARTBEAT_TTL_SECONDS } from '../sdn/heartbeat-record.js';
import type { HostSubnet } from '../sdn/records.js';
import type { NodeHeartbeat } from './inventory.js';
import { NONE, formatAge, renderTable } from './table.js';

export type NodeState =
  /** A daemon beats and the node has its subnet. */
  | 'Ready'
  /** A daemon beats but the master has not given it a subnet yet. */
  | 'WaitingForSubnet'
  /** A HostSubnet without a live daemon: stopped, crashed, cut off from etcd, or never started. */
  | 'NoHeartbeat'
  /** The last beat is older than the heartbeat TTL (the daemon is stuck or the clocks disagree). */
  | 'Stale';

export interface NodeView {
  name: string;
  hostIp: string;
  /** null while no subnet is assigned. */
  subnet: string | null;
  state: NodeState;
  version: string | null;
  pipelineVersion: number | null;
  lastHeartbeat: string | null;
  heartbeatAgeMs: number | null;
}

export function joinNodes(subnets: readonly HostSubnet[], heartbeats: readonly NodeHeartbeat[], now: Date): NodeView[] {
  const beats = new Map(heartbeats.map((beat) => [beat.hostIp, beat]));
  const views: NodeView[] = [];
  const view = (hostIp: string, subnet: HostSubnet | undefined, beat: NodeHeartbeat | undefined): NodeView => {
    const ageMs = beat ? now.getTime() - Date.parse(beat.time) : null;
    const assigned = subnet?.subnet && !subnet.assign ? subnet.subnet.toString() : null;
    const state: NodeState = !beat ? 'NoHeartbeat'
      : ageMs! > HEARTBEAT_TTL_SECONDS * 1000 ? 'Stale'
        : assigned === null ? 'WaitingForSubnet' : 'Ready';
    return {
      name: beat?.host ?? subnet?.host ?? hostIp, hostIp, subnet: assigned, state,
      version: beat?.version ?? null, pipelineVersion: beat?.pipelineVersion ?? null,
      lastHeartbeat: beat?.time ?? null, heartbeatAgeMs: ageMs,
    };
  };
  for (const subnet of subnets) views.push(view(subnet.hostIp, subnet, beats.get(subnet.hostIp)));
  const withSubnet = new Set(subnets.map((s) => s.hostIp as string));
  for (const beat of heartbeats) if (!withSubnet.has(beat.hostIp)) views.push(view(beat.hostIp, undefined, beat));
  return views.sort((a, b) => a.name.localeCompare(b.name) || a.hostIp.localeCompare(b.hostIp));
}

export function renderNodeTable(nodes: readonly NodeView[]): string {
  return renderTable(['NAME', 'STATUS', 'HOST-IP', 'SUBNET', 'VERSION', 'PIPELINE', 'HEARTBEAT'], nodes.map((node) => [
    node.name, node.state, node.hostIp, node.subnet ?? NONE, node.version ?? NONE,
    node.pipelineVersion === null ? NONE : String(node.pipelineVersion),
    node.heartbeatAgeMs === null ? NONE : `${formatAge(node.heartbeatAgeMs)} ago`,
  ]));
}

/** The JSON/YAML form of a node, with the record field names the rest of k8s-ovs uses. */
export function nodeDocument(node: NodeView): Record<string, unknown> {
  return {
    Name: node.name, HostIP: node.hostIp, Subnet: node.subnet, Status: node.state, Version: node.version,
    PipelineVersion: node.pipelineVersion, LastHeartbeat: node.lastHeartbeat,
  };
}
