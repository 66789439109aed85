// Runs the real CNI plugin binary as a runtime does, inside a node, with or without NODE_EXTRA_CA_CERTS.
import { PLUGIN, type SandboxCluster } from '../../test/support/cluster.js';
import { type PluginRun, runPlugin } from '../../test/support/cni.js';
import type { SandboxNode } from '../../test/support/sandbox/index.js';
import { POD_NAMESPACE } from './cluster.js';

/**
 * `clean`: only PATH and the CNI variables, as systemd or a kubelet's runtime start a plugin.
 * `ca-certs`: plus NODE_EXTRA_CA_CERTS, as these machines set it for every process.
 */
export type EnvMode = 'clean' | 'ca-certs';
export const ENV_MODES: readonly EnvMode[] = ['clean', 'ca-certs'];

/** The NODE_EXTRA_CA_CERTS this machine sets (what `ca-certs` mode passes), or the Debian bundle. */
export const machineCaCerts = process.env.NODE_EXTRA_CA_CERTS;
const caCertsFile = machineCaCerts ?? '/etc/ssl/certs/ca-certificates.crt';

export function envFor(mode: EnvMode): Record<string, string> {
  return mode === 'ca-certs' ? { NODE_EXTRA_CA_CERTS: caCertsFile } : {};
}

export interface PluginCall {
  command: 'ADD' | 'DEL' | 'VERSION';
  containerId: string;
  netns: string;
}

/** One plugin process: `nsenter --net=NODE bin/k8s-ovs-cni` (or another checkout's `plugin`), CNI_* set, the config on stdin. */
export function callPlugin(
  cluster: SandboxCluster, node: SandboxNode, call: PluginCall, mode: EnvMode, plugin = PLUGIN,
): Promise<PluginRun> {
  const config = { cniVersion: '1.0.0', name: 'k8s-ovs', type: 'k8s-ovs', daemonSocket: cluster.cniSocket(node) };
  return runPlugin({
    CNI_COMMAND: call.command, CNI_CONTAINERID: call.containerId, CNI_NETNS: call.netns, CNI_IFNAME: 'eth0',
    CNI_PATH: '/opt/cni/bin', CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${POD_NAMESPACE};K8S_POD_NAME=${call.containerId}`,
    ...envFor(mode),
  }, JSON.stringify(config), plugin, ['nsenter', `--net=${node.netnsPath}`]);
}

/** Throws with the plugin's answer unless it succeeded. */
export function expectSuccess(run: PluginRun, what: string): PluginRun {
  if (run.exitCode !== 0) throw new Error(`${what} failed (exit ${run.exitCode}): ${run.stdout.trim()} ${run.stderr.trim()}`);
  return run;
}
