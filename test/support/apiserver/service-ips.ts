// ClusterIP allocation from the service CIDR, as the API server does when a Service is created.
import { AddressError, Cidr, parseIpv4 } from '../../../lib/net/ipv4.js';
import { ApiError } from './api-error.js';

function isIpv4(text: string): boolean {
  try {
    return parseIpv4(text) === text;
  } catch (error) {
    if (error instanceof AddressError) return false;
    throw error;
  }
}

export class ServiceIpAllocator {
  private readonly cidr: Cidr;
  private readonly taken = new Set<string>();

  constructor(serviceCidr: string) {
    this.cidr = Cidr.parse(serviceCidr, 'serviceCidr');
  }

  /** The address the real server reserves for the `default/kubernetes` Service. */
  get firstAddress(): string {
    return this.cidr.address(1);
  }

  /**
   * The lowest free address; the real allocator picks at random, but tests read better
   * with predictable addresses and nothing may depend on the choice.
   */
  allocate(serviceName: string): string {
    for (let index = 1; index < this.cidr.size - 1; index++) {
      const candidate = this.cidr.address(index);
      if (!this.taken.has(candidate)) {
        this.taken.add(candidate);
        return candidate;
      }
    }
    throw ApiError.invalid('Service', serviceName, 'spec.clusterIPs', `Internal error: range is full (${this.cidr.toString()})`);
  }

  /** Claims a requested address, refusing one outside the range or already in use. */
  reserve(serviceName: string, address: string): void {
    if (!isIpv4(address)) {
      throw ApiError.invalid('Service', serviceName, 'spec.clusterIPs[0]', `Invalid value: "${address}": must be a valid IP address`);
    }
    const index = this.cidr.contains(address) ? this.cidr.indexOf(address) : -1;
    if (index < 1 || index >= this.cidr.size - 1) {
      throw ApiError.invalid('Service', serviceName, 'spec.clusterIPs', `Invalid value: "${address}": provided IP is not in the valid range. The range of valid IPs is ${this.cidr.toString()}`);
    }
    if (this.taken.has(address)) {
      throw ApiError.invalid('Service', serviceName, 'spec.clusterIPs', `Invalid value: ["${address}"]: failed to allocate IP ${address}: provided IP is already allocated`);
    }
    this.taken.add(address);
  }

  release(address: string): void {
    this.taken.delete(address);
  }
}
