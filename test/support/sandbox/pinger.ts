// A ping that runs until stopped and reports which replies were missing: the outage seen during a restart.
import { execIn, type NetnsHandle } from './netns.js';
import { startProcess, waitFor, SandboxCommandError, type TrackedProcess } from './process.js';
import { parsePingSummary } from './traffic.js';

export interface PingerReport {
  /** Requests sent, not counting one still in flight when stopped. */
  transmitted: number;
  received: number;
  lost: number;
  /** Longest run of consecutive lost requests. */
  longestOutage: number;
  /** That run in milliseconds (packets × interval). */
  longestOutageMs: number;
}

export class ContinuousPinger {
  private output = '';
  private readonly replies = new Set<number>();

  private constructor(
    readonly from: NetnsHandle,
    readonly toIp: string,
    readonly intervalMs: number,
    private readonly process: TrackedProcess,
  ) {
    const stdout = process.subprocess.stdout;
    if (!stdout) throw new SandboxCommandError('ping', undefined, 'no stdout');
    let parsed = 0;
    stdout.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
      const complete = this.output.lastIndexOf('\n') + 1;
      for (const match of this.output.slice(parsed, complete).matchAll(/^\d+ bytes from .*icmp_seq=(\d+)/gm)) {
        this.replies.add(Number(match[1]));
      }
      parsed = complete;
    });
  }

  /** Starts pinging `toIp` from `from` every `intervalMs` (default 100 ms), each reply awaited up to 1 s. */
  static async start(from: NetnsHandle, toIp: string, options: { intervalMs?: number; pidDir?: string } = {}): Promise<ContinuousPinger> {
    const intervalMs = options.intervalMs ?? 100;
    // Fail fast on a missing namespace: a ping that could not start would only show up at stop().
    await execIn(from, 'true', []);
    const args = [`--net=${from.netnsPath}`, '--', 'ping', '-n', '-i', String(intervalMs / 1000), '-W', '1', toIp];
    const proc = await startProcess(`ping ${from.netns} -> ${toIp}`, 'nsenter', args, {
      stdio: 'pipe',
      ...(options.pidDir ? { pidDir: options.pidDir } : {}),
    });
    return new ContinuousPinger(from, toIp, intervalMs, proc);
  }

  /** Replies received so far. */
  get received(): number {
    return this.replies.size;
  }

  /** Resolves once `count` replies have arrived (e.g. before restarting something, to know the path worked). */
  waitForReplies(count: number, timeoutMs = 5000): Promise<void> {
    return waitFor(`${count} ping replies from ${this.toIp}`, async () => this.replies.size >= count, timeoutMs, 20);
  }

  async stop(): Promise<PingerReport> {
    await this.process.stop('SIGINT');
    const sent = parsePingSummary(this.output).transmitted;
    // The last request may still have been in flight when ping was interrupted.
    const transmitted = sent > 0 && !this.replies.has(sent) ? sent - 1 : sent;
    let longestOutage = 0;
    let run = 0;
    for (let seq = 1; seq <= transmitted; seq++) {
      run = this.replies.has(seq) ? 0 : run + 1;
      longestOutage = Math.max(longestOutage, run);
    }
    const received = [...this.replies].filter((seq) => seq <= transmitted).length;
    return {
      transmitted,
      received,
      lost: transmitted - received,
      longestOutage,
      longestOutageMs: longestOutage * this.intervalMs,
    };
  }
}
