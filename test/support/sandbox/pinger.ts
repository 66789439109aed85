// A ping that runs until stopped and reports which replies were missing: the outage seen during a restart.
import { execIn, type NetnsHandle } from './netns.js';
import { startProcess, waitFor, SandboxCommandError, type TrackedProcess } from './process.js';
import { parsePingSummary } from './traffic.js';

export interface PingerReport {
  /** Requests sent from the first reply on, not counting those still in flight when stopped. */
  transmitted: number;
  received: number;
  lost: number;
  /** Longest run of consecutive lost requests. */
  longestOutage: number;
  /** That run in milliseconds (packets × interval). */
  longestOutageMs: number;
  /** Sequence numbers that got no reply. */
  lostSeqs: number[];
}

/** ping waits this long (-W 1) for each reply: unanswered requests younger than that are still in flight. */
const REPLY_TIMEOUT_MS = 1000;

export class ContinuousPinger {
  private output = '';
  private readonly replies = new Set<number>();
  /** When each reply arrived (ms since the epoch): places a lost request in time between its neighbours. */
  readonly replyAt = new Map<number, number>();

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
        this.replyAt.set(Number(match[1]), Date.now());
      }
      parsed = complete;
    });
    stdout.resume();
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
    // Requests sent in the last reply-timeout before the interrupt may still have been in flight.
    let transmitted = sent;
    const inFlightWindow = Math.max(1, Math.floor(REPLY_TIMEOUT_MS / this.intervalMs));
    while (transmitted > 0 && !this.replies.has(transmitted) && sent - transmitted < inFlightWindow) transmitted -= 1;
    // Requests before the first reply only warm the path (the userspace datapath drops the first
    // tunnelled packet while it resolves the peer node); callers wait for replies before acting.
    const first = Math.min(...this.replies, transmitted + 1);
    transmitted -= first - 1;
    let longestOutage = 0;
    let run = 0;
    for (let seq = first; seq < first + transmitted; seq++) {
      run = this.replies.has(seq) ? 0 : run + 1;
      longestOutage = Math.max(longestOutage, run);
    }
    const received = [...this.replies].filter((seq) => seq >= first && seq < first + transmitted).length;
    const lostSeqs: number[] = [];
    for (let seq = first; seq < first + transmitted; seq++) if (!this.replies.has(seq)) lostSeqs.push(seq);
    return {
      lostSeqs,
      transmitted,
      received,
      lost: transmitted - received,
      longestOutage,
      longestOutageMs: longestOutage * this.intervalMs,
    };
  }
}
