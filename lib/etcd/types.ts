// The store's value types and the interface its consumers program against (a test can replace it).
import type { ConnectionMonitor } from './connection.js';
import type { Candidacy, CandidacyHandlers } from './election.js';
import type { Transaction } from './txn.js';
import type { WatchHandlers, WatchOptions } from './watch.js';

/** A key (relative to the store prefix) with its value and revisions. */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
}

/** Everything under a prefix as of one store revision. */
export interface Listing {
  readonly items: KeyValue[];
  readonly revision: number;
}

export type WatchEvent =
  | { readonly type: 'put'; readonly kv: KeyValue }
  | { readonly type: 'delete'; readonly key: string; readonly modRevision: number };

/** Proof of leadership: writes fenced by it succeed only while this election key still exists. */
export interface Fence {
  /** Absolute etcd key of the elected candidate. */
  readonly key: string;
  readonly createRevision: number;
}

export interface TxnResult {
  readonly succeeded: boolean;
  readonly revision: number;
  /** When the transaction failed: the current value of each compared key (null if absent). */
  readonly current: ReadonlyMap<string, KeyValue | null>;
}

export interface CampaignOptions {
  /** Lease TTL in seconds: how long a dead leader holds the election (default 10). */
  ttlSeconds?: number | undefined;
}

/** A running prefix watch, as its consumer holds it. */
export interface Watching {
  cancel(): Promise<void>;
}

export interface Store {
  readonly connection: ConnectionMonitor;
  get(key: string): Promise<KeyValue | null>;
  list(prefix: string): Promise<Listing>;
  /** Unconditional write; returns the revision. */
  put(key: string, value: string): Promise<number>;
  /** Writes only if the key does not exist (create revision 0). */
  create(key: string, value: string): Promise<TxnResult>;
  /** Writes only if the key's mod revision is still `modRevision`. */
  compareAndSwap(key: string, modRevision: number, value: string): Promise<TxnResult>;
  /** Deletes only if the key's mod revision is still `modRevision`. */
  deleteIfUnchanged(key: string, modRevision: number): Promise<TxnResult>;
  txn(): Transaction;
  watchPrefix(prefix: string, handlers: WatchHandlers, options?: WatchOptions): Watching;
  campaign(name: string, value: string, handlers: CandidacyHandlers, options?: CampaignOptions): Candidacy;
  /** Graceful: ends watches, resigns elections (fast failover), closes the client. */
  close(): Promise<void>;
}
