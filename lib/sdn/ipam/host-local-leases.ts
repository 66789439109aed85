// The lease files the original k8s-ovs's host-local IPAM left (/var/lib/cni/networks/k8s-ovs/<ip>): read to
// adopt its running pods, and each removed when its pod goes, so nothing of the original outlives its pods.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Ipv4 } from '../../net/ipv4.js';
import { asIpv4 } from './store.js';

/** Where the original's host-local wrote: its default data directory and the network name it passed. */
export const DEFAULT_HOST_LOCAL_DIR = '/var/lib/cni/networks/k8s-ovs';

export interface HostLocalLease {
  ip: Ipv4;
  containerId: string;
  /** Written by host-local 0.7 and later on the second line; older versions wrote the container ID alone. */
  ifname?: string;
}

export class HostLocalLeases {
  constructor(readonly dir: string = DEFAULT_HOST_LOCAL_DIR) {}

  /** Every lease (a file named by its address; `lock` and `last_reserved_ip*` are not); none without the directory. */
  async list(): Promise<HostLocalLease[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const leases: HostLocalLease[] = [];
    for (const name of names) {
      const ip = asIpv4(name);
      if (!ip) continue;
      const [containerId = '', ifname = ''] = (await fs.readFile(path.join(this.dir, name), 'utf8')).split(/\r?\n/).map((line) => line.trim());
      if (containerId) leases.push(ifname ? { ip, containerId, ifname } : { ip, containerId });
    }
    return leases;
  }

  /** Removes the container's leases (DEL of an adopted pod); returns their addresses. Nothing to remove is fine. */
  async release(containerId: string): Promise<Ipv4[]> {
    const mine = (await this.list()).filter((lease) => lease.containerId === containerId);
    await Promise.all(mine.map((lease) => fs.rm(path.join(this.dir, lease.ip), { force: true })));
    return mine.map((lease) => lease.ip);
  }
}
