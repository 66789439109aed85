// qperf and iperf3 between two namespaces: one program run per test, parsed into plain numbers.
import { execIn, type NetnsHandle } from '../../test/support/sandbox/index.js';

/** qperf's synchronisation port and the port its socket tests use (both DNATed for the service path). */
export const QPERF_PORT = 19765;
export const QPERF_DATA_PORT = 19766;
export const IPERF_PORT = 5201;
export const MESSAGE_SIZE = '4K';

export type Metric = 'tcpLatUs' | 'udpLatUs' | 'tcpBwGbps' | 'udpBwGbps' | 'iperfGbps';
export const METRICS: readonly Metric[] = ['tcpLatUs', 'udpLatUs', 'tcpBwGbps', 'udpBwGbps', 'iperfGbps'];

export type PathMetrics = Partial<Record<Metric, number>> & { errors: string[] };

const TIME_UNITS: Record<string, number> = { ns: 0.001, us: 1, ms: 1000, sec: 1_000_000 };
const RATE_UNITS: Record<string, number> = { b: 1e-9, Kb: 1e-6, Mb: 1e-3, Gb: 1 };

/** `latency = 54.3 us` → µs; `bw = 1.2 Gb/sec` (with -ub) → Gbit/s; for udp_bw the receiver's rate. */
export function parseQperf(test: string, output: string): number | undefined {
  if (test.endsWith('_lat')) {
    // qperf prints 0 when no answer came back in time: that is a failed test, not a fast one.
    const match = /latency\s*=\s*([\d.]+)\s*(ns|us|ms|sec)/.exec(output);
    return match && Number(match[1]) > 0 ? Number(match[1]) * TIME_UNITS[match[2]!]! : undefined;
  }
  const match = (test === 'udp_bw' ? /recv_bw\s*=\s*([\d.]+)\s*([KMG]?b)(?:its)?\/sec/ : /\bbw\s*=\s*([\d.]+)\s*([KMG]?b)(?:its)?\/sec/).exec(output);
  return match && Number(match[1]) > 0 ? Number(match[1]) * RATE_UNITS[match[2]!]! : undefined;
}

/**
 * A 4K udp_bw floods the receiver far faster than it drains: IPv4 fragment IDs wrap around, fragments of different
 * datagrams collide, and the receiver's reassembly queues stay poisoned until they expire (ipfrag_time), failing every
 * fragmented datagram after them. So udp_bw runs last, the test namespaces use a short ipfrag_time, and we wait it out.
 */
export const IPFRAG_TIME_S = 1;

const QPERF_TESTS: Array<[string, Metric]> = [['tcp_lat', 'tcpLatUs'], ['udp_lat', 'udpLatUs'], ['tcp_bw', 'tcpBwGbps']];
const FLOOD: [string, Metric] = ['udp_bw', 'udpBwGbps'];

async function qperf(client: NetnsHandle, ip: string, seconds: number, [test, metric]: [string, Metric], into: PathMetrics): Promise<void> {
  const args = ['-t', String(seconds), '-to', '5', '-m', MESSAGE_SIZE, '-ub', '-lp', String(QPERF_PORT), '-ip', String(QPERF_DATA_PORT), ip, test];
  const result = await execIn(client, 'qperf', args, { reject: false, timeoutMs: (seconds + 15) * 1000 });
  const value = parseQperf(test, result.stdout);
  if (value === undefined || result.exitCode !== 0) into.errors.push(`qperf ${test}: exit ${result.exitCode} ${(result.stdout + result.stderr).replace(/\s+/g, ' ').trim().slice(0, 160)}`);
  else into[metric] = value;
}

/** Every metric from `client` to `ip` (a qperf server and an iperf3 server listen there); failures become errors. */
export async function measurePath(client: NetnsHandle, ip: string, seconds: { qperf: number; iperf: number }): Promise<PathMetrics> {
  const metrics: PathMetrics = { errors: [] };
  for (const test of QPERF_TESTS) await qperf(client, ip, seconds.qperf, test, metrics);
  const iperf = await execIn(client, 'iperf3', ['-c', ip, '-p', String(IPERF_PORT), '-t', String(seconds.iperf), '-J'],
    { reject: false, timeoutMs: (seconds.iperf + 20) * 1000 });
  try {
    const report = JSON.parse(iperf.stdout) as { end?: { sum_received?: { bits_per_second?: number } }; error?: string };
    const bps = report.end?.sum_received?.bits_per_second;
    if (bps === undefined) metrics.errors.push(`iperf3: ${report.error ?? 'no result'}`);
    else metrics.iperfGbps = bps / 1e9;
  } catch {
    metrics.errors.push(`iperf3: exit ${iperf.exitCode} ${iperf.stderr.trim().slice(0, 160)}`);
  }
  await qperf(client, ip, seconds.qperf, FLOOD, metrics);
  await new Promise((resolve) => setTimeout(resolve, (IPFRAG_TIME_S + 0.5) * 1000));
  return metrics;
}
