// Changes the etcd endpoints of a running client, keeping its leases, elections and watches.
// etcd3 (1.1.2) has no equivalent of Go clientv3's SetEndpoints: its connection pool keeps one Host per
// endpoint and picks among them at every call and every stream (re)connection. Replacing that list is
// what SetEndpoints does; the pool is private, so its shape is checked here and nowhere else.
import { Etcd3, type IOptions } from 'etcd3';
import { StoreError } from './errors.js';

/** The part of etcd3's private ConnectionPool this file touches. */
interface PoolHost {
  /** host:port, without the scheme. */
  readonly host: string;
  /** Closes the host's gRPC clients; streams on them fail and reconnect through the pool. */
  resetAllServices(): void;
  close(): void;
}

interface ConnectionPool {
  hosts: PoolHost[];
  /** The options object the pool and its authenticator read the host list from. */
  options: IOptions;
}

export interface EndpointChange {
  readonly added: string[];
  readonly removed: string[];
}

function isPoolHost(value: unknown): value is PoolHost {
  const host = value as Partial<PoolHost> | null;
  return typeof host?.host === 'string' && typeof host.resetAllServices === 'function' && typeof host.close === 'function';
}

function poolOf(client: Etcd3): ConnectionPool {
  const pool = (client as unknown as { pool?: Partial<ConnectionPool> }).pool;
  if (!pool || !Array.isArray(pool.hosts) || !pool.hosts.every(isPoolHost) || typeof pool.options !== 'object') {
    throw new StoreError('this etcd3 client cannot change its endpoints while running; restart the daemon to use the new ones');
  }
  return pool as ConnectionPool;
}

/**
 * Points `client` at the endpoints of `options` (built as for a new client: same TLS and auth). Hosts
 * that stay keep their connections and streams; removed ones are dropped at once, so streams on them
 * move to the remaining hosts, and closed for good after `graceMs`, when no call still retries on them.
 */
export function replaceEndpoints(client: Etcd3, options: IOptions, graceMs: number): EndpointChange {
  const pool = poolOf(client);
  const wanted = (typeof options.hosts === 'string' ? [options.hosts] : options.hosts ?? []);
  if (wanted.length === 0) throw new StoreError('etcd endpoints: none given');
  // A client built from the new options makes hosts with the right credentials; it opens no connection.
  const fresh = poolOf(new Etcd3(options));
  const current = new Map(pool.hosts.map((host) => [host.host, host]));
  const next = fresh.hosts.map((host) => current.get(host.host) ?? host);
  const kept = new Set(next);
  const removed = pool.hosts.filter((host) => !kept.has(host));
  pool.hosts = next;
  pool.options.hosts = wanted;
  for (const host of removed) {
    host.resetAllServices();
    setTimeout(() => host.close(), graceMs).unref();
  }
  return {
    added: next.filter((host) => !current.has(host.host)).map((host) => host.host),
    removed: removed.map((host) => host.host),
  };
}
