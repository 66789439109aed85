// What a node holds for its pods, counted: IPAM records, OVS ports, host veths, flows, meters, QoS rows.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SandboxCluster } from '../support/cluster.js';
import type { SandboxNode } from '../support/sandbox/index.js';

export interface NodeState {
  addresses: number;
  ports: number;
  veths: number;
  flows: number;
  meters: number;
  qos: number;
  queues: number;
}

export const STATE_FIELDS: ReadonlyArray<keyof NodeState> = ['addresses', 'ports', 'veths', 'flows', 'meters', 'qos', 'queues'];

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

export async function nodeState(cluster: SandboxCluster, node: SandboxNode): Promise<NodeState> {
  const br0 = node.mgmtSocket('br0');
  const [addresses, ports, links, flows, meters, qos, queues] = await Promise.all([
    readdir(path.join(cluster.nodeDir(node), 'state', 'ipam', 'addresses')),
    node.vsctl(['list-ports', 'br0']),
    node.exec('ip', ['-o', 'link', 'show', 'type', 'veth']),
    node.ofctl(['dump-flows', br0, '--no-stats']),
    node.ofctl(['dump-meters', br0]),
    node.vsctl(['--bare', '--columns=_uuid', 'list', 'QoS']),
    node.vsctl(['--bare', '--columns=_uuid', 'list', 'Queue']),
  ]);
  return {
    addresses: addresses.length,
    ports: lines(ports.stdout).filter((p) => p.startsWith('ko')).length,
    // Pod host ends are named ko + 12 hex digits (hostPortName).
    veths: lines(links.stdout).filter((l) => /^\d+: ko[0-9a-f]{12}[@:]/.test(l)).length,
    flows: lines(flows.stdout).filter((l) => l.includes('actions=')).length,
    meters: (meters.stdout.match(/meter=\d+/g) ?? []).length,
    qos: lines(qos.stdout).length,
    queues: lines(queues.stdout).length,
  };
}

/** Fields where `now` differs from `baseline`, as "field +n" (or "-n"). */
export function stateDifference(baseline: NodeState, now: NodeState): string[] {
  return STATE_FIELDS.filter((f) => now[f] !== baseline[f]).map((f) => `${f} ${now[f] - baseline[f] > 0 ? '+' : ''}${now[f] - baseline[f]}`);
}

/** Resident memory of a process in MiB (VmRSS), or undefined when it is gone. */
export async function rssMiB(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? undefined : Number(kb) / 1024;
}

/** When ovs-vswitchd added or deleted a pod port on br0 (ms since the epoch), from its log: each can drop a packet. */
export async function portChangeTimes(node: SandboxNode): Promise<number[]> {
  const log = await readFile(node.vswitchdLog, 'utf8').catch(() => '');
  return [...log.matchAll(/^(\S+)\|\d+\|bridge\|INFO\|bridge br0: (?:added|deleted) interface ko/gm)].map((m) => Date.parse(m[1]!));
}

/** When the node's daemon logged that it restored the switch after ovs-vswitchd restarted (ms since the epoch). */
export async function switchRestoredTimes(cluster: SandboxCluster, node: SandboxNode): Promise<number[]> {
  const log = await cluster.log(node);
  return [...log.matchAll(/^(\S+) info switch flows restored/gm)].map((m) => Date.parse(m[1]!));
}
