// Test helpers for CNI: run the real plugin process, and a scriptable in-memory PodNetworkBackend.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseIpv4 } from '../../lib/net/ipv4.js';
import type {
  AttachRequest, AttachmentKey, DetachRequest, PodAttachment, PodNetworkBackend, PodRequest,
} from '../../lib/sdn/cni/types.js';

/** The repository root, from dist/test/support/ (or another outDir). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The compiled plugin next to these tests; K8S_OVS_CNI_PLUGIN overrides it. */
export function pluginEntry(): string {
  return process.env.K8S_OVS_CNI_PLUGIN ?? fileURLToPath(new URL('../../lib/cniclient/main.cjs', import.meta.url));
}

export interface PluginRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON. */
  json?: Record<string, unknown>;
  ms: number;
}

/** Runs `node <entry>` with exactly `env` (plus PATH) and `stdin`, like a runtime execs a plugin. */
export function runPlugin(env: Record<string, string>, stdin: string, entry = pluginEntry(), launcher: string[] = []): Promise<PluginRun> {
  const started = Date.now();
  // With a launcher (e.g. nsenter into a node), the entry is executed as a runtime would: by its shebang.
  const [file, ...args] = launcher.length ? [...launcher, entry] : [process.execPath, entry];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (exitCode) => {
      const run: PluginRun = { exitCode, stdout, stderr, ms: Date.now() - started };
      try {
        if (stdout.trim() !== '') run.json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        // Leave json unset: the assertion on json will show stdout.
      }
      resolve(run);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

export interface BackendCall {
  method: 'add' | 'del' | 'check' | 'status' | 'gc';
  containerId?: string;
  request?: PodRequest;
  prev?: PodAttachment;
  valid?: AttachmentKey[];
  start: number;
  end?: number;
}

/** The attachment FakeBackend returns for a container (deterministic, so tests can compare). */
export function fakeAttachment(req: AttachRequest): PodAttachment {
  return {
    hostInterface: { name: `veth${req.containerId.slice(0, 8)}`, mac: 'aa:bb:cc:00:00:01' },
    podInterface: { name: req.ifname, mac: '0a:58:0a:80:00:05', sandbox: req.netns, mtu: 1450 },
    ip: parseIpv4('10.128.0.5'),
    prefixLength: 23,
    gateway: parseIpv4('10.128.0.1'),
    routes: [{ dst: '0.0.0.0/0', gw: parseIpv4('10.128.0.1') }, { dst: '224.0.0.0/4' }],
  };
}

/** Records every call; `delayMs` and `fail` let a test hold or fail the next operations. */
export class FakeBackend implements PodNetworkBackend {
  calls: BackendCall[] = [];
  delayMs = 0;
  fail?: Error;
  /** While set, every operation waits for it (a hung OVS call). */
  gate?: Promise<void>;

  private async record<T>(call: BackendCall, work: () => T): Promise<T> {
    this.calls.push(call);
    if (this.gate) await this.gate;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    call.end = Date.now();
    if (this.fail) throw this.fail;
    return work();
  }

  add(req: AttachRequest): Promise<PodAttachment> {
    return this.record({ method: 'add', containerId: req.containerId, request: req, start: Date.now() },
      () => fakeAttachment(req));
  }

  del(req: DetachRequest): Promise<void> {
    return this.record({ method: 'del', containerId: req.containerId, request: req, start: Date.now() }, () => undefined);
  }

  check(req: AttachRequest, prev: PodAttachment): Promise<void> {
    return this.record({ method: 'check', containerId: req.containerId, request: req, prev, start: Date.now() },
      () => undefined);
  }

  status(): Promise<void> {
    return this.record({ method: 'status', start: Date.now() }, () => undefined);
  }

  gc(valid: AttachmentKey[]): Promise<void> {
    return this.record({ method: 'gc', valid, start: Date.now() }, () => undefined);
  }

  reset(): void {
    this.calls = [];
    this.delayMs = 0;
    delete this.fail;
    delete this.gate;
  }
}
