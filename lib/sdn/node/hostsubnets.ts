// This node's view of every HostSubnet, and the remote nodes (tunnel peers) it implies.
import type { Ipv4 } from '../../net/ipv4.js';
import type { RemoteNode } from '../pipeline/flows.js';
import type { HostSubnet } from '../records.js';

export class HostSubnets {
  private readonly records = new Map<string, HostSubnet>();

  constructor(private readonly self: Ipv4) {}

  get(hostIp: string): HostSubnet | undefined {
    return this.records.get(hostIp);
  }

  set(record: HostSubnet): void {
    this.records.set(record.hostIp, record);
  }

  /** Forgets a host (a key leaf from etcd); returns its record, if it was known. */
  delete(hostIp: string): HostSubnet | undefined {
    const record = this.records.get(hostIp);
    this.records.delete(hostIp);
    return record;
  }

  clear(): void {
    this.records.clear();
  }

  /** The HostSubnet that holds `ip` (any node's, this one's too). */
  holding(ip: Ipv4): HostSubnet | undefined {
    return [...this.records.values()].find((record) => record.subnet?.contains(ip));
  }

  /** Whether `hostIp` is a node with a subnet. */
  isNode(hostIp: Ipv4): boolean {
    return this.records.get(hostIp)?.subnet != null;
  }

  /** Every other node that has a subnet: what a relist hands the dataplane. */
  remoteNodes(): RemoteNode[] {
    return [...this.records.values()].flatMap((record) => this.remoteNode(record.hostIp) ?? []);
  }

  /** What the dataplane should do for just these hosts: set those that are remote nodes with a subnet, remove the others. */
  changesFor(hosts: Iterable<Ipv4>): { set: RemoteNode[]; removed: Ipv4[] } {
    const set: RemoteNode[] = [];
    const removed: Ipv4[] = [];
    for (const hostIp of new Set(hosts)) {
      const node = this.remoteNode(hostIp);
      if (node) set.push(node);
      else if (hostIp !== this.self) removed.push(hostIp);
    }
    return { set, removed };
  }

  private remoteNode(hostIp: Ipv4): RemoteNode | undefined {
    const record = this.records.get(hostIp);
    if (!record || hostIp === this.self || record.subnet === null) return undefined;
    return { ip: record.hostIp, subnet: record.subnet };
  }
}
