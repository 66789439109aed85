// The store's public surface; nothing outside lib/etcd imports etcd3.
export { ConnectionMonitor, type ConnectionState } from './connection.js';
export { Candidacy, type CandidacyHandlers, DEFAULT_ELECTION_TTL_SECONDS } from './election.js';
export {
  LeadershipLostError, LeaseLostError, StoreAccessError, StoreClosedError, StoreCompactedError, StoreError,
  StoreUnavailableError,
} from './errors.js';
export { DEFAULT_REQUEST_TIMEOUT_MS, type StoreOptions, StoreOptionsError } from './options.js';
export { EtcdStore } from './store.js';
export { Transaction } from './txn.js';
export type { CampaignOptions, Fence, KeyValue, Listing, Store, TxnResult, WatchEvent } from './types.js';
export { PrefixWatch, type WatchHandlers, type WatchOptions } from './watch.js';
