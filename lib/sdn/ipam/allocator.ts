// Built-in IPAM: pod addresses from the node's HostSubnet, persisted per address, keyed by container.
import path from 'node:path';
import { silentLogger, type Logger } from '../../log.js';
import type { Cidr, Ipv4 } from '../../net/ipv4.js';
import { IpamConfigError, IpamExhaustedError } from './errors.js';
import { StateLock } from './lock.js';
import { AllocationStore, DIRECTORY_RECORD, type IpAllocation } from './store.js';

export type { IpAllocation };

export interface HostSubnetIpamOptions {
  /** Holds addresses/, last-reserved and the lock; created 0700. One directory per node network. */
  stateDir: string;
  /** The node's HostSubnet; .1 is the gateway, network and broadcast are never handed out. */
  subnet: Cidr;
  logger?: Logger;
  lockTimeoutMs?: number;
}

export interface PodAddress {
  ip: Ipv4;
  prefixLength: number;
  gateway: Ipv4;
}

/** An attachment that exists (its port is on the switch), with the address it uses. */
export interface LiveAttachment {
  containerId: string;
  ifname: string;
  ip: Ipv4;
}

export interface ReconcileReport {
  /** Records of containers that no longer exist, now free. */
  released: IpAllocation[];
  /** Live containers holding an address the current subnet cannot hand out (the HostSubnet changed). */
  outOfSubnet: IpAllocation[];
}

const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const IFNAME = /^[^/:\s]{1,15}$/;
/** Index 0 is the network, 1 the gateway, size-1 the broadcast address. */
const FIRST_HOST_INDEX = 2;

export class HostSubnetIpam {
  private constructor(
    private readonly store: AllocationStore,
    private readonly lock: StateLock,
    readonly subnet: Cidr,
    private readonly logger: Logger,
    private readonly stateDir: string,
  ) {}

  static async open(options: HostSubnetIpamOptions): Promise<HostSubnetIpam> {
    if (options.subnet.prefixLength > 30) {
      throw new IpamConfigError(`HostSubnet ${options.subnet.toString()} is too small: it needs a /30 or larger `
        + 'for a network, gateway, pod and broadcast address');
    }
    const store = await AllocationStore.open(options.stateDir);
    const lock = new StateLock(path.join(options.stateDir, 'lock'), options.lockTimeoutMs);
    return new HostSubnetIpam(store, lock, options.subnet, options.logger ?? silentLogger, options.stateDir);
  }

  get gateway(): Ipv4 {
    return this.subnet.address(1);
  }

  /** How many pod addresses the subnet has. */
  get allocatableCount(): number {
    return this.subnet.size - 3;
  }

  /** True for addresses this subnet hands out (not network, gateway, broadcast, or another subnet's). */
  isAllocatable(ip: Ipv4): boolean {
    const index = this.subnet.indexOf(ip);
    return index >= FIRST_HOST_INDEX && index < this.subnet.size - 1;
  }

  /**
   * The attachment's address: the one it already holds in this subnet, else the next free one after
   * the last handed out (like host-local), so a just-freed address is not reused at once.
   */
  async allocate(containerId: string, ifname: string): Promise<PodAddress> {
    validateKey(containerId, ifname);
    return this.lock.withLock(async () => {
      const records = await this.store.list();
      const held = records.find((r) => r.containerId === containerId && r.ifname === ifname && this.isAllocatable(r.ip));
      if (held) return this.podAddress(held.ip);
      const taken = new Set<string>(records.map((r) => r.ip));
      const count = this.allocatableCount;
      const last = await this.store.lastReserved();
      const start = last !== undefined && this.isAllocatable(last) ? this.subnet.indexOf(last) - FIRST_HOST_INDEX + 1 : 0;
      for (let i = 0; i < count; i++) {
        const ip = this.subnet.address(FIRST_HOST_INDEX + ((start + i) % count));
        if (taken.has(ip) || !(await this.store.claim(ip, containerId, ifname))) continue;
        await this.store.setLastReserved(ip);
        this.logger.debug('IPAM allocated', { ip, containerId, ifname });
        return this.podAddress(ip);
      }
      throw new IpamExhaustedError(this.subnet, count);
    });
  }

  /** The address the attachment holds in this subnet, without allocating. */
  async lookup(containerId: string, ifname: string): Promise<PodAddress | undefined> {
    const held = (await this.list()).find((r) => r.containerId === containerId && r.ifname === ifname
      && this.isAllocatable(r.ip));
    return held ? this.podAddress(held.ip) : undefined;
  }

  /** Frees the container's addresses (one ifname, or all); nothing held is not an error (DEL repeats). */
  async release(containerId: string, ifname?: string): Promise<Ipv4[]> {
    return this.lock.withLock(async () => {
      const mine = (await this.store.list())
        .filter((r) => r.containerId === containerId && (ifname === undefined || r.ifname === ifname))
        .map((r) => r.ip);
      await this.store.remove(mine);
      if (mine.length > 0) this.logger.debug('IPAM released', { containerId, ifname, ips: mine });
      return mine;
    });
  }

  async list(): Promise<IpAllocation[]> {
    return this.lock.withLock(() => this.store.list());
  }

  /**
   * Makes the records of attachments that exist say so: a live pod's record that is missing or damaged
   * is written again, so its address is neither freed by reconcile() nor handed out twice. Returns
   * the addresses it rewrote.
   */
  async repair(attachments: Iterable<LiveAttachment>): Promise<Ipv4[]> {
    const repaired: Ipv4[] = [];
    await this.lock.withLock(async () => {
      const byIp = new Map((await this.store.list()).map((r) => [r.ip, r]));
      for (const live of attachments) {
        const record = byIp.get(live.ip);
        if (record && !record.problem) {
          if (record.containerId !== live.containerId || record.ifname !== live.ifname) {
            this.logger.error('IPAM record names another attachment than the pod using the address', {
              ip: live.ip, record: `${record.containerId}/${record.ifname}`, pod: `${live.containerId}/${live.ifname}` });
          }
          continue;
        }
        if (record?.problem === DIRECTORY_RECORD) continue;
        await this.store.rewrite(live.ip, live.containerId, live.ifname);
        repaired.push(live.ip);
      }
    });
    if (repaired.length > 0) this.logger.warn('IPAM records of running pods were missing or damaged; written again', { addresses: repaired });
    return repaired;
  }

  /**
   * Frees every record whose container is not live. Live containers keep addresses outside the
   * current subnet (reported, not freed): their pods still use them until they are recreated.
   */
  async reconcile(liveContainerIds: Iterable<string>): Promise<ReconcileReport> {
    const live = new Set(liveContainerIds);
    const report = await this.lock.withLock(async () => {
      const records = await this.store.list();
      const damaged = records.filter((r) => r.problem);
      if (damaged.length > 0) {
        this.logger.warn('IPAM state holds damaged records; their addresses are freed unless a directory holds them', {
          dir: this.stateDir, records: damaged.map((r) => `${r.ip}: ${r.problem}`) });
      }
      // A directory is not ours to delete: its address stays held until an administrator removes it.
      const released = records.filter((r) => !live.has(r.containerId) && r.problem !== DIRECTORY_RECORD);
      const outOfSubnet = records.filter((r) => live.has(r.containerId) && !this.isAllocatable(r.ip));
      await this.store.remove(released.map((r) => r.ip));
      return { released, outOfSubnet };
    });
    if (report.released.length > 0) {
      this.logger.info('IPAM released addresses of containers that no longer exist', {
        subnet: this.subnet.toString(), released: report.released.map((r) => `${r.ip}=${r.containerId || '?'}`),
      });
    }
    if (report.outOfSubnet.length > 0) {
      this.logger.warn('live containers hold addresses outside the HostSubnet', {
        subnet: this.subnet.toString(), addresses: report.outOfSubnet.map((r) => `${r.ip}=${r.containerId}`),
      });
    }
    return report;
  }

  private podAddress(ip: Ipv4): PodAddress {
    return { ip, prefixLength: this.subnet.prefixLength, gateway: this.gateway };
  }
}

function validateKey(containerId: string, ifname: string): void {
  if (!CONTAINER_ID.test(containerId)) {
    throw new IpamConfigError(`container ID ${JSON.stringify(containerId)} is not a CNI container ID`);
  }
  if (!IFNAME.test(ifname)) throw new IpamConfigError(`ifname ${JSON.stringify(ifname)} is not an interface name`);
}
