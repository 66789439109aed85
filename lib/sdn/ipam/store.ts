// The on-disk allocation records: addresses/<ip> is a symlink whose target is "<containerId>/<ifname>".
// symlink(2) creates the entry and its content in one step and fails with EEXIST when the address is
// held, so a crash leaves either a complete record or none, and one address is never given twice.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ipv4OrUndefined, type Ipv4 } from '../../net/ipv4.js';
import { IpamConfigError } from './errors.js';

export interface IpAllocation {
  ip: Ipv4;
  /** '' when the record is unreadable; such an address stays held until reconcile releases it. */
  containerId: string;
  ifname: string;
}

/** A file name that is an IPv4 address, exactly as written; other names in the directory are not records. */
export function asIpv4(name: string): Ipv4 | undefined {
  return ipv4OrUndefined(name) === name ? (name as Ipv4) : undefined;
}

/** Creates `dir` 0700; an existing directory must be closed to group and others (it holds pod state). */
export async function ensurePrivateDirectory(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const stat = await fs.stat(dir);
  if (!stat.isDirectory() || (stat.mode & 0o077) !== 0) {
    throw new IpamConfigError(`IPAM state directory ${dir} must be a directory with mode 0700 `
      + `(it has mode ${(stat.mode & 0o777).toString(8)})`);
  }
}

export class AllocationStore {
  private readonly addressDir: string;
  private readonly lastReservedPath: string;

  private constructor(stateDir: string) {
    this.addressDir = path.join(stateDir, 'addresses');
    this.lastReservedPath = path.join(stateDir, 'last-reserved');
  }

  static async open(stateDir: string): Promise<AllocationStore> {
    await ensurePrivateDirectory(stateDir);
    const store = new AllocationStore(stateDir);
    await ensurePrivateDirectory(store.addressDir);
    return store;
  }

  async list(): Promise<IpAllocation[]> {
    const ips = (await fs.readdir(this.addressDir)).flatMap((name) => asIpv4(name) ?? []);
    return Promise.all(ips.map(async (ip) => {
      let target = '';
      try {
        target = await fs.readlink(path.join(this.addressDir, ip));
      } catch (err) {
        // EINVAL: a regular file where a record should be; it still marks the address as held.
        if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
      }
      const [containerId = '', ifname = '', extra] = target.split('/');
      return extra === undefined ? { ip, containerId, ifname } : { ip, containerId: '', ifname: '' };
    }));
  }

  /** Records `ip` for the attachment; false when the address is already held. */
  async claim(ip: Ipv4, containerId: string, ifname: string): Promise<boolean> {
    try {
      await fs.symlink(`${containerId}/${ifname}`, path.join(this.addressDir, ip));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    await this.syncAddresses();
    return true;
  }

  async remove(ips: readonly Ipv4[]): Promise<void> {
    if (ips.length === 0) return;
    await Promise.all(ips.map((ip) => fs.rm(path.join(this.addressDir, ip), { force: true })));
    await this.syncAddresses();
  }

  /** Where the last scan stopped; losing it only moves the next scan's start. */
  async lastReserved(): Promise<Ipv4 | undefined> {
    let text: string;
    try {
      text = (await fs.readFile(this.lastReservedPath, 'utf8')).trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    // A damaged hint is not worth failing an ADD for: start the scan from the beginning.
    return asIpv4(text);
  }

  async setLastReserved(ip: Ipv4): Promise<void> {
    const temp = `${this.lastReservedPath}.${process.pid}.tmp`;
    await fs.writeFile(temp, `${ip}\n`, { mode: 0o600 });
    await fs.rename(temp, this.lastReservedPath);
  }

  /** A record must survive a power loss too: flush the directory entry, not just the page cache. */
  private async syncAddresses(): Promise<void> {
    const handle = await fs.open(this.addressDir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
