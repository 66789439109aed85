// The daemon's CPU while nothing happens: one node, ready, no pods, measured over a minute. Usage (root, after
// a build): `node dist/bench/control/idle.js [--seconds 60] [--daemon PATH/bin/k8s-ovs] [--underlay CIDR]`;
// --daemon measures another build (a worktree of another commit) the same way.
import { parseArgs } from 'node:util';
import { SandboxCluster } from '../../test/support/cluster.js';
import { randomPrefix } from '../../test/support/sandbox/index.js';
import { BENCH_CONFIG, cpuTime, ovsPids, processName, startDaemon } from './cluster.js';

/** The daemon settles (first resync, leadership, subnet lease) before the window starts. */
const SETTLE_MS = 10_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '60' }, daemon: { type: 'string' }, underlay: { type: 'string', default: '10.62.40.0/24' } },
    strict: true,
  });
  const seconds = Number(values.seconds);
  const cluster = await SandboxCluster.start({ prefix: randomPrefix('kid'), nodes: 1, underlaySubnet: values.underlay, config: BENCH_CONFIG });
  try {
    const node = cluster.node('n1');
    const daemon = await startDaemon(cluster, node, values.daemon === undefined ? {} : { daemon: values.daemon });
    const name = await processName(daemon.pid);
    if (name !== 'node') throw new Error(`pid ${daemon.pid} is ${name}, not the Node.js daemon`);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const ovs = await ovsPids(node);
    const snapshot = async () => ({ daemon: await cpuTime(daemon.pid), ovs: await Promise.all(ovs.map((pid) => cpuTime(pid))) });
    const before = await snapshot();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const after = await snapshot();
    const percent = (ms: number) => Number(((ms / (seconds * 1000)) * 100).toFixed(2));
    const ovsMs = after.ovs.reduce((sum, cpu, i) => sum + cpu.selfMs - before.ovs[i]!.selfMs, 0);
    process.stdout.write(`${JSON.stringify({
      seconds,
      daemonMs: after.daemon.selfMs - before.daemon.selfMs,
      programsMs: after.daemon.childrenMs - before.daemon.childrenMs,
      ovsMs,
      daemonPercent: percent(after.daemon.selfMs - before.daemon.selfMs),
      daemonWithProgramsPercent: percent(after.daemon.selfMs + after.daemon.childrenMs - before.daemon.selfMs - before.daemon.childrenMs),
      ovsPercent: percent(ovsMs),
    })}\n`);
  } finally {
    await cluster.destroy();
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`idle: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
