// UDP checks between sandbox namespaces: an echo server, and one datagram of a chosen size there and back.
import { execIn, type NetnsHandle } from './netns.js';
import type { TrackedProcess } from './process.js';
import { startScript } from './traffic.js';

/** `echoed`: the same bytes came back; `timeout`: nothing did (dropped on the way there or back). */
export type UdpOutcome = 'echoed' | 'corrupted' | 'timeout' | 'error';

export interface UdpResult {
  outcome: UdpOutcome;
  /** The address the answer came from (a service IP once kube-proxy's DNAT is undone). */
  from?: string;
  bytes?: number;
  error?: string;
}

const ECHO = `
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => s.send(m, r.port, r.address));
s.bind(Number(process.argv[1]), () => process.stdout.write('ready\\n'));
`;

// A byte pattern rather than one repeated byte, so a reassembly that mixed up fragments shows.
const CLIENT = `
const dgram = require('node:dgram');
const [host, port, size, ms] = process.argv.slice(1);
const payload = Buffer.alloc(Number(size), 0).map((_, i) => i % 251);
const s = dgram.createSocket('udp4');
const done = (result) => { process.stdout.write(JSON.stringify(result)); process.exit(0); };
setTimeout(() => done({ outcome: 'timeout' }), Number(ms));
s.on('message', (m, r) => done({ outcome: m.equals(payload) ? 'echoed' : 'corrupted', from: r.address, bytes: m.length }));
s.on('error', (e) => done({ outcome: 'error', error: e.code ?? e.message }));
s.send(payload, Number(port), host);
`;

/** A UDP server in a namespace that sends every datagram back to its sender. */
export class UdpEcho {
  private constructor(readonly where: NetnsHandle, readonly port: number, private readonly process: TrackedProcess) {}

  static async start(where: NetnsHandle, port: number, options: { pidDir?: string } = {}): Promise<UdpEcho> {
    return new UdpEcho(where, port, await startScript(`udp echo ${where.netns}:${port}`, where, ECHO, [String(port)], options.pidDir));
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}

/**
 * Sends one datagram of `size` bytes from inside `from` (the kernel fragments it if it exceeds the MTU) and
 * waits for it to come back. Never throws for a lost datagram.
 */
export async function udpExchange(from: NetnsHandle, toIp: string, port: number, size: number,
  options: { timeoutMs?: number } = {}): Promise<UdpResult> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const result = await execIn(from, process.execPath, ['-e', CLIENT, toIp, String(port), String(size), String(timeoutMs)], {
    timeoutMs: timeoutMs + 10_000,
  });
  return JSON.parse(result.stdout) as UdpResult;
}
