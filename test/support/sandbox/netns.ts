// Named network namespaces (`ip netns`): create, enter, list their processes, delete.
import { readdir } from 'node:fs/promises';
import { run, type RunOptions, type RunResult } from './process.js';

export const NETNS_DIR = '/var/run/netns';

/** Anything that is a network namespace the traffic helpers can run in: hub, node or pod. */
export interface NetnsHandle {
  /** Namespace name as `ip netns` knows it. */
  readonly netns: string;
  /** `/var/run/netns/NAME`: what CNI passes as CNI_NETNS and `nsenter --net=` takes. */
  readonly netnsPath: string;
}

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

/** Runs a command inside a namespace. nsenter rather than `ip netns exec`: no mount namespace or /sys remount. */
export function execIn(ns: NetnsHandle, cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
  return run('nsenter', [`--net=${ns.netnsPath}`, '--', cmd, ...args], options);
}

/**
 * Creates the namespace with its loopback up; fails if the name is taken (another run, or a stale one).
 * `onCreated` hears of it as soon as it exists, so a later failure still leaves it to be deleted.
 */
export async function addNetns(name: string, onCreated: (name: string) => void): Promise<NetnsHandle> {
  await run('ip', ['netns', 'add', name]);
  onCreated(name);
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return { netns: name, netnsPath: netnsPath(name) };
}

export async function listNetns(): Promise<string[]> {
  return readdir(NETNS_DIR).catch(() => []);
}

/** PIDs of every process whose network namespace is this one. */
export async function netnsPids(name: string): Promise<number[]> {
  const { stdout } = await run('ip', ['netns', 'pids', name], { reject: false });
  return stdout
    .split('\n')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** Deletes the namespace; a missing one is not an error (delete is idempotent). */
export async function deleteNetns(name: string): Promise<void> {
  if (!(await listNetns()).includes(name)) return;
  await run('ip', ['netns', 'delete', name]);
}
