// The benchmark suite's entry point: `node dist/bench/main.js [--quick] [--only a,b] [--report-only]` (see docs/benchmarks.md).
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runCniSection } from './control/cni.js';
import { runFixedSection } from './control/fixed.js';
import { runFlowsSection } from './control/flows.js';
import { runPluginStartSection } from './control/plugin-start.js';
import { runNetpolSection } from './control/netpol.js';
import { runScaleGrowthSection, runScaleSection } from './control/scale.js';
import { runNetpolDataplaneSection } from './dataplane/netpol.js';
import { runDataplaneSection } from './dataplane/run.js';
import { runServiceAbSection } from './dataplane/service-ab.js';
import { FULL, QUICK, type BenchProfile } from './profile.js';
import { writeReport } from './report/write.js';
import { DEFAULT_SECTIONS, SECTIONS, type SectionName, machineInfo, resultsDir, saveSection, watchBuild } from './results.js';
import { installSignalHandlers } from './teardown.js';

const USAGE = `usage: bench/run.sh [--quick] [--only SECTIONS] [--baseline DIR,...] [--report-only]
  --quick        small sizes and one round (a few minutes); results go to bench/results/quick/
                 and docs/ is left alone unless --docs is given
  --only LIST    run only these sections (${SECTIONS.join(',')}); without it: ${DEFAULT_SECTIONS.join(',')};
                 the report uses the last saved results of the others
  --baseline DIRS for service-ab: built checkouts (comma-separated) of the commits whose data plane to compare with
  --report-only  rewrite docs/benchmarks.md and the plot from saved results
  --docs         with --quick: write docs/ from the quick results anyway`;

type Runner = (profile: BenchProfile, log: (line: string) => void, baseline: string | undefined) => Promise<unknown>;

const RUNNERS: Record<SectionName, Runner> = {
  cni: runCniSection,
  plugin: runPluginStartSection,
  flows: runFlowsSection,
  scale: runScaleSection,
  'scale-growth': runScaleGrowthSection,
  fixed: runFixedSection,
  dataplane: runDataplaneSection,
  netpol: runNetpolSection,
  'netpol-dataplane': runNetpolDataplaneSection,
  'service-ab': runServiceAbSection,
};

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'report-only': { type: 'boolean', default: false },
      docs: { type: 'boolean', default: false },
      baseline: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('the bench builds network namespaces and OVS instances: run it as root');
  const profile = values.quick ? QUICK : FULL;
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...DEFAULT_SECTIONS];
  const unknown = only.filter((s) => !SECTIONS.includes(s as SectionName));
  if (unknown.length) throw new Error(`--only: unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
  const dir = resultsDir(profile.name);
  installSignalHandlers(log);

  if (!values['report-only']) {
    for (const section of only as SectionName[]) {
      const machine = await machineInfo();
      const startedAt = new Date().toISOString();
      const start = performance.now();
      log(`section ${section} (${profile.name}) starting; load ${os.loadavg()[0]!.toFixed(2)}`);
      const build = watchBuild();
      const data = await RUNNERS[section](profile, log, values.baseline);
      const durationS = (performance.now() - start) / 1000;
      machine.loadAfter = os.loadavg()[0]!;
      machine.buildChanged = await build.stop();
      if (machine.buildChanged) log(`section ${section}: dist/ was rebuilt or removed by someone else during the section`);
      const file = await saveSection(dir, { section, profile: profile.name, startedAt, durationS, machine, data });
      log(`section ${section} done in ${durationS.toFixed(0)} s -> ${file}`);
    }
  }
  if (profile.name === 'full' || values.docs) {
    const written = await writeReport(dir);
    log(`wrote ${written.join(', ')}`);
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  log(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(1);
});
