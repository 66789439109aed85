// Writes docs/benchmarks.md and docs/benchmarks-scaling.png from the saved section results.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CniData } from '../control/cni.js';
import type { FixedData } from '../control/fixed.js';
import type { FlowsData } from '../control/flows.js';
import type { NetpolData } from '../control/netpol.js';
import type { PluginStartData } from '../control/plugin-start.js';
import type { ScaleData } from '../control/scale.js';
import type { NetpolDataplaneData } from '../dataplane/netpol.js';
import type { DataplaneData } from '../dataplane/run.js';
import type { ServiceAbData } from '../dataplane/service-ab.js';
import { DEFAULT_SECTIONS, type SectionName, type SectionResult, loadSections, repoRoot } from '../results.js';
import { causes, findings, proposals } from './analysis.js';
import { cniSection, flowsSection, pluginStartSection, scaleSection, scalingSection } from './control.js';
import { scaleGrowthSection } from './scale-growth.js';
import { dataplaneSection } from './dataplane.js';
import { fixedSection } from './fixed.js';
import { bold, num, table } from './format.js';
import { netpolDataplaneSection, netpolSection, serviceAbSection } from './netpol.js';
import { plotScaling } from './plot.js';
import { type Results, targetRows } from './targets.js';

const WHAT: Record<SectionName, string> = {
  cni: 'CNI ADD/DEL latency with the real plugin and daemon, its profile, the OVS part against one process per port and flow',
  plugin: 'CNI plugin start: the self-contained executable (DaemonSet) against the Node.js script (RPM) and `node -e 0`',
  flows: 'retag, resync and growth with the lib objects on a sandbox switch',
  scale: 'the real daemon with 1000 nodes, 5000 services, 110 pods: memory, start, churn, join, restart',
  'scale-growth': 'the scale run at 1,000 nodes and 5,000 services, then at 5,000 nodes and 10,000 services: how each figure grows',
  fixed: 'ADD with a fixed address against a dynamic one; 5000 fixed addresses across 100 nodes: flows, memory, restart',
  dataplane: 'qperf and iperf3: node network, our pipeline, one NORMAL table, Linux bridge CNI',
  netpol: 'NetworkPolicy: compile time, flows against the cross product, apply to a sandbox switch, one pod relabelled',
  'netpol-dataplane': 'qperf and iperf3 between pods with 1000 NetworkPolicies against none',
  'service-ab': 'pod to pod and to service through other checkouts\' pipelines (--baseline) against this one, back to back',
};

function runningSection(sections: Partial<Record<SectionName, SectionResult<unknown>>>): string {
  const rows = (Object.keys(WHAT) as SectionName[]).map((name) => {
    const s = sections[name];
    return [`\`${name}\``, WHAT[name], s ? `${num(s.durationS / 60, 1)} min (${s.profile}, ${s.startedAt.slice(0, 16).replace('T', ' ')} UTC)` : 'not run'];
  });
  const total = DEFAULT_SECTIONS.reduce((sum, name) => sum + (sections[name]?.durationS ?? 0), 0);
  const maxBusy = Math.max(0, ...Object.values(sections).map((s) => s?.machine.busyCoresBefore ?? 0));
  return [
    '## Running it',
    '```sh',
    'sudo bench/run.sh            # full run: writes bench/results/*.json, this file and docs/benchmarks-scaling.png',
    'sudo bench/run.sh --quick    # small sizes, one round: bench/results/quick/, leaves docs/ alone',
    'sudo bench/run.sh --only cni,flows      # some sections; the report keeps the last results of the others',
    'sudo bench/run.sh --report-only         # rewrite this file and the plot from bench/results/',
    'sudo bench/run.sh --only netpol,netpol-dataplane                 # NetworkPolicy: control plane, data plane',
    'sudo bench/run.sh --only scale-growth    # the scale run at 1,000 then 5,000 nodes',
    'sudo bench/run.sh --only service-ab --baseline ../old,../older   # this checkout\'s data plane against built checkouts of other commits',
    'sudo bench/run.sh --only cni --baseline ../old   # CNI passes of this checkout, then of a built checkout of another commit',
    '```',
    'Needs root on Debian 12 with the packages of `scripts/install-deps.sh` (Open vSwitch, etcd, iproute2, iptables, ethtool, qperf, iperf3, ' +
    'containernetworking-plugins for `/usr/lib/cni/bridge`, gnuplot-nox for the plot) and `node_modules`; `bench/run.sh` builds with `tsc` first. ' +
    'Each section builds its own sandbox (prefix `kbn` + 4 hex digits; underlays 10.85.0.0/24 for the control plane, 10.61.200.0/24 for ' +
    'fixed addresses, 10.84.0.0/24 for the data plane, 10.86.0.0/24 for `netpol` and 10.87.0.0/24 for `netpol-dataplane`) and removes it ' +
    'afterwards, also on failure or Ctrl-C; `KOVS_BENCH_UNDERLAY` (an A.B.C.0/24) and `KOVS_BENCH_PREFIX` move the control-plane sections ' +
    '(`cni`, `flows`, `scale`, `scale-growth`) off another run on the same machine. `netpol`, `netpol-dataplane`, `scale-growth` and `service-ab` run only when named in `--only` (the default ' +
    'run keeps to its budget); `service-ab` starts the data-plane section of each checkout as a process of its own. ' +
    'The bench is not part of the test suite.',
    '', table(['section', 'measures', 'last run took'], rows), '',
    `Sum of the default run's sections in the results below: ${num(total / 60, 1)} min (target for the default run: under 10 min, ` +
    `${total < 600 ? 'met' : 'missed'}; other work kept up to ${num(maxBusy, 1)} of the 2 cores busy just before the sections started, see below). ` +
    '`--quick` takes about 3 minutes.',
  ].join('\n');
}

function machineSection(sections: Partial<Record<SectionName, SectionResult<unknown>>>): string {
  const any = Object.values(sections).find(Boolean);
  if (!any) return '';
  const m = any.machine;
  const loads = (Object.keys(WHAT) as SectionName[]).filter((n) => sections[n])
    .map((n) => `${n} ${num(sections[n]!.machine.loadBefore, 1)} → ${num(sections[n]!.machine.loadAfter, 1)}`).join(', ');
  const changed = (Object.keys(WHAT) as SectionName[]).filter((n) => sections[n]?.machine.buildChanged);
  const busy = (Object.keys(WHAT) as SectionName[]).filter((n) => sections[n])
    .map((n) => `${n} ${num(sections[n]!.machine.busyCoresBefore, 1)}`).join(', ');
  return [
    '## Machine and conditions',
    `${m.cpus} × ${m.cpuModel}, ${num(m.memoryMb / 1024, 0, 'GiB')} RAM, kernel ${m.kernel}, Node.js ${m.node}, ${m.ovs}; no Open vSwitch ` +
    'kernel module, so every bridge uses the userspace (netdev) datapath, and every "node" is a network namespace with its own OVS on the ' +
    'same machine. The machine is shared: other jobs (other engineers\' end-to-end tests) ran at the same time. 1-minute load average at ' +
    `the start → end of each section: ${loads}. Cores kept busy by other work in the 2 s before each section (bench idle, /proc/stat): ` +
    `${busy} of ${m.cpus}. With 2 cores, absolute times drift between runs; ratios are always taken within one run, ` +
    'and pairs of alternatives are measured back to back.' +
    (changed.length ? ` **During ${changed.join(', ')}, dist/ (the daemon and plugin build) was rewritten by another build on this ` +
      'shared tree: processes started after that ran the newer build, and a failure there may come from a build caught half-written.**' : ''),
  ].join('\n');
}

export async function writeReport(dir: string): Promise<string[]> {
  const sections = await loadSections(dir);
  const results: Results = {
    ...(sections.cni ? { cniMachine: sections.cni.machine } : {}),
    cni: sections.cni?.data as CniData | undefined,
    flows: sections.flows?.data as FlowsData | undefined,
    scale: sections.scale?.data as ScaleData | undefined,
    dataplane: sections.dataplane?.data as DataplaneData | undefined,
  };
  const rows = targetRows(results);
  const fixed = sections.fixed?.data as FixedData | undefined;
  const quick = Object.values(sections).some((s) => s?.profile === 'quick');
  const doc = [
    '# Benchmarks',
    '',
    `Generated by \`bench/run.sh\` from \`${path.relative(repoRoot, dir) || '.'}/*.json\` (the raw samples are there); rerun ` +
    '`bench/run.sh --report-only` after editing the generator, never this file.' +
    (quick ? ' **These are --quick results (small sizes, one round): not the figures the targets are judged on.**' : ''),
    '', runningSection(sections), '', machineSection(sections), '',
    '## Targets',
    'MB in the memory target is taken as 10⁶ bytes (150 MB = 143 MiB); figures are in MiB.',
    '', table(['area', 'target', 'measured', 'verdict'], rows.map((r) => [r.area, r.target, r.measured, bold(r.verdict)])), '',
    '### Why targets were missed', '', causes(results, rows), '',
    '### Other findings', '', findings(results), '',
    '### Proposed lib changes (not made by the bench)', '', proposals(results, rows), '',
    '## Control plane', '',
    results.cni ? cniSection(results.cni) : '_CNI section not run._', '',
    sections.plugin ? pluginStartSection(sections.plugin.data as PluginStartData) : '_Plugin start section not run._', '',
    results.flows ? flowsSection(results.flows) : '_Flows section not run._', '',
    results.scale ? scaleSection(results.scale) : '_Scale section not run._', '',
    sections['scale-growth'] ? scaleGrowthSection(sections['scale-growth'].data as ScaleData[]) : '_Scale-growth section not run._', '',
    results.flows ? scalingSection(results.flows) : '', '',
    sections.netpol ? netpolSection(sections.netpol.data as NetpolData) : '_NetworkPolicy section not run._', '',
    fixed ? fixedSection(fixed) : '_Fixed-address section not run._', '',
    '## Data plane', '',
    results.dataplane ? dataplaneSection(results.dataplane) : '_Data-plane section not run._', '',
    sections['netpol-dataplane'] ? netpolDataplaneSection(sections['netpol-dataplane'].data as NetpolDataplaneData) : '_NetworkPolicy data-plane section not run._', '',
    sections['service-ab'] ? serviceAbSection(sections['service-ab'].data as ServiceAbData) : '', '',
  ].join('\n');
  const written: string[] = [];
  const docFile = path.join(repoRoot, 'docs', 'benchmarks.md');
  await writeFile(docFile, doc.replace(/\n{3,}/g, '\n\n'));
  written.push(docFile);
  if (results.flows) {
    const png = path.join(repoRoot, 'docs', 'benchmarks-scaling.png');
    await plotScaling(results.flows.scaling, png);
    written.push(png);
  }
  return written;
}
