// Connection options of the store and their translation into etcd3's client options.
import { readFile } from 'node:fs/promises';
import type { IOptions } from 'etcd3';
import type { Logger } from '../log.js';

export interface StoreOptions {
  /** Client URLs such as `https://10.0.0.1:2379`; a bare host:port gets http:// (https:// with TLS files). */
  endpoints: string[];
  /** Every key the store reads or writes lives under `<prefix>/`. */
  prefix: string;
  /** PEM CA bundle that signed the etcd server certificates; enables TLS. */
  caFile?: string;
  /** PEM client certificate and key for etcd client-certificate auth. */
  certFile?: string;
  keyFile?: string;
  username?: string;
  password?: string;
  /** Deadline of each unary call (not watches); default 5000 ms. */
  requestTimeoutMs?: number;
  logger?: Logger;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

export class StoreOptionsError extends Error {
  override name = 'StoreOptionsError';
}

function withScheme(endpoint: string, tls: boolean): string {
  return /^https?:\/\//.test(endpoint) ? endpoint : `${tls ? 'https' : 'http'}://${endpoint}`;
}

/** Reads the TLS files and builds etcd3's options; file and option problems are StoreOptionsErrors. */
export async function clientOptions(options: StoreOptions): Promise<IOptions> {
  if (options.endpoints.length === 0) throw new StoreOptionsError('etcd endpoints: none given');
  if ((options.certFile === undefined) !== (options.keyFile === undefined)) {
    throw new StoreOptionsError('etcd TLS: certFile and keyFile must be given together');
  }
  if (options.certFile !== undefined && options.caFile === undefined) {
    throw new StoreOptionsError('etcd TLS: a client certificate needs caFile too');
  }
  if ((options.username === undefined) !== (options.password === undefined)) {
    throw new StoreOptionsError('etcd auth: username and password must be given together');
  }
  const read = async (what: string, path: string | undefined): Promise<Buffer | undefined> => {
    if (path === undefined) return undefined;
    try {
      return await readFile(path);
    } catch (error) {
      throw new StoreOptionsError(`etcd TLS: cannot read ${what} "${path}": ${(error as Error).message}`);
    }
  };
  const rootCertificate = await read('caFile', options.caFile);
  const privateKey = await read('keyFile', options.keyFile);
  const certChain = await read('certFile', options.certFile);
  const tls = rootCertificate !== undefined;
  const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    hosts: options.endpoints.map((endpoint) => withScheme(endpoint, tls)),
    ...(rootCertificate ? { credentials: { rootCertificate, privateKey, certChain } } : {}),
    ...(options.username !== undefined && options.password !== undefined
      ? { auth: { username: options.username, password: options.password } } : {}),
    dialTimeout: timeout,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout }),
  };
}
