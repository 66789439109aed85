// A lease that expires unless renewed, with keys attached to it: a live process's presence in etcd.
import type { Etcd3 } from 'etcd3';
import { translateEtcdError } from './errors.js';

export interface Lease {
  /** Renews the lease once; a lease that expired fails here. */
  keepAlive(): Promise<void>;
  /** Writes a key (relative to the store prefix) that disappears with the lease. */
  put(key: string, value: string): Promise<void>;
  /** Ends the lease now: its keys go at once instead of at expiry. */
  revoke(): Promise<void>;
}

export async function grantLease(client: Etcd3, absolute: (key: string) => string, ttlSeconds: number): Promise<Lease> {
  // Renewal is the caller's: a process that stops renewing should vanish from etcd.
  const lease = client.lease(ttlSeconds, { autoKeepAlive: false });
  // etcd3 also reports a lost lease as an event; the next call notices it by failing.
  lease.on('lost', () => undefined);
  const call = async (what: string, operation: () => Promise<unknown>): Promise<void> => {
    try {
      await operation();
    } catch (error) {
      throw translateEtcdError(error, what);
    }
  };
  await call('grant lease', () => lease.grant());
  return {
    keepAlive: () => call('renew lease', () => lease.keepaliveOnce()),
    put: (key, value) => call(`put ${key}`, () => lease.put(absolute(key)).value(value).exec()),
    revoke: () => call('revoke lease', () => lease.revoke()),
  };
}
