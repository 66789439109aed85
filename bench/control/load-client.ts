// Drives bench/control/loader.ts inside the hub: bulk etcd writes and API creates, one command at a time.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from '../../test/support/sandbox/index.js';

export interface LoadAnswer {
  ok: boolean;
  count?: number;
  ms?: number;
  /** Epoch ms at which the loader saw the last write acknowledged. */
  doneAt: number;
  error?: string;
}

export class LoadClient {
  private readonly lines: AsyncIterator<string, unknown>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams, reader: Interface) {
    this.lines = reader[Symbol.asyncIterator]();
  }

  static start(sandbox: Sandbox): LoadClient {
    const script = fileURLToPath(new URL('./loader.js', import.meta.url));
    const child = spawn('nsenter', [`--net=${sandbox.hub.netnsPath}`, '--', process.execPath, script], {
      stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    const client = new LoadClient(child, createInterface({ input: child.stdout }));
    sandbox.track({ stop: () => client.stop() });
    return client;
  }

  async send(command: object): Promise<LoadAnswer> {
    this.child.stdin.write(JSON.stringify(command) + '\n');
    const line = await this.lines.next();
    if (line.done) throw new Error('the loader in the hub exited');
    const answer = JSON.parse(line.value) as LoadAnswer;
    if (!answer.ok) throw new Error(`loader: ${answer.error}`);
    return answer;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}
