// Fixed pod addresses with the real daemon: ADD latency against a dynamic address, and thousands of claimed addresses
// across a hundred nodes (their /32 flows, the daemon's memory, a restart onto an empty switch).
import { intToIpv4, ipv4ToInt, parseIpv4 } from '../../lib/net/ipv4.js';
import { CATEGORY_MASK, renderCookie } from '../../lib/ovs/cookie.js';
import { serializeClaim } from '../../lib/sdn/fixed/claim.js';
import { IP_ADDRESS_ANNOTATION } from '../../lib/sdn/fixed/request.js';
import { podMac } from '../../lib/sdn/node/podports.js';
import { OwnerKind } from '../../lib/sdn/pipeline/owners.js';
import type { SandboxCluster } from '../../test/support/cluster.js';
import { SandboxApiServer } from '../../test/support/kube.js';
import type { SandboxNode } from '../../test/support/sandbox/index.js';
import type { BenchProfile } from '../profile.js';
import { type Summary, summarize } from '../stats.js';
import { using } from '../teardown.js';
import { NET_KEYS, POD_NAMESPACE, type Rss, processRss, startControlCluster, startDaemon, tableFlowCount } from './cluster.js';
import { daemonTimes } from './cni.js';
import { LoadClient } from './load-client.js';
import { flowLines, seenAt } from './scale.js';
import { callPlugin, expectSuccess } from './plugin.js';

/** Its own underlay, so that it never meets another sandbox's. */
const FIXED_UNDERLAY = '10.61.200.0/24';
/** The pool: ADD takes addresses from its first half, the claimed thousands sit in its second. */
const POOL_CIDR = '10.140.0.0/15';
const ADD_BASE = ipv4ToInt('10.140.0.10');
const CLAIM_BASE = ipv4ToInt('10.141.0.1');
const NODE_BASE = ipv4ToInt('198.18.0.1');
const SUBNET_BASE = ipv4ToInt('10.136.0.0');
const FIXED_COOKIES = `cookie=${renderCookie(BigInt(OwnerKind.FixedAddress) << 56n)}/${renderCookie(CATEGORY_MASK)}`;

export interface FixedData {
  add: { pods: number; dynamicMs: Summary; fixedMs: Summary; dynamicDaemonMs: Summary; fixedDaemonMs: Summary; failures: string[] };
  scale: {
    nodes: number;
    addresses: number;
    /** From the first claim written (in transactions of 100) until the node had every address's flows. */
    routedS: number;
    fixedFlows: number;
    flows: number;
    rss: { before: Rss; atScale: Rss };
    /** The daemon and ovs-vswitchd restarted together: ready, and every fixed-address flow back on the empty switch. */
    restart: { readyS: number; convergedS: number };
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fixedFlowCount = (node: SandboxNode) => flowLines(node, FIXED_COOKIES);

export async function runFixedSection(profile: BenchProfile, log: (line: string) => void): Promise<FixedData> {
  const size = profile.fixed;
  return using(() => startControlCluster(FIXED_UNDERLAY), async (cluster) => {
    const n1 = cluster.node('n1');
    const api = new SandboxApiServer(cluster, '172.30.0.0/16');
    await api.start();
    const loader = LoadClient.start(cluster.sandbox);
    await loader.send({ op: 'apiPost', server: api.url, items: [
      { path: '/api/v1/nodes', body: { metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: n1.ip }] } } },
      { path: '/api/v1/namespaces', body: { metadata: { name: POD_NAMESPACE } } },
    ] });
    const kube = ['--kubeconfig', api.kubeconfig];
    await startDaemon(cluster, n1, { extraFlags: kube });
    await cluster.etcdctl('put', `${NET_KEYS}/ippools/bench`, JSON.stringify({ CIDR: POOL_CIDR, Namespaces: [POD_NAMESPACE] }));
    await seenAt('the master to accept the pool', async () =>
      ((await cluster.etcdGet(`${NET_KEYS}/ippool-status/bench`)) as { State?: string } | undefined)?.State === 'Accepted', 30_000);
    const add = await measureAdd(cluster, n1, loader, api.url, size.addPods);
    log(`ADD p50: dynamic ${add.dynamicMs.p50} ms, fixed ${add.fixedMs.p50} ms (daemon ${add.dynamicDaemonMs.p50} / ${add.fixedDaemonMs.p50} ms), `
      + `${add.failures.length} failed`);

    // No master from here on: the thousands of claims name nodes without a daemon, which a master would collect.
    await cluster.stopDaemon(n1);
    let daemon = await startDaemon(cluster, n1, { extraFlags: [...kube, '--master=false'] });
    await sleep(3000);
    const before = await processRss(daemon.pid);
    const nodes = Array.from({ length: size.nodes }, (_, i) => ({ ip: intToIpv4(NODE_BASE + i), subnet: `${intToIpv4(SUBNET_BASE + i * 512)}/23` }));
    await loader.send({ op: 'etcdPut', endpoint: cluster.etcdEndpoint, kvs: nodes.map((node, i) => ({
      key: `${NET_KEYS}/subnets/${node.ip}`, value: JSON.stringify({ Host: `fake-${i}`, HostIP: node.ip, Subnet: node.subnet, Assign: false }) })) });
    await seenAt('every node\'s tunnel flows', async () => (await tableFlowCount(n1, 10)) > 3 * size.nodes);
    const claims = Array.from({ length: size.addresses }, (_, i) => claimRecord(CLAIM_BASE + i, nodes[i % nodes.length]!.ip, i));
    const start = Date.now();
    await loader.send({ op: 'etcdPut', endpoint: cluster.etcdEndpoint, kvs: claims });
    const routedAt = await seenAt('every claimed address\'s flows', async () => (await fixedFlowCount(n1)) >= 4 * size.addresses);
    await sleep(3000);
    const atScale = await processRss(daemon.pid);
    const fixedFlows = await fixedFlowCount(n1);
    const flows = await tableFlowCount(n1);
    log(`${size.addresses} addresses on ${size.nodes} nodes routed in ${((routedAt - start) / 1000).toFixed(1)} s: ${fixedFlows} of ${flows} flows; `
      + `RSS ${before.rssMb.toFixed(0)} -> ${atScale.rssMb.toFixed(0)} MiB`);

    await cluster.stopDaemon(n1);
    await n1.restartVswitchd();
    const t0 = Date.now();
    daemon = await startDaemon(cluster, n1, { extraFlags: [...kube, '--master=false'] });
    const readyS = (Date.now() - t0) / 1000;
    const convergedS = ((await seenAt('the fixed-address flows back', async () => (await fixedFlowCount(n1)) >= 4 * size.addresses)) - t0) / 1000;
    log(`restart onto an empty switch: ready ${readyS.toFixed(1)} s, every fixed-address flow ${convergedS.toFixed(1)} s`);
    return { add, scale: { nodes: size.nodes, addresses: size.addresses, routedS: (routedAt - start) / 1000, fixedFlows, flows,
      rss: { before, atScale }, restart: { readyS, convergedS } } };
  });
}

/** A claim as a node writes it, held by a pod of `node`. */
function claimRecord(address: number, node: string, i: number): { key: string; value: string } {
  const ip = parseIpv4(intToIpv4(address));
  return { key: `${NET_KEYS}/ip-claims/${ip}`, value: serializeClaim({
    ip, mac: podMac(ip), namespace: POD_NAMESPACE, pod: `held-${i}`, podUid: `uid-${i}`, node: parseIpv4(node), containerId: `ctr-${i}`,
    kind: 'static', pool: 'bench', retain: false, statefulSet: null, previous: '', time: new Date().toISOString(),
  }) };
}

/** Sequential ADDs alternating a dynamic and a fixed address (pods of the API server, as a kubelet's are), then DELs. */
async function measureAdd(cluster: SandboxCluster, node: SandboxNode, loader: LoadClient, server: string, pairs: number): Promise<FixedData['add']> {
  // `w…` warm up the daemon (its first ADDs pay for lazy loading and JIT); `…f…` ask for a fixed address.
  const fixed = (name: string) => name.includes('f');
  const names = ['wd', 'wf', ...Array.from({ length: pairs }, (_, i) => [`d${i}`, `f${i}`]).flat()];
  await loader.send({ op: 'apiPost', server, items: names.map((name, i) => ({ path: `/api/v1/namespaces/${POD_NAMESPACE}/pods`, body: {
    metadata: { name, namespace: POD_NAMESPACE, annotations: fixed(name) ? { [IP_ADDRESS_ANNOTATION]: intToIpv4(ADD_BASE + i) } : {} },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } } })) });
  const pods = [];
  for (const name of names) pods.push(await cluster.sandbox.createPodNetns(name));
  const ms = { dynamic: [] as number[], fixed: [] as number[] };
  const failures: string[] = [];
  for (const pod of pods) {
    const run = await callPlugin(cluster, node, { command: 'ADD', containerId: pod.name, netns: pod.netnsPath }, 'clean');
    if (run.exitCode !== 0) failures.push(`${pod.name}: ${run.stdout.trim().slice(0, 300)}`);
    else if (!pod.name.startsWith('w')) ms[fixed(pod.name) ? 'fixed' : 'dynamic'].push(run.ms);
  }
  for (const pod of pods) expectSuccess(await callPlugin(cluster, node, { command: 'DEL', containerId: pod.name, netns: pod.netnsPath }, 'clean'), `DEL ${pod.name}`);
  const log = await cluster.log(node);
  const measured = names.filter((name) => !name.startsWith('w'));
  const daemon = (kind: boolean) => summarize(daemonTimes(log, new Set(measured.filter((name) => fixed(name) === kind))).ADD);
  return { pods: pairs, dynamicMs: summarize(ms.dynamic), fixedMs: summarize(ms.fixed), dynamicDaemonMs: daemon(false),
    fixedDaemonMs: daemon(true), failures };
}
