// The k8s-ovs host daemon: wires etcd, the master, the node agent and the CNI server, and shuts down cleanly.
import { lookup } from 'node:dns/promises';
import path from 'node:path';
import { configKeyOf, firstEndpointHost, storeOptions } from '../../cli/etcd-flags.js';
import { EtcdStore } from '../../etcd/store.js';
import { localRunner } from '../../exec/command.js';
import { HostFirewall } from '../../host/firewall.js';
import { HostNetwork } from '../../host/network.js';
import { PodLinks } from '../../host/podlink.js';
import { type Logger, createLogger } from '../../log.js';
import { type Ipv4, parseIpv4 } from '../../net/ipv4.js';
import { OvsSwitch } from '../../ovs/switch.js';
import { CniServer } from '../cni/server.js';
import { HostSubnetIpam } from '../ipam/allocator.js';
import { HostLocalLeases } from '../ipam/host-local-leases.js';
import { Master } from '../master/master.js';
import { type KubeClient, type KubePod, kubernetesConfigured, loadKubeConfig } from '../../k8s/index.js';
import { MasterSync } from '../kube/master-sync.js';
import { NodeSync } from '../kube/node-sync.js';
import { WorkloadSync } from '../kube/workload-sync.js';
import { keyLeaf, networkKeys } from '../layout.js';
import { parseBandwidthAnnotations } from '../cni/bandwidth.js';
import { IP_POOL_ANNOTATION, parseFixedRequest } from '../fixed/request.js';
import { NodeAgent } from '../node/agent.js';
import { OriginalPodAdoption } from '../node/original-pods.js';
import { FirewallKeeper, nodeAcceptRules } from '../node/firewall.js';
import { TUN_PORT_NAME, Table } from '../pipeline/tables.js';
import { NodePodNetwork } from '../node/podnetwork.js';
import { ControlPlaneGuard, literalIpv4 } from '../node/control-plane.js';
import { NodePolicies } from '../node/policies.js';
import { PolicySync, warnIgnoredPolicies } from '../kube/policy-sync.js';
import { enforcesNetworkPolicy } from '../config.js';
import { PodGuard } from '../../host/pod-guard.js';
import { ConfigSource } from './config-source.js';
import { seedNetworkConfig } from './config-seed.js';
import { EnvironmentError } from '../../cli/environment.js';
import { OriginalFlagError } from './original-flags.js';
import { v2ConfigHint } from '../../migrate/hint.js';
import { type DaemonFlags, parseDaemonFlags } from './options.js';
import { startHeartbeat } from './heartbeat.js';
import { DaemonMetrics, daemonMetricsSources, exposedMetricsPorts } from './metrics.js';
import { reloadEtcdSettings } from './reload.js';

/** What main() hands the daemon: where to register what SIGHUP does. */
export interface DaemonControl {
  argv: readonly string[];
  onReload(handler: () => Promise<void>): void;
}

async function resolveIpv4(host: string): Promise<Ipv4[]> {
  const literal = literalIpv4(host);
  if (literal) return [literal];
  return (await lookup(host, { family: 4, all: true })).map(({ address }) => parseIpv4(address));
}

async function nodeAddress(flags: DaemonFlags, host: HostNetwork): Promise<Ipv4> {
  if (flags['node-ip']) return parseIpv4(flags['node-ip'], '--node-ip');
  const { address } = await lookup(firstEndpointHost(flags), { family: 4 });
  return host.sourceAddressFor(address);
}

export async function runDaemon(flags: DaemonFlags, log: Logger, control: DaemonControl): Promise<() => Promise<void>> {
  const runner = localRunner();
  const host = new HostNetwork(runner);
  const nodeIp = await nodeAddress(flags, host);
  log.info('k8s-ovs starting', { node: flags.hostname, nodeIp, etcd: flags['etcd-endpoints'], prefix: flags['etcd-prefix'],
    ...(flags.network ? { network: flags.network } : {}), logLevel: flags['log-level'] });
  const store = await EtcdStore.connect({ ...storeOptions(flags), logger: log });
  // Registered before waiting for the config: an administrator may be fixing the endpoints it waits on.
  let afterReload = (): Promise<void> => Promise.resolve();
  control.onReload(async () => {
    await reloadEtcdSettings({ file: flags['environment-file'], argv: control.argv, running: flags, store, log });
    await afterReload();
  });
  const configKey = configKeyOf(flags);
  if (flags['seed-network-config']) await seedNetworkConfig(store, flags['seed-network-config'], flags['etcd-prefix'], log, configKey);
  const configSource = new ConfigSource(store, flags['etcd-prefix'], log, () => v2ConfigHint(storeOptions(flags), flags.network), configKey);
  const config = await configSource.first();

  const master = new Master(store, config, {
    identity: flags.hostname, electionTtlSeconds: flags['election-ttl'], adminNamespaces: flags['admin-namespaces'], logger: log,
  });
  const kube: KubeClient | undefined = kubernetesConfigured({ kubeconfig: flags.kubeconfig })
    ? await loadKubeConfig({ kubeconfig: flags.kubeconfig }) : undefined;
  if (kube) log.info('following the Kubernetes API server', { server: kube.server, source: kube.source });
  else log.warn('no Kubernetes API server configured: nodes and namespaces are registered in etcd by hand');
  const keys = networkKeys(config.name);
  const masterSync = kube && flags.master ? new MasterSync(kube, master, { logger: log,
    listNetNamespaces: async () => (await store.list(keys.netNamespaces)).items.map((kv) => keyLeaf(kv.key, keys.netNamespaces)),
  }) : undefined;
  const workloads = kube && flags.master ? new WorkloadSync(kube, master, { logger: log }) : undefined;
  if (workloads) master.useWorkloads(workloads);
  if (flags.master) master.start();
  masterSync?.start();
  workloads?.start();

  const ovs = new OvsSwitch(runner, { bridge: flags.bridge, datapathType: flags['datapath-type'],
    ...(flags['ovs-rundir'] ? { runDir: flags['ovs-rundir'] } : {}) });
  const exposedPorts = exposedMetricsPorts(flags['metrics-address']);
  const etcdAccess = new Set(flags['etcd-access-namespaces']);
  let policies: NodePolicies | undefined;
  const policySync = kube && enforcesNetworkPolicy(config.plugin)
    ? new PolicySync(kube, { changed: () => void policies?.refresh(), logger: log }) : undefined;
  const originalLeases = new HostLocalLeases(flags['host-local-dir']);
  // Bound late: nodeSync follows the agent, and the agent adopts only once nodeSync has listed the pods.
  const originalPods = new OriginalPodAdoption({ ovs, leases: originalLeases, logger: log,
    podByIp: (ip): KubePod | undefined => nodeSync?.pods.byIp(ip) });
  let listed = Promise.resolve();
  const agent = new NodeAgent({
    ...(policySync ? { beforeFirstResync: () => policies!.refresh() } : {}),
    untilListed: () => listed,
    store, config, hostname: flags.hostname, nodeIp, ovs, host, podLinks: new PodLinks(runner), logger: log, originalPods,
    guardedNodePorts: exposedPorts, controlPlaneAccess: (namespace) => etcdAccess.has(namespace),
    requestSubnet: flags['request-subnet'] ?? !kube,
    disableTxChecksumOffload: !(flags['tx-checksum-offload'] ?? flags['datapath-type'] !== 'netdev'),
    ...(flags.mtu ? { mtu: flags.mtu } : {}),
  });
  configSource.onChange((next) => agent.applyServiceNetwork(next));
  const guard = new ControlPlaneGuard({
    configuredUrls: () => store.endpoints, memberUrls: () => store.memberUrls(), resolve: resolveIpv4,
    switch: agent, host: new PodGuard(runner), exposedPorts, logger: log,
    localAddresses: () => [nodeIp, ...(agent.nodeNetwork ? [agent.nodeNetwork.gateway] : [])],
    allowedPods: () => agent.dataplane.localPods().filter((pod) => pod.port.controlPlaneAccess).map((pod) => pod.port.ip),
  });
  // New endpoints from a reload are closed to pods at once, not at the next member-list read.
  afterReload = () => guard.refresh();
  // Known before the first resync, so a restart never leaves the switch without them.
  agent.dataplane.rememberControlPlaneEndpoints(await guard.configuredEndpoints());
  // A reload that removed the accept rules removed the guard's jump too: both come back together.
  const hostFirewall = new HostFirewall(runner);
  const firewall = new FirewallKeeper(hostFirewall, nodeAcceptRules(config.network, TUN_PORT_NAME), log,
    { afterRepair: () => guard.reapply() });
  await firewall.start();
  if (await hostFirewall.removeOriginalMasquerade(config.network)) {
    log.info('removed the original k8s-ovs\'s masquerade rule for the cluster network; this daemon\'s own rules replace it');
  }
  let ipam: HostSubnetIpam | undefined;
  let podNetwork: NodePodNetwork | undefined;
  policies = policySync ? new NodePolicies({
    source: policySync, logger: log, apply: (flows) => agent.setPolicyFlows(flows),
    localPods: () => agent.dataplane.localPods().map((pod) => ({ namespace: pod.namespace, name: pod.name, ip: pod.port.ip })),
  }) : undefined;
  const nodeSync = kube ? new NodeSync(kube, { nodeName: flags.hostname, services: agent.services, logger: log,
    podsSynced: (pods) => podNetwork?.reclaimVanished(pods) }) : undefined;
  podNetwork = new NodePodNetwork({ agent, ovs, ipam: () => ipam, logger: log, originalLeases,
    podsChanged: (namespace) => {
      if (etcdAccess.has(namespace)) void guard.refresh();
      void policies?.refresh();
    },
    ...(policies ? { policies } : {}),
    ...(nodeSync ? {
      annotationBandwidth: async (ns: string, name: string) => parseBandwidthAnnotations(await nodeSync.pods.annotations(ns, name)),
      fixedRequest: async (ns: string, name: string) => {
        const [pod, namespace] = [await nodeSync.pods.pod(ns, name), nodeSync.namespaceAnnotations(ns) ?? {}];
        return pod ? { known: true as const, uid: pod.uid, request: parseFixedRequest(pod, namespace) }
          : { known: false as const, namespaceDefault: namespace[IP_POOL_ANNOTATION] !== undefined };
      },
      podGone: (ns: string, name: string) => nodeSync.connected && nodeSync.nodeKnown && !nodeSync.pods.has(ns, name),
    } : {}),
  });
  const policyFlowStats = async () => (await Promise.all([Table.EgressPolicy, Table.IngressPolicy]
    .map((table) => ovs.dumpFlows({ table }, { stats: true })))).flat();
  const metrics = new DaemonMetrics(daemonMetricsSources({ store, master, agent, ipam: () => ipam, logger: log,
    ...(nodeSync ? { apiServer: nodeSync } : {}), ...(policies ? { policyFlowStats } : {}) }));
  const cni = new CniServer({ socketPath: flags['cni-socket'], logger: log, backend: podNetwork, observe: metrics.observeCni });
  await cni.start();
  await metrics.start(flags['metrics-address']);
  const heartbeat = startHeartbeat(store, { networkName: config.name, host: flags.hostname, hostIp: nodeIp, logger: log });
  nodeSync?.start();
  policySync?.start();
  if (kube && !policySync) void warnIgnoredPolicies(kube, config.plugin, log);
  // The first resync should hold services and policies too; an API server that does not answer delays it 5 s at most.
  // The node sets up its switch meanwhile: only adopting pods and the resync wait for the lists.
  if (nodeSync) {
    listed = (async () => {
      const synced = Promise.all([nodeSync.whenSynced(), policySync?.whenSynced()]).then(() => true, () => false);
      if (!await Promise.race([synced, new Promise<false>((resolve) => setTimeout(() => resolve(false), 5000).unref())]) && policySync) {
        log.warn('NetworkPolicies not listed yet: pods they isolate are open until the API server answers');
      }
    })();
  }
  await agent.start();
  await policies?.refresh();
  await guard.start();
  // Reconciled before CNI may use it: every running pod's address is recorded (a pod adopted from the
  // original has no record yet), and an address whose container has no port is from an ADD that died.
  const opened = await HostSubnetIpam.open({ stateDir: path.join(flags['state-dir'], 'ipam'), subnet: agent.nodeNetwork!.localSubnet, logger: log });
  const running = agent.dataplane.localPods();
  await opened.repair(running.map((pod) => ({ containerId: pod.containerId, ifname: pod.ifname, ip: pod.port.ip })));
  const reconciled = await opened.reconcile(running.map((pod) => pod.containerId));
  if (reconciled.released.length) log.info('released addresses of pods that no longer exist', { released: reconciled.released.map((r) => r.ip) });
  await agent.fixed.reconcile(agent.dataplane.localPods().map((pod) => pod.containerId));
  ipam = opened;
  await podNetwork.nodeReady();
  log.info('k8s-ovs ready', { node: flags.hostname, cniSocket: flags['cni-socket'] });

  // Shutting down leaves the switch as it is: pods keep forwarding while the daemon is away.
  return async () => {
    firewall.stop();
    await heartbeat.stop();
    await metrics.close();
    await cni.stop();
    podNetwork?.stop();
    guard.stop();
    await nodeSync?.stop();
    await policySync?.stop();
    await masterSync?.stop();
    await workloads?.stop();
    await agent.stop();
    await master.stop();
    await configSource.stop();
    await store.close();
    ovs.close();
  };
}

export async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseDaemonFlags>;
  try {
    parsed = parseDaemonFlags(argv);
  } catch (error) {
    if (!(error instanceof EnvironmentError || error instanceof OriginalFlagError)) throw error;
    process.stderr.write(`k8s-ovs: ${error.message}\n`);
    process.exit(2);
  }
  const { flags, environment, original } = parsed;
  const log = createLogger({ level: flags['log-level'], format: flags['log-format'] });
  if (original.warning) log.warn(original.warning.message, original.warning.flags);
  if (environment.ignored.length) log.warn('ignoring environment variables that name no k8s-ovs flag', { variables: environment.ignored });
  if (environment.unwrapped.length) {
    log.info('read variables written as --flag=value (the original k8s-ovs sysconfig style)', { variables: environment.unwrapped });
  }
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('k8s-ovs stopping', { signal });
    await stop?.();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Without a handler SIGHUP would end the daemon; reloads run one at a time.
  let reload: (() => Promise<void>) | undefined;
  let reloading = Promise.resolve();
  process.on('SIGHUP', () => {
    log.info('reload requested (SIGHUP)', { environmentFile: flags['environment-file'] });
    reloading = reloading.then(() => reload?.());
  });
  try {
    stop = await runDaemon(flags, log, { argv, onReload: (handler) => { reload = handler; } });
  } catch (error) {
    log.error('k8s-ovs failed', { error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
}
