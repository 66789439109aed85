// The soak's outputs: a one-screen summary, the report as JSON, and the daemons' RSS over time as a PNG (gnuplot).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SoakReport } from './churn.js';

/** First and last fifth of one daemon process's samples, after its first minute (start-up growth). */
export function rssTrend(report: SoakReport, node: string): { pid: number; fromMiB: number; toMiB: number; minutes: number } | undefined {
  const byPid = new Map<number, Array<{ t: number; mib: number }>>();
  for (const s of report.rss.filter((r) => r.node === node)) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s]);
  const longest = [...byPid.entries()].sort((a, b) => b[1].length - a[1].length)[0];
  if (!longest) return undefined;
  const [pid, samples] = longest;
  const settled = samples.filter((s) => s.t >= samples[0]!.t + 60);
  if (settled.length < 10) return undefined;
  const fifth = Math.max(1, Math.floor(settled.length / 5));
  const mean = (xs: Array<{ mib: number }>) => xs.reduce((sum, x) => sum + x.mib, 0) / xs.length;
  return { pid, fromMiB: mean(settled.slice(0, fifth)), toMiB: mean(settled.slice(-fifth)),
    minutes: (settled.at(-1)!.t - settled[0]!.t) / 60 };
}

export function summary(report: SoakReport, nodes: readonly string[]): string {
  const count = (kind: string) => report.events.filter((e) => e.kind === kind).length;
  const lines = [
    `duration ${(report.durationS / 60).toFixed(1)} min: ${report.created} pods created, ${report.deleted} deleted, `
      + `${report.refused} RunPodSandbox refused (retried as new pods), ${report.deleteRetries} deletions retried`,
    `chaos: ${count('daemon')} daemon kills, ${count('ovs-vswitchd')} ovs-vswitchd restarts, ${count('etcd member')} etcd member kills, `
      + `${count('etcd member (long)')} member down for ${report.events.find((e) => e.kind === 'etcd member (long)')?.downS.toFixed(0) ?? '-'} s`,
    `duplicate addresses: ${report.duplicates.length}${report.duplicates.length ? ` (${report.duplicates.join('; ')})` : ''}`,
    `leaks after the drain: ${nodes.map((n) => `${n} ${report.leaks[n]?.length ? report.leaks[n]!.join(', ') : 'none'}`).join('; ')} `
      + `(converged ${report.convergedS.toFixed(1)} s after the last deletion)`,
    `VNID claims match the VNIDs in use: ${report.vnidClaimsMatch ? 'yes' : 'NO'}`,
    `long-lived pair: ${report.pings.lost} of ${report.pings.transmitted} pings lost: ${report.pings.lostInVswitchdRestarts} `
      + `during an ovs-vswitchd restart (the userspace datapath lives in that process), ${report.pings.lostNearPortChanges} within `
      + `0.5 s of a pod port being added or deleted, ${report.pings.lost - report.pings.lostInVswitchdRestarts - report.pings.lostNearPortChanges} `
      + `otherwise; longest outage ${report.pings.longestOutageMs} ms`,
    ...nodes.map((n) => {
      const trend = rssTrend(report, n);
      return trend ? `RSS ${n} (pid ${trend.pid}, ${trend.minutes.toFixed(1)} min after its first minute): `
        + `${trend.fromMiB.toFixed(1)} MiB -> ${trend.toMiB.toFixed(1)} MiB` : `RSS ${n}: no process lived long enough for a trend`;
    }),
    ...(report.problems.length ? [`problems: ${report.problems.join('; ')}`] : []),
  ];
  return lines.join('\n');
}

/** Draws each daemon's RSS against time; a line breaks where the daemon was killed and restarted. */
export async function plotRss(report: SoakReport, nodes: readonly string[], output: string): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ksoak-plot-'));
  try {
    for (const node of nodes) {
      let lastPid = 0;
      const rows = report.rss.filter((s) => s.node === node).flatMap((s) => {
        const row = `${(s.t / 60).toFixed(3)} ${s.mib.toFixed(1)}`;
        const breakLine = lastPid !== 0 && s.pid !== lastPid;
        lastPid = s.pid;
        return breakLine ? ['', row] : [row];
      });
      await writeFile(path.join(dir, `${node}.dat`), rows.join('\n') + '\n');
    }
    const script = [
      'set terminal pngcairo size 900,420 font ",10"',
      `set output '${output}'`,
      `set title "k8s-ovs daemons' resident memory during a ${(report.durationS / 60).toFixed(0)}-minute churn soak (gaps: daemon killed and restarted)"`,
      'set xlabel "minutes"', 'set ylabel "RSS (MiB)"', 'set grid', 'set key bottom right', 'set yrange [0:*]',
      `plot ${nodes.map((n) => `'${path.join(dir, `${n}.dat`)}' using 1:2 with lines title "${n}"`).join(', ')}`,
    ].join('\n');
    await writeFile(path.join(dir, 'plot.gp'), script + '\n');
    await promisify(execFile)('gnuplot', [path.join(dir, 'plot.gp')]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
