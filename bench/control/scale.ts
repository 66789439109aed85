// The real daemon at scale: 1000 remote nodes (etcd), 5000 services (test API server), 110 local pods (CNI); and the
// same run at growing sizes (scale-growth: 1,000 and 5,000 nodes).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { intToIpv4, ipv4ToInt } from '../../lib/net/ipv4.js';
import { Table } from '../../lib/sdn/pipeline/tables.js';
import type { SandboxCluster } from '../../test/support/cluster.js';
import { SandboxApiServer } from '../../test/support/kube.js';
import type { SandboxNode } from '../../test/support/sandbox/index.js';
import type { BenchProfile } from '../profile.js';
import { type Summary, mapLimit, summarize } from '../stats.js';
import { using } from '../teardown.js';
import { NET_KEYS, POD_NAMESPACE, type Rss, processRss, startControlCluster, startDaemon, tableFlowCount } from './cluster.js';
import { LoadClient } from './load-client.js';
import { daemonTimes } from './cni.js';
import { callPlugin } from './plugin.js';

/** One daemon log line of a start, at its offset from the moment the bench started the process. */
export interface StartEvent {
  s: number;
  event: string;
}

export interface RestartData {
  /** The daemon's info lines from its start to `k8s-ovs ready`, timed from the spawn (its log's own timestamps). */
  timeline: StartEvent[];
  readyS: number;
  /** Until every expected flow is on the switch again. */
  convergedS: number;
  /** Fewest ServiceAccess / LocalDelivery flows seen while the daemon started (full: the counts before). */
  serviceFlows: { before: number; min: number; belowBeforeS: number };
  podFlows: { before: number; min: number; belowBeforeS: number };
  polls: number;
}

/** Resident memory of a fresh node process after importing one module: where the daemon's baseline comes from. */
export interface ImportCost {
  module: string;
  rssMb: number;
  heapUsedMb: number;
}

const IMPORT_PROBES = ['', '@kubernetes/client-node', 'etcd3', 'winston', 'yargs', 'execa', 'daemon'];

async function importCosts(): Promise<ImportCost[]> {
  const script = fileURLToPath(new URL('./memory-probe.js', import.meta.url));
  const costs: ImportCost[] = [];
  for (const module of IMPORT_PROBES) {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', script, ...(module ? [module] : [])],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    costs.push({ module: module === 'daemon' ? 'lib/sdn/daemon/main.js (everything the daemon imports)' : module || '(nothing)', ...JSON.parse(stdout) as { rssMb: number; heapUsedMb: number } });
  }
  return costs;
}

export interface ScaleData {
  importCosts: ImportCost[];
  contents: { remoteNodes: number; namespaces: number; services: number; pods: number };
  loadS: { subnets: number; apiObjects: number };
  rss: { idleKubeMode: Rss; atScale: Rss; withPods: Rss; afterRestart: Rss };
  firstStart: { readyS: number; convergedS: number; flows: number; serviceFlows: number; tunnelFlows: number };
  podAdd: { concurrency: number; ms: Summary; daemonMs: Summary; failures: string[] };
  churn: { serviceMs: Summary; nodeMs: Summary };
  join: { pods: number; ms: number };
  restart: RestartData;
}

const SERVICE_BASE = ipv4ToInt('172.30.1.0');
const NODE_BASE = ipv4ToInt('198.18.0.1');
const SUBNET_BASE = ipv4ToInt('10.136.0.0');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function subnetRecord(i: number) {
  const hostIp = intToIpv4(NODE_BASE + i);
  return { key: `${NET_KEYS}/subnets/${hostIp}`, value: JSON.stringify({ Host: `fake-${i}`, HostIP: hostIp, Subnet: `${intToIpv4(SUBNET_BASE + i * 512)}/23`, Assign: false }), hostIp };
}

function serviceObject(namespace: string, name: string, ip: string) {
  return { path: `/api/v1/namespaces/${namespace}/services`,
    body: { metadata: { name, namespace }, spec: { clusterIP: ip, ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] } } };
}

/** Polls until `probe` holds; resolves with the epoch ms at which it was first seen to hold. */
export async function seenAt(what: string, probe: () => Promise<boolean>, timeoutMs = 300_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return Date.now();
    await sleep(20);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Flows of the node's br0 that `filter` (an ovs-ofctl flow match) selects. */
export const flowLines = async (node: SandboxNode, filter: string) =>
  (await node.ofctl(['dump-flows', node.mgmtSocket('br0'), '--no-stats', filter])).stdout.split('\n').filter((l) => l.includes('actions=')).length;

export function runScaleSection(profile: BenchProfile, log: (line: string) => void): Promise<ScaleData> {
  return runAtScale(profile.scale, log);
}

/** The scale run once per size of the profile's `scaleGrowth`, smallest first, each on a fresh cluster. */
export async function runScaleGrowthSection(profile: BenchProfile, log: (line: string) => void): Promise<ScaleData[]> {
  const runs: ScaleData[] = [];
  for (const size of profile.scaleGrowth) {
    log(`scale run at ${size.nodes} nodes, ${size.services} services`);
    runs.push(await runAtScale({ ...profile.scale, ...size }, log));
  }
  return runs;
}

async function runAtScale(size: BenchProfile['scale'], log: (line: string) => void): Promise<ScaleData> {
  return using(startControlCluster, async (cluster) => {
    const n1 = cluster.node('n1');
    const api = new SandboxApiServer(cluster, '172.30.0.0/16');
    await api.start();
    const loader = LoadClient.start(cluster.sandbox);
    const namespaces = Array.from({ length: size.namespaces }, (_, i) => `ns${i}`);
    await loader.send({ op: 'apiPost', server: api.url, items: [
      { path: '/api/v1/nodes', body: { metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: n1.ip }] } } },
      ...[POD_NAMESPACE, ...namespaces].map((name) => ({ path: '/api/v1/namespaces', body: { metadata: { name } } })),
    ] });
    const kube = ['--kubeconfig', api.kubeconfig];
    let daemon = await startDaemon(cluster, n1, { extraFlags: kube });
    await sleep(5000);
    const idleKubeMode = await processRss(daemon.pid);
    log(`kube-mode daemon idle: RSS ${idleKubeMode.rssMb.toFixed(1)} MiB (anon ${idleKubeMode.anonMb.toFixed(1)})`);
    await cluster.stopDaemon(n1);

    // Loaded while the daemon is down: it meets them as a restarted daemon would, in one list.
    let start = performance.now();
    await loader.send({ op: 'etcdPut', endpoint: cluster.etcdEndpoint, kvs: Array.from({ length: size.nodes }, (_, i) => subnetRecord(i)) });
    const subnetsS = (performance.now() - start) / 1000;
    start = performance.now();
    const services = Array.from({ length: size.services }, (_, i) => serviceObject(namespaces[i % namespaces.length]!, `svc${i}`, intToIpv4(SERVICE_BASE + i)));
    const pods = Array.from({ length: size.pods }, (_, i) => ({ path: `/api/v1/namespaces/${POD_NAMESPACE}/pods`,
      body: { metadata: { name: `p${i}`, namespace: POD_NAMESPACE }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } } }));
    await loader.send({ op: 'apiPost', server: api.url, items: [...services, ...pods], concurrency: 16 });
    const apiS = (performance.now() - start) / 1000;
    log(`loaded ${size.nodes} subnets in ${subnetsS.toFixed(1)} s, ${size.services} services + ${size.pods} pods in ${apiS.toFixed(1)} s`);

    // ServiceAccess: a port flow and a later-fragment flow per service (ours and default/kubernetes, one TCP port
    // each) plus 2 pipeline flows; TunnelIngress: nodes + 1.
    const expected = { services: 2 * (size.services + 1) + 2, tunnels: size.nodes + 1 };
    const converged = async () => (await tableFlowCount(n1, Table.ServiceAccess)) >= expected.services &&
      (await tableFlowCount(n1, Table.TunnelIngress)) >= expected.tunnels;
    const t0 = Date.now();
    daemon = await startDaemon(cluster, n1, { extraFlags: kube });
    const readyS = (Date.now() - t0) / 1000;
    const convergedS = ((await seenAt('flows for every node and service', converged)) - t0) / 1000;
    const firstStart = { readyS, convergedS, flows: await tableFlowCount(n1), serviceFlows: await tableFlowCount(n1, Table.ServiceAccess),
      tunnelFlows: await tableFlowCount(n1, Table.TunnelIngress) };
    log(`daemon at scale: ready ${readyS.toFixed(1)} s, all flows ${convergedS.toFixed(1)} s, ${firstStart.flows} flows`);
    await sleep(5000);
    const atScale = await processRss(daemon.pid);
    log(`RSS at scale: ${atScale.rssMb.toFixed(1)} MiB (anon ${atScale.anonMb.toFixed(1)})`);

    const podAdd = await addPods(cluster, n1, size.pods);
    log(`${size.pods} pod ADDs at scale (x10): p50 ${podAdd.ms.p50} ms, p99 ${podAdd.ms.p99} ms ` +
      `(daemon p50 ${podAdd.daemonMs.p50} ms), ${podAdd.failures.length} failed`);
    await sleep(5000);
    const withPods = await processRss(daemon.pid);
    log(`RSS at scale with pods: ${withPods.rssMb.toFixed(1)} MiB`);

    const churn = await measureChurn(cluster, n1, loader, api.url, size);
    log(`one more service: p50 ${churn.serviceMs.p50.toFixed(0)} ms; one more node: p50 ${churn.nodeMs.p50.toFixed(0)} ms`);
    const join = await measureJoin(cluster, n1, size.pods);
    log(`join of ${size.pods} pods' namespace: ${join.ms} ms`);

    const restart = await measureRestart(cluster, n1, kube, converged);
    log(`restart at scale: ready ${restart.readyS.toFixed(1)} s, converged ${restart.convergedS.toFixed(1)} s, ` +
      `service flows min ${restart.serviceFlows.min}/${restart.serviceFlows.before}, pod flows min ${restart.podFlows.min}/${restart.podFlows.before}`);
    await sleep(5000);
    const afterRestart = await processRss(cluster.daemons.get('n1')!.pid);
    const imports = await importCosts();
    return {
      importCosts: imports,
      contents: { remoteNodes: size.nodes, namespaces: size.namespaces, services: size.services, pods: size.pods },
      loadS: { subnets: subnetsS, apiObjects: apiS },
      rss: { idleKubeMode, atScale, withPods, afterRestart },
      firstStart, podAdd, churn, join, restart,
    };
  });
}

async function addPods(cluster: SandboxCluster, node: SandboxNode, count: number): Promise<ScaleData['podAdd']> {
  const netns = [];
  for (let i = 0; i < count; i++) netns.push(await cluster.sandbox.createPodNetns(`p${i}`));
  const ms: number[] = [];
  const failures: string[] = [];
  await mapLimit(netns, 10, async (pod, i) => {
    const run = await callPlugin(cluster, node, { command: 'ADD', containerId: `p${i}`, netns: pod.netnsPath }, 'clean');
    if (run.exitCode === 0) ms.push(run.ms);
    else failures.push(`p${i}: ${run.stdout.trim().slice(0, 300)}`);
  });
  const daemon = daemonTimes(await cluster.log(node), new Set(netns.map((_, i) => `p${i}`)));
  return { concurrency: 10, ms: summarize(ms), daemonMs: summarize(daemon.ADD), failures };
}

async function measureChurn(cluster: SandboxCluster, node: SandboxNode, loader: LoadClient, server: string, size: BenchProfile['scale']): Promise<ScaleData['churn']> {
  const serviceMs: number[] = [];
  const nodeMs: number[] = [];
  for (let i = 0; i < size.churn; i++) {
    const ip = `172.30.200.${i + 1}`;
    const posted = await loader.send({ op: 'apiPost', server, items: [serviceObject('ns0', `churn${i}`, ip)], concurrency: 1 });
    serviceMs.push((await seenAt(`service ${ip}'s flow`, async () => (await flowLines(node, `table=${Table.ServiceAccess},tcp,nw_dst=${ip}`)) > 0)) - posted.doneAt);
    const record = subnetRecord(size.nodes + i);
    const put = await loader.send({ op: 'etcdPut', endpoint: cluster.etcdEndpoint, kvs: [record] });
    nodeMs.push((await seenAt(`node ${record.hostIp}'s flows`, async () => (await flowLines(node, `table=${Table.TunnelIngress},tun_src=${record.hostIp}`)) > 0)) - put.doneAt);
  }
  return { serviceMs: summarize(serviceMs), nodeMs: summarize(nodeMs) };
}

/** `bench` joins ns0 the way an admin asks for it (the Action in etcd); timed until every pod's delivery flows carry ns0's VNID. */
async function measureJoin(cluster: SandboxCluster, node: SandboxNode, pods: number): Promise<ScaleData['join']> {
  const target = (await cluster.etcdGet(`${NET_KEYS}/netnamespaces/ns0`)) as { NetID: number };
  const own = (await cluster.etcdGet(`${NET_KEYS}/netnamespaces/${POD_NAMESPACE}`)) as { NetID: number };
  const start = Date.now();
  await cluster.etcdctl('put', `${NET_KEYS}/netnamespaces/${POD_NAMESPACE}`,
    JSON.stringify({ NetName: POD_NAMESPACE, NetID: own.NetID, Action: 'join', Namespace: 'ns0' }));
  const seen = await seenAt('the joined VNID on every pod', async () =>
    (await flowLines(node, `table=${Table.LocalDelivery},reg0=${target.NetID}`)) >= pods, 60_000);
  return { pods, ms: seen - start };
}

/** The lines of the last start in the daemon's log (`<ISO time> <level> <message> k=v…`), up to its ready line. */
function startTimeline(log: string, spawnedAt: number): StartEvent[] {
  const lines = log.split('\n');
  const first = lines.map((l) => l.includes(' k8s-ovs starting')).lastIndexOf(true);
  const events: StartEvent[] = [];
  for (const line of lines.slice(Math.max(0, first))) {
    const match = /^(\S+Z) (\w+) (.*)$/.exec(line);
    if (!match) continue;
    const message = match[3]!.replace(/ \w[\w-]*=.*$/, '');
    // A warning keeps its details (a lost election's reason, say).
    const shown = match[2] === 'info' ? message : match[3]!;
    events.push({ s: (Date.parse(match[1]!) - spawnedAt) / 1000, event: `${match[2]} ${shown}`.slice(0, 200) });
    if (message === 'k8s-ovs ready') break;
  }
  return events;
}

/** SIGKILL and start again, polling the switch throughout: a restart must not take flows away. */
async function measureRestart(cluster: SandboxCluster, node: SandboxNode, kube: string[],
  converged: () => Promise<boolean>): Promise<RestartData> {
  const count = { services: await tableFlowCount(node, Table.ServiceAccess), pods: await tableFlowCount(node, Table.LocalDelivery) };
  const low = { services: count.services, pods: count.pods };
  const below = { services: 0, pods: 0 };
  let polling = true;
  let polls = 0;
  const poller = (async () => {
    let last = Date.now();
    while (polling) {
      const [services, pods] = [await tableFlowCount(node, Table.ServiceAccess).catch(() => count.services),
        await tableFlowCount(node, Table.LocalDelivery).catch(() => count.pods)];
      const now = Date.now();
      if (services < count.services) below.services += now - last;
      if (pods < count.pods) below.pods += now - last;
      low.services = Math.min(low.services, services);
      low.pods = Math.min(low.pods, pods);
      last = now;
      polls += 1;
    }
  })();
  await cluster.stopDaemon(node, 'SIGKILL');
  const t0 = Date.now();
  await startDaemon(cluster, node, { extraFlags: kube });
  const readyS = (Date.now() - t0) / 1000;
  const convergedS = ((await seenAt('flows after the restart', converged)) - t0) / 1000;
  await sleep(3000);
  polling = false;
  await poller;
  return {
    timeline: startTimeline(await cluster.log(node), t0),
    readyS, convergedS, polls,
    serviceFlows: { before: count.services, min: low.services, belowBeforeS: below.services / 1000 },
    podFlows: { before: count.pods, min: low.pods, belowBeforeS: below.pods / 1000 },
  };
}
