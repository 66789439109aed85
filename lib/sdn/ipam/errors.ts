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

/** The state directory refused a change (full, read-only, failing disk): nothing was handed out or released. */
export class IpamStorageError extends IpamError {
  override name = 'IpamStorageError';

  constructor(readonly path: string, readonly code: string, what: string) {
    super(`IPAM state ${path}: cannot ${what}: ${STORAGE_PROBLEMS[code] ?? code}`);
  }
}

/** Turns an errno failure of `what` on `path` into an IpamStorageError; anything else passes through. */
export function asStorageError(error: unknown, path: string, what: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? new IpamStorageError(path, code, what) : error;
}

const STORAGE_PROBLEMS: Record<string, string> = {
  ENOSPC: 'the filesystem is full (ENOSPC); free space or inodes there',
  EDQUOT: 'the disk quota is exhausted (EDQUOT)',
  EROFS: 'the filesystem is read-only (EROFS); remount it read-write',
  EACCES: 'permission denied (EACCES); the daemon must own its state directory',
  EPERM: 'operation not permitted (EPERM)',
  EIO: 'an I/O error (EIO); check the disk',
};
