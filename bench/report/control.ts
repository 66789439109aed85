// Control-plane sections of docs/benchmarks.md: CNI latency and its breakdown, OVS part, retag, resync, scale, growth.
import type { CniData } from '../control/cni.js';
import type { FlowsData } from '../control/flows.js';
import { PLUGIN_VARIANTS, type PluginStartData } from '../control/plugin-start.js';
import type { PortFloorResult } from '../control/port-floor.js';
import type { ScaleData } from '../control/scale.js';
import { ms, num, ratio, table } from './format.js';

type Pass = CniData['passes'][number];
const cpuTotal = (c: Pass['addCpuMs']) => c.daemon + c.daemonPrograms + c.ovs + c.plugins;

function passTable(passes: readonly Pass[]): string {
  return table(
    ['NODE_EXTRA_CA_CERTS', 'at a time', 'pods', 'ADD p50', 'ADD p99', 'DEL p50', 'DEL p99', 'daemon ADD p50', 'daemon DEL p50', 'ADD wall', 'failures'],
    passes.map((p) => [p.env === 'clean' ? 'unset' : 'set', String(p.concurrency), String(p.pods), ms(p.addMs.p50), ms(p.addMs.p99),
      ms(p.delMs.p50), ms(p.delMs.p99), ms(p.daemonAddMs.p50), ms(p.daemonDelMs.p50), num(p.addWallS, 1, 's'),
      String(p.failures.length + p.leftovers.length)]),
  );
}

function cpuTable(passes: readonly Pass[]): string {
  return table(['NODE_EXTRA_CA_CERTS', 'at a time', 'op', 'daemon', 'programs it ran', 'OVS daemons', 'plugin processes', 'total CPU', 'wall per pod × 2 cores'],
    passes.flatMap((p) => (['ADD', 'DEL'] as const).map((op) => {
      const c = op === 'ADD' ? p.addCpuMs : p.delCpuMs;
      const wall = ((op === 'ADD' ? p.addWallS : p.delWallS) * 1000 * 2) / p.pods;
      return [p.env === 'clean' ? 'unset' : 'set', String(p.concurrency), op, ms(c.daemon), ms(c.daemonPrograms), ms(c.ovs), ms(c.plugins), ms(cpuTotal(c)), ms(wall)];
    })));
}

function baselineSection(cni: CniData): string {
  const base = cni.baseline;
  if (!base) return 'No baseline checkout was measured in this run (`--baseline DIR` adds one).';
  return [
    `The same clean passes with the plugin and daemon of commit ${base.commit} (\`--baseline ${base.dir}\`), run right after the ones above ` +
    'on the same sandbox node: the "baseline" of the targets above.', '', passTable(base.passes), '', cpuTable(base.passes),
  ].join('\n');
}

export function cniSection(cni: CniData): string {
  const passes = passTable(cni.passes);
  const start = table(['NODE_EXTRA_CA_CERTS', 'p50', 'p99'], (['clean', 'ca-certs'] as const).map((env) =>
    [env === 'clean' ? 'unset' : 'set', ms(cni.pluginStartMs[env].p50), ms(cni.pluginStartMs[env].p99)]));
  const cpu = cpuTable(cni.passes);
  const problems = cni.passes.flatMap((p) => [...p.failures, ...p.leftovers.map((l) => `eth0 still in ${l} after a successful DEL`)]);
  return [
    '### CNI ADD and DEL, as a runtime sees them',
    `The real plugin (\`bin/k8s-ovs-cni\`, a Node.js process started by its shebang, CommonJS) run with \`nsenter --net=NODE\` and CNI_* set, ` +
    `talking to the real daemon on a sandbox node (etcd in the hub, no API server: the pods' namespace has a VNID written in etcd). ` +
    `"ADD p50" is what the runtime waits for; "daemon ADD p50" is the daemon's own time for the same requests (its \`CNI ADD … ms=\` log line), ` +
    `so the difference is the plugin process and the socket. The machine set NODE_EXTRA_CA_CERTS=${cni.machineCaCerts ?? '(unset)'} ` +
    'for the bench itself; each pass passes it to the plugin or not, as the first column says.',
    '', passes, '',
    'Plugin process start alone (CNI VERSION, answered without the daemon):', '', start, '',
    'CPU time per pod during each pass (from /proc: the daemon, the programs it ran once reaped, ovs-vswitchd + ovsdb-server of the node, ' +
    'the plugin processes); when the total approaches the last column, the two cores are the limit:', '', cpu, '',
    problems.length ? `Failures and leftovers (${problems.length}; the first five): ${problems.slice(0, 5).join('; ')}`
      : 'Every ADD and DEL succeeded, and no pod kept an eth0 after its DEL.',
    '', baselineSection(cni), '', profileSection(cni), '', ovsPartSection(cni),
    ...(cni.portFloor ? ['', portFloorSection(cni.portFloor)] : []),
  ].join('\n');
}

function profileSection(cni: CniData): string {
  const add = cni.profile.add;
  const rows = add.byKind.slice(0, 12).map((k) => [`\`${k.kind}\``, num(k.perOperation, 2), ms(k.meanMs, 1), ms(k.msPerOperation, 1)]);
  const spawn = cni.spawnMs;
  return [
    '### Where an ADD\'s time goes',
    `A second pass of ${add.operations} sequential ADDs (NODE_EXTRA_CA_CERTS unset) with a timing shim (bash, \`$EPOCHREALTIME\`) in front of every ` +
    'program in the daemon\'s PATH; each program run is attributed to the ADD whose window holds it. The shims add a bash start to every run, ' +
    `so this pass is slower than the table above: ADD p50 ${ms(add.totalMs.p50)}, daemon p50 ${ms(add.daemonMs.p50)}, of which ` +
    `${ms(add.programsMs.p50)} inside programs (p50 per ADD) and ${ms(add.ovsMsPerOperation)} of it in ovs-vsctl/ovs-ofctl (mean). ` +
    '`ovs-ofctl dump-flows` and `get-frags`, where they appear, are the daemon\'s switch watchdog (every 250 ms when these figures were taken, every 30 s since it follows ovs-vswitchd and OVSDB instead), not the ADD.',
    '', table(['program', 'runs per ADD', 'mean per run', 'per ADD'], rows), '',
    `One program run through lib/exec's runner, /bin/true, from a process that loaded the daemon's modules: p50 ${ms(spawn.daemonModules.runner.p50, 1)} ` +
    `(node's child_process.execFile in the same process: ${ms(spawn.daemonModules.execFile.p50, 1)}; from a bare process: runner ${ms(spawn.bare.runner.p50, 1)}, ` +
    `execFile ${ms(spawn.bare.execFile.p50, 1)}).`,
  ].join('\n');
}

function ovsPartSection(cni: CniData): string {
  const o = cni.ovsPart;
  const list = (commands: string[]) => commands.map((c) => `\`${c}\``).join(', ');
  return [
    '### The OVS part: ours against one process per port and per flow',
    `On a node without a daemon, for ${o.pods} pods with real veths, interleaved pod by pod (alternating which goes first). ` +
    `Ours is what the daemon runs (\`OvsSwitch.ensurePort\` with the pod's external IDs over its kept OVSDB connection, then ` +
    `\`NodeDataplane.addPod\`, one \`ovs-ofctl --no-names\` bundle; DEL: \`removePod\`, \`deletePort\`); the original way is the ` +
    `openshift-sdn-ovs / k8s-ovs script, its commands as it wrote them (without --no-names, so each \`ovs-ofctl\` run first fetches ` +
    `the table features): add-port, get the ofport, one ` +
    `\`ovs-ofctl add-flow\` per flow (${o.flowsPerPod} flows); DEL one \`del-flows --strict\` per flow and del-port. Programs run per pod: ` +
    `ADD ours ${list(o.commands.addOurs)}; original ${list(o.commands.addBaseline)}. DEL ours ${list(o.commands.delOurs)}; ` +
    `original ${list(o.commands.delBaseline)}.`,
    '',
    table(['', 'ours p50', 'ours p99', 'original p50', 'original p99', 'per-pod ratio p50 (original/ours)'], [
      ['ADD', ms(o.addMs.ours.p50, 1), ms(o.addMs.ours.p99, 1), ms(o.addMs.baseline.p50, 1), ms(o.addMs.baseline.p99, 1), ratio(o.addRatio.p50)],
      ['DEL', ms(o.delMs.ours.p50, 1), ms(o.delMs.ours.p99, 1), ms(o.delMs.baseline.p50, 1), ms(o.delMs.baseline.p99, 1), ratio(o.delRatio.p50)],
    ]),
  ].join('\n');
}

function portFloorSection(floor: PortFloorResult): string {
  const own = floor.vsctlNoWaitMs.p50;
  return [
    '### The floor: ovs-vswitchd adding one port',
    'On the same node, with nothing of k8s-ovs: a userspace bridge of its own, filled with veth ports, then `ovs-vsctl add-port` of one ' +
    'more, which returns once ovs-vswitchd has applied the port. Every ADD waits for this, whoever asks (the daemon asks over its kept ' +
    `OVSDB connection, without the program's start). An \`ovs-vsctl\` run that does not wait for ovs-vswitchd takes ${ms(own, 1)} (p50); ` +
    '"waiting for ovs-vswitchd" is the p50 less that.',
    '',
    table(['ports already on the bridge', 'add-port p50', 'add-port p99', 'waiting for ovs-vswitchd, p50', 'OVS CPU per port added'],
      floor.points.map((p) => [String(p.portsBefore), ms(p.addPortMs.p50, 1), ms(p.addPortMs.p99, 1),
        ms(Math.max(0, p.addPortMs.p50 - own), 1), ms(p.ovsCpuMsPerAdd)])),
  ].join('\n');
}

export function flowsSection(flows: FlowsData): string {
  const r = flows.retag;
  const s = flows.resync;
  const a = s.agentOrder;
  return [
    '### Retagging a namespace (join)',
    `${r.pods} local pods (fake ofports: flows need no port behind them) installed on a sandbox switch, then \`NodeDataplane.retagNamespace\` ` +
    `moved them to another VNID and back, ${r.bundlesPerRetag.length} times. One retag = ${r.flowChanges} flow changes in ` +
    `${[...new Set(r.bundlesPerRetag)].join('/')} bundle(s); the call returns when \`ovs-ofctl bundle\` committed, i.e. when the VNID is in force. ` +
    `A dump afterwards found the new VNID on ${r.verified.withNewVnid} of ${r.verified.expected} VNID-carrying flows and the old one on ${r.verified.withOldVnid}.`,
    '', table(['', 'p50', 'p99', 'max'], [
      ['retag, total', ms(r.ms.p50), ms(r.ms.p99), ms(r.ms.max)],
      ['of which inside `ovs-ofctl bundle`', ms(r.switchMs.p50), ms(r.switchMs.p99), ms(r.switchMs.max)],
    ]), '',
    '### Resync after a restart',
    `${s.contents.nodes} remote nodes, ${s.contents.services} services (50 namespaces), ${s.contents.pods} local pods: ` +
    `${s.restart.flows} flows. A fresh FlowSync + NodeDataplane (what a restarted daemon builds) is given the model, then \`resync\` ` +
    '(one `ovs-ofctl --bundle replace-flows`): against a switch that already holds the flows (the restart path) and against an empty one.',
    '', table(['', 'p50', 'max', 'inside ovs-ofctl (p50)'], [
      ['restart (switch holds the flows)', ms(s.restart.ms.p50), ms(s.restart.ms.max), ms(s.restart.switchMs.p50)],
      ['from empty', ms(s.fromEmpty.ms.p50), ms(s.fromEmpty.ms.max), ms(s.fromEmpty.switchMs.p50)],
      ['building and rendering every flow in JS only', ms(s.renderMs.p50), ms(s.renderMs.max), '–'],
    ]), '',
    `The daemon's own start order (lib/sdn/node/agent.ts: nodes, services and pods recorded, one \`resync\`, then once ready the ` +
    `whole-set catch-up with \`setRemoteNodes\` and \`setServices\`) on the same switch: ` +
    `resync p50 ${ms(a.resyncMs.p50)}, setRemoteNodes ${ms(a.setRemoteNodesMs.p50)}, setServices ${ms(a.setServicesMs.p50)}. ` +
    `Between the resync and setServices the ServiceAccess table held ${a.serviceFlowsBetween} flows (${a.serviceFlowsAfter} after)` +
    (a.serviceFlowsBetween < a.serviceFlowsAfter
      ? ': the resync runs before the services are in the model, so it deletes every service flow and the next step puts them back.'
      : '.'),
  ].join('\n');
}

export function scaleSection(scale: ScaleData): string {
  const c = scale.contents;
  const rss = (r: { rssMb: number; anonMb: number; peakMb: number }) => [num(r.rssMb, 0, 'MiB'), num(r.anonMb, 0, 'MiB'), num(r.peakMb, 0, 'MiB')];
  const rs = scale.restart;
  return [
    '### The real daemon at scale',
    `The daemon on a sandbox node following the test API server: ${c.remoteNodes} remote nodes (HostSubnets written to etcd in transactions of 100), ` +
    `${c.services} services in ${c.namespaces} namespaces and ${c.pods} pods (created through the API), loaded while the daemon was stopped ` +
    `(${num(scale.loadS.subnets, 1, 's')} for the subnets, ${num(scale.loadS.apiObjects, 1, 's')} for the API objects). Remote node addresses come from ` +
    '198.18.0.0/15 (reserved for benchmarks) and only ever appear in flows.',
    '', table(['daemon', 'RSS', 'anonymous', 'peak so far'], [
      ['idle, following the API server (empty cluster)', ...rss(scale.rss.idleKubeMode)],
      ['at scale, all flows installed', ...rss(scale.rss.atScale)],
      [`at scale, after ${c.pods} pod ADDs`, ...rss(scale.rss.withPods)],
      ['after a SIGKILL and restart at scale', ...rss(scale.rss.afterRestart)],
    ]), '',
    `What a fresh Node.js process holds after importing one module (garbage collected): ` +
    scale.importCosts.map((i) => `${i.module} ${num(i.rssMb, 0, 'MiB')} RSS (${num(i.heapUsedMb, 0, 'MiB')} heap)`).join('; ') + '.',
    '', table(['event at scale', 'time'], [
      ['first start: ready (log line)', num(scale.firstStart.readyS, 1, 's')],
      [`first start: all ${scale.firstStart.flows} flows on the switch`, num(scale.firstStart.convergedS, 1, 's')],
      [`${c.pods} pod ADDs, 10 at a time: p50 / p99 (daemon p50)`, `${ms(scale.podAdd.ms.p50)} / ${ms(scale.podAdd.ms.p99)} (${ms(scale.podAdd.daemonMs.p50)})`],
      ['one more service (API create acknowledged → its flow on the switch), p50 / max', `${ms(scale.churn.serviceMs.p50)} / ${ms(scale.churn.serviceMs.max)}`],
      ['one more node (etcd put acknowledged → its flows), p50 / max', `${ms(scale.churn.nodeMs.p50)} / ${ms(scale.churn.nodeMs.max)}`],
      [`join: ${scale.join.pods} pods' namespace joins another (etcd Action → every pod flow on the new VNID)`, ms(scale.join.ms)],
      ['SIGKILL + restart: ready', num(rs.readyS, 1, 's')],
      ['SIGKILL + restart: every flow back', num(rs.convergedS, 1, 's')],
    ]), '',
    `While the daemon restarted, the switch was polled ${rs.polls} times: ServiceAccess flows went from ${rs.serviceFlows.before} down to ` +
    `${rs.serviceFlows.min} for about ${num(rs.serviceFlows.belowBeforeS, 1, 's')}; LocalDelivery (pod) flows from ${rs.podFlows.before} to ${rs.podFlows.min}.`,
    ...(rs.timeline?.length ? ['', 'The restarted daemon\'s own log, timed from the moment the bench started the process:', '',
      table(['s', 'log line'], rs.timeline.map((e) => [num(e.s, 2), `\`${e.event.replace(/\|/g, '/')}\``]))] : []),
  ].join('\n');
}

export function scalingSection(flows: FlowsData): string {
  const rows = flows.scaling.map((p) => [p.kind, String(p.n), String(p.flows), ms(p.installMs), ms(p.oneChangeMs, 1),
    ms(p.oneChangeSwitchMs, 1), ms(p.retagMs)]);
  return [
    '### How each cost grows',
    'For 10, 100 and 1000 of one kind (lib objects, sandbox switch): install = fresh model + resync from an empty switch; one change = what ' +
    'the daemon does for one more of that kind at that size (nodes: `updateRemoteNodes` with the new one, as an etcd watch event does; ' +
    'services: `updateServices` with the new one, as NodeServices does per API event; pods: `addPod`); medians. The difference between the last two columns is ' +
    'time spent in JS before the bundle.',
    '', table(['kind', 'n', 'flows', 'install', 'one change', 'of which ovs-ofctl', 'retag all'], rows), '',
    '![growth](benchmarks-scaling.png)',
  ].join('\n');
}

export function pluginStartSection(data: PluginStartData): string {
  const { clean, 'ca-certs': set } = data.startMs;
  const names = { sea: 'self-contained executable (`scripts/build-cni-plugin.sh`)', script: 'Node.js script (`bin/k8s-ovs-cni`)', 'node-e-0': '`node -e 0`' };
  const rows = (['clean', 'ca-certs'] as const).flatMap((env) => PLUGIN_VARIANTS.map((variant) => {
    const s = data.startMs[env][variant];
    return [env === 'clean' ? 'unset' : 'set', names[variant], ms(s.p50), ms(s.p90), ms(s.p99)];
  }));
  return [
    '### CNI plugin start: self-contained executable or Node.js script',
    'The DaemonSet installs the plugin as one self-contained executable (Node.js single-executable application: the node binary ' +
    `with the bundled plugin, ${num(data.seaBytes / 2 ** 20, 0, 'MiB')}), so hosts need no Node.js; the RPM installs the Node.js script, ` +
    'whose shebang also drops NODE_EXTRA_CA_CERTS. Each start answers CNI VERSION (no daemon), run directly (no nsenter), the three ' +
    `interleaved, ${data.runsPerVariant} runs each per row after one warm-up; \`node -e 0\` is the floor of any Node.js process.`,
    '', table(['NODE_EXTRA_CA_CERTS', 'plugin', 'p50', 'p90', 'p99'], rows), '',
    `As a runtime starts it (NODE_EXTRA_CA_CERTS unset), the executable answers in ${ms(clean.sea.p50)} at the median: ` +
    `${ms(clean.sea.p50 - clean['node-e-0'].p50)} over \`node -e 0\` and ${ms(clean.script.p50 - clean.sea.p50)} under the script, ` +
    'which pays for `env -S` and loading its modules from disk. With the variable set it cannot drop it as the script does (Node.js reads it ' +
    `before any of the plugin's code runs) and pays for the CA bundle: ${ms(set.sea.p50)}. Kubelets' runtimes do not set it.`,
  ].join('\n');
}
