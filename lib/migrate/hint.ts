// Tells a daemon that finds no v3 config whether the original k8s-ovs left one in etcd v2, and how to migrate it.
import type { StoreOptions } from '../etcd/options.js';
import { CONFIG_KEY } from '../sdn/layout.js';
import { MigrateError } from './errors.js';
import { V2Reader } from './v2-reader.js';

/** A daemon waits on this before logging; an absent v2 API must not hold it up. */
const HINT_TIMEOUT_MS = 2000;

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `k8s-ovs-adm migrate` command for these store options; a password is never echoed, only named. */
export function migrateCommandLine(options: StoreOptions, network = ''): string {
  const endpoints = options.endpoints.join(',');
  const flags: Array<[string, string]> = [
    ['from-v2', endpoints], ['etcd-endpoints', endpoints], ['etcd-prefix', options.prefix.replace(/\/+$/, '')],
    ...(network ? [['network', network] as [string, string]] : []),
  ];
  const both = (name: string, value: string | undefined): void => {
    if (value !== undefined) flags.push([`v2-${name}`, value], [`etcd-${name}`, value]);
  };
  both('cafile', options.caFile);
  both('certfile', options.certFile);
  both('keyfile', options.keyFile);
  both('username', options.username);
  if (options.password !== undefined) flags.push(['v2-password', 'PASSWORD'], ['etcd-password', 'PASSWORD']);
  return ['k8s-ovs-adm migrate', ...flags.map(([flag, value]) => `--${flag}=${shellWord(value)}`)].join(' ');
}

/**
 * The migrate command if the store's endpoints serve, through the v2 API, a config at the same
 * prefix (and --network); undefined if they do not (no v2 API, no such key, unreachable or refused within 2 s).
 */
export async function v2ConfigHint(options: StoreOptions, network = ''): Promise<string | undefined> {
  try {
    const reader = await V2Reader.open({
      endpoints: options.endpoints, caFile: options.caFile, certFile: options.certFile, keyFile: options.keyFile,
      username: options.username, password: options.password, requestTimeoutMs: HINT_TIMEOUT_MS,
    });
    const config = await reader.readKey(`${options.prefix.replace(/\/+$/, '')}/${network ? `${network}/` : ''}${CONFIG_KEY}`);
    return config === null ? undefined : migrateCommandLine(options, network);
  } catch (error) {
    // Any v2 failure means there is nothing to point at; the daemon keeps waiting for a v3 config.
    if (error instanceof MigrateError) return undefined;
    throw error;
  }
}
