// Child process: the cost of running /bin/true through lib/exec's runner and through a bare node execFile,
// with or without the daemon's modules loaded. `node spawn-probe.js [daemon|bare] [runs]` prints JSON.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { localRunner } from '../../lib/exec/command.js';
import { summarize } from '../stats.js';

const [withDaemon, runsText] = process.argv.slice(2);
if (withDaemon === 'daemon') await import('../../lib/sdn/daemon/main.js');
const runs = Number(runsText ?? 30);

const runner = localRunner();
const execFileTrue = () => promisify(execFile)('true', []);
const samples = { runner: [] as number[], execFile: [] as number[] };
// Interleaved, so that both meet the same machine load.
for (let i = 0; i < runs; i++) {
  for (const [name, run] of [['runner', () => runner.run('true', [])], ['execFile', execFileTrue]] as const) {
    const start = performance.now();
    await run();
    if (i >= 3) samples[name].push(performance.now() - start);
  }
}
const pick = (xs: number[]) => {
  const { p50, p90 } = summarize(xs);
  return { p50, p90 };
};
const result = { runner: pick(samples.runner), execFile: pick(samples.execFile), rssMb: process.memoryUsage().rss / 2 ** 20 };
process.stdout.write(JSON.stringify(result) + '\n');
