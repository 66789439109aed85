// A lease that expires unless renewed, with keys attached to it: a live process's presence in etcd.
import type { Etcd3 } from 'etcd3';
import { StoreUnavailableError, translateEtcdError } from './errors.js';

export interface Lease {
  /** Renews the lease once; a lease that expired fails here. */
  keepAlive(): Promise<void>;
  /** Writes a key (relative to the store prefix) that disappears with the lease. */
  put(key: string, value: string): Promise<void>;
  /** Ends the lease now: its keys go at once instead of at expiry. */
  revoke(): Promise<void>;
}

/**
 * `members()` is how many etcd endpoints there are: a renewal is a stream, which etcd3 does not retry on
 * another member, so one that finds its member gone is tried again on a member picked at random, up to
 * twice per member.
 */
export async function grantLease(client: Etcd3, absolute: (key: string) => string, ttlSeconds: number,
  members: () => number = () => 1): Promise<Lease> {
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
  const renew = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call('renew lease', () => lease.keepaliveOnce());
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || attempt >= 2 * members()) throw error;
      }
    }
  };
  return {
    keepAlive: renew,
    put: (key, value) => call(`put ${key}`, () => lease.put(absolute(key)).value(value).exec()),
    revoke: () => call('revoke lease', () => lease.revoke()),
  };
}
