// The daemon's command line: the original k8s-ovs flags plus what a node needs; environment K8S_OVS_*.
import os from 'node:os';
import yargs from 'yargs';
import { type EtcdFlags, withEtcdFlags } from '../../cli/etcd-flags.js';
import { ENV_PREFIX, type EnvironmentFlags, prepareEnvironment } from '../../cli/environment.js';

export interface DaemonFlags extends EtcdFlags {
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
  'log-level': string;
  'log-format': 'text' | 'json';
  'metrics-address': string;
  'environment-file': string;
  'seed-network-config'?: string;
}

export interface ParsedDaemonFlags {
  flags: DaemonFlags;
  environment: EnvironmentFlags;
}

export function parseDaemonFlags(argv: string[]): ParsedDaemonFlags {
  const parser = withEtcdFlags(yargs(argv))
    .scriptName('k8s-ovs')
    .usage('$0 [options]\n\nThe k8s-ovs host daemon: one per node. Reads the network config from etcd, leases this\n'
      + 'node\'s HostSubnet, programs Open vSwitch, serves the CNI plugin and takes part in the master election.')
    .env(ENV_PREFIX)
    .option('hostname', { type: 'string', default: os.hostname(), describe: 'this node\'s name (the Kubernetes Node name)' })
    .option('node-ip', { type: 'string', describe: 'underlay address for VXLAN (default: the address of the route to the first etcd endpoint)' })
    .option('kubeconfig', { type: 'string', describe: 'kubeconfig of the API server (also KUBECONFIG, KUBERNETES_MASTER, or in-cluster)' })
    .option('request-subnet', { type: 'boolean', describe: 'ask the master for a HostSubnet with "Assign":true (default: when no API server is configured)' })
    .option('master', { type: 'boolean', default: true, describe: 'take part in the master election' })
    .option('admin-namespaces', { type: 'string', array: true, default: [], coerce: (v: string[]) => v.flatMap((s) => s.split(',')).filter(Boolean),
      describe: 'namespaces kept global (VNID 0) besides default and kube-system' })
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
    .option('log-level', { type: 'string', default: 'info', choices: ['error', 'warn', 'info', 'debug'] })
    .option('log-format', { choices: ['text', 'json'] as const, default: 'text' as const })
    .option('environment-file', { type: 'string', default: '/etc/sysconfig/k8s-ovs',
      describe: 'the K8S_OVS_* file the unit starts the daemon with; SIGHUP (systemctl reload k8s-ovs) re-reads its etcd endpoints' })
    .option('metrics-address', { type: 'string', default: '127.0.0.1:9101', describe: 'serve /metrics, /healthz and /readyz on HOST:PORT (empty disables)' })
    .option('seed-network-config', { type: 'string', describe: 'network config JSON written to <prefix>/config when etcd holds none; an existing one is never changed' })
    .strict()
    .help()
    .version(false);
  const environment = prepareEnvironment(parser);
  return { flags: parser.parseSync() as unknown as DaemonFlags, environment };
}
