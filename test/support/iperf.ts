// iperf3 between sandbox namespaces: a server per namespace, and one measured run read from the receiver's side.
import type { Sandbox } from './sandbox/index.js';
import { execIn, type NetnsHandle, SandboxCommandError, type TrackedProcess } from './sandbox/index.js';
import { waitUntil } from './cluster.js';

export const IPERF_PORT = 5201;

export interface IperfOptions {
  seconds?: number;
  /** UDP at this offered rate (iperf3 -b syntax, e.g. '50M'); TCP when absent. */
  udpRate?: string;
  port?: number;
}

export interface IperfMeasurement {
  protocol: 'tcp' | 'udp';
  /** What the receiver got over the whole run, bit/s. */
  receivedBps: number;
  /** What the sender put on the wire, bit/s. */
  sentBps: number;
  /** The receiver's one-second intervals, bit/s: [0] shows an initial burst. */
  intervalsBps: number[];
  /** UDP only: datagrams the receiver never saw. */
  lostPercent?: number;
}

interface IperfSum {
  bits_per_second: number;
  lost_percent?: number;
}

interface IperfReport {
  error?: string;
  end?: { sum_sent?: IperfSum; sum_received?: IperfSum };
  server_output_json?: { error?: string; intervals?: Array<{ sum: IperfSum }> };
}

/**
 * Starts `iperf3 -s -J` in `where`, tracked by the sandbox; -J on the server is what lets the client's
 * --get-server-output return the receiver's intervals as JSON.
 */
export async function startIperfServer(sandbox: Sandbox, where: NetnsHandle, port = IPERF_PORT): Promise<TrackedProcess> {
  const server = await sandbox.startProcess(where, 'iperf3', ['-s', '-J', '-p', String(port)]);
  await waitUntil(`iperf3 listening in ${where.netns}`, async () =>
    (await execIn(where, 'ss', ['-Hltn', `sport = :${port}`])).stdout.trim() !== '', 10_000, 50);
  return server;
}

/** One iperf3 run with the client (the sender) in `from` and a server started by startIperfServer at `toIp`. */
export async function measureThroughput(from: NetnsHandle, toIp: string, options: IperfOptions = {}): Promise<IperfMeasurement> {
  const seconds = options.seconds ?? 5;
  const protocol = options.udpRate ? 'udp' : 'tcp';
  // 1380-byte datagrams fit the pods' 1450 MTU (and TCP's MSS, which iperf3 checks): no IP fragments through the VXLAN overlay.
  const udp = options.udpRate ? ['-u', '-b', options.udpRate, '-l', '1380'] : [];
  const args = ['-c', toIp, '-p', String(options.port ?? IPERF_PORT), '-t', String(seconds), '-J', '--get-server-output', ...udp];
  const result = await execIn(from, 'iperf3', args, { reject: false, timeoutMs: seconds * 1000 + 30_000 });
  let report: IperfReport;
  try {
    report = JSON.parse(result.stdout) as IperfReport;
  } catch {
    throw new SandboxCommandError(`iperf3 ${args.join(' ')}`, result.exitCode, result.stderr || result.stdout.slice(0, 300));
  }
  const received = report.end?.sum_received;
  const sent = report.end?.sum_sent;
  const intervals = report.server_output_json?.intervals;
  if (report.error || !received || !sent || !intervals?.length) {
    throw new SandboxCommandError(`iperf3 ${args.join(' ')}`, result.exitCode,
      report.error ?? report.server_output_json?.error ?? 'no receiver totals or intervals in the report');
  }
  return {
    protocol,
    receivedBps: received.bits_per_second,
    sentBps: sent.bits_per_second,
    intervalsBps: intervals.map((interval) => interval.sum.bits_per_second),
    ...(protocol === 'udp' && received.lost_percent !== undefined ? { lostPercent: received.lost_percent } : {}),
  };
}
