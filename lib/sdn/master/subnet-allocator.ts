// The pool of node subnets carved from the cluster network: which are taken, which is handed out next.
import { Cidr } from '../../net/ipv4.js';
import { NextFitPool, OutOfRangeError } from '../../next-fit.js';

/** Next-fit, like the VNID allocator, so a released subnet is reused last. */
export class SubnetAllocator {
  private readonly pool: NextFitPool;
  readonly subnetPrefixLength: number;

  constructor(
    readonly network: Cidr,
    hostSubnetLength: number,
  ) {
    this.subnetPrefixLength = 32 - hostSubnetLength;
    if (this.subnetPrefixLength <= network.prefixLength || hostSubnetLength < 0) {
      throw new RangeError(`host subnet length ${hostSubnetLength} does not fit in ${network.toString()}`);
    }
    const count = 2 ** (this.subnetPrefixLength - network.prefixLength);
    this.pool = new NextFitPool(0, count - 1, {
      member: (index) => this.subnetAt(index).toString(),
      full: (capacity, blocked) => `all ${capacity} /${this.subnetPrefixLength} subnets of ${network.toString()} are in use`
        + (blocked ? ` or overlap IP pools (${blocked})` : ''),
      outOfRange: (index) => `subnet ${index} is not a node subnet of ${network.toString()}`,
    });
  }

  get capacity(): number {
    return this.pool.capacity;
  }

  get used(): number {
    return this.pool.used;
  }

  private subnetAt(index: number): Cidr {
    return Cidr.of(this.network.base + index * 2 ** (32 - this.subnetPrefixLength), this.subnetPrefixLength);
  }

  /** The index of a node subnet, or OutOfRangeError. */
  private indexOf(subnet: Cidr): number {
    if (!this.isNodeSubnet(subnet)) {
      throw new OutOfRangeError(`${subnet.toString()} is not a /${this.subnetPrefixLength} node subnet of ${this.network.toString()}`);
    }
    return (subnet.base - this.network.base) / 2 ** (32 - this.subnetPrefixLength);
  }

  isNodeSubnet(subnet: Cidr): boolean {
    return subnet.prefixLength === this.subnetPrefixLength && this.network.contains(subnet.network);
  }

  isAllocated(subnet: Cidr): boolean {
    return this.isNodeSubnet(subnet) && this.pool.isTaken(this.indexOf(subnet));
  }

  /** Replaces the node subnets (by index) that IP pools use: never handed out. */
  block(indexes: Iterable<number>): void {
    this.pool.block(indexes);
  }

  isBlocked(subnet: Cidr): boolean {
    return this.isNodeSubnet(subnet) && this.pool.isBlocked(this.indexOf(subnet));
  }

  allocate(): Cidr {
    return this.subnetAt(this.pool.allocate());
  }

  claim(subnet: Cidr): void {
    this.pool.claim(this.indexOf(subnet));
  }

  /** Returns a subnet to the pool; false if it was not allocated (or is not a node subnet). */
  release(subnet: Cidr): boolean {
    return this.isNodeSubnet(subnet) && this.pool.release(this.indexOf(subnet));
  }
}
