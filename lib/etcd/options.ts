// Connection options of the store and their translation into etcd3's client options.
import type { IOptions } from 'etcd3';
import type { Logger } from '../log.js';
import { type CredentialOptions, readCredentials, withScheme } from './credentials.js';

export interface StoreOptions extends CredentialOptions {
  /** Client URLs such as `https://10.0.0.1:2379`; a bare host:port gets http:// (https:// with TLS files). */
  endpoints: string[];
  /** Every key the store reads or writes lives under `<prefix>/`. */
  prefix: string;
  /** Deadline of each unary call (not watches); default 5000 ms. */
  requestTimeoutMs?: number | undefined;
  logger?: Logger | undefined;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

export class StoreOptionsError extends Error {
  override name = 'StoreOptionsError';
}

/** Reads the TLS files and builds etcd3's options; file and option problems are StoreOptionsErrors. */
export async function clientOptions(options: StoreOptions): Promise<IOptions> {
  if (options.endpoints.length === 0) throw new StoreOptionsError('etcd endpoints: none given');
  // etcd3 takes a client certificate only with the CA that checks the server; readCredentials reports a half pair.
  if (options.certFile !== undefined && options.keyFile !== undefined && options.caFile === undefined) {
    throw new StoreOptionsError('etcd TLS: a client certificate needs caFile too');
  }
  const { tls, auth } = await readCredentials(options, (message) => new StoreOptionsError(`etcd ${message}`));
  const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    hosts: options.endpoints.map((endpoint) => withScheme(endpoint, tls.ca !== undefined)),
    ...(tls.ca ? {
      credentials: { rootCertificate: tls.ca, ...(tls.key ? { privateKey: tls.key } : {}), ...(tls.cert ? { certChain: tls.cert } : {}) },
    } : {}),
    ...(auth ? { auth } : {}),
    dialTimeout: timeout,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout }),
  };
}
