// The addresses no node subnet may take: every IP pool's, and every claimed fixed address.
import type { Store } from '../../etcd/types.js';
import { type Cidr, type Ipv4, ipv4ToInt, parseIpv4 } from '../../net/ipv4.js';
import { parseIpPool } from '../fixed/pool.js';
import { type AddressRange, subnetIndexesOf } from '../fixed/ranges.js';
import { type NetworkKeys, keyLeaf } from '../layout.js';
import { RecordError } from '../records.js';

export class ReservedAddresses {
  private readonly pools = new Map<string, readonly AddressRange[]>();
  private claimed: readonly Ipv4[] = [];

  constructor(private readonly network: Cidr) {}

  setPool(name: string, ranges: readonly AddressRange[] | null): void {
    if (ranges) this.pools.set(name, ranges);
    else this.pools.delete(name);
  }

  setClaimed(ips: readonly Ipv4[]): void {
    this.claimed = ips;
  }

  /** Reads the pools and claims as etcd has them now (a pool that does not parse reserves nothing). */
  async load(store: Pick<Store, 'list'>, keys: NetworkKeys): Promise<void> {
    const [pools, claims] = await Promise.all([store.list(keys.ipPools), store.list(keys.ipClaims)]);
    this.pools.clear();
    for (const kv of pools.items) {
      try {
        this.pools.set(keyLeaf(kv.key, keys.ipPools), parseIpPool(kv.key, kv.value, this.network).ranges);
      } catch (error) {
        if (!(error instanceof RecordError)) throw error;
      }
    }
    this.claimed = claims.items.flatMap((kv) => {
      try {
        return [parseIpv4(keyLeaf(kv.key, keys.ipClaims))];
      } catch {
        return [];
      }
    });
  }

  /** The node subnets (by index, of `subnetPrefixLength`) that hold a reserved address. */
  subnetIndexes(subnetPrefixLength: number): Set<number> {
    const indexes = new Set<number>();
    const add = (range: AddressRange) => {
      for (const index of subnetIndexesOf(range, this.network, subnetPrefixLength)) indexes.add(index);
    };
    for (const ranges of this.pools.values()) ranges.forEach(add);
    for (const ip of this.claimed) add({ first: ipv4ToInt(ip), last: ipv4ToInt(ip) });
    return indexes;
  }
}
