// The pool of node subnets carved from the cluster network: which are taken, which is handed out next.
import { Cidr } from '../../net/ipv4.js';

/** Base of the subnet allocator's fixed errors. */
export class SubnetAllocationError extends Error {
  override name = 'SubnetAllocationError';
}

/** Every node subnet of the cluster network is in use. */
export class SubnetPoolFullError extends SubnetAllocationError {
  override name = 'SubnetPoolFullError';
}

/** The subnet is not one of the node subnets of the cluster network (outside, or wrong size). */
export class SubnetOutOfRangeError extends SubnetAllocationError {
  override name = 'SubnetOutOfRangeError';
}

/** The subnet is already allocated. */
export class SubnetTakenError extends SubnetAllocationError {
  override name = 'SubnetTakenError';
}

/** Next-fit, like the VNID allocator, so a released subnet is reused last. */
export class SubnetAllocator {
  private readonly taken = new Set<number>();
  /** Node subnets that share an address with an IP pool: never handed out. */
  private blocked = new Set<number>();
  private next = 0;
  readonly subnetPrefixLength: number;

  constructor(
    readonly network: Cidr,
    hostSubnetLength: number,
  ) {
    this.subnetPrefixLength = 32 - hostSubnetLength;
    if (this.subnetPrefixLength <= network.prefixLength || hostSubnetLength < 0) {
      throw new RangeError(`host subnet length ${hostSubnetLength} does not fit in ${network.toString()}`);
    }
  }

  get capacity(): number {
    return 2 ** (this.subnetPrefixLength - this.network.prefixLength);
  }

  get used(): number {
    return this.taken.size;
  }

  private subnetAt(index: number): Cidr {
    return Cidr.of(this.network.base + index * 2 ** (32 - this.subnetPrefixLength), this.subnetPrefixLength);
  }

  /** The index of a node subnet, or SubnetOutOfRangeError. */
  private indexOf(subnet: Cidr): number {
    if (subnet.prefixLength !== this.subnetPrefixLength || !this.network.contains(subnet.network)) {
      throw new SubnetOutOfRangeError(
        `${subnet.toString()} is not a /${this.subnetPrefixLength} node subnet of ${this.network.toString()}`);
    }
    return (subnet.base - this.network.base) / 2 ** (32 - this.subnetPrefixLength);
  }

  isNodeSubnet(subnet: Cidr): boolean {
    return subnet.prefixLength === this.subnetPrefixLength && this.network.contains(subnet.network);
  }

  isAllocated(subnet: Cidr): boolean {
    return this.isNodeSubnet(subnet) && this.taken.has(this.indexOf(subnet));
  }

  /** Replaces the node subnets (by index) that IP pools use. */
  block(indexes: Iterable<number>): void {
    this.blocked = new Set(indexes);
  }

  isBlocked(subnet: Cidr): boolean {
    return this.isNodeSubnet(subnet) && this.blocked.has(this.indexOf(subnet));
  }

  allocate(): Cidr {
    const unavailable = new Set([...this.taken, ...this.blocked]).size;
    if (unavailable >= this.capacity) {
      throw new SubnetPoolFullError(`all ${this.capacity} /${this.subnetPrefixLength} subnets of ${this.network.toString()} are in use`
        + (this.blocked.size ? ` or overlap IP pools (${this.blocked.size})` : ''));
    }
    let index = this.next;
    while (this.taken.has(index) || this.blocked.has(index)) index = (index + 1) % this.capacity;
    this.taken.add(index);
    this.next = (index + 1) % this.capacity;
    return this.subnetAt(index);
  }

  claim(subnet: Cidr): void {
    const index = this.indexOf(subnet);
    if (this.taken.has(index)) throw new SubnetTakenError(`${subnet.toString()} is already in use`);
    this.taken.add(index);
  }

  /** Returns a subnet to the pool; false if it was not allocated (or is not a node subnet). */
  release(subnet: Cidr): boolean {
    return this.isNodeSubnet(subnet) && this.taken.delete(this.indexOf(subnet));
  }
}
