// The daemon's command line: the original k8s-ovs flags plus what a node needs; environment K8S_OVS_*.
import os from 'node:os';
import yargs from 'yargs';
import { type EtcdFlags, withEtcdFlags } from '../../cli/etcd-flags.js';
import { type EnvironmentFlags, declaredFlags, readEnvironmentFlags } from '../../cli/environment.js';
import { DEFAULT_HOST_LOCAL_DIR } from '../ipam/host-local-leases.js';
import { packageVersion } from './heartbeat.js';
import { type OriginalFlagOutcome, type OriginalFlags, resolveOriginalFlags, splitOriginalArguments, withOriginalFlags } from './original-flags.js';

export interface DaemonFlags extends EtcdFlags, OriginalFlags {
  hostname: string;
  'node-ip'?: string;
  kubeconfig?: string;
  'request-subnet'?: boolean;
  master: boolean;
  'admin-namespaces': string[];
  'etcd-access-namespaces': string[];
  'election-ttl': number;
  'ovs-rundir'?: string;
  bridge: string;
  'datapath-type': 'system' | 'netdev';
  mtu?: number;
  'tx-checksum-offload'?: boolean;
  'cni-socket': string;
  'state-dir': string;
  'host-local-dir': string;
  'log-level': string;
  'log-format': 'text' | 'json';
  'metrics-address': string;
  'environment-file': string;
  'seed-network-config'?: string;
}

export interface ParsedDaemonFlags {
  /** 'log-level' is resolved: --log-level, else the original's --v, else info. */
  flags: DaemonFlags;
  environment: EnvironmentFlags;
  original: OriginalFlagOutcome;
}

/**
 * The Kubernetes Node name as the original derived it from the host name: trimmed and lower-cased
 * (Node names are lower-case DNS names; kubelet does the same to --hostname-override).
 */
export function normaliseNodeName(name: string): string {
  return name.trim().toLowerCase();
}

export function parseDaemonFlags(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ParsedDaemonFlags {
  const parser = withOriginalFlags(withEtcdFlags(yargs(splitOriginalArguments(argv))))
    .scriptName('k8s-ovs')
    .usage('$0 [options]\n\nThe k8s-ovs host daemon: one per node. Reads the network config from etcd, leases this\n'
      + 'node\'s HostSubnet, programs Open vSwitch, serves the CNI plugin and takes part in the master election.')
    .option('hostname', { type: 'string', default: normaliseNodeName(os.hostname()), coerce: normaliseNodeName,
      describe: 'this node\'s name (the Kubernetes Node name; trimmed and lower-cased)' })
    .option('node-ip', { type: 'string', describe: 'underlay address for VXLAN (default: the address of the route to the first etcd endpoint)' })
    .option('kubeconfig', { type: 'string', describe: 'kubeconfig of the API server (also KUBECONFIG, KUBERNETES_MASTER, or in-cluster)' })
    .option('request-subnet', { type: 'boolean', describe: 'ask the master for a HostSubnet with "Assign":true (default: when no API server is configured)' })
    .option('master', { type: 'boolean', default: true, describe: 'take part in the master election' })
    .option('admin-namespaces', { type: 'string', array: true, default: [], coerce: (v: string[]) => v.flatMap((s) => s.split(',')).filter(Boolean),
      describe: 'namespaces made global (VNID 0) and kept so, besides kube-system' })
    .option('etcd-access-namespaces', { type: 'string', array: true, default: [], coerce: (v: string[]) => v.flatMap((s) => s.split(',')).filter(Boolean),
      describe: 'namespaces whose pods may open the etcd endpoints the daemons use (default: none; every pod is kept out)' })
    .option('election-ttl', { type: 'number', default: 10, describe: 'master lease TTL in seconds' })
    .option('ovs-rundir', { type: 'string', describe: 'OVS run directory (default: $OVS_RUNDIR or /var/run/openvswitch)' })
    .option('bridge', { type: 'string', default: 'br0', describe: 'the integration bridge' })
    .option('datapath-type', { choices: ['system', 'netdev'] as const, default: 'system' as const,
      describe: 'OVS datapath: system (kernel module) or netdev (userspace)' })
    .option('mtu', { type: 'number', describe: 'pod and tun0 MTU (default: the underlay MTU minus 50)' })
    .option('tx-checksum-offload', { type: 'boolean', describe: 'leave TX checksum offload on in pods (default: off with the netdev datapath, which needs it off)' })
    .option('cni-socket', { type: 'string', default: '/var/run/k8s-ovs/cni-server.sock', describe: 'unix socket the CNI plugin talks to' })
    .option('state-dir', { type: 'string', default: '/var/lib/k8s-ovs', describe: 'persistent state (IPAM)' })
    .option('host-local-dir', { type: 'string', default: DEFAULT_HOST_LOCAL_DIR,
      describe: 'host-local leases of the original k8s-ovs: its running pods are adopted at start, each lease removed with its pod' })
    .option('log-level', { type: 'string', choices: ['error', 'warn', 'info', 'debug'], describe: 'default: info (debug with the original\'s --v=4 or more)' })
    .option('log-format', { choices: ['text', 'json'] as const, default: 'text' as const })
    .option('environment-file', { type: 'string', default: '/etc/sysconfig/k8s-ovs',
      describe: 'the K8S_OVS_* file the unit starts the daemon with; SIGHUP (systemctl reload k8s-ovs) re-reads its etcd endpoints' })
    .option('metrics-address', { type: 'string', default: '127.0.0.1:9101', describe: 'serve /metrics, /healthz and /readyz on HOST:PORT (empty disables)' })
    .option('seed-network-config', { type: 'string', describe: 'network config JSON written to <prefix>/config when etcd holds none; an existing one is never changed' })
    // Without camelCase aliases an unknown flag is named once, as typed.
    .parserConfiguration({ 'camel-case-expansion': false })
    .strict()
    .showHelpOnFail(false, 'k8s-ovs --help lists every flag')
    .help()
    .version(packageVersion());
  // As config values: a flag on the command line wins over its K8S_OVS_* variable.
  const environment = readEnvironmentFlags(env, declaredFlags(parser));
  parser.config(Object.fromEntries(environment.values));
  const flags = parser.parseSync() as unknown as DaemonFlags;
  const original = resolveOriginalFlags(flags);
  return { flags: { ...flags, 'log-level': original.logLevel }, environment, original };
}
