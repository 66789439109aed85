// docs/benchmarks-scaling.png from the growth measurements, drawn by gnuplot (Debian's gnuplot-nox).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ScalingPoint } from '../control/flows.js';

export async function plotScaling(points: ScalingPoint[], output: string): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kbn-plot-'));
  try {
    for (const kind of ['nodes', 'pods', 'services'] as const) {
      const rows = points.filter((p) => p.kind === kind).map((p) => `${p.n} ${p.installMs} ${p.oneChangeMs} ${p.retagMs ?? 'NaN'}`);
      await writeFile(path.join(dir, `${kind}.dat`), rows.join('\n') + '\n');
    }
    const file = (kind: string) => `'${path.join(dir, `${kind}.dat`)}'`;
    const script = [
      'set terminal pngcairo size 1100,460 font ",10"',
      `set output '${output}'`,
      'set multiplot layout 1,2 title "k8s-ovs flow programming against cluster size (sandbox node, userspace OVS, 2 shared cores)"',
      'set logscale xy', 'set grid', 'set key top left', 'set xrange [5:2000]',
      'set xlabel "n (remote nodes, local pods or services)"', 'set ylabel "milliseconds (median)"',
      'set title "Install all n: fresh model, resync from an empty switch"',
      `plot ${file('nodes')} using 1:2 with linespoints title "nodes", ${file('pods')} using 1:2 with linespoints title "pods", ` +
      `${file('services')} using 1:2 with linespoints title "services"`,
      'set title "One more at size n (one event), and retagging all n pods"',
      `plot ${file('nodes')} using 1:3 with linespoints title "one more node", ${file('pods')} using 1:3 with linespoints title "one more pod", ` +
      `${file('services')} using 1:3 with linespoints title "one more service", ${file('pods')} using 1:4 with linespoints title "retag all pods"`,
      'unset multiplot',
    ].join('\n');
    await writeFile(path.join(dir, 'plot.gp'), script + '\n');
    await promisify(execFile)('gnuplot', [path.join(dir, 'plot.gp')]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
