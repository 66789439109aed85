// How a client proves itself to etcd and checks etcd: TLS files and user/password, checked as pairs and
// read once, for the v3 store and the v2 reader of the migration alike.
import { readFile } from 'node:fs/promises';
import { messageOf } from '../errors.js';

export interface CredentialOptions {
  /** PEM CA bundle that signed the etcd server certificates; enables TLS. */
  caFile?: string | undefined;
  /** PEM client certificate and key for etcd client-certificate auth, given together. */
  certFile?: string | undefined;
  keyFile?: string | undefined;
  /** etcd user, given with password. */
  username?: string | undefined;
  password?: string | undefined;
}

/** The contents of the TLS files that were given, named as node:tls names them. */
export interface TlsFiles {
  readonly ca?: Buffer | undefined;
  readonly cert?: Buffer | undefined;
  readonly key?: Buffer | undefined;
}

export interface Credentials {
  readonly tls: TlsFiles;
  readonly auth?: { readonly username: string; readonly password: string };
}

/**
 * Checks that certFile/keyFile and username/password come in pairs and reads the files; `invalid`
 * makes the caller's error type from a message such as `TLS: cannot read caFile "…": …`.
 */
export async function readCredentials(
  options: CredentialOptions, invalid: (message: string) => Error,
): Promise<Credentials> {
  if ((options.certFile === undefined) !== (options.keyFile === undefined)) {
    throw invalid('TLS: certFile and keyFile must be given together');
  }
  if ((options.username === undefined) !== (options.password === undefined)) {
    throw invalid('auth: username and password must be given together');
  }
  const read = async (field: string, path: string | undefined): Promise<Buffer | undefined> => {
    if (path === undefined) return undefined;
    try {
      return await readFile(path);
    } catch (error) {
      throw invalid(`TLS: cannot read ${field} "${path}": ${messageOf(error)}`);
    }
  };
  const tls: TlsFiles = {
    ca: await read('caFile', options.caFile),
    cert: await read('certFile', options.certFile),
    key: await read('keyFile', options.keyFile),
  };
  const { username, password } = options;
  return { tls, ...(username !== undefined && password !== undefined ? { auth: { username, password } } : {}) };
}

/** A bare host:port gets http://, or https:// when the client talks TLS. */
export function withScheme(endpoint: string, tls: boolean): string {
  return /^https?:\/\//.test(endpoint) ? endpoint : `${tls ? 'https' : 'http'}://${endpoint}`;
}
