// Runs the admin CLI (bin/k8s-ovs-adm, as installed) and HTTP probes inside sandbox namespaces.
import path from 'node:path';
import { repoRoot } from './cluster.js';
import { type NetnsHandle, type RunResult, execIn } from './sandbox/index.js';

export const ADM = path.join(repoRoot, 'bin', 'k8s-ovs-adm');

/**
 * `k8s-ovs-adm ARGS` inside `where` (the hub or a node, which reach etcd), never throwing on a non-zero exit; the last
 * newline is stripped.
 */
export function adm(where: NetnsHandle, args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return execIn(where, process.execPath, [ADM, ...args], { reject: false, env, timeoutMs: 90_000 });
}

// curl is not on every test machine: Node's fetch does the request inside the namespace.
const FETCH = `fetch(process.argv[1]).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })),
  (e) => { process.stderr.write(String(e.cause ?? e)); process.exit(1); });`;

/** GET `url` from inside `where`. */
export async function httpGet(where: NetnsHandle, url: string): Promise<{ status: number; body: string }> {
  const result = await execIn(where, process.execPath, ['-e', FETCH, url], { timeoutMs: 20_000 });
  return JSON.parse(result.stdout) as { status: number; body: string };
}

/** The value of one Prometheus sample line (`name{labels} value`), or undefined when it is absent. */
export function metricValue(exposition: string, sample: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}
