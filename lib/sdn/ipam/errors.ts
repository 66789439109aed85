// The IPAM error types: each names the subnet, address or lock a caller needs to act on.
import type { Cidr } from '../../net/ipv4.js';

export class IpamError extends Error {
  override name = 'IpamError';
}

/** Every allocatable address of the subnet is held. */
export class IpamExhaustedError extends IpamError {
  override name = 'IpamExhaustedError';

  constructor(readonly subnet: Cidr, readonly allocatable: number) {
    super(`no free address in ${subnet.toString()}: all ${allocatable} allocatable addresses are in use`);
  }
}

/** The allocator cannot be used as configured (subnet too small, bad container ID or ifname). */
export class IpamConfigError extends IpamError {
  override name = 'IpamConfigError';
}

/** Another live process kept the state directory's lock for longer than the timeout. */
export class IpamLockTimeoutError extends IpamError {
  override name = 'IpamLockTimeoutError';
}
