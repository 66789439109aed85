// `scripts/soak.sh [--minutes N]`: the churn soak on a fresh sandbox cluster; writes its report and RSS plot.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import yargs from 'yargs';
import { repoRoot } from '../support/cluster.js';
import { runChurnSoak } from './churn.js';
import { startSoakEnvironment } from './environment.js';
import { plotRss, summary } from './report.js';

const args = yargs(process.argv.slice(2))
  .option('minutes', { type: 'number', default: 20, describe: 'how long pods churn' })
  .option('member-down-minutes', { type: 'number', default: 3, describe: 'how long one etcd member stays down, a quarter into the run' })
  .option('chaos-every', { type: 'number', default: 30, describe: 'mean seconds between chaos events' })
  .option('out', { type: 'string', default: path.join(repoRoot, 'bench', 'results'), describe: 'where soak.json goes' })
  .option('plot', { type: 'string', default: path.join(repoRoot, 'docs', 'soak-rss.png'), describe: 'the RSS plot (PNG)' })
  .option('underlay', { type: 'string', default: '10.72.0.0/24', describe: 'the sandbox underlay /24' })
  .strict().parseSync();

const env = await startSoakEnvironment({ underlaySubnet: args.underlay });
let failed = false;
try {
  console.log(`soak: ${args.minutes} min on ${env.cluster.sandbox.prefix}`);
  const report = await runChurnSoak(env, {
    durationMs: args.minutes * 60_000, tickMs: 2000, podsPerNode: 6, chaosEveryMs: args['chaos-every'] * 1000,
    longMemberOutageMs: args['member-down-minutes'] * 60_000, rssEveryMs: 5000, log: (line) => console.log(line),
  });
  const nodes = env.nodes.map((n) => n.name);
  await writeFile(path.join(args.out, 'soak.json'), JSON.stringify(report, null, 1) + '\n');
  await plotRss(report, nodes, args.plot);
  console.log(summary(report, nodes));
  failed = report.duplicates.length > 0 || Object.values(report.leaks).some((l) => l.length > 0) || !report.vnidClaimsMatch;
} finally {
  await env.stop();
}
process.exit(failed ? 1 : 0);
