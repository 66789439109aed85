// Why targets were missed (from the measured figures only) and what would change it in lib/.
import type { CniData } from '../control/cni.js';
import type { ScalingPoint } from '../control/flows.js';
import { ms, num, pct, ratio } from './format.js';
import type { Results, TargetRow } from './targets.js';

/** The switch watchdog's reads, which fall into ADD windows without being part of an ADD. */
const WATCHDOG = new Set(['ovs-ofctl dump-flows', 'ovs-ofctl get-frags']);

/** Programs an ADD runs (without the watchdog's), from the profiled pass. */
function programsPerAdd(cni: CniData): number {
  return cni.profile.add.byKind.filter((k) => !WATCHDOG.has(k.kind)).reduce((sum, k) => sum + k.perOperation, 0);
}

function addLatencyCause(cni: CniData, results: Results): string {
  const resync = results.flows?.resync;
  const clean = cni.passes.find((p) => p.env === 'clean' && p.concurrency === 1);
  const ca = cni.passes.find((p) => p.env === 'ca-certs' && p.concurrency === 1);
  const add = cni.profile.add;
  const top = add.byKind.filter((k) => !WATCHDOG.has(k.kind)).slice(0, 4).map((k) => `\`${k.kind}\` ${ms(k.msPerOperation, 1)}`).join(', ');
  const runs = programsPerAdd(cni);
  const spawn = cni.spawnMs.daemonModules;
  const many = cni.passes.find((p) => p.env === 'clean' && p.concurrency > 1);
  return [
    `- **CNI ADD latency.** Of the sequential ADD p50 (${ms(clean?.addMs.p50)} with NODE_EXTRA_CA_CERTS unset, ${ms(ca?.addMs.p50)} with it set), ` +
    `the daemon's own part is ${ms(clean?.daemonAddMs.p50)} / ${ms(ca?.daemonAddMs.p50)}; the rest is the plugin process, whose start alone ` +
    `(CNI VERSION) is ${ms(cni.pluginStartMs.clean.p50)} unset and ${ms(cni.pluginStartMs['ca-certs'].p50)} set, ` +
    `${pct(cni.pluginStartMs.clean.p50 / 60)} and ${pct(cni.pluginStartMs['ca-certs'].p50 / 60)} of the 60 ms budget before the daemon sees the request.`,
    `  Inside the daemon an ADD runs ${num(runs, 1)} programs (${top}, …): ${ms(add.programsMs.p50)} of its ${ms(add.daemonMs.p50)} ` +
    `(shimmed pass, p50) are spent inside them. Each run through lib/exec's runner costs ${ms(spawn.runner.p50, 1)} for /bin/true ` +
    `against ${ms(spawn.execFile.p50, 1)} with node's execFile, about ${ms(runs * Math.max(0, spawn.runner.p50 - spawn.execFile.p50))} per ADD. ` +
    `So it is process starts (the plugin's and the daemon's programs), not JSON or flow rendering: building and rendering all ` +
    `${resync ? `${resync.restart.flows} flows of the resync scale takes ${ms(resync.renderMs.p50)}` : 'flows is cheap'}, and a pod has ${cni.ovsPart.flowsPerPod}.`,
    ...(cni.portFloor ? [portFloorShare(cni)].filter(Boolean) : []),
    ...(clean && ca && ca.pods !== clean.pods ? [portCountEffect(clean, ca, cni.portFloor !== undefined)] : []),
    ...(many ? [concurrencyCause(many, results.cniMachine?.busyCoresBefore)] : []),
  ].join('\n');
}

/** The launcher drops NODE_EXTRA_CA_CERTS, so the two sequential passes differ mainly in how many pods they add. */
/** What ovs-vswitchd alone takes to add a port (measured apart), against the budgets. */
function portFloorShare(cni: CniData): string {
  const floor = cni.portFloor!;
  const wait = (point: (typeof floor.points)[number]) => Math.max(0, point.addPortMs.p50 - floor.vsctlNoWaitMs.p50);
  const [, middle, full] = floor.points;
  if (!middle || !full) return '';
  const start = cni.pluginStartMs.clean.p50;
  return `  The floor, measured apart (last table of this section): ovs-vswitchd alone waits ${ms(wait(middle), 1)} (p50) to add a port to a bridge ` +
    `of ${middle.portsBefore} ports and ${ms(wait(full), 1)} at ${full.portsBefore}, whoever asks. With the plugin's start, ${ms(start + wait(middle))} ` +
    `of the 60 ms budget is gone at ${middle.portsBefore} ports (${ms(start + wait(full))} at ${full.portsBefore}) before the veth, its address, ` +
    `the IPAM record or a flow; the daemon's own target of 15 ms is ${wait(middle) >= 15 ? 'less than' : 'more than'} that wait alone at ${middle.portsBefore} ports.`;
}

function portCountEffect(clean: CniData['passes'][number], ca: CniData['passes'][number], isolated: boolean): string {
  return `  The sequential pass with NODE_EXTRA_CA_CERTS set adds ${ca.pods} pods, the one without ${clean.pods}; the plugin drops the ` +
    `variable, so that is their main difference: daemon ADD p50 ${ms(ca.daemonAddMs.p50)} against ${ms(clean.daemonAddMs.p50)}, OVS CPU per ADD ` +
    `${ms(ca.addCpuMs.ovs)} against ${ms(clean.addCpuMs.ovs)}: consistent with an ADD costing OVS more the more ports br0 already holds (${isolated ? 'isolated in the floor table' : 'not isolated here'}).`;
}

function concurrencyCause(pass: CniData['passes'][number], othersBusy: number | undefined): string {
  const c = pass.addCpuMs;
  const total = c.daemon + c.daemonPrograms + c.ovs + c.plugins;
  const busy = ((pass.pods / pass.addWallS) * total) / 1000 + (othersBusy ?? 0);
  return `  ${pass.concurrency} at a time, ADD p50 is ${ms(pass.addMs.p50)} (daemon ${ms(pass.daemonAddMs.p50)}): an ADD costs ${ms(total)} of CPU ` +
    `(daemon ${ms(c.daemon)}, the programs it runs ${ms(c.daemonPrograms)}, OVS ${ms(c.ovs)}, the plugin process ${ms(c.plugins)}), ` +
    `so 2 cores manage at most ${num(2000 / total, 1)} ADDs/s; the pass did ${num(pass.pods / pass.addWallS, 1)}/s, using ` +
    `${num(busy - (othersBusy ?? 0), 1)} cores` + (othersBusy ? ` while other work on the machine held about ${num(othersBusy, 1)} (measured before the section)` : '') +
    '. ' + (busy >= 1.6
    ? 'The requests queue for CPU: the latency is the queue, and only less CPU per ADD (fewer processes) shortens it.'
    : 'CPU is not saturated, so the requests also wait on something else (serialised steps in the daemon or OVS).');
}

function ovsRatioCause(cni: CniData): string {
  const o = cni.ovsPart;
  const list = (commands: string[]) => commands.map((c) => `\`${c}\``).join(', ');
  return `- **OVS part ${ratio(o.addRatio.p50)}, not 3×.** Per pod ours ran ${o.processesPerAdd.ours} process(es) (${list(o.commands.addOurs)}) ` +
    `and the port change over the kept OVSDB connection, in ${ms(o.addMs.ours.p50, 1)}; the original ${o.processesPerAdd.baseline} ` +
    `(${list(o.commands.addBaseline)}) in ${ms(o.addMs.baseline.p50, 1)}. What is left of ours is the \`ovs-ofctl\` process and ovs-vswitchd ` +
    'opening the port, which the original waits for too.';
}

function memoryCause(results: Results): string {
  const scale = results.scale;
  const daemonImport = scale?.importCosts.find((i) => i.module.startsWith('lib/sdn/daemon'));
  const bare = scale?.importCosts.find((i) => i.module === '(nothing)');
  const k8s = scale?.importCosts.find((i) => i.module === '@kubernetes/client-node');
  return `- **Daemon memory.** Idle the daemon holds ${num(results.cni?.rss.idleMb ?? scale?.rss.idleKubeMode.rssMb, 0, 'MiB')}; ` +
    `a bare Node.js process holds ${num(bare?.rssMb, 0, 'MiB')}, importing the daemon's modules ${num(daemonImport?.rssMb, 0, 'MiB')}, and ` +
    `@kubernetes/client-node, loaded once an API server is configured, about ${num(k8s && bare ? k8s.rssMb - bare.rssMb : undefined, 0, 'MiB')} more ` +
    `(${num(k8s?.heapUsedMb, 0, 'MiB')} of heap). The cluster state adds ` +
    `${num(scale ? scale.rss.atScale.rssMb - scale.rss.idleKubeMode.rssMb : undefined, 0, 'MiB')} at ${scale?.contents.remoteNodes ?? '–'} nodes and ` +
    `${scale?.contents.services ?? '–'} services, and ${scale?.contents.pods ?? '–'} ADDs (10 at a time) took it from ` +
    `${num(scale?.rss.atScale.rssMb, 0, 'MiB')} to ${num(scale?.rss.withPods.rssMb, 0, 'MiB')}; in the CNI section, from ` +
    `${num(results.cni?.rss.idleMb, 0, 'MiB')} idle to ${num(results.cni?.rss.maxDuringMb, 0, 'MiB')} during the passes and ` +
    `${num(results.cni?.rss.afterMb, 0, 'MiB')} after them.`;
}

function restartCause(results: Results): string {
  const r = results.scale!.restart;
  const at = (text: string) => r.timeline?.find((e) => e.event.includes(text))?.s;
  const first = r.timeline?.[0]?.s;
  return `- **Real daemon restart ${num(r.convergedS, 1, 's')}.** The flows themselves are quick (the lib-level restart resync of the same ` +
    `scale: ${ms(results.flows?.resync.restart.ms.p50)}); the time goes before them. From the spawn, the daemon's first log line comes at ` +
    `${num(first, 2, 's')} (Node.js start and loading its modules), \`node set up\` at ${num(at('node set up'), 2, 's')} and ` +
    `\`k8s-ovs ready\` at ${num(at('k8s-ovs ready'), 2, 's')}, every flow back at ${num(r.convergedS, 2, 's')} (full timeline in the scale ` +
    'section); with other work holding the cores, each of these steps waited for CPU.';
}

function perRoundRatio(data: NonNullable<Results['dataplane']>, path: string, metric: 'tcpLatUs', a: string, b: string): string {
  const values: string[] = [];
  for (let round = 0; round < data.rounds; round++) {
    const get = (dp: string) => data.samples.find((s) => s.round === round && s.path === path && s.datapath === dp)?.metrics[metric];
    const [x, y] = [get(a), get(b)];
    values.push(x !== undefined && y !== undefined && y > 0 ? ratio(x / y) : '–');
  }
  return values.join(', ');
}

function dataplaneCauses(results: Results, missed: TargetRow[]): string[] {
  const data = results.dataplane;
  if (!data) return [];
  const causes: string[] = [];
  const spread = (path: string, metric: 'iperfGbps' | 'tcpBwGbps' | 'udpBwGbps') => {
    const values: number[] = [];
    for (let round = 0; round < data.rounds; round++) {
      const get = (dp: string) => data.samples.find((s) => s.round === round && s.path === path && s.datapath === dp)?.metrics[metric];
      const [a, b] = [get('pipeline'), get('normal')];
      if (a !== undefined && b !== undefined && b > 0) values.push(a / b);
    }
    return values.length ? `${pct(Math.min(...values))}–${pct(Math.max(...values))}` : '–';
  };
  const throughput = missed.filter((t) => t.target.includes('95 %'));
  if (throughput.length) {
    const metricOf = (target: string) => (target.includes('iperf3') ? 'iperfGbps' : target.includes('tcp_bw') ? 'tcpBwGbps' : 'udpBwGbps');
    const spreads = throughput.map((t) => `${t.target.split(':')[0]} ${t.target.replace(/.*\((.*)\)$/, '$1')}: per round ${spread(t.target.split(':')[0]!, metricOf(t.target))}`);
    causes.push('- **Throughput against one NORMAL table.** The missed rows vary from round to round far more than 5 % ' +
      `(${spreads.join('; ')}; the other rows are in the data-plane table), with ${data.rounds} rounds on a shared 2-core machine. ` +
      'The userspace datapath forwards an established flow from its flow cache, whatever the OpenFlow tables behind it (for steady TCP the ' +
      'cached datapath flows of both programmings were one match and one output or tunnel push when looked at with `dpctl/dump-flows` ' +
      'during this work), so the pipeline\'s extra tables cost at flow setup rather than per packet. A quiet machine and more rounds are ' +
      'needed to tell a real gap from this noise.');
  }
  if (missed.some((t) => t.target.includes('1.3×'))) {
    const normalCross = data.medians.find((m) => m.path === 'pod-cross-node' && m.datapath === 'normal')?.tcpLatUs;
    const node = data.medians.find((m) => m.path === 'node-to-node')?.tcpLatUs;
    const pipe = data.medians.find((m) => m.path === 'pod-cross-node' && m.datapath === 'pipeline')?.tcpLatUs;
    const bridgeCross = data.medians.find((m) => m.path === 'pod-cross-node' && m.datapath === 'bridge')?.tcpLatUs;
    causes.push(`- **Cross-node latency.** tcp_lat medians: node to node ${num(node, 0, 'µs')}; pod to pod across nodes ${num(pipe, 0, 'µs')} ` +
      `with our pipeline, ${num(normalCross, 0, 'µs')} with one NORMAL table over the same VXLAN port, ${num(bridgeCross, 0, 'µs')} with ` +
      'Linux bridge pods routed over the underlay (no overlay). A pod\'s packet crosses br0 and the VXLAN encapsulation in ovs-vswitchd on ' +
      'both nodes on top of the node path, all in userspace on 2 shared cores. ' +
      (normalCross !== undefined && pipe !== undefined && normalCross >= pipe
        ? 'The single NORMAL table is not faster than our pipeline here, so the gap to the node network is the overlay hop in userspace, ' +
          'not the pipeline\'s tables; with the kernel datapath that hop is in the kernel (kube-ovn\'s tuning docs: 13.9 against 13.1 µs).'
        : `The single NORMAL table's median is ${num(pipe !== undefined && normalCross !== undefined ? pipe - normalCross : undefined, 0, 'µs')} lower ` +
          `(per-round pipeline/NORMAL tcp_lat: ${perRoundRatio(data, 'pod-cross-node', 'tcpLatUs', 'pipeline', 'normal')}); the rest of the gap to the ` +
          'node network is the overlay hop in userspace.'));
  }
  return causes;
}

/** One bullet per missed target (with its evidence), then findings the targets do not cover. */
export function causes(results: Results, rows: TargetRow[]): string {
  const missed = rows.filter((r) => r.verdict === 'missed');
  const out: string[] = [];
  const cni = results.cni;
  if (cni && missed.some((r) => r.target.startsWith('ADD p50'))) out.push(addLatencyCause(cni, results));
  if (cni && missed.some((r) => r.target.startsWith('OVS part'))) out.push(ovsRatioCause(cni));
  if (missed.some((r) => r.area === 'Memory')) out.push(memoryCause(results));
  if (results.scale && missed.some((r) => r.target.startsWith('the real daemon'))) out.push(restartCause(results));
  out.push(...dataplaneCauses(results, missed));
  if (!missed.length) out.push('No target was missed in this run.');
  return out.join('\n');
}

export function findings(results: Results): string {
  const out: string[] = [];
  const svc = (datapath: string) => results.dataplane?.medians.find((m) => m.path === 'pod-to-service' && m.datapath === datapath)?.udpLatUs;
  const trace = results.dataplane?.serviceUdpTrace;
  if (trace && trace.whole !== 'drop' && (trace.firstFragment === 'drop' || trace.laterFragment === 'drop')) {
    out.push('- **UDP datagrams larger than the pod MTU never reach a service.** With OVS\'s default fragment handling (`normal`) every ' +
      'fragment, the first included, has its ports zeroed, so the per-port ServiceAccess flows drop all of them ' +
      `(trace: whole → \`${trace.whole}\`, first fragment → \`${trace.firstFragment}\`, later → \`${trace.laterFragment}\`). ` +
      `qperf's 4K UDP tests to the service: pipeline udp_lat ${num(svc('pipeline'), 0, 'µs')} (– = no answer), one NORMAL table ` +
      `${num(svc('normal'), 0, 'µs')}. openshift-sdn hit the same (openshift/origin PR #13162).`);
  }
  const restart = results.scale?.restart;
  const order = results.flows?.resync.agentOrder;
  if ((restart && restart.serviceFlows.min < restart.serviceFlows.before) ||
    (order && order.serviceFlowsBetween < order.serviceFlowsAfter)) {
    out.push('- **A daemon restart takes every service flow away for a moment.** ' +
      (restart ? `SIGKILL and restart of the real daemon at scale: ServiceAccess went from ${restart.serviceFlows.before} flows to ${restart.serviceFlows.min} ` +
        `for about ${num(restart.serviceFlows.belowBeforeS, 1, 's')}. ` : '') +
      (order ? `The lib objects in the daemon's start order show why: after \`resync\` the table holds ${order.serviceFlowsBetween} flows, ` +
        `${order.serviceFlowsAfter} once \`setServices\` ran. ` : '') +
      'NodeAgent.start resyncs before NodeServices may feed the model (its apply is gated on `ready`), so the one replace-flows bundle ' +
      'deletes the service flows and a second bundle adds them back; pods lose their services in between (field notes: sdn PR #643).');
  }
  const nodes = results.flows?.scaling.filter((p) => p.kind === 'nodes');
  const services = results.flows?.scaling.filter((p) => p.kind === 'services');
  const big = (points: typeof nodes) => points?.[points.length - 1];
  const jsMs = (p: ScalingPoint) => p.oneChangeMs - p.oneChangeSwitchMs;
  if (big(nodes) && big(services) && [big(nodes)!, big(services)!].some((p) => jsMs(p) > p.oneChangeSwitchMs)) {
    const n = big(nodes)!;
    const s = big(services)!;
    out.push(`- **One change costs O(n).** At ${n.n} nodes one more node takes ${ms(n.oneChangeMs, 1)}, ${ms(jsMs(n), 1)} of it ` +
      `in JS before the bundle; at ${s.n} services one more service ${ms(s.oneChangeMs, 1)} (${ms(jsMs(s), 1)} in JS)` +
      (results.scale ? `; the real daemon at ${results.scale.contents.services} services needs ${ms(results.scale.churn.serviceMs.p50)} from API create to flow. ` : '. ') +
      'One event should render and compare only the owner it names (`updateRemoteNodes`/`updateServices`); JS time growing with n means ' +
      'something renders or compares the whole set again, and a burst of n events costs O(n²).');
  }
  const leftovers = results.cni?.passes.flatMap((p) => p.leftovers) ?? [];
  if (leftovers.length) out.push(`- **An eth0 stayed behind after DEL** in ${leftovers.length} pod(s), e.g. ${leftovers.slice(0, 2).join('; ')}.`);
  return out.length ? out.join('\n') : 'Nothing beyond the targets.';
}

export function proposals(results: Results, rows: TargetRow[]): string {
  const cni = results.cni;
  const spawn = cni?.spawnMs.daemonModules;
  const runs = cni ? programsPerAdd(cni) : undefined;
  const missed = (prefix: string) => rows.some((r) => r.verdict === 'missed' && (r.target.startsWith(prefix) || r.area === prefix));
  const items: string[] = [];
  if (cni && missed('ADD p50')) {
    items.push('**Fewer program runs per ADD:** lib/exec\'s runner measured ' +
      `${ms(spawn?.runner.p50, 1)} per /bin/true against ${ms(spawn?.execFile.p50, 1)} for a bare execFile in this run; ` +
      `the cost is in the ${num(runs, 1)} programs per ADD themselves (profile above) and in ovs-vswitchd.`);
  }
  if (missed('Memory')) {
    items.push('**lib/k8s:** a list/watch client on `fetch` for the four resources k8s-ovs reads, instead of @kubernetes/client-node ' +
      '(import costs in the scale section), and informer caches that keep only the parsed views.');
  }
  const restart = results.scale?.restart;
  const order = results.flows?.resync.agentOrder;
  if ((restart && restart.serviceFlows.min < restart.serviceFlows.before) ||
    (order && order.serviceFlowsBetween < order.serviceFlowsAfter)) {
    items.push('**lib/sdn/node/agent.ts `start` and `restoreSwitch`:** let NodeServices fill the dataplane model before the first `resync` ' +
      '(record without applying while not ready, e.g. a `dataplane.rememberServices` like `rememberPod`), so that the one replace-flows ' +
      'bundle keeps the service flows instead of deleting and re-adding them.');
  }
  const trace = results.dataplane?.serviceUdpTrace;
  if (trace && trace.whole !== 'drop' && (trace.firstFragment === 'drop' || trace.laterFragment === 'drop')) {
    items.push('**lib/sdn/pipeline/flows.ts `serviceFlows` + lib/sdn/node/setup.ts:** set the bridge\'s fragment mode to `nx-match` ' +
      '(`ovs-ofctl set-frag br0 nx-match`: first fragments keep their ports) and give each service IP a `nw_frag=later` flow per VNID rule ' +
      '(the kernel behind tun0 reassembles and DNATs), as openshift/origin PR #13162 did.');
  }
  const nodes = results.flows?.scaling.filter((p) => p.kind === 'nodes').at(-1);
  if (nodes && nodes.oneChangeMs - nodes.oneChangeSwitchMs > nodes.oneChangeSwitchMs) {
    items.push('**lib/sdn/node/services.ts and agent.ts `applyRemoteNodes`:** one event should reach the dataplane as just its owner ' +
      '(`updateRemoteNodes` / `updateServices`), the whole-set replace (`setRemoteNodes` / `setServices`) only on relists; find the path ' +
      'that hands over the whole set again, so one event costs O(1) instead of O(n).');
  }
  return items.length ? items.map((item, i) => `${i + 1}. ${item}`).join('\n') : 'None: no target was missed and nothing else was found.';
}
