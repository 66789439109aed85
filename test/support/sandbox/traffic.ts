// One-shot traffic checks between sandbox namespaces: ping, and TCP to a tiny listener.
import { once } from 'node:events';
import { execIn, type NetnsHandle } from './netns.js';
import { startProcess, SandboxCommandError, type TrackedProcess } from './process.js';

export interface PingOptions {
  /** Echo requests to send (default 3). */
  count?: number;
  /** Gap between requests (default 200 ms; below 200 needs root, which the sandbox has). */
  intervalMs?: number;
  /** How long to wait for each reply (default 1 s). */
  timeoutS?: number;
}

export interface PingResult {
  transmitted: number;
  received: number;
  lost: number;
}

export function parsePingSummary(output: string): PingResult {
  const match = /(\d+) packets transmitted, (\d+) received/.exec(output);
  if (!match) throw new SandboxCommandError('ping', undefined, `no summary in output: ${output.slice(-200)}`);
  const transmitted = Number(match[1]);
  const received = Number(match[2]);
  return { transmitted, received, lost: transmitted - received };
}

/** Pings `toIp` from inside `from`; never throws for lost packets, only when ping itself cannot run. */
export async function ping(from: NetnsHandle, toIp: string, options: PingOptions = {}): Promise<PingResult> {
  const count = options.count ?? 3;
  const intervalMs = options.intervalMs ?? 200;
  const timeoutS = options.timeoutS ?? 1;
  const args = ['-n', '-q', '-c', String(count), '-i', String(intervalMs / 1000), '-W', String(timeoutS), toIp];
  const result = await execIn(from, 'ping', args, {
    reject: false,
    timeoutMs: count * intervalMs + timeoutS * 1000 + 5000,
  });
  // Exit 1 means "some replies missing" and still prints the summary; 2 is a real error (bad address...).
  if (result.exitCode > 1) throw new SandboxCommandError(`ping ${toIp}`, result.exitCode, result.stderr);
  return parsePingSummary(result.stdout);
}

/** How a TCP attempt ended: `refused` means the packets passed but nobody listened; `timeout` means they were dropped. */
export type TcpOutcome = 'connected' | 'refused' | 'timeout' | 'unreachable' | 'error';

/**
 * What a TCP attempt says about the path: a dropped SYN and an unanswered ARP (the kernel's EHOSTUNREACH,
 * whichever of the two timers fires first) both mean nothing got through.
 */
export type TcpVerdict = 'connected' | 'refused' | 'blocked' | 'error';

export function verdictOf(outcome: TcpOutcome): TcpVerdict {
  return outcome === 'timeout' || outcome === 'unreachable' ? 'blocked' : outcome;
}

export interface TcpResult {
  outcome: TcpOutcome;
  /** True when the handshake completed (a `timeout` after it means data segments were lost). */
  handshake: boolean;
  /** The client address as the listener saw it (shows NAT), when connected. */
  peer?: string;
  ms: number;
  error?: string;
}

// The listener answers the client's first data with the address it saw, so data crosses both ways.
const LISTENER = `
const net = require('node:net');
const [port, host] = process.argv.slice(1);
const server = net.createServer((s) => {
  s.on('error', () => {});
  s.setTimeout(10000, () => s.destroy());
  s.once('data', () => s.end(s.remoteAddress + '\\n'));
});
server.listen(Number(port), host, () => process.stdout.write('ready\\n'));
`;

const CLIENT = `
const net = require('node:net');
const [host, port, ms] = process.argv.slice(1);
const start = Date.now();
let handshake = false;
let reply = '';
const done = (result) => {
  process.stdout.write(JSON.stringify({ handshake, ms: Date.now() - start, ...result }));
  process.exit(0);
};
const codes = { ECONNREFUSED: 'refused', EHOSTUNREACH: 'unreachable', ENETUNREACH: 'unreachable' };
const s = net.connect({ host, port: Number(port) });
setTimeout(() => done({ outcome: 'timeout' }), Number(ms));
s.on('connect', () => { handshake = true; s.write('hello\\n'); });
s.on('data', (d) => { reply += d; });
s.on('end', () => done(reply ? { outcome: 'connected', peer: reply.trim() } : { outcome: 'error', error: 'closed without reply' }));
s.on('error', (e) => done({ outcome: codes[e.code] ?? 'error', error: e.code ?? e.message }));
`;

/** A script that has not said it is ready by then is reported, not waited for until the test's timeout. */
const SCRIPT_READY_MS = 15_000;

/** Runs a node `script` inside `where` until stopped; resolves once it prints its first line (ready). */
export async function startScript(label: string, where: NetnsHandle, script: string, args: readonly string[],
  pidDir?: string): Promise<TrackedProcess> {
  const proc = await startProcess(label, 'nsenter', [`--net=${where.netnsPath}`, '--', process.execPath, '-e', script, ...args], {
    stdio: 'pipe',
    ...(pidDir ? { pidDir } : {}),
  });
  const stdout = proc.subprocess.stdout;
  const stderr = proc.subprocess.stderr;
  if (!stdout || !stderr) throw new SandboxCommandError(label, undefined, 'no stdout');
  let errors = '';
  stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const ready = once(stdout, 'data').then(() => 'ready' as const);
  stdout.resume();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), SCRIPT_READY_MS); });
  const outcome = await Promise.race([ready, proc.exited.then(() => 'exited' as const), late]).finally(() => clearTimeout(timer));
  if (outcome !== 'ready') {
    if (outcome === 'late') await proc.stop();
    throw new SandboxCommandError(`${label} in ${where.netns}` + (outcome === 'late' ? ` not ready after ${SCRIPT_READY_MS} ms` : ''),
      proc.subprocess.exitCode ?? undefined, errors);
  }
  return proc;
}

/** A TCP server in a namespace that answers each connection with the client's address. */
export class TcpListener {
  private constructor(
    readonly where: NetnsHandle,
    readonly port: number,
    private readonly process: TrackedProcess,
  ) {}

  /** Starts listening on `host:port` (default all addresses) inside `where`; resolves once it accepts. */
  static async start(where: NetnsHandle, port: number, options: { host?: string; pidDir?: string } = {}): Promise<TcpListener> {
    const proc = await startScript(`tcp listener ${where.netns}:${port}`, where, LISTENER,
      [String(port), options.host ?? '0.0.0.0'], options.pidDir);
    return new TcpListener(where, port, proc);
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}

/**
 * Opens a TCP connection from inside `from` to `toIp:port` (e.g. a TcpListener), exchanges one line
 * and reports how it went. Never throws for a blocked or refused connection.
 */
export async function tcpConnect(from: NetnsHandle, toIp: string, port: number, options: { timeoutMs?: number } = {}): Promise<TcpResult> {
  const timeoutMs = options.timeoutMs ?? 1500;
  const result = await execIn(from, process.execPath, ['-e', CLIENT, toIp, String(port), String(timeoutMs)], {
    timeoutMs: timeoutMs + 10_000,
  });
  return JSON.parse(result.stdout) as TcpResult;
}
